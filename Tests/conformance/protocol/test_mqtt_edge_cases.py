"""MQTT wire-level edge cases (raw sockets where paho would hide the detail).

After every test an autouse fixture checks that the same server still accepts a good
device (CONNECT + QoS1 telemetry PUBACK).
"""
from __future__ import annotations

import json
import socket
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from mqtt_wire import (CONNACK, DISCONNECT, PINGREQ_PACKET, PINGRESP, PUBACK, SUBACK, V311, V5, Closed,
                       MAXIMUM_QOS, RawMqtt, connect_packet, connected, mstr, publish_packet, subscribe_packet, varint)
from steward_harness import series, unique

VERSIONS = [pytest.param(V311, id="v311"), pytest.param(V5, id="v5")]
TELEMETRY = "v1/devices/me/telemetry"


@pytest.fixture(scope="module")
def canary(tenant):
    return tenant.device(name=unique("canary"))


@pytest.fixture(autouse=True)
def still_accepts_good_device(server, canary):
    yield
    assert server.alive(), "the server process died"
    with connected(server.host, server.mqtt_port, canary["accessToken"]) as c:
        ack = c.publish(TELEMETRY, {"alive": 1}, qos=1, pid=99)
        assert ack.pid == 99 and ack.reason == 0


def raw(server, version=V311) -> RawMqtt:
    return RawMqtt(server.host, server.mqtt_port, version)


# -- authentication -------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_token_refused_then_closed(server, version):
    with raw(server, version) as c:
        ack = c.connect(username=unique("wrong-token"))
        assert ack.reason == (0x05 if version == V311 else 0x86), ack
        c.wait_closed(5)


@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_token_with_password_and_client_id(server, version):
    with raw(server, version) as c:
        ack = c.connect(username=unique("wrong-token"), password="pw", client_id="cid-1")
        assert ack.reason == (0x05 if version == V311 else 0x86), ack
        c.wait_closed(5)


@pytest.mark.parametrize("version", VERSIONS)
def test_no_credentials_refused_then_closed(server, version):
    with raw(server, version) as c:
        ack = c.connect(username=None, password=None, client_id="")
        assert ack.reason == (0x05 if version == V311 else 0x87), ack
        c.wait_closed(5)


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_client_id_without_username(server, version):
    with raw(server, version) as c:
        ack = c.connect(username=None, password=None, client_id=unique("unknown-client"))
        assert ack.reason == (0x02 if version == V311 else 0x85), ack
        c.wait_closed(5)


@pytest.mark.parametrize("version", VERSIONS)
def test_token_auth_ignores_password_and_client_id(server, tenant, version):
    dev = tenant.device()
    with raw(server, version) as c:
        ack = c.connect(username=dev["accessToken"], password="anything", client_id="my-client")
        assert ack.reason == 0, ack
        assert c.publish(TELEMETRY, {"x": 1}, qos=1).reason == 0


def test_paho_sees_refusal_for_wrong_token(server):
    result = {}
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set(unique("wrong-token"))
    client.on_connect = lambda c, u, f, rc, p: result.setdefault("rc", rc)
    client.connect(server.host, server.mqtt_port)
    deadline = time.monotonic() + 10
    while "rc" not in result and time.monotonic() < deadline:
        client.loop(0.1)
    client.disconnect()
    assert "rc" in result, "paho got no CONNACK"
    assert result["rc"].is_failure and result["rc"].value == 0x86, result["rc"]


# -- subscriptions ----------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_unsupported_subscribe_filter_keeps_session(server, tenant, version):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], version) as c:
        suback = c.subscribe([("foo/#", 1)], pid=5)
        assert suback.pid == 5
        assert suback.codes == [0x80 if version == V311 else 0x8F], suback
        ack = c.publish(TELEMETRY, {"after_bad_sub": 5}, qos=1, pid=6)
        assert ack.pid == 6 and ack.reason == 0, ack
    latest = server.wait_latest(dev["id"], ["after_bad_sub"])
    assert series(latest, "after_bad_sub")[0]["value"] == 5


@pytest.mark.parametrize("version", VERSIONS)
def test_subscribe_mixed_filters_and_qos_downgrade(server, tenant, version):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], version) as c:
        suback = c.subscribe([("v1/devices/me/attributes", 1), ("foo/bar", 0),
                              ("v1/devices/me/rpc/request/+", 2), ("v1/devices/me/attributes/response/+", 0)])
        bad = 0x80 if version == V311 else 0x8F
        assert suback.codes == [1, bad, 1, 0], suback


# -- packet size ----------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_packet_over_64k_closes_connection(server, tenant, version):
    dev = tenant.device()
    payload = json.dumps({"big": "x" * 70_000}).encode()
    with connected(server.host, server.mqtt_port, dev["accessToken"], version) as c:
        try:
            c.send(publish_packet(TELEMETRY, payload, qos=1, pid=3, version=version))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close while we are still writing
        got = c.wait_closed(10)
        assert all(p.type == DISCONNECT for p in got), f"only a DISCONNECT may precede the close: {got}"
        if version == V311:
            assert not got, got
    assert not series(server.telemetry_latest(dev["id"]), "big"), "oversize payload must not be stored"


@pytest.mark.parametrize("version", VERSIONS)
def test_packet_just_under_limit_is_accepted(server, tenant, version):
    dev = tenant.device()
    value = "y" * 60_000
    with connected(server.host, server.mqtt_port, dev["accessToken"], version) as c:
        ack = c.publish(TELEMETRY, {"large": value}, qos=1, pid=4)
        assert ack.reason == 0, ack
    latest = server.wait_latest(dev["id"], ["large"])
    assert series(latest, "large")[0]["value"] == value


# -- malformed payloads -------------------------------------------------------------------------

MALFORMED = [
    pytest.param(TELEMETRY, b"{not json", id="telemetry-broken-json"),
    pytest.param(TELEMETRY, b"42", id="telemetry-number"),
    pytest.param(TELEMETRY, b'"just a string"', id="telemetry-string"),
    pytest.param(TELEMETRY, b"[1, 2]", id="telemetry-array-of-numbers"),
    pytest.param("v1/devices/me/attributes", b'[{"a": 1}]', id="attributes-array"),
    pytest.param("v1/devices/me/attributes", b"{oops", id="attributes-broken-json"),
    pytest.param("v1/devices/me/attributes/request/abc", b"{}", id="attr-request-non-int-id"),
    pytest.param("v1/devices/me/attributes/request/1", b"{nope", id="attr-request-broken-json"),
    pytest.param("v1/devices/me/rpc/request/1", b'{"params": {}}', id="rpc-request-without-method"),
    pytest.param("v1/devices/me/claim", b"[1]", id="claim-array"),
]


@pytest.mark.parametrize("topic,payload", MALFORMED)
def test_malformed_json_v311_closes_without_puback(server, tenant, topic, payload):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], V311) as c:
        c.send(publish_packet(topic, payload, qos=1, pid=11))
        got = c.wait_closed(5)
        assert not [p for p in got if p.type == PUBACK], f"no PUBACK expected, got {got}"


@pytest.mark.parametrize("topic,payload", MALFORMED)
def test_malformed_json_v5_puback_0x99_and_stays_open(server, tenant, topic, payload):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], V5) as c:
        ack = c.publish(topic, payload, qos=1, pid=12)
        assert ack.pid == 12 and ack.reason == 0x99, ack
        assert c.is_open(), "connection must stay open after a 0x99 PUBACK"
        ack = c.publish(TELEMETRY, {"ok_after_bad": 1}, qos=1, pid=13)
        assert ack.reason == 0, ack
    latest = server.wait_latest(dev["id"], ["ok_after_bad"])
    assert series(latest, "ok_after_bad")[0]["value"] == 1


def test_malformed_json_v5_qos0_disconnect_0x99(server, tenant):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], V5) as c:
        c.send(publish_packet(TELEMETRY, b"{broken", qos=0, version=V5))
        got = c.wait_closed(5)
        assert [p.reason for p in got if p.type == DISCONNECT] == [0x99], got


def test_qos2_publish_answered_with_puback_v311(server, tenant):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], V311) as c:
        c.send(publish_packet(TELEMETRY, {"q2": 2}, qos=2, pid=31))
        p = c.read(10)
        assert p.type == PUBACK and p.pid == 31, f"QoS 2 is answered with PUBACK (no QoS 2 flow), got {p!r}"
    latest = server.wait_latest(dev["id"], ["q2"])
    assert series(latest, "q2")[0]["value"] == 2


def test_qos2_publish_v5(server, tenant):
    """ThingsBoard answers PUBACK.  A server that advertised Maximum QoS 1 in CONNACK may
    instead DISCONNECT with 0x9B (MQTT 5 §3.3.4); anything else is wrong."""
    dev = tenant.device()
    with raw(server, V5) as c:
        ack = c.connect(username=dev["accessToken"])
        assert ack.reason == 0
        c.send(publish_packet(TELEMETRY, {"q2": 2}, qos=2, pid=31, version=V5))
        p = c.read(10)
        if ack.properties.get(MAXIMUM_QOS) == 1 and p.type == DISCONNECT:
            assert p.reason == 0x9B, p
            c.wait_closed(5)
        else:
            assert p.type == PUBACK and p.pid == 31, f"expected PUBACK, got {p!r} (CONNACK {ack.properties})"


@pytest.mark.parametrize("version", VERSIONS)
def test_pipelined_packets_before_connack(server, tenant, version):
    """CONNECT, PUBLISH and SUBSCRIBE in one write: queued until auth completes, then processed."""
    dev = tenant.device()
    with raw(server, version) as c:
        c.send(connect_packet(version, "", dev["accessToken"])
               + publish_packet(TELEMETRY, {"pipelined": 1}, qos=1, pid=41, version=version)
               + subscribe_packet(42, [("v1/devices/me/attributes", 1)], version))
        first = c.read(10)
        assert first.type == CONNACK and first.reason == 0, first
        rest = {p.type: p for p in (c.read(10), c.read(10))}  # PUBACK/SUBACK order is not fixed
        assert set(rest) == {PUBACK, SUBACK}, rest
        assert rest[PUBACK].pid == 41 and rest[PUBACK].reason == 0, rest
        assert rest[SUBACK].pid == 42 and rest[SUBACK].codes == [1], rest
    latest = server.wait_latest(dev["id"], ["pipelined"])
    assert series(latest, "pipelined")[0]["value"] == 1


def test_mqtt_3_1_protocol_level_3_accepted(server, tenant):
    dev = tenant.device()
    body = (mstr("MQIsdp") + bytes([3, 0x82]) + (60).to_bytes(2, "big") + mstr("mqtt31-client")
            + mstr(dev["accessToken"]))
    with raw(server) as c:
        c.send(bytes([0x10]) + varint(len(body)) + body)
        ack = c.expect(CONNACK, timeout=10)
        assert ack.reason == 0, ack
        assert c.publish(TELEMETRY, {"v31": 1}, qos=1, pid=2).reason == 0
    latest = server.wait_latest(dev["id"], ["v31"])
    assert series(latest, "v31")[0]["value"] == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_topic_puback(server, tenant, version):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], version) as c:
        ack = c.publish("v1/devices/me/nonsense", {"a": 1}, qos=1, pid=21)
        assert ack.pid == 21
        if version == V311:
            assert len(c.received[-1].body) == 2, "3.1.1 PUBACK is a plain 2-byte PUBACK"
        else:
            assert ack.reason == 0x90, ack
        assert c.is_open()
        assert c.publish(TELEMETRY, {"a": 1}, qos=1, pid=22).reason == 0


# -- keep-alive / ping ------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_pingreq_pingresp(server, tenant, version):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], version) as c:
        for _ in range(3):
            c.send(PINGREQ_PACKET)
            assert c.expect(PINGRESP, timeout=5).body == b""


def test_keepalive_silence_closes_connection(server, tenant):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], V311, keepalive=1) as c:
        started = time.monotonic()
        c.wait_closed(5)  # 1.5 x keep-alive is the MQTT rule; 5 s is a generous bound
        assert time.monotonic() - started >= 0.9, "closed before the keep-alive period even ended"


def test_keepalive_with_pings_stays_open(server, tenant):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], V311, keepalive=1) as c:
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            c.send(PINGREQ_PACKET)
            c.expect(PINGRESP, timeout=2)
            time.sleep(0.4)
        assert c.publish(TELEMETRY, {"pinged": 1}, qos=1).reason == 0


# -- protocol violations ---------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    pytest.param(b"\x00\x00\x00\x00garbage-bytes", id="reserved-type-0"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http-request"),
    pytest.param(b"\x10\xff\xff\xff\xff\x7f", id="bad-remaining-length"),
])
def test_garbage_first_bytes_close(server, data):
    with raw(server) as c:
        c.send(data)
        got = c.wait_closed(5)
        assert not [p for p in got if p.type == CONNACK and p.reason == 0], got


def test_publish_as_first_packet_closes(server):
    with raw(server) as c:
        c.send(publish_packet(TELEMETRY, b'{"a":1}', qos=1, pid=1))
        got = c.wait_closed(5)
        assert not [p for p in got if p.type == PUBACK], got


def test_subscribe_as_first_packet_closes(server):
    with raw(server) as c:
        c.send(subscribe_packet(1, [("v1/devices/me/attributes", 1)]))
        got = c.wait_closed(5)
        assert not [p for p in got if p.type == SUBACK], got


@pytest.mark.parametrize("version", VERSIONS)
def test_second_connect_closes(server, tenant, version):
    dev = tenant.device()
    with connected(server.host, server.mqtt_port, dev["accessToken"], version) as c:
        c.send(connect_packet(version, "", dev["accessToken"]))
        got = c.wait_closed(5)
        assert not [p for p in got if p.type == CONNACK], got


def test_bad_protocol_name_closes(server, tenant):
    dev = tenant.device()
    pkt = bytearray(connect_packet(V311, "", dev["accessToken"]))
    idx = pkt.index(b"MQTT")
    pkt[idx:idx + 4] = b"MQTX"
    with raw(server) as c:
        c.send(bytes(pkt))
        got = c.wait_closed(5)
        assert not [p for p in got if p.type == CONNACK and p.reason == 0], got


def test_truncated_connect_then_close_from_client(server):
    """A half-written CONNECT followed by the client hanging up must not disturb the server."""
    pkt = connect_packet(V311, "", "whatever-token")
    s = socket.create_connection((server.host, server.mqtt_port), timeout=5)
    s.sendall(pkt[:5])
    s.close()
