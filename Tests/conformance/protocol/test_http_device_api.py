"""HTTP device API (§2) with plain `requests`."""
from __future__ import annotations

import threading
import time

import pytest
import requests

from steward_harness import now_ms, series, unique


def url(server, token: str, path: str) -> str:
    return f"{server.base_url}/api/v1/{token}{path}"


@pytest.fixture
def dev(tenant):
    return tenant.device()


def test_post_telemetry_200_empty_body(server, dev):
    t = now_ms() - 60_000
    r = requests.post(url(server, dev["accessToken"], "/telemetry"),
                      json=[{"ts": t, "values": {"v": 1}}, {"ts": t + 1, "values": {"v": 2.5}}], timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b""
    got = server.telemetry_query(dev["id"], ["v"], t - 1, t + 2, order="ASC")
    assert series(got, "v") == [{"ts": t, "value": 1}, {"ts": t + 1, "value": 2.5}]


def test_post_attributes_200_empty_body(server, dev):
    r = requests.post(url(server, dev["accessToken"], "/attributes"), json={"a": 1}, timeout=10)
    assert r.status_code == 200 and r.content == b"", (r.status_code, r.text)


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/telemetry", {"x": 1}),
    ("POST", "/attributes", {"x": 1}),
    ("GET", "/attributes", None),
    ("GET", "/attributes/updates?timeout=1000", None),
    ("GET", "/rpc?timeout=1000", None),
    ("POST", "/rpc", {"method": "getCurrentTime", "params": {}}),
    ("POST", "/claim", {}),
])
def test_unknown_token_401(server, method, path, body):
    r = requests.request(method, url(server, unique("unknown-token"), path), json=body, timeout=10)
    assert r.status_code == 401, (r.status_code, r.text)


@pytest.mark.parametrize("path,body", [
    ("/telemetry", b"{not json"),
    ("/telemetry", b"42"),
    ("/telemetry", b"[1, 2]"),
    ("/attributes", b"{broken"),
    ("/attributes", b'[{"a": 1}]'),
])
def test_malformed_json_400_with_message(server, dev, path, body):
    r = requests.post(url(server, dev["accessToken"], path), data=body,
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.text.strip(), "400 must carry a message naming the problem"
    low = r.text.lower()
    assert any(w in low for w in ("json", "object", "payload", "parse", "invalid")), r.text


@pytest.mark.parametrize("path", ["/telemetry", "/attributes"])
def test_missing_body_400(server, dev, path):
    r = requests.post(url(server, dev["accessToken"], path), headers={"Content-Type": "application/json"},
                      timeout=10)
    assert r.status_code == 400, (r.status_code, r.text)


def test_empty_object_telemetry_accepted(server, dev):
    r = requests.post(url(server, dev["accessToken"], "/telemetry"), json={}, timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert not any(server.telemetry_latest(dev["id"]).values()), "{} carries no data points"


def test_get_attributes_with_key_filters(server, tenant, dev):
    tok = dev["accessToken"]
    assert requests.post(url(server, tok, "/attributes"),
                         json={"c1": "v1", "c2": 2, "c3": {"n": 1}}, timeout=10).status_code == 200
    tenant.set_shared(dev["id"], {"s1": True, "s2": 1.5, "s3": "x"})

    r = requests.get(url(server, tok, "/attributes"), timeout=10)
    assert r.status_code == 200
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    assert r.json() == {"client": {"c1": "v1", "c2": 2, "c3": {"n": 1}},
                        "shared": {"s1": True, "s2": 1.5, "s3": "x"}}

    r = requests.get(url(server, tok, "/attributes"), params={"clientKeys": "c1,c3,zz", "sharedKeys": "s2"},
                     timeout=10)
    assert r.json() == {"client": {"c1": "v1", "c3": {"n": 1}}, "shared": {"s2": 1.5}}

    r = requests.get(url(server, tok, "/attributes"), params={"clientKeys": "c2"}, timeout=10)
    body = r.json()
    assert body["client"] == {"c2": 2} and not body.get("shared"), body

    # repeated parameters are joined (the HTTP SDK's firmware flow relies on it)
    r = requests.get(url(server, tok, "/attributes"), params=[("sharedKeys", "s1"), ("sharedKeys", "s3")],
                     timeout=10)
    body = r.json()
    assert body["shared"] == {"s1": True, "s3": "x"} and not body.get("client"), body


@pytest.mark.parametrize("path", ["/attributes/updates", "/rpc"])
def test_long_poll_timeout_408(server, dev, path):
    started = time.monotonic()
    r = requests.get(url(server, dev["accessToken"], path), params={"timeout": 1000}, timeout=15)
    elapsed = time.monotonic() - started
    assert r.status_code == 408, (r.status_code, r.text)
    assert elapsed >= 0.9, f"the server must hold the long poll for the timeout (returned after {elapsed:.2f}s)"


def test_long_poll_attribute_update(server, tenant, dev):
    result = {}
    th = threading.Thread(target=lambda: result.setdefault("r", requests.get(
        url(server, dev["accessToken"], "/attributes/updates"), params={"timeout": 15000}, timeout=30)))
    th.start()
    deadline = time.monotonic() + 15
    i = 0
    while th.is_alive() and time.monotonic() < deadline:
        i += 1
        tenant.set_shared(dev["id"], {"lp": i})  # repeat: the poll may not be registered yet
        th.join(0.5)
    th.join(15)
    r = result["r"]
    assert r.status_code == 200, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"lp"} and 1 <= body["lp"] <= i, body


def rpc_via_long_poll(server, tenant, dev, rest_path: str, reply):
    """Device long-polls /rpc, the REST caller sends a two-way RPC, the device replies."""
    polled = {}

    def device_side():
        r = requests.get(url(server, dev["accessToken"], "/rpc"), params={"timeout": 10000}, timeout=30)
        polled["r"] = r
        if r.status_code == 200:
            polled["reply"] = requests.post(url(server, dev["accessToken"], f"/rpc/{r.json()['id']}"),
                                            json=reply, timeout=10)

    for _ in range(3):  # retry if the REST call raced ahead of the device's poll
        th = threading.Thread(target=device_side)
        th.start()
        time.sleep(0.3)
        r = tenant.rest("POST", f"{rest_path}/{dev['id']}",
                        json={"method": "setGpio", "params": {"pin": 1}, "timeout": 5000})
        th.join(15)
        if r.status_code == 200 or "reply" in polled:
            break
    return r, polled


@pytest.mark.parametrize("rest_path", ["/api/plugins/rpc/twoway", "/api/rpc/twoway"])
def test_two_way_rpc_over_long_poll(server, tenant, dev, rest_path):
    r, polled = rpc_via_long_poll(server, tenant, dev, rest_path, {"pin": 1, "state": "on"})
    assert polled["r"].status_code == 200, polled["r"].text
    req = polled["r"].json()
    assert req["method"] == "setGpio" and req["params"] == {"pin": 1} and isinstance(req["id"], int), req
    assert polled["reply"].status_code == 200, polled["reply"].text
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.json() == {"pin": 1, "state": "on"}


def test_two_way_rpc_no_listener_times_out(server, tenant, dev):
    results = {}

    def call(path):
        results[path] = tenant.rest("POST", f"{path}/{dev['id']}",
                                    json={"method": "setGpio", "params": {"pin": 1}, "timeout": 5000},
                                    timeout=30)

    threads = [threading.Thread(target=call, args=(p,)) for p in ("/api/plugins/rpc/twoway", "/api/rpc/twoway")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert results["/api/plugins/rpc/twoway"].status_code == 408, results["/api/plugins/rpc/twoway"].text
    assert results["/api/rpc/twoway"].status_code == 504, results["/api/rpc/twoway"].text


def test_client_rpc_get_current_time(server, dev):
    r = requests.post(url(server, dev["accessToken"], "/rpc"),
                      json={"method": "getCurrentTime", "params": {}}, timeout=15)
    assert r.status_code == 200, r.text
    assert abs(r.json()["time"] - now_ms()) < 60_000


def test_claim_over_http_then_customer_claims(server, tenant, dev):
    r = requests.post(url(server, dev["accessToken"], "/claim"),
                      json={"secretKey": "http-secret", "durationMs": 60000}, timeout=10)
    assert r.status_code == 200 and r.content == b"", (r.status_code, r.text)
    customer = server.create_customer(tenant.id)
    email = f"{unique('cu')}@steward.test"
    server.create_user(tenant.id, email, "pw-123456", role="customer-user", customer=customer["id"])
    cjwt = server.login(email, "pw-123456")["token"]
    r = server.rest("GET", f"/api/device/{dev['id']}", jwt=cjwt)
    assert not r.ok, f"a customer user must not see an unassigned device: {r.status_code}"
    r = server.rest("POST", f"/api/customer/device/{dev['name']}/claim", jwt=cjwt,
                    json={"secretKey": "http-secret"})
    assert r.status_code == 200, (r.status_code, r.text)
    owner = tenant.rest("GET", f"/api/device/{dev['id']}").json()["customerId"]["id"]
    assert owner == customer["id"]
    r = server.rest("GET", f"/api/device/{dev['id']}", jwt=cjwt)
    assert r.status_code == 200 and r.json()["name"] == dev["name"], (r.status_code, r.text)


# -- provisioning --------------------------------------------------------------------------------

def provision(server, body):
    r = requests.post(f"{server.base_url}/api/v1/provision", json=body, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def test_provision_allow_create(server, tenant):
    key, secret = unique("pkey"), unique("psecret")
    server.create_profile(tenant.id, unique("profile"), key, secret, strategy="allow-create")
    name = unique("hp")
    body = provision(server, {"deviceName": name, "provisionDeviceKey": key, "provisionDeviceSecret": secret})
    assert body["status"] == "SUCCESS" and body["credentialsType"] == "ACCESS_TOKEN", body
    token = body["credentialsValue"]
    r = requests.post(url(server, token, "/telemetry"), json={"fresh": 1}, timeout=10)
    assert r.status_code == 200

    again = provision(server, {"deviceName": name, "provisionDeviceKey": key, "provisionDeviceSecret": secret})
    assert again["status"] == "FAILURE", f"a device of that name exists already: {again}"

    wanted = unique("wanted-token")
    body = provision(server, {"deviceName": unique("hp"), "provisionDeviceKey": key,
                              "provisionDeviceSecret": secret, "credentialsType": "ACCESS_TOKEN",
                              "token": wanted})
    assert body["status"] == "SUCCESS" and body["credentialsValue"] == wanted, body


def test_provision_not_found(server, tenant):
    key, secret = unique("pkey"), unique("psecret")
    server.create_profile(tenant.id, unique("profile"), key, secret)
    for k, s in ((key, "wrong"), (unique("nokey"), secret)):
        body = provision(server, {"deviceName": unique("nf"), "provisionDeviceKey": k,
                                  "provisionDeviceSecret": s})
        assert body["status"] == "NOT_FOUND" and body.get("errorMsg"), body


def test_provision_check_pre_provisioned(server, tenant):
    key, secret, pname = unique("pkey"), unique("psecret"), unique("pre-profile")
    server.create_profile(tenant.id, pname, key, secret, strategy="check-pre-provisioned")
    pre = server.create_device(tenant.id, name=unique("pre"), profile=pname)
    body = provision(server, {"deviceName": pre["name"], "provisionDeviceKey": key,
                              "provisionDeviceSecret": secret})
    assert body["status"] == "SUCCESS" and body["credentialsValue"] == pre["accessToken"], body
    body = provision(server, {"deviceName": unique("not-pre"), "provisionDeviceKey": key,
                              "provisionDeviceSecret": secret})
    assert body["status"] == "FAILURE", body
