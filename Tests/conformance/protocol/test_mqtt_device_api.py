"""MQTT device API semantics with paho-mqtt 2.x (exact payloads on the wire)."""
from __future__ import annotations

import json
import threading
import time

import pytest

from mqtt_wire import (DISCONNECT, PUBLISH, UNSUBACK, V5 as RAW_V5, V311 as RAW_V311, RawMqtt, connected,
                       packet, unsubscribe_packet)
from proto_support import V5, V311, PahoDevice
from steward_harness import now_ms, series, unique

TELEMETRY = "v1/devices/me/telemetry"
ATTRIBUTES = "v1/devices/me/attributes"
PROTOCOLS = [pytest.param(V311, id="v311"), pytest.param(V5, id="v5")]


def puback_packet(pid: int) -> bytes:
    return packet(4, 0, pid.to_bytes(2, "big"))


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# -- telemetry payload shapes (§1.4) ----------------------------------------------------------

def test_plain_object_server_ts(server, tenant):
    dev = tenant.device()
    before = now_ms()
    with PahoDevice(server, dev["accessToken"]) as d:
        d.publish(TELEMETRY, {"temperature": 21.5, "humidity": 40})
    latest = server.wait_latest(dev["id"], ["temperature", "humidity"])
    assert series(latest, "temperature")[0]["value"] == 21.5
    assert series(latest, "humidity")[0]["value"] == 40
    assert series(latest, "humidity")[0]["ts"] >= before - 60_000


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_all_payload_shapes(server, tenant, protocol):
    dev = tenant.device()
    t = now_ms() - 86_400_000
    with PahoDevice(server, dev["accessToken"], protocol) as d:
        d.publish(TELEMETRY, [{"s1": 1}, {"s2": 2}])
        d.publish(TELEMETRY, {"ts": t, "values": {"s3": 3}})
        d.publish(TELEMETRY, [{"ts": t + 1, "values": {"s4": 4}}, {"ts": t + 2, "values": {"s4": 5}}])
        d.publish(TELEMETRY, [{"ts": t + 3, "values": {"s5": 6}}, {"s6": 7}])
        d.publish(TELEMETRY, {"ts": str(t + 4), "values": {"s7": 8}})  # numeric-string ts
        d.publish(TELEMETRY, {})  # accepted, no data points
    got = server.telemetry_query(dev["id"], ["s3", "s4", "s5", "s7"], t - 10, t + 10, order="ASC")
    assert series(got, "s3") == [{"ts": t, "value": 3}], got
    assert series(got, "s4") == [{"ts": t + 1, "value": 4}, {"ts": t + 2, "value": 5}], got
    assert series(got, "s5") == [{"ts": t + 3, "value": 6}], got
    assert series(got, "s7") == [{"ts": t + 4, "value": 8}], got
    latest = server.wait_latest(dev["id"], ["s1", "s2", "s6"])
    assert {k: series(latest, k)[0]["value"] for k in ("s1", "s2", "s6")} == {"s1": 1, "s2": 2, "s6": 7}


def test_value_typing_rules(server, tenant):
    dev = tenant.device()
    t = now_ms() - 3_600_000
    payload = ('{"ts": %d, "values": {"l": 7, "d": 7.0, "e": 1e3, "neg": -5, "str": "abc", '
               '"numstr": "3.25", "bt": true, "bf": false, "obj": {"k": [1, {"z": null}]}, '
               '"arr": [1, "two"], "nul": null}}' % t)
    with PahoDevice(server, dev["accessToken"]) as d:
        d.publish(TELEMETRY, payload)
    keys = ["l", "d", "e", "neg", "str", "numstr", "bt", "bf", "obj", "arr", "nul"]
    got = server.telemetry_query(dev["id"], keys, t - 1, t + 1)
    v = {k: series(got, k)[0]["value"] for k in keys if series(got, k)}
    assert is_int(v["l"]) and v["l"] == 7
    assert isinstance(v["d"], float) and v["d"] == 7.0
    assert v["e"] == 1000 and not isinstance(v["e"], bool)
    assert is_int(v["neg"]) and v["neg"] == -5
    assert v["str"] == "abc"
    assert isinstance(v["numstr"], float) and v["numstr"] == 3.25
    assert v["bt"] is True and v["bf"] is False
    assert v["obj"] == {"k": [1, {"z": None}]}
    assert v["arr"] == [1, "two"]
    assert "nul" not in v, "null values are dropped"


def test_value_typing_edge_numbers(server, tenant):
    """§1.4: an integer beyond int64 and a number with more than 16 decimals are kept as strings."""
    dev = tenant.device()
    t = now_ms() - 3_500_000
    payload = '{"ts": %d, "values": {"huge": 123456789012345678901234567890, "prec": 0.12345678901234567890}}' % t
    with PahoDevice(server, dev["accessToken"]) as d:
        d.publish(TELEMETRY, payload)
    got = server.telemetry_query(dev["id"], ["huge", "prec"], t - 1, t + 1)
    assert series(got, "huge") == [{"ts": t, "value": "123456789012345678901234567890"}], got
    assert series(got, "prec") == [{"ts": t, "value": "0.12345678901234567890"}], got


def test_unicode_keys_and_values(server, tenant):
    dev = tenant.device()
    with PahoDevice(server, dev["accessToken"], V5) as d:
        d.publish(TELEMETRY, {"température": "21 °C ✓", "key with spaces": "日本語"})
    latest = server.wait_latest(dev["id"], ["température", "key with spaces"])
    assert series(latest, "température")[0]["value"] == "21 °C ✓"
    assert series(latest, "key with spaces")[0]["value"] == "日本語"


def test_large_batch_in_one_message(server, tenant):
    dev = tenant.device()
    t = now_ms() - 10_000_000
    batch = [{"ts": t + i, "values": {"batch": i}} for i in range(1000)]
    with PahoDevice(server, dev["accessToken"]) as d:
        d.publish(TELEMETRY, batch)
    got = server.telemetry_query(dev["id"], ["batch"], t - 1, t + 1001, limit=5000, order="ASC")
    assert series(got, "batch") == [{"ts": t + i, "value": i} for i in range(1000)]


# -- attributes ---------------------------------------------------------------------------------

def test_attribute_request_without_subscription_and_key_filters(server, tenant):
    dev = tenant.device()
    tenant.set_shared(dev["id"], {"sh1": 1, "sh2": "two"})
    with PahoDevice(server, dev["accessToken"]) as d:
        d.publish(ATTRIBUTES, {"cl1": True, "cl2": {"n": [1, 2]}})
        # no SUBSCRIBE to .../attributes/response/+ : the response is pushed anyway
        d.publish("v1/devices/me/attributes/request/5", {})
        topic, payload = d.next_message(10, "v1/devices/me/attributes/response/")
        assert topic == "v1/devices/me/attributes/response/5"
        assert json.loads(payload) == {"client": {"cl1": True, "cl2": {"n": [1, 2]}},
                                       "shared": {"sh1": 1, "sh2": "two"}}
        d.publish("v1/devices/me/attributes/request/6", {"clientKeys": "cl1,nope", "sharedKeys": "sh2"})
        topic, payload = d.next_message(10, "v1/devices/me/attributes/response/")
        assert topic == "v1/devices/me/attributes/response/6"
        assert json.loads(payload) == {"client": {"cl1": True}, "shared": {"sh2": "two"}}
        d.publish("v1/devices/me/attributes/request/7", {"sharedKeys": "sh1"})
        topic, payload = d.next_message(10, "v1/devices/me/attributes/response/")
        body = json.loads(payload)
        assert topic.endswith("/7") and body.get("shared") == {"sh1": 1}, body
        assert not body.get("client"), f"no client section was requested: {body}"


def test_shared_update_push_only_after_subscribe(server, tenant):
    dev = tenant.device()
    with PahoDevice(server, dev["accessToken"], V5) as d:
        assert d.subscribe(ATTRIBUTES, 1) == [1]
        tenant.set_shared(dev["id"], {"pushed": 42})
        topic, payload = d.next_message(10, ATTRIBUTES)
        assert topic == ATTRIBUTES and json.loads(payload) == {"pushed": 42}


# -- routing: nothing is ever echoed or forwarded ---------------------------------------------

def test_device_never_receives_its_own_publishes(server, tenant):
    dev, other = tenant.device(), tenant.device()
    with PahoDevice(server, dev["accessToken"]) as d, PahoDevice(server, other["accessToken"]) as o:
        assert d.subscribe("v1/devices/me/rpc/request/+", 1) == [1]
        assert d.subscribe("v1/devices/me/rpc/response/+", 1) == [1]
        assert d.subscribe(ATTRIBUTES, 1) == [1]
        assert o.subscribe("v1/devices/me/rpc/request/+", 1) == [1]
        assert o.subscribe(ATTRIBUTES, 1) == [1]
        d.publish("v1/devices/me/rpc/request/1", {"method": "getCurrentTime", "params": {}})
        d.publish(ATTRIBUTES, {"mine": 1})
        topic, payload = d.next_message(10, "v1/devices/me/rpc/response/")
        assert topic == "v1/devices/me/rpc/response/1" and "time" in json.loads(payload)
        # the response proves the request was processed; the PUBACK of one more publish shows
        # the server handled everything before it; then allow a short grace period for strays
        d.publish(TELEMETRY, {"flush": 1})
        time.sleep(0.5)
        leftovers = d.drain()
        assert not leftovers, f"device got its own publishes back: {leftovers}"
        assert not o.drain(), "another device received traffic that was not addressed to it"


# -- client / server RPC ---------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_client_rpc_session_limits_and_time(server, tenant, protocol):
    dev = tenant.device()
    with PahoDevice(server, dev["accessToken"], protocol) as d:
        d.publish("v1/devices/me/rpc/request/41", {"method": "getSessionLimits", "params": {}})
        topic, payload = d.next_message(10, "v1/devices/me/rpc/response/")
        assert topic == "v1/devices/me/rpc/response/41"
        limits = json.loads(payload)
        assert limits["maxPayloadSize"] == 65536 and "rateLimits" in limits, limits
        d.publish("v1/devices/me/rpc/request/42", {"method": "getCurrentTime", "params": {}})
        topic, payload = d.next_message(10, "v1/devices/me/rpc/response/")
        assert topic == "v1/devices/me/rpc/response/42"
        assert abs(json.loads(payload)["time"] - now_ms()) < 60_000
        d.publish("v1/devices/me/rpc/request/43", {"method": "definitelyUnknown", "params": None})
        topic, payload = d.next_message(10, "v1/devices/me/rpc/response/")
        assert topic == "v1/devices/me/rpc/response/43"
        assert isinstance(json.loads(payload).get("error"), str)


def test_server_rpc_wire_format_and_reply(server, tenant):
    dev = tenant.device()
    with PahoDevice(server, dev["accessToken"]) as d:
        assert d.subscribe("v1/devices/me/rpc/request/+", 1) == [1]
        result = {}

        def call():
            result["r"] = tenant.rest("POST", f"/api/plugins/rpc/twoway/{dev['id']}",
                                      json={"method": "getValue", "params": "raw-string", "timeout": 8000})

        th = threading.Thread(target=call)
        th.start()
        topic, payload = d.next_message(10, "v1/devices/me/rpc/request/")
        req_id = topic.rsplit("/", 1)[1]
        assert req_id.isdigit(), topic
        assert json.loads(payload) == {"method": "getValue", "params": "raw-string"}, payload
        d.publish(f"v1/devices/me/rpc/response/{req_id}", {"value": 17})
        th.join(15)
    assert result["r"].status_code == 200, result["r"].text
    assert result["r"].json() == {"value": 17}


def test_server_rpc_non_json_reply_is_406(server, tenant):
    dev = tenant.device()
    with PahoDevice(server, dev["accessToken"]) as d:
        assert d.subscribe("v1/devices/me/rpc/request/+", 1) == [1]
        result = {}
        th = threading.Thread(target=lambda: result.setdefault("r", tenant.rest(
            "POST", f"/api/plugins/rpc/twoway/{dev['id']}", json={"method": "m", "timeout": 8000})))
        th.start()
        topic, _ = d.next_message(10, "v1/devices/me/rpc/request/")
        d.publish(topic.replace("/request/", "/response/"), b"this is not json")
        th.join(15)
    assert result["r"].status_code == 406, f"{result['r'].status_code} {result['r'].text}"


def test_claim_over_mqtt_puback(server, tenant):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], RAW_V5) as c:
        assert c.publish("v1/devices/me/claim", {"secretKey": "k", "durationMs": 60000}, pid=3).reason == 0
        assert c.publish("v1/devices/me/claim", b"", pid=4).reason == 0, "empty claim payload is allowed"


# -- provisioning over MQTT --------------------------------------------------------------------------

def provision_response(c):
    """The /provision/response PUBLISH (it may have been read while waiting for the PUBACK)."""
    for p in c.received:
        if p.type == PUBLISH:
            return p
    return c.expect(PUBLISH, timeout=10)


def test_provision_session_over_mqtt(server, tenant):
    key, secret = unique("pkey"), unique("psecret")
    server.create_profile(tenant.id, unique("profile"), key, secret, strategy="allow-create")
    name = unique("mqtt-prov")
    with RawMqtt(server.host, server.mqtt_port) as c:
        assert c.connect(username="provision").reason == 0
        assert c.subscribe([("/provision/response", 0)]).codes == [0]
        c.publish("/provision/request", {"provisionDeviceKey": key, "provisionDeviceSecret": secret,
                                         "deviceName": name, "credentialsType": "ACCESS_TOKEN",
                                         "token": f"tok-{name}"}, qos=1)
        resp = provision_response(c)
        assert resp.topic == "/provision/response"
        assert resp.json() == {"credentialsValue": f"tok-{name}", "credentialsType": "ACCESS_TOKEN",
                               "status": "SUCCESS"}
    with RawMqtt(server.host, server.mqtt_port) as c:
        assert c.connect(username="provision").reason == 0
        c.publish("/provision/request", {"provisionDeviceKey": key, "provisionDeviceSecret": "nope",
                                         "deviceName": unique("x")}, qos=1)
        body = provision_response(c).json()
        assert body["status"] == "NOT_FOUND" and body.get("errorMsg"), body


# -- unsubscribe / device lifecycle -----------------------------------------------------------------

@pytest.mark.parametrize("protocol", [pytest.param(RAW_V311, id="v311"), pytest.param(RAW_V5, id="v5")])
def test_unsubscribe_stops_shared_attribute_pushes(server, tenant, protocol):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], protocol) as c:
        assert c.subscribe([(ATTRIBUTES, 1)], pid=1).codes == [1]
        tenant.set_shared(dev["id"], {"before": 1})
        push = c.expect(PUBLISH, timeout=10)
        assert push.topic == ATTRIBUTES and push.json() == {"before": 1}
        if push.pid is not None:
            c.send(puback_packet(push.pid))
        c.send(unsubscribe_packet(2, [ATTRIBUTES], protocol))
        unsuback = c.expect(UNSUBACK, timeout=10)
        assert unsuback.pid == 2
        if protocol == RAW_V5:
            assert unsuback.codes == [0x00], unsuback
        tenant.set_shared(dev["id"], {"after": 2})
        assert c.is_open()  # PING round trip after the REST call returned
        time.sleep(0.5)
        assert c.is_open()
        pushed = [p for p in c.received if p.type == PUBLISH and p.topic == ATTRIBUTES and p is not push]
        assert not pushed, f"pushes after UNSUBSCRIBE: {pushed}"
        if protocol == RAW_V5:
            c.send(unsubscribe_packet(3, ["not/subscribed"], protocol))
            assert c.expect(UNSUBACK, timeout=10).codes == [0x11], "No subscription existed"


def test_deleting_a_device_closes_its_session(server, tenant):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], RAW_V5) as c:
        assert c.publish(TELEMETRY, {"x": 1}, qos=1).reason == 0
        r = tenant.rest("DELETE", f"/api/device/{dev['id']}")
        assert r.status_code == 200, r.text
        got = c.wait_closed(5)
        for p in got:
            assert p.type == DISCONNECT and p.reason == 0x98, f"expected DISCONNECT 0x98, got {got}"
    with RawMqtt(server.host, server.mqtt_port, RAW_V311) as c:
        assert c.connect(username=dev["accessToken"]).reason == 0x05
