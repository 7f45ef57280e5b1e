"""STEWARD_MAX_PACKET_SIZE lowers the MQTT packet limit (and what the server reports)."""
from __future__ import annotations

import json

import pytest

from mqtt_wire import DISCONNECT, MAXIMUM_PACKET_SIZE, PUBLISH, V5, V311, connected, publish_packet
from steward_harness import Tenant, running, series

LIMIT = 4096


@pytest.fixture(scope="module")
def small_server():
    yield from running("test_max_packet_size", env={"STEWARD_MAX_PACKET_SIZE": str(LIMIT)})


@pytest.fixture(scope="module")
def small_tenant(small_server):
    return Tenant(small_server)


def test_packet_under_configured_limit_accepted(small_server, small_tenant):
    dev = small_tenant.device()
    value = "a" * (LIMIT - 200)
    with connected(small_server.host, small_server.mqtt_port, dev["accessToken"], V311) as c:
        assert c.publish("v1/devices/me/telemetry", {"fits": value}, qos=1).reason == 0
    latest = small_server.wait_latest(dev["id"], ["fits"])
    assert series(latest, "fits")[0]["value"] == value


@pytest.mark.parametrize("version", [V311, V5])
def test_packet_over_configured_limit_closes(small_server, small_tenant, version):
    dev = small_tenant.device()
    payload = json.dumps({"too_big": "b" * (LIMIT + 500)}).encode()
    with connected(small_server.host, small_server.mqtt_port, dev["accessToken"], version) as c:
        try:
            c.send(publish_packet("v1/devices/me/telemetry", payload, qos=1, pid=5, version=version))
        except (BrokenPipeError, ConnectionResetError):
            pass
        got = c.wait_closed(10)
        assert all(p.type == DISCONNECT for p in got), got
    assert not series(small_server.telemetry_latest(dev["id"]), "too_big")


def test_session_limits_report_configured_limit(small_server, small_tenant):
    """The SDK sizes its messages from getSessionLimits.maxPayloadSize (and CONNACK
    Maximum Packet Size), so both must reflect the configured limit, not 65536."""
    dev = small_tenant.device()
    with connected(small_server.host, small_server.mqtt_port, dev["accessToken"], V5) as c:
        connack = c.received[0]
        if MAXIMUM_PACKET_SIZE in connack.properties:
            assert connack.properties[MAXIMUM_PACKET_SIZE] <= LIMIT + 5, connack.properties
        c.publish("v1/devices/me/rpc/request/1", {"method": "getSessionLimits", "params": {}}, qos=1)
        resp = next((p for p in c.received if p.type == PUBLISH), None) or c.expect(PUBLISH)
        assert resp.topic == "v1/devices/me/rpc/response/1"
        assert resp.json()["maxPayloadSize"] <= LIMIT, resp.json()
