"""REST API (§4) through the official tb-rest-client (4.x) and plain requests."""
from __future__ import annotations

import time

import pytest
import requests
from tb_rest_client.models import Device, DeviceId
from tb_rest_client.rest import ApiException
from tb_rest_client.rest_client import RestClient

from steward_harness import Tenant, jwt_header, jwt_payload, now_ms, unique

NULL_CUSTOMER = "13814000-1dd2-11b2-8080-808080808080"


def device_api(server, token, path):
    return f"{server.base_url}/api/v1/{token}{path}"


# -- auth / JWT -------------------------------------------------------------------------------

def test_login_returns_jwt_pair_with_claims(server, tenant):
    pair = server.login(tenant.admin_email, tenant.admin_password)
    tok, ref = pair["token"], pair["refreshToken"]
    assert jwt_header(tok).get("alg") == "HS512"
    p = jwt_payload(tok)
    now = time.time()
    assert p["sub"] == tenant.admin_email
    assert p["scopes"] == ["TENANT_ADMIN"]
    assert isinstance(p["iat"], int) and isinstance(p["exp"], int)
    assert abs(p["iat"] - now) < 300 and p["exp"] > now + 60
    assert p.get("tenantId") == tenant.id
    assert p.get("userId") == tenant.admin["id"]
    r = jwt_payload(ref)
    assert r["sub"] == tenant.admin_email and r["scopes"] == ["REFRESH_TOKEN"]
    assert isinstance(r["exp"], int) and r["exp"] >= p["exp"] and isinstance(r["iat"], int)


def test_refresh_token(server, tenant):
    pair = server.login(tenant.admin_email, tenant.admin_password)
    r = server.rest("POST", "/api/auth/token", json={"refreshToken": pair["refreshToken"]})
    assert r.status_code == 200, r.text
    fresh = r.json()
    assert fresh["token"] and fresh["refreshToken"]
    me = server.rest("GET", "/api/auth/user", jwt=fresh["token"])
    assert me.status_code == 200, me.text
    assert me.json()["email"] == tenant.admin_email and me.json()["authority"] == "TENANT_ADMIN"
    # an access token is not a refresh token
    r = server.rest("POST", "/api/auth/token", json={"refreshToken": pair["token"]})
    assert r.status_code == 401, (r.status_code, r.text)


def test_bad_password_401_error_body(server, tenant):
    r = requests.post(f"{server.base_url}/api/auth/login",
                      json={"username": tenant.admin_email, "password": "wrong-password"}, timeout=10)
    assert r.status_code == 401
    body = r.json()
    assert body["status"] == 401 and body["errorCode"] == 10, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["timestamp"], int) and abs(body["timestamp"] - now_ms()) < 300_000


def test_requests_without_or_with_bad_jwt_401(server):
    assert server.rest("GET", "/api/tenant/devices?pageSize=10&page=0").status_code == 401
    assert server.rest("GET", "/api/tenant/devices?pageSize=10&page=0", jwt="not.a.jwt").status_code == 401


def test_sysadmin_login(server):
    pair = server.login(server.admin_email, server.admin_password)
    assert jwt_payload(pair["token"])["scopes"] == ["SYS_ADMIN"]


# -- devices ------------------------------------------------------------------------------------

def test_device_crud_with_rest_client(server, tenant, rc):
    name, token = unique("rc-dev"), unique("rc-token")
    created = rc.save_device(Device(name=name, type="thermometer"), access_token=token)
    assert created.name == name and created.type == "thermometer"
    assert created.id.entity_type == "DEVICE" and len(created.id.id) == 36
    assert created.tenant_id.id == tenant.id
    assert created.customer_id is None or created.customer_id.id == NULL_CUSTOMER
    assert isinstance(created.created_time, int)

    fetched = rc.get_device_by_id(DeviceId(created.id.id, "DEVICE"))
    assert fetched.name == name and fetched.id.id == created.id.id

    creds = rc.get_device_credentials_by_device_id(DeviceId(created.id.id, "DEVICE"))
    assert creds.credentials_type == "ACCESS_TOKEN" and creds.credentials_id == token
    assert creds.device_id.id == created.id.id

    r = requests.post(device_api(server, token, "/telemetry"), json={"works": 1}, timeout=10)
    assert r.status_code == 200

    rc.delete_device(DeviceId(created.id.id, "DEVICE"))
    with pytest.raises(ApiException) as err:
        rc.get_device_by_id(DeviceId(created.id.id, "DEVICE"))
    assert err.value.status == 404
    r = tenant.rest("GET", f"/api/device/{created.id.id}")
    assert r.status_code == 404
    body = r.json()
    assert body["status"] == 404 and body["errorCode"] == 32, body
    # the token of a deleted device is no longer accepted
    r = requests.post(device_api(server, token, "/telemetry"), json={"works": 2}, timeout=10)
    assert r.status_code == 401


def test_device_by_name(server, tenant, rc):
    dev = tenant.device()
    found = rc.get_tenant_device(dev["name"])
    assert found.id.id == dev["id"] and found.name == dev["name"]
    r = tenant.rest("GET", "/api/tenant/device", params={"deviceName": unique("absent")})
    assert r.status_code == 404, (r.status_code, r.text)


def test_save_device_generates_token(server, rc):
    created = rc.save_device(Device(name=unique("gen"), type="default"))
    creds = rc.get_device_credentials_by_device_id(created.id)
    tok = creds.credentials_id
    assert len(tok) == 20 and tok.isalnum(), tok


def test_tenant_devices_paging(server):
    t = Tenant(server)
    names = {t.device(name=unique("pg"))["name"] for _ in range(3)}
    client = RestClient(base_url=server.base_url)
    client.login(t.admin_email, t.admin_password)
    try:
        p0 = client.get_tenant_devices(page_size=2, page=0)
        p1 = client.get_tenant_devices(page_size=2, page=1)
    finally:
        client.stop()
    assert len(p0.data) == 2 and p0.total_elements == 3 and p0.total_pages == 2 and p0.has_next is True
    assert len(p1.data) == 1 and p1.has_next is False
    assert {d.name for d in p0.data + p1.data} == names


# -- attributes ---------------------------------------------------------------------------------

def test_attributes_via_rest_client(server, tenant, rc):
    dev = tenant.device()
    did = DeviceId(dev["id"], "DEVICE")
    rc.save_device_attributes(did, "SERVER_SCOPE", {"srvA": 1, "srvB": "x"})
    rc.save_device_attributes(did, "SHARED_SCOPE", {"shA": True})
    assert requests.post(device_api(server, dev["accessToken"], "/attributes"), json={"clA": 2.5},
                         timeout=10).status_code == 200
    got = {a.key: a.value for a in rc.get_attributes(did, keys="srvA,shA,clA")}
    assert got == {"srvA": 1, "shA": True, "clA": 2.5}
    shared = rc.get_attributes_by_scope(did, "SHARED_SCOPE")
    assert [(a.key, a.value) for a in shared] == [("shA", True)]
    assert all(isinstance(a.last_update_ts, int) for a in shared)
    # client scope cannot be written through REST
    r = tenant.rest("POST", f"/api/plugins/telemetry/DEVICE/{dev['id']}/CLIENT_SCOPE", json={"x": 1})
    assert r.status_code == 400, (r.status_code, r.text)


def test_keys_and_rest_telemetry_via_rest_client(server, tenant, rc):
    dev = tenant.device()
    did = DeviceId(dev["id"], "DEVICE")
    assert requests.post(device_api(server, dev["accessToken"], "/telemetry"), json={"k1": 1, "k2": "two"},
                         timeout=10).status_code == 200
    assert requests.post(device_api(server, dev["accessToken"], "/attributes"), json={"ca": 1},
                         timeout=10).status_code == 200
    rc.save_device_attributes(did, "SERVER_SCOPE", {"sa": 2})
    rc.save_entity_telemetry(did, "ANY", {"ts": T0, "values": {"k3": 3.5}})
    assert sorted(rc.get_timeseries_keys_v1(did)) == ["k1", "k2", "k3"]
    # SERVER_SCOPE also lists ThingsBoard's activity attributes once the device has reported (as ThingsBoard does).
    assert sorted(rc.get_attribute_keys(did)) == ["active", "ca", "inactivityTimeout", "lastActivityTime", "sa"]
    assert rc.get_attribute_keys_by_scope(did, "CLIENT_SCOPE") == ["ca"]
    latest = rc.get_latest_timeseries(did, keys="k3", use_strict_data_types=None)
    assert latest["k3"][0].ts == T0 and float(latest["k3"][0].value) == 3.5


# -- time series ----------------------------------------------------------------------------------

T0 = 1_700_000_000_000
TEMPS = [10, 20, 30, 40, 50, 60]


@pytest.fixture(scope="module")
def ts_device(server, tenant):
    dev = tenant.device()
    payload = [{"ts": T0 + i * 1000, "values": {"temp": v, "f": v / 4}} for i, v in enumerate(TEMPS)]
    r = requests.post(device_api(server, dev["accessToken"], "/telemetry"), json=payload, timeout=10)
    assert r.status_code == 200, r.text
    return dev


def history(tenant, dev, path="/values/timeseries/history", **params):
    r = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{dev['id']}{path}", params=params)
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    return r.json()


def test_latest_timeseries_with_rest_client(rc, ts_device):
    did = DeviceId(ts_device["id"], "DEVICE")
    latest = rc.get_latest_timeseries(did, keys="temp,nokey")
    (point,) = latest["temp"]
    assert point.ts == T0 + 5000 and point.value == "60", "values are strings unless useStrictDataTypes"
    (missing,) = latest["nokey"]
    assert missing.value is None
    # tb-rest-client sends `useStrictDataTypes=True` (Python bool); Spring parses it case-insensitively
    strict = rc.get_latest_timeseries(did, keys="temp,f", use_strict_data_types=True)
    assert strict["temp"][0].value == 60 and strict["f"][0].value == 15.0, \
        "useStrictDataTypes=True (capital T, as tb-rest-client sends it) must give typed values"


def test_get_timeseries_with_rest_client(rc, ts_device):
    did = DeviceId(ts_device["id"], "DEVICE")
    raw = rc.get_timeseries(did, T0 - 500, T0 + 5500, keys="temp", agg="NONE", limit=100, order_by="ASC",
                            use_strict_data_types=True)
    assert [(p.ts, p.value) for p in raw["temp"]] == [(T0 + i * 1000, v) for i, v in enumerate(TEMPS)], \
        "useStrictDataTypes=True (capital T, as tb-rest-client sends it) must give typed values"
    avg = rc.get_timeseries(did, T0 - 500, T0 + 5500, keys="temp", agg="AVG", interval=6000, limit=100)
    (point,) = avg["temp"]
    assert float(point.value) == 35.0


@pytest.mark.parametrize("agg,expected", [
    ("AVG", [20.0, 50.0]), ("MIN", [10, 40]), ("MAX", [30, 60]), ("SUM", [60, 150]), ("COUNT", [3, 3]),
])
def test_history_aggregation(tenant, ts_device, agg, expected):
    data = history(tenant, ts_device, keys="temp", startTs=T0 - 500, endTs=T0 + 5500, interval=3000,
                   agg=agg, limit=100)
    points = sorted(data["temp"], key=lambda p: p["ts"])
    assert [p["ts"] for p in points] == [T0 + 1000, T0 + 4000], "bucket ts is the bucket middle"
    assert [float(p["value"]) for p in points] == [float(e) for e in expected], points
    assert all(isinstance(p["value"], str) for p in points), "non-strict values are strings"


def test_history_float_average(tenant, ts_device):
    data = history(tenant, ts_device, keys="f", startTs=T0 - 500, endTs=T0 + 5500, interval=6000, agg="AVG",
                   useStrictDataTypes="true")
    (p,) = data["f"]
    assert p["value"] == pytest.approx(8.75)


def test_history_raw_order_and_limit(tenant, ts_device):
    asc = history(tenant, ts_device, keys="temp", startTs=T0 - 500, endTs=T0 + 5500, agg="NONE",
                  orderBy="ASC", limit=100)
    assert asc["temp"] == [{"ts": T0 + i * 1000, "value": str(v)} for i, v in enumerate(TEMPS)]
    desc = history(tenant, ts_device, keys="temp", startTs=T0 - 500, endTs=T0 + 5500, limit=2,
                   useStrictDataTypes="true")
    assert desc["temp"] == [{"ts": T0 + 5000, "value": 60}, {"ts": T0 + 4000, "value": 50}], "DESC default"
    # the older path (tb-rest-client <= 4.3) answers the same
    old = history(tenant, ts_device, path="/values/timeseries", keys="temp", startTs=T0 - 500,
                  endTs=T0 + 5500, orderBy="ASC", limit=100)
    assert old == asc


def test_history_multiple_keys_and_empty_range(tenant, ts_device):
    data = history(tenant, ts_device, keys="temp,f", startTs=T0 + 1500, endTs=T0 + 3500, orderBy="ASC",
                   useStrictDataTypes="true")
    assert data["temp"] == [{"ts": T0 + 2000, "value": 30}, {"ts": T0 + 3000, "value": 40}]
    assert data["f"] == [{"ts": T0 + 2000, "value": 7.5}, {"ts": T0 + 3000, "value": 10.0}]
    empty = history(tenant, ts_device, keys="temp", startTs=T0 - 100_000, endTs=T0 - 50_000)
    assert not empty.get("temp"), empty


# -- tenant isolation --------------------------------------------------------------------------------

def test_tenant_isolation(server, tenant, ts_device):
    other = Tenant(server)
    did = ts_device["id"]
    for path in (f"/api/device/{did}",
                 f"/api/device/{did}/credentials",
                 f"/api/plugins/telemetry/DEVICE/{did}/values/attributes",
                 f"/api/plugins/telemetry/DEVICE/{did}/values/timeseries?keys=temp",
                 f"/api/plugins/telemetry/DEVICE/{did}/values/timeseries/history?keys=temp"
                 f"&startTs={T0 - 500}&endTs={T0 + 5500}"):
        r = other.rest("GET", path)
        assert r.status_code == 404, f"{path}: {r.status_code} {r.text}"
        assert "temp" not in r.text and ts_device["accessToken"] not in r.text

    r = other.rest("POST", f"/api/plugins/telemetry/DEVICE/{did}/SHARED_SCOPE", json={"hijack": 1})
    assert not r.ok, (r.status_code, r.text)
    r = other.rest("DELETE", f"/api/device/{did}")
    assert not r.ok, (r.status_code, r.text)
    r = other.rest("POST", f"/api/rpc/oneway/{did}", json={"method": "x", "timeout": 5000})
    assert not r.ok, (r.status_code, r.text)
    listing = other.rest("GET", "/api/tenant/devices", params={"pageSize": 100, "page": 0}).json()
    assert did not in {d["id"]["id"] for d in listing["data"]}

    # A's device is untouched
    r = tenant.rest("GET", f"/api/device/{did}")
    assert r.status_code == 200
    attrs = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{did}/values/attributes").json()
    assert "hijack" not in {a["key"] for a in attrs}
