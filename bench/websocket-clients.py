"""WebSocket side of bench/websocket.sh (run by it with .venv-paho's Python; loopback only).

  latency: SUBSCRIBERS sessions on /api/ws/plugins/telemetry; subscriber i follows load device i % len(devices) and the
           probe device. The probe publishes PROBES readings (QoS 1, paho) at PROBE_RATE per second while steward-load
           publishes on the load devices; each probe's latency is (frame received) - (PUBACK received), per subscriber.
  memory:  SESSIONS idle sessions, each subscribed to one load device; prints the server's resident memory before
           and after (VmRSS of PID).
Prints one JSON object."""
from __future__ import annotations

import json
import sys
import threading
import time

import paho.mqtt.client as mqtt
import requests
import websocket
from paho.mqtt.enums import CallbackAPIVersion


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def login(http: str, email: str, password: str) -> str:
    r = requests.post(f"{http}/api/auth/login", json={"username": email, "password": password}, timeout=30)
    r.raise_for_status()
    return r.json()["token"]


def subscribe(ws_base: str, jwt: str, devices: list[str]) -> websocket.WebSocket:
    ws = websocket.create_connection(f"{ws_base}/api/ws/plugins/telemetry?token={jwt}", timeout=30)
    ws.send(json.dumps({"tsSubCmds": [{"cmdId": i + 1, "entityType": "DEVICE", "entityId": d, "scope": "LATEST_TELEMETRY"}
                                      for i, d in enumerate(devices)]}))
    for _ in devices:  # the snapshots
        json.loads(ws.recv())
    return ws


def latency(args: dict) -> dict:
    jwt = login(args["http"], args["email"], args["password"])
    ws_base = args["http"].replace("http://", "ws://")
    devices, probe = args["devices"], args["probe"]
    sockets = [subscribe(ws_base, jwt, [devices[i % len(devices)], probe["id"]]) for i in range(args["subscribers"])]
    received: dict[int, list[float]] = {}
    lock = threading.Lock()
    frames = [0]
    stop = threading.Event()
    cut_off = [0]

    def reader(ws: websocket.WebSocket) -> None:
        ws.settimeout(1)
        while not stop.is_set():
            try:
                text = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:
                with lock:
                    cut_off[0] += 1
                return
            now = time.monotonic()
            if not text:
                with lock:
                    cut_off[0] += 1
                return
            frame = json.loads(text)
            with lock:
                frames[0] += 1
            for ts_value in frame.get("data", {}).get("probe", []):
                with lock:
                    received.setdefault(int(ts_value[1]), []).append(now)

    threads = [threading.Thread(target=reader, args=(ws,), daemon=True) for ws in sockets]
    for thread in threads:
        thread.start()
    acked: dict[int, float] = {}
    mids: dict[int, int] = {}
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.username_pw_set(probe["token"])

    def on_publish(c, userdata, mid, reason_code, properties):
        now = time.monotonic()
        with lock:
            if mid in mids:
                acked[mids[mid]] = now

    client.on_publish = on_publish
    client.connect("127.0.0.1", args["mqtt"], keepalive=60)
    client.loop_start()
    time.sleep(args["warmup"])
    started = time.monotonic()
    for n in range(args["probes"]):
        with lock:
            info = client.publish("v1/devices/me/telemetry", json.dumps({"probe": n}), qos=1)
            mids[info.mid] = n
        time.sleep(1 / args["probe_rate"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with lock:
            if len(acked) == args["probes"] and all(len(received.get(n, [])) >= len(sockets) - cut_off[0] for n in acked):
                break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    stop.set()
    client.loop_stop()
    client.disconnect()
    samples = sorted((t - acked[n]) * 1000 for n, times in received.items() if n in acked for t in times)
    for ws in sockets:
        ws.close()

    def pct(p: float) -> float | None:
        return round(samples[min(len(samples) - 1, int(p * len(samples)))], 2) if samples else None

    return {"subscribers": len(sockets), "probes": args["probes"], "acked": len(acked), "samples": len(samples),
            "expected": len(acked) * len(sockets), "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0),
            "frames": frames[0], "frames_per_s": round(frames[0] / elapsed, 1), "cut_off": cut_off[0]}


def memory(args: dict) -> dict:
    jwt = login(args["http"], args["email"], args["password"])
    ws_base = args["http"].replace("http://", "ws://")
    devices = args["devices"]
    time.sleep(2)
    before = rss_kib(args["pid"])
    sockets = [subscribe(ws_base, jwt, [devices[i % len(devices)]]) for i in range(args["sessions"])]
    time.sleep(3)
    after = rss_kib(args["pid"])
    for ws in sockets:
        ws.close()
    return {"sessions": len(sockets), "rss_before_kib": before, "rss_after_kib": after,
            "per_session_kib": round((after - before) / max(1, len(sockets)), 1)}


if __name__ == "__main__":
    mode, arguments = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(latency(arguments) if mode == "latency" else memory(arguments)))
