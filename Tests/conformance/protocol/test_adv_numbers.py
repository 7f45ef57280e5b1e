"""Every number that comes from outside, at its extremes (issue 11).

Each numeric parameter of every REST route, device HTTP route and MQTT topic gets `Int64.min`, `Int64.max`,
`-1`, `0` and non-numbers. A value outside the parameter's documented range is refused with 400 and a JSON
(REST) or text (device API) message naming the parameter; a value inside it is served. Nothing answers 5xx,
and after each parameter a good device still connects and gets its PUBACK.
"""
from __future__ import annotations

import json

import pytest
import requests

from adversarial import assert_still_serving
from mqtt_wire import PUBACK, V5, connected, publish_packet
from steward_harness import unique

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
MAX_TS = 253_402_300_799_999
EXTREMES = [str(INT64_MIN), str(INT64_MAX), "-1", "0", "abc", "1.5", "1e99", "9" * 40, "0x10"]


def in_range(text: str, low: int, high: int) -> bool:
    try:
        value = int(text, 10)
    except ValueError:
        return False
    return low <= value <= high


@pytest.fixture(scope="module")
def setup(server, tenant):
    dev = tenant.device(unique("numbers"))
    customer = tenant.rest("POST", "/api/customer", json={"title": unique("cust")}).json()
    return {"device": dev, "customer": customer["id"]["id"]}


# (name, path template, query builder, parameter, low, high)
def rest_cases(setup):
    dev = setup["device"]["id"]
    cust = setup["customer"]
    history = f"/api/plugins/telemetry/DEVICE/{dev}/values/timeseries"
    base = {"keys": "t", "startTs": "0", "endTs": "1000", "interval": "100", "limit": "10", "agg": "NONE"}
    agg = dict(base, agg="AVG")
    return [
        ("devices.pageSize", "/api/tenant/devices", {"page": "0"}, "pageSize", 1, INT32_MAX),
        ("devices.page", "/api/tenant/devices", {"pageSize": "10"}, "page", 0, INT32_MAX),
        ("customerDevices.pageSize", f"/api/customer/{cust}/devices", {"page": "0"}, "pageSize", 1, INT32_MAX),
        ("customerDevices.page", f"/api/customer/{cust}/devices", {"pageSize": "10"}, "page", 0, INT32_MAX),
        ("customers.pageSize", "/api/customers", {"page": "0"}, "pageSize", 1, INT32_MAX),
        ("customers.page", "/api/customers", {"pageSize": "10"}, "page", 0, INT32_MAX),
        ("history.startTs", history, base, "startTs", 0, 1000),
        ("history.endTs", history, base, "endTs", 0, MAX_TS),
        ("history.interval", history, agg, "interval", 0, MAX_TS),
        ("history.limit", history, base, "limit", 1, INT32_MAX),
        ("history.raw.interval", history, base, "interval", 0, MAX_TS),
        ("audit.limit", "/api/audit", {}, "limit", 1, 1000),
    ]


def check_rest(server, jwt, path, params, name, value, low, high):
    query = dict(params)
    query[name] = value
    r = requests.get(f"{server.base_url}{path}", params=query, headers={"X-Authorization": f"Bearer {jwt}"},
                     timeout=30)
    where = f"GET {path} {name}={value!r}"
    assert r.status_code < 500, f"{where} answered {r.status_code}: {r.text[:300]}"
    if in_range(value, low, high):
        assert r.status_code == 200, f"{where} is in range but answered {r.status_code}: {r.text[:300]}"
    else:
        assert r.status_code == 400, f"{where} must be refused with 400, got {r.status_code}: {r.text[:300]}"
        body = r.json()
        assert body["status"] == 400 and body["message"], body


def test_rest_numeric_parameters(server, tenant, setup):
    for case, path, params, name, low, high in rest_cases(setup):
        for value in EXTREMES:
            check_rest(server, tenant.jwt, path, params, name, value, low, high)
    assert_still_serving(server, setup["device"]["accessToken"])


def test_tenants_paging_as_system_admin(server):
    jwt = server.login(server.admin_email, server.admin_password)["token"]
    for name, fixed in (("pageSize", {"page": "0"}), ("page", {"pageSize": "10"})):
        low = 1 if name == "pageSize" else 0
        for value in EXTREMES:
            check_rest(server, jwt, "/api/tenants", fixed, name, value, low, INT32_MAX)
    assert_still_serving(server)


def test_huge_page_number_is_an_empty_page(server, tenant, setup):
    r = tenant.rest("GET", f"/api/tenant/devices?pageSize=10000&page={INT32_MAX}")
    assert r.status_code == 200, r.text
    assert r.json()["data"] == [] and r.json()["hasNext"] is False


def test_telemetry_ttl_path_segment(server, tenant, setup):
    dev = setup["device"]["id"]
    for value in EXTREMES:
        r = tenant.rest("POST", f"/api/plugins/telemetry/DEVICE/{dev}/timeseries/ANY/{value}", json={"ttlProbe": 1})
        assert r.status_code < 500, (value, r.status_code, r.text)
        expected = 200 if in_range(value, 0, MAX_TS // 1000) else 400
        assert r.status_code == expected, (value, r.status_code, r.text)
    assert_still_serving(server, setup["device"]["accessToken"])


@pytest.mark.parametrize("field", ["timeout", "expirationTime"])
def test_rpc_body_numbers(server, tenant, setup, field):
    dev = setup["device"]["id"]
    for value in [INT64_MIN, INT64_MAX, -1, "abc", 1.5, 1e300, [1]]:
        body = {"method": "ping", "params": {}, field: value}
        r = tenant.rest("POST", f"/api/plugins/rpc/oneway/{dev}", json=body, timeout=30)
        assert r.status_code == 400, (field, value, r.status_code, r.text)
        assert field in r.json()["message"], r.text
    assert_still_serving(server, setup["device"]["accessToken"])


def device_url(server, token, path):
    return f"{server.base_url}/api/v1/{token}{path}"


@pytest.mark.parametrize("path", ["/rpc", "/attributes/updates"])
def test_long_poll_timeout(server, setup, path):
    token = setup["device"]["accessToken"]
    for value in EXTREMES:
        if in_range(value, 0, INT32_MAX):
            continue  # a valid timeout holds the poll; 1 ms is checked below
        r = requests.get(device_url(server, token, path), params={"timeout": value}, timeout=30)
        assert r.status_code == 400, (path, value, r.status_code, r.text)
        assert "timeout" in r.text
    r = requests.get(device_url(server, token, path), params={"timeout": "1"}, timeout=30)
    assert r.status_code == 408, r.text
    assert_still_serving(server, token)


def test_device_rpc_reply_id(server, setup):
    token = setup["device"]["accessToken"]
    for value in EXTREMES:
        r = requests.post(device_url(server, token, f"/rpc/{value}"), json={"ok": 1}, timeout=30)
        assert r.status_code < 500, (value, r.status_code, r.text)
        expected = 200 if in_range(value, -(2**31), INT32_MAX) else 400
        assert r.status_code == expected, (value, r.status_code, r.text)
    assert_still_serving(server, token)


@pytest.mark.parametrize("value", [INT64_MIN, INT64_MAX, -1, "abc", 1.5, 1e300, {"a": 1}])
def test_claim_duration_over_http(server, setup, value):
    token = setup["device"]["accessToken"]
    r = requests.post(device_url(server, token, "/claim"), json={"secretKey": "s", "durationMs": value}, timeout=30)
    assert r.status_code == 400, (value, r.status_code, r.text)
    assert "durationMs" in r.text
    ok = requests.post(device_url(server, token, "/claim"), json={"secretKey": "s", "durationMs": 0}, timeout=30)
    assert ok.status_code == 200, ok.text
    assert_still_serving(server, token)


@pytest.mark.parametrize("ts", [INT64_MIN, INT64_MAX, -1, MAX_TS + 1, "abc", 1.5])
def test_telemetry_ts_over_http(server, setup, ts):
    token = setup["device"]["accessToken"]
    r = requests.post(device_url(server, token, "/telemetry"), json={"ts": ts, "values": {"t": 1}}, timeout=30)
    assert r.status_code == 400, (ts, r.status_code, r.text)
    assert "ts" in r.text
    assert_still_serving(server, token)


MQTT_CASES = [
    ("v1/devices/me/claim", {"secretKey": "s", "durationMs": INT64_MAX}),
    ("v1/devices/me/claim", {"secretKey": "s", "durationMs": INT64_MIN}),
    ("v1/devices/me/claim", {"secretKey": "s", "durationMs": -1}),
    ("v1/devices/me/claim", {"secretKey": "s", "durationMs": "abc"}),
    ("v1/devices/me/telemetry", {"ts": INT64_MIN, "values": {"t": 1}}),
    ("v1/devices/me/telemetry", {"ts": INT64_MAX, "values": {"t": 1}}),
    ("v1/devices/me/telemetry", {"ts": -1, "values": {"t": 1}}),
    ("v1/devices/me/telemetry", {"ts": "abc", "values": {"t": 1}}),
]


@pytest.mark.parametrize("topic,payload", MQTT_CASES)
def test_mqtt_numbers_refused_with_reason(server, setup, topic, payload):
    token = setup["device"]["accessToken"]
    with connected(server.host, server.mqtt_port, token, V5) as c:
        ack = c.publish(topic, json.dumps(payload).encode(), qos=1, pid=21)
        assert ack.pid == 21 and ack.reason == 0x99, ack
        assert ack.properties.get(0x1F), f"no reason string in {ack}"
        assert c.is_open()
    assert_still_serving(server, token)


@pytest.mark.parametrize("suffix", [str(INT64_MIN), str(INT64_MAX), "-1", "0", "abc", "9" * 40])
def test_mqtt_request_ids(server, setup, suffix):
    token = setup["device"]["accessToken"]
    with connected(server.host, server.mqtt_port, token, V5) as c:
        for prefix in ("v1/devices/me/rpc/response/", "v1/devices/me/rpc/request/", "v1/devices/me/attributes/request/"):
            c.send(publish_packet(prefix + suffix, b'{"method":"getCurrentTime","params":{}}', 1, 31, V5))
            ack = c.expect(PUBACK, skip=(3,))
            assert ack.pid == 31 and ack.reason in (0x00, 0x99), (prefix + suffix, ack)
        assert c.is_open()
    assert_still_serving(server, token)


def test_huge_exponent_is_refused_and_big_numbers_stay_small(server, tenant, setup):
    token = setup["device"]["accessToken"]
    payload = b'{"huge":1e99999}'
    r = requests.post(device_url(server, token, "/telemetry"), data=payload, timeout=30)
    assert r.status_code == 400 and "out of range" in r.text, r.text
    r = requests.post(device_url(server, token, "/telemetry"), data=b'{"big":1e300,"tiny":1e-99999,"long":' + b"7" * 300 + b"}",
                      timeout=30)
    assert r.status_code == 200, r.text
    latest = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{setup['device']['id']}/values/timeseries?keys=big,tiny,long"
                         "&useStrictDataTypes=true").json()
    assert latest["big"][0]["value"] == 1e300
    assert latest["tiny"][0]["value"] == 0.0
    assert latest["long"][0]["value"] == float("7" * 300)
    assert_still_serving(server, token)


def test_untimed_readings_in_one_millisecond_are_all_kept(server, tenant, setup):
    """Readings without `ts` never replace each other, however fast they come (the rule: server timestamps of a
    device only ever increase)."""
    dev = tenant.device(unique("burst"))
    token = dev["accessToken"]
    with connected(server.host, server.mqtt_port, token, V5) as c:
        for i in range(50):
            c.send(publish_packet("v1/devices/me/telemetry", json.dumps({"n": i}).encode(), 1, i + 1, V5))
        acks = [c.expect(PUBACK) for _ in range(50)]
        assert all(a.reason == 0 for a in acks)
    r = requests.post(device_url(server, token, "/telemetry"), json=[{"n": 100}, {"n": 101}], timeout=30)
    assert r.status_code == 200
    hist = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{dev['id']}/values/timeseries?keys=n&startTs=0"
                              f"&endTs={MAX_TS}&limit=1000").json()
    values = sorted(int(p["value"]) for p in hist["n"])
    assert values == list(range(50)) + [100, 101], values
