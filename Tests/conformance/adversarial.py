"""The closing check of every adversarial test: after the attack, Steward still serves.

Standard library + `requests` only (through steward_harness), so it imports in every virtualenv.
`assert_still_serving(server, token)` proves three things: the process is alive, a good device
connects over MQTT and gets its PUBACK for a QoS 1 telemetry message (the reading is then
readable back), and `/api/health` answers 200 with status UP.
"""
from __future__ import annotations

import json
import time

import requests

import mqtt_wire
from steward_harness import StewardServer, unique


def assert_still_serving(server: StewardServer, token: str | None = None, tenant: str | None = None) -> None:
    """Fails unless `server` is alive, a good device gets its PUBACK, and the health endpoint answers."""
    assert server.alive(), "steward serve exited during the attack\n" + server.log_tail()
    if token is None:
        tenant = tenant or server.create_tenant()["id"]
        token = server.create_device(tenant, unique("good"))["accessToken"]
    marker = int(time.time() * 1000) % 1_000_000_007
    with mqtt_wire.RawMqtt(server.host, server.mqtt_port) as client:
        ack = client.connect(username=token, keepalive=30)
        assert ack.reason == 0, f"a good device was refused after the attack: CONNACK 0x{ack.reason:02x}"
        puback = client.publish("v1/devices/me/telemetry", json.dumps({"stillServing": marker}).encode(), qos=1, pid=7)
        assert puback is not None and puback.pid == 7, "no PUBACK for a good device after the attack"
    health = requests.get(f"{server.base_url}/api/health", timeout=10, verify=server.verify)
    assert health.status_code == 200, f"/api/health answered {health.status_code}: {health.text[:200]}"
    assert health.json().get("status") == "UP", f"/api/health: {health.text[:200]}"
