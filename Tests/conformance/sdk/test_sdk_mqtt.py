"""The official ThingsBoard MQTT SDK (TBDeviceMqttClient, MQTT 5) against Steward."""
from __future__ import annotations

import threading
import time

import pytest
from tb_device_mqtt import TBDeviceMqttClient

from sdk_support import Inbox, assert_acked, rpc_call, sdk_client
from steward_harness import now_ms, series, unique, wait_until


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def latest_values(server, device_id, keys):
    latest = server.wait_latest(device_id, keys)
    missing = [k for k in keys if not series(latest, k)]
    assert not missing, f"keys {missing} not stored; latest = {latest}"
    return {k: series(latest, k)[0]["value"] for k in keys}, latest


# --------------------------------------------------------------------------------------------

def test_connect_and_get_session_limits(server, tenant):
    dev = tenant.device()
    with sdk_client(server, dev["accessToken"]) as client:
        # the SDK asked for getSessionLimits by itself right after connecting
        assert client.rate_limits_received, "SDK's automatic getSessionLimits call was not answered"
        limits = rpc_call(client, "getSessionLimits", {})
    assert isinstance(limits, dict), limits
    assert limits.get("maxPayloadSize") == 65536, limits
    assert "rateLimits" in limits, limits
    assert limits["rateLimits"] is None or isinstance(limits["rateLimits"], dict), limits


def test_telemetry_object_value_types(server, tenant):
    dev = tenant.device()
    with sdk_client(server, dev["accessToken"]) as client:
        assert_acked(client.send_telemetry(
            {"t": 21.5, "n": 42, "s": "x", "b": True, "j": {"a": 1}, "numstr": "42", "nul": None,
             "dbl": 42.0, "f": False}))
    values, latest = latest_values(server, dev["id"], ["t", "n", "s", "b", "j", "numstr", "dbl", "f"])
    assert values["t"] == 21.5 and isinstance(values["t"], float)
    assert values["n"] == 42 and is_int(values["n"])
    assert values["s"] == "x"
    assert values["b"] is True
    assert values["f"] is False
    assert values["j"] == {"a": 1}
    assert values["numstr"] == 42 and is_int(values["numstr"]), "numeric strings are cast to numbers"
    assert values["dbl"] == 42.0 and isinstance(values["dbl"], float), "42.0 stays a double"
    assert not series(latest, "nul"), f"null values must be dropped: {latest}"


def test_telemetry_list_of_objects(server, tenant):
    dev = tenant.device()
    before = now_ms()
    with sdk_client(server, dev["accessToken"]) as client:
        assert_acked(client.send_telemetry([{"a": 1}, {"b": 2.5}]))
    values, latest = latest_values(server, dev["id"], ["a", "b"])
    assert values == {"a": 1, "b": 2.5}
    for k in ("a", "b"):
        ts = series(latest, k)[0]["ts"]
        assert before - 60_000 <= ts <= now_ms() + 60_000, f"server timestamp expected, got {ts}"


def test_telemetry_ts_values_object(server, tenant):
    dev = tenant.device()
    ts = now_ms() - 3_600_000
    with sdk_client(server, dev["accessToken"]) as client:
        assert_acked(client.send_telemetry({"ts": ts, "values": {"c": 7, "c2": "seven"}}))
    got = server.telemetry_query(dev["id"], ["c", "c2"], ts - 10, ts + 10)
    assert series(got, "c") == [{"ts": ts, "value": 7}], got
    assert series(got, "c2") == [{"ts": ts, "value": "seven"}], got


def test_telemetry_list_of_ts_values(server, tenant):
    dev = tenant.device()
    t1 = now_ms() - 7_200_000
    t2 = t1 + 300_000
    with sdk_client(server, dev["accessToken"]) as client:
        assert_acked(client.send_telemetry([{"ts": t1, "values": {"d": 1}}, {"ts": t2, "values": {"d": 2}}]))
    got = server.telemetry_query(dev["id"], ["d"], t1 - 10, t2 + 10, order="ASC")
    assert series(got, "d") == [{"ts": t1, "value": 1}, {"ts": t2, "value": 2}], got


def test_telemetry_mixed_list(server, tenant):
    dev = tenant.device()
    t1 = now_ms() - 5_000_000
    with sdk_client(server, dev["accessToken"]) as client:
        assert_acked(client.send_telemetry([{"ts": t1, "values": {"e": 1}}, {"f": "x"}]))
    got = server.telemetry_query(dev["id"], ["e"], t1 - 10, t1 + 10)
    assert series(got, "e") == [{"ts": t1, "value": 1}], got
    values, _ = latest_values(server, dev["id"], ["f"])
    assert values["f"] == "x"


def test_attributes_send_and_request(server, tenant):
    dev = tenant.device()
    tenant.set_shared(dev["id"], {"targetTemp": 23, "mode": "eco"})
    with sdk_client(server, dev["accessToken"]) as client:
        assert_acked(client.send_attributes({"fw": "v1.0", "serial": "SN-1", "cfg": {"x": [1, 2]},
                                             "numstr": "1.5"}))
        inbox = Inbox()
        client.request_attributes(client_keys=["fw", "cfg", "numstr", "missing"], shared_keys=["targetTemp"],
                                  callback=inbox)
        content, exc = inbox.get(10, "attribute response")
    assert exc is None, exc
    # attributes follow the telemetry typing rules: numeric strings become numbers
    assert content["client"] == {"fw": "v1.0", "cfg": {"x": [1, 2]}, "numstr": 1.5}, content
    assert content["shared"] == {"targetTemp": 23}, content


def test_shared_attribute_update_is_pushed(server, tenant):
    dev = tenant.device()
    inbox = Inbox()
    with sdk_client(server, dev["accessToken"]) as client:
        client.subscribe_to_all_attributes(inbox)
        tenant.set_shared(dev["id"], {"targetTemp": 25, "label": "kitchen"})
        content, exc = inbox.get(10, "shared attribute update")
        assert exc is None
        assert content == {"targetTemp": 25, "label": "kitchen"}, content
        # server-scope attributes are not pushed to the device
        r = tenant.rest("POST", f"/api/plugins/telemetry/DEVICE/{dev['id']}/SERVER_SCOPE", json={"srv": 1})
        assert r.status_code == 200, r.text
        tenant.set_shared(dev["id"], {"targetTemp": 26})
        content, exc = inbox.get(10, "second shared attribute update")
        assert content == {"targetTemp": 26}, f"only changed shared keys are pushed, got {content}"


@pytest.mark.parametrize("path", ["/api/plugins/rpc/twoway", "/api/rpc/twoway"])
def test_server_side_two_way_rpc(server, tenant, path):
    dev = tenant.device()
    seen = Inbox()
    holder = {}

    def handler(request_id, body):
        seen(request_id, body)
        holder["client"].send_rpc_reply(request_id, {"pin": body["params"]["pin"], "value": True})

    with sdk_client(server, dev["accessToken"], rpc_handler=handler) as client:
        holder["client"] = client
        r = tenant.rest("POST", f"{path}/{dev['id']}",
                        json={"method": "setGpio", "params": {"pin": 1}, "timeout": 5000})
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        assert r.json() == {"pin": 1, "value": True}
        request_id, body = seen.get(1, "server RPC at the device")
    assert body == {"method": "setGpio", "params": {"pin": 1}}, body
    assert int(request_id) >= 0


def test_server_side_one_way_rpc(server, tenant):
    dev = tenant.device()
    seen = Inbox()
    with sdk_client(server, dev["accessToken"], rpc_handler=seen) as client:
        r = tenant.rest("POST", f"/api/rpc/oneway/{dev['id']}",
                        json={"method": "reboot", "params": {"delay": 3}, "timeout": 5000})
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        request_id, body = seen.get(10, "one-way RPC at the device")
    assert body == {"method": "reboot", "params": {"delay": 3}}, body


def test_client_rpc_get_current_time(server, tenant):
    dev = tenant.device()
    with sdk_client(server, dev["accessToken"]) as client:
        before = now_ms()
        reply = rpc_call(client, "getCurrentTime", {})
        after = now_ms()
    assert isinstance(reply, dict) and is_int(reply.get("time")), reply
    assert before - 5_000 <= reply["time"] <= after + 5_000, (before, reply, after)


def test_client_rpc_unknown_method_answers_error(server, tenant):
    dev = tenant.device()
    with sdk_client(server, dev["accessToken"]) as client:
        reply = rpc_call(client, "noSuchMethod", {"a": 1}, timeout=10)
    assert isinstance(reply, dict) and isinstance(reply.get("error"), str) and reply["error"], reply


def test_claim_device_by_customer_user(server, tenant):
    dev = tenant.device()
    secret = unique("secret")
    with sdk_client(server, dev["accessToken"]) as client:
        assert_acked(client.claim(secret_key=secret, duration=60000))
    customer = server.create_customer(tenant.id)
    email, password = f"{unique('cust')}@steward.test", "cust-pass-1"
    server.create_user(tenant.id, email, password, role="customer-user", customer=customer["id"])
    cjwt = server.login(email, password)["token"]

    bad = server.rest("POST", f"/api/customer/device/{dev['name']}/claim", jwt=cjwt,
                      json={"secretKey": "not-the-secret"})
    assert 400 <= bad.status_code < 500, f"wrong secret must not claim: {bad.status_code} {bad.text}"
    r = tenant.rest("GET", f"/api/device/{dev['id']}")
    assert r.status_code == 200
    assert (r.json().get("customerId") or {}).get("id") != customer["id"]

    ok = server.rest("POST", f"/api/customer/device/{dev['name']}/claim", jwt=cjwt,
                     json={"secretKey": secret})
    assert ok.status_code == 200, f"{ok.status_code} {ok.text}"
    r = tenant.rest("GET", f"/api/device/{dev['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["customerId"]["id"] == customer["id"], r.json()


def test_provision_allow_create_then_connect(server, tenant):
    key, secret = unique("pkey"), unique("psecret")
    server.create_profile(tenant.id, unique("profile"), key, secret, strategy="allow-create")
    name = unique("provisioned")
    creds = TBDeviceMqttClient.provision(server.host, key, secret, port=server.mqtt_port, device_name=name)
    assert creds is not None, "provisioning failed (see log)"
    assert creds["status"] == "SUCCESS" and creds["credentialsType"] == "ACCESS_TOKEN", creds
    token = creds["credentialsValue"]
    assert isinstance(token, str) and token
    devices = {d["name"]: d for d in server.list_devices(tenant.id)}
    assert name in devices and devices[name]["accessToken"] == token
    with sdk_client(server, token) as client:
        assert_acked(client.send_telemetry({"prov": 1}))
    values, _ = latest_values(server, devices[name]["id"], ["prov"])
    assert values["prov"] == 1


def test_provision_wrong_secret_returns_none(server, tenant):
    key, secret = unique("pkey"), unique("psecret")
    server.create_profile(tenant.id, unique("profile"), key, secret, strategy="allow-create")
    name = unique("not-provisioned")
    started = time.monotonic()
    creds = TBDeviceMqttClient.provision(server.host, key, "wrong-secret", port=server.mqtt_port,
                                         device_name=name)
    assert creds is None
    # the SDK returns early only when a response (NOT_FOUND + errorMsg) arrived, else after 60 s
    assert time.monotonic() - started < 30, "no provisioning response was received"
    assert name not in {d["name"] for d in server.list_devices(tenant.id)}
