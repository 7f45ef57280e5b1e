"""PostgreSQL stops in the middle of a QoS 1 stream (issue 13's proof): "stop PostgreSQL in the middle of a QoS 1
stream from several connections, start it again, and prove every acknowledged reading is stored exactly once".

Four paho connections (two MQTT 3.1.1, two MQTT 5), one device each, publish QoS 1 readings
`{"ts": T0+i, "values": {"seq": i}}` with explicit, unique timestamps and record which got a successful PUBACK.
Mid-stream the cluster is stopped with `pg_ctl -m immediate` (every backend dies, as in a crash). While it is down:
`/api/health` answers 503 naming the database, the HTTP device API answers 503, a publish gets no successful PUBACK
(MQTT 5: a reason code of 0x80 or more; 3.1.1: no PUBACK, the connection is closed), and no message first sent during
the outage is acknowledged. The cluster starts again after at most 12 s (sooner when Steward answers sooner); the clients reconnect and send again what
was not acknowledged. Read back with `steward telemetry query --database …`: every acknowledged reading is stored
exactly once, with its value, and nothing that was never sent is there.

The cluster is shared with other tests on a developer machine: the outage runs only while `/tmp/pg-restart.lock`
is held (flock) and lasts seconds. Every wait has a deadline, so the test ends by itself.
"""
from __future__ import annotations

import json
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
import requests
from paho.mqtt.enums import CallbackAPIVersion

from mqtt_wire import PUBACK, V5, Closed, RawMqtt, connected, publish_packet
from pg_support import Cluster, postgres_server, require_postgres, restart_lock
from steward_harness import Tenant, series, unique

TOPIC = "v1/devices/me/telemetry"
PROTOCOLS = [mqtt.MQTTv311, mqtt.MQTTv311, mqtt.MQTTv5, mqtt.MQTTv5]
WINDOW = 100                 # readings awaiting their PUBACK per connection while streaming
MAX_PER_CONNECTION = 20_000  # new readings; with resends all publishes stay below the 16-bit mid space
RUN_BEFORE_STOP_S = 1.5
OUTAGE_MIN_S = 3.0           # the cluster stays down at least this long ...
# ... and at most this long, whatever the checks find: two of Steward's 5 s call deadlines and a margin (the group
# commit in flight when the server went away fails first, then the group holding the probe's reading).
OUTAGE_MAX_S = 12.0
RUN_AFTER_START_S = 2.0      # new readings still streamed once the database is back
RECOVERY_S = 60.0            # deadline for the clients to get every reading acknowledged after the restart
RESEND_AFTER_S = 3.0         # a reading without a successful PUBACK for this long is sent again


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return require_postgres()


@pytest.fixture(scope="module")
def pg_server(cluster):
    yield from postgres_server("test_postgres_outage", cluster)


class Stream:
    """One paho connection publishing QoS 1 readings with explicit timestamps; paho reconnects by itself.

    Callbacks only append to lists (paho calls on_publish holding its message lock, which `publish` also takes), and
    mids are mapped to readings afterwards: every publish gets a new mid, none is reused (fewer than 65,535)."""

    def __init__(self, server, token: str, t0: int, protocol: int, name: str):
        self.name = name
        self.t0 = t0
        self.protocol = protocol
        self.v5 = protocol == mqtt.MQTTv5
        self.mid_seq: dict[int, int] = {}
        self.publish_time: dict[int, float] = {}   # mid -> when it was handed to paho
        self.acks: list[tuple[int, int, float]] = []  # (mid, reason code, when), as they arrive
        self.last_sent: dict[int, float] = {}        # seq -> last time it was (re)sent
        self.next_seq = 0
        self.publishes = 0
        self.disconnects: list[float] = []
        self.connects: list[float] = []
        self.connected = threading.Event()
        self.streaming = threading.Event()
        self.streaming.set()
        self.stop = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"outage-{uuid.uuid4().hex[:12]}",
                                  protocol=protocol)
        self.client.username_pw_set(token)
        self.client.max_inflight_messages_set(20)
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=1)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.client.connect(server.host, server.mqtt_port, keepalive=30)
        self.client.loop_start()
        assert self.connected.wait(10), f"{name}: no CONNACK"
        self.thread = threading.Thread(target=self._run, name=f"stream-{name}", daemon=True)

    # -- callbacks (paho's thread) -------------------------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if not reason_code.is_failure:
            self.connects.append(time.monotonic())
            self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        self.disconnects.append(time.monotonic())

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        self.acks.append((mid, reason_code.value if hasattr(reason_code, "value") else int(reason_code),
                          time.monotonic()))

    # -- publishing (own thread) -------------------------------------------------------------------------------
    def _send(self, seq: int) -> None:
        payload = json.dumps({"ts": self.t0 + seq, "values": {"seq": seq}})
        now = time.monotonic()
        info = self.client.publish(TOPIC, payload, qos=1)
        self.mid_seq[info.mid] = seq
        self.publish_time[info.mid] = now
        self.last_sent[seq] = now
        self.publishes += 1

    def _run(self) -> None:
        while not self.stop.is_set():
            if self.streaming.is_set():
                if self.next_seq >= MAX_PER_CONNECTION or not self.connected.is_set() \
                        or self.publishes - len(self.acks) >= WINDOW:
                    time.sleep(0.002)
                    continue
                self._send(self.next_seq)
                self.next_seq += 1
            else:
                self._resend_missing()
                time.sleep(0.25)

    def _resend_missing(self) -> None:
        if not self.connected.is_set():
            return
        acked = self.acked_seqs()
        now = time.monotonic()
        for seq in range(self.next_seq):
            if seq not in acked and now - self.last_sent.get(seq, 0) > RESEND_AFTER_S:
                if self.publishes >= 65_000:
                    return
                self._send(seq)

    # -- results ----------------------------------------------------------------------------------------------
    def acked_seqs(self) -> set[int]:
        """Readings that got a successful PUBACK (reason code below 0x80) at least once."""
        return {self.mid_seq[mid] for mid, rc, _ in list(self.acks) if rc < 0x80 and mid in self.mid_seq}

    def refused(self) -> list[tuple[int, int]]:
        """(seq, reason code) of PUBACKs with a failure reason code (MQTT 5)."""
        return [(self.mid_seq.get(mid, -1), rc) for mid, rc, _ in list(self.acks) if rc >= 0x80]

    def acked_while_down(self, down_from: float, down_until: float) -> list[int]:
        """Readings first handed to paho while the database was down and acknowledged before it came back."""
        return sorted(self.mid_seq[mid] for mid, rc, when in list(self.acks)
                      if rc < 0x80 and mid in self.mid_seq and down_from < self.publish_time[mid]
                      and when < down_until)

    def halt(self) -> None:
        """Stops publishing and closes the connection. paho's `loop_stop` alone waits until every message is
        acknowledged, which never happens if the server stopped acknowledging: disconnect first, and give its
        network thread a few seconds at most."""
        self.stop.set()
        self.thread.join(10)
        try:
            self.client.disconnect()
        except Exception:
            pass
        stopper = threading.Thread(target=self.client.loop_stop, daemon=True)
        stopper.start()
        stopper.join(5)


_T0 = time.monotonic()


def log(message: str) -> None:
    """Progress with the time since the module loaded (pytest -s shows it; it locates a stall)."""
    print(f"[outage {time.monotonic() - _T0:6.1f} s] {message}", flush=True)


def _health(srv) -> tuple[int, str]:
    try:
        r = requests.get(f"{srv.base_url}/api/health", timeout=8)
        return r.status_code, r.text
    except requests.RequestException as e:
        return -1, repr(e)


def _outage_checks(srv, probe_token: str, probe_t0: int, probe_v5: RawMqtt, probe_v311: RawMqtt,
                   results: dict, deadline: float) -> list[threading.Thread]:
    """While the database is down, in parallel (each bounded by `deadline`): health, the HTTP device API and one
    publish on an MQTT 5 and an MQTT 3.1.1 connection opened before the outage."""

    def health():
        seen = []
        while time.monotonic() < deadline:
            status, body = _health(srv)
            seen.append((status, body[:300]))
            if status == 503 and "database" in body:
                break
            time.sleep(0.2)
        results["health"] = seen

    def http():
        try:
            r = requests.post(f"{srv.base_url}/api/v1/{probe_token}/telemetry",
                              json={"ts": probe_t0 + 1, "values": {"probe": 1}},
                              timeout=max(1.0, deadline - time.monotonic()))
            results["http"] = (r.status_code, r.text[:300])
        except requests.RequestException as e:
            results["http"] = (-1, repr(e))

    def mqtt5():
        try:
            probe_v5.send(publish_packet(TOPIC, {"ts": probe_t0 + 2, "values": {"probe": 2}},
                                                                  qos=1, pid=7, version=V5))
            got = probe_v5.expect(PUBACK, timeout=max(0.5, deadline - time.monotonic()))
            results["mqtt5"] = ("puback", got.reason)
        except Closed:
            results["mqtt5"] = ("closed", None)
        except (TimeoutError, AssertionError, OSError) as e:
            results["mqtt5"] = ("no answer", repr(e))

    def mqtt311():
        try:
            probe_v311.send(publish_packet(TOPIC, {"ts": probe_t0 + 3, "values": {"probe": 3}},
                                                                    qos=1, pid=7))
            got = probe_v311.wait_closed(timeout=max(0.5, deadline - time.monotonic()))
            results["mqtt311"] = ("closed", [repr(p) for p in got])
        except AssertionError as e:
            results["mqtt311"] = ("open", str(e)[:300])

    threads = [threading.Thread(target=f, daemon=True) for f in (health, http, mqtt5, mqtt311)]
    for t in threads:
        t.start()
    return threads


def test_acknowledged_readings_survive_a_postgres_outage_exactly_once(pg_server, cluster):
    srv = pg_server
    tenant = Tenant(srv)
    devices = [tenant.device(name=unique("outage")) for _ in PROTOCOLS]
    probe = tenant.device(name=unique("outage-probe"))
    t0s = [1_600_000_000_000 + k * 10_000_000 for k in range(len(PROTOCOLS))]
    probe_t0 = 1_600_000_000_000 + 90_000_000
    assert _health(srv)[0] == 200

    streams: list[Stream] = []
    results: dict = {}
    before: list[int] = []
    down_from = down_until = outage_s = 0.0
    health_back = None
    with restart_lock():
        try:
            streams = [Stream(srv, d["accessToken"], t0, proto, d["name"])
                       for d, t0, proto in zip(devices, t0s, PROTOCOLS)]
            probe_v5 = connected(srv.host, srv.mqtt_port, probe["accessToken"], version=V5)
            probe_v311 = connected(srv.host, srv.mqtt_port, probe["accessToken"])
            try:
                for s in streams:
                    s.thread.start()
                time.sleep(RUN_BEFORE_STOP_S)
                before = [len(s.acked_seqs()) for s in streams]

                log(f"stopping PostgreSQL; acknowledged so far {before}")
                cluster.stop("immediate")
                down_from = time.monotonic()
                log("PostgreSQL stopped")
                checks = _outage_checks(srv, probe["accessToken"], probe_t0, probe_v5, probe_v311, results,
                                        deadline=down_from + OUTAGE_MAX_S - 0.5)
                for t in checks:
                    t.join(max(0.0, down_from + OUTAGE_MAX_S - time.monotonic()))
                remaining = down_from + OUTAGE_MIN_S - time.monotonic()
                if remaining > 0:
                    time.sleep(remaining)
            finally:
                down_until = time.monotonic()
                if down_from:
                    cluster.start()
                    log("PostgreSQL started")
                outage_s = down_until - down_from if down_from else 0.0
                probe_v5.close()
                probe_v311.close()

            # The database is back: health recovers, the stream goes on for a while, then every reading not yet
            # acknowledged is sent again until it is.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                health_back = _health(srv)
                if health_back[0] == 200:
                    break
                time.sleep(0.2)
            log(f"health after the restart: {health_back}")
            time.sleep(RUN_AFTER_START_S)
            for s in streams:
                s.streaming.clear()
            log("streaming stopped; resending what was not acknowledged")
            deadline = time.monotonic() + RECOVERY_S
            while time.monotonic() < deadline:
                if all(len(s.acked_seqs()) == s.next_seq for s in streams):
                    break
                time.sleep(0.25)
        finally:
            log(f"acknowledged {[len(s.acked_seqs()) for s in streams]} of {[s.next_seq for s in streams]}")
            for s in streams:
                s.stop.set()
            for s in streams:
                s.halt()
            log("clients closed")
            if down_from and not cluster.is_ready():
                cluster.ensure_running()

    log(f"outage {outage_s:.1f} s; acked before the stop {before}; sent {[s.next_seq for s in streams]}, "
          f"publishes {[s.publishes for s in streams]}, acked {[len(s.acked_seqs()) for s in streams]}, "
          f"refused (MQTT 5) {[len(s.refused()) for s in streams]}, disconnects {[len(s.disconnects) for s in streams]}; "
          f"checks {results}")

    problems: list[str] = []

    # The proof: every acknowledged reading stored exactly once, with its value; nothing that was never sent.
    for dev, s in zip(devices, streams):
        acked = s.acked_seqs()
        result = srv.telemetry_query(dev["id"], ["seq"], s.t0 - 1_000, s.t0 + MAX_PER_CONNECTION + 1_000,
                                     limit=1_000_000, order="ASC")
        points = series(result, "seq")
        label = f"{dev['name']} ({'MQTT 5' if s.v5 else 'MQTT 3.1.1'})"
        ts_list = [pt["ts"] for pt in points]
        if len(ts_list) != len(set(ts_list)):
            problems.append(f"{label}: {len(ts_list) - len(set(ts_list))} readings are stored more than once")
        stored = set()
        for pt in points:
            seq = pt["ts"] - s.t0
            if not 0 <= seq < s.next_seq:
                problems.append(f"{label}: a reading that was never sent is stored: {pt} (sent 0..{s.next_seq - 1})")
            elif pt["value"] != seq:
                problems.append(f"{label}: the value does not match its timestamp: {pt}")
            stored.add(seq)
        lost = sorted(acked - stored)
        if lost:
            problems.append(f"{label}: {len(lost)} of {len(acked)} acknowledged readings are not stored, "
                            f"e.g. seq {lost[:10]}")
        never = sorted(set(range(s.next_seq)) - acked)
        if never:
            problems.append(f"{label}: {len(never)} of {s.next_seq} readings never got a successful PUBACK in the "
                            f"{RECOVERY_S:.0f} s after PostgreSQL came back (resent every {RESEND_AFTER_S:.0f} s), "
                            f"e.g. seq {never[:10]}")
        early = s.acked_while_down(down_from, down_until)
        if early:
            problems.append(f"{label}: {len(early)} readings first sent while PostgreSQL was down were acknowledged "
                            f"before it came back, e.g. seq {early[:10]}")
    if not all(b > 0 for b in before):
        problems.append(f"every connection must have had acknowledged readings before the stop: {before}")

    # While the database was down: health, the HTTP device API and a publish on each MQTT version say so.
    health = results.get("health") or [(None, "")]
    if not (health[-1][0] == 503 and "database" in health[-1][1]):
        problems.append(f"/api/health while PostgreSQL was down: expected 503 naming the database, got {health[-3:]}")
    if results.get("http", (None,))[0] != 503:
        problems.append(f"HTTP device API while PostgreSQL was down: expected 503 within "
                        f"{OUTAGE_MAX_S - 0.5:.1f} s, got {results.get('http')}")
    kind, reason = results.get("mqtt5", (None, None))
    if not (kind == "puback" and reason is not None and reason >= 0x80):
        problems.append(f"MQTT 5 publish while PostgreSQL was down: expected a PUBACK with a reason code >= 0x80 "
                        f"within {OUTAGE_MAX_S - 0.5:.1f} s, got {results.get('mqtt5')}")
    if not (results.get("mqtt311", (None,))[0] == "closed"
            and not any("PUBACK" in p for p in results["mqtt311"][1])):
        problems.append(f"MQTT 3.1.1 publish while PostgreSQL was down: expected no PUBACK and the connection closed "
                        f"within {OUTAGE_MAX_S - 0.5:.1f} s, got {results.get('mqtt311')}")
    if outage_s > OUTAGE_MAX_S + 2:
        problems.append(f"the outage lasted {outage_s:.1f} s")
    if not (health_back and health_back[0] == 200):
        problems.append(f"/api/health after PostgreSQL came back: {health_back}")

    # The server goes on as before.
    try:
        with connected(srv.host, srv.mqtt_port, devices[0]["accessToken"], version=V5) as c:
            after = c.publish(TOPIC, {"after_outage": 1}, qos=1)
            if after.reason != 0:
                problems.append(f"a publish after the outage got PUBACK 0x{after.reason:02x}")
    except (AssertionError, TimeoutError, Closed, OSError) as e:
        problems.append(f"a publish after the outage got no PUBACK: {e!r}")

    assert not problems, "\n".join(problems)
