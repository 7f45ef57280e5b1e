"""Crash durability: every PUBACKed telemetry message survives `kill -9`.

4 paho MQTT 3.1.1 connections (one device each) publish QoS1 readings
{"ts": T0+i, "values": {"seq": i}} as fast as they can; mids whose PUBACK arrived
(on_publish) are recorded.  ~1.5 s in, the server is SIGKILLed, restarted on the same
data dir, and each device's `seq` series is read back with the admin CLI.
"""
from __future__ import annotations

import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from mqtt_wire import connected
from steward_harness import StewardServer, Tenant, series, unique

CONNECTIONS = 4
MAX_PER_CONNECTION = 60_000  # stays below the 16-bit mid space, so mids are unique
WINDOW = 200                  # publishes outstanding per connection (paho queues beyond inflight)
RUN_BEFORE_KILL_S = 1.5


@pytest.fixture(scope="module")
def durable_server():
    srv = StewardServer("test_durability")
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


class Publisher:
    def __init__(self, server, token: str, t0: int):
        self.t0 = t0
        self.mid_to_seq: dict[int, int] = {}
        self.acked_mids: list[int] = []
        self.sent = 0
        self.window = threading.BoundedSemaphore(WINDOW)
        self.stop = threading.Event()
        self.connected = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv311)
        self.client.username_pw_set(token)
        self.client.max_inflight_messages_set(20)
        self.client.on_connect = lambda c, u, f, rc, p: rc == 0 and self.connected.set()
        self.client.on_publish = self._on_publish
        self.client.connect(server.host, server.mqtt_port, keepalive=60)
        self.client.loop_start()
        assert self.connected.wait(10), "publisher could not connect"
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        self.acked_mids.append(mid)
        try:
            self.window.release()
        except ValueError:
            pass

    def _run(self):
        i = 0
        while not self.stop.is_set() and i < MAX_PER_CONNECTION:
            if not self.window.acquire(timeout=0.2):
                continue
            payload = json.dumps({"ts": self.t0 + i, "values": {"seq": i}})
            info = self.client.publish("v1/devices/me/telemetry", payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS and info.rc != mqtt.MQTT_ERR_NO_CONN:
                break
            self.mid_to_seq[info.mid] = i
            i += 1
            self.sent = i

    def halt(self):
        self.stop.set()
        self.thread.join(10)
        self.client.loop_stop()  # no reconnect / resend after the crash
        try:
            self.client.disconnect()
        except Exception:
            pass

    def acked_seqs(self) -> set[int]:
        return {self.mid_to_seq[m] for m in self.acked_mids if m in self.mid_to_seq}


def test_acked_telemetry_survives_kill_9(durable_server):
    srv = durable_server
    tenant = Tenant(srv)
    devices = [tenant.device(name=unique("durable")) for _ in range(CONNECTIONS)]
    # Recent readings (from two days ago): older ones would be past user.telemetry's one year, and the retention job
    # that runs when the server starts again would rightly fold and delete them.
    base = int(time.time() * 1000) - 2 * 86_400_000
    t0s = [base + k * 10_000_000 for k in range(CONNECTIONS)]
    pubs = [Publisher(srv, d["accessToken"], t0) for d, t0 in zip(devices, t0s)]
    for p in pubs:
        p.thread.start()
    time.sleep(RUN_BEFORE_KILL_S)
    srv.kill9()
    for p in pubs:
        p.halt()

    total_acked = sum(len(p.acked_seqs()) for p in pubs)
    print(f"durability: sent {[p.sent for p in pubs]}, acked {[len(p.acked_seqs()) for p in pubs]}")
    assert total_acked >= 200, f"only {total_acked} messages were acknowledged before the crash"
    assert all(p.acked_seqs() for p in pubs), "every connection must have had acknowledged messages"
    for p in pubs:
        unacked_mids = set(p.acked_mids) - set(p.mid_to_seq)
        assert not unacked_mids, f"PUBACK for unknown mids {sorted(unacked_mids)[:10]}"

    srv.start()  # same data dir, fresh ports
    for dev, p, t0 in zip(devices, pubs, t0s):
        acked = p.acked_seqs()
        result = srv.telemetry_query(dev["id"], ["seq"], t0 - 1_000, t0 + MAX_PER_CONNECTION + 1_000,
                                     limit=1_000_000, order="ASC")
        points = series(result, "seq")
        ts_list = [pt["ts"] for pt in points]
        assert len(ts_list) == len(set(ts_list)), f"{dev['name']}: duplicate timestamps stored"
        stored = {}
        for pt in points:
            seq = pt["ts"] - t0
            assert 0 <= seq < p.sent, f"{dev['name']}: point outside the sent range: {pt} (sent {p.sent})"
            assert pt["value"] == seq, f"{dev['name']}: value does not match its timestamp: {pt}"
            stored[seq] = pt["value"]
        lost = sorted(acked - set(stored))
        assert not lost, (f"{dev['name']}: {len(lost)} of {len(acked)} acknowledged readings lost after "
                          f"kill -9, e.g. seq {lost[:10]}")

    # the restarted server still works
    with connected(srv.host, srv.mqtt_port, devices[0]["accessToken"]) as c:
        assert c.publish("v1/devices/me/telemetry", {"after_restart": 1}, qos=1).reason == 0
