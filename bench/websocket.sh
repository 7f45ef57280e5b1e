#!/usr/bin/env bash
# Issue 15: ThingsBoard's WebSocket API under load, on SQLite (loopback only, bounded in time).
#
#   bench/websocket.sh                       # release build in a separate clone of this checkout's HEAD, then the run
#   SKIP_BUILD=1 STEWARD=… LOAD=… bench/websocket.sh   # existing release binaries
#
# 1. PUBACK-to-WebSocket latency: SUBSCRIBERS [100] sessions on /api/ws/plugins/telemetry (subscriber i follows load
#    device i % DEVICES and a probe device) while steward-load publishes at QoS 1 from DEVICES [50] devices at RATE
#    [20] messages/s each; a paho client publishes PROBES [300] probe readings at PROBE_RATE [10]/s. A probe's latency is
#    (frame received by a subscriber) - (PUBACK received by the probe), for every subscriber: p50/p99/max.
# 2. Memory: SESSIONS [1000] idle sessions, each subscribed to one device; the server's resident memory (VmRSS)
#    before and after. Every WebSocket is an HTTP connection, so the run raises the per-address HTTP limit.
#
# Prints one summary; everything it starts is stopped and its temporary folders removed on exit. Never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SUBSCRIBERS=${SUBSCRIBERS:-100}
DEVICES=${DEVICES:-50}
RATE=${RATE:-20}
PROBES=${PROBES:-300}
PROBE_RATE=${PROBE_RATE:-10}
SESSIONS=${SESSIONS:-1000}
ROOT=$PWD
WORK=$(mktemp -d /tmp/steward-websocket-bench.XXXXXX)
SERVER_PID=""
LOAD_PID=""
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash scripts/conformance-env.sh >/dev/null
PY="$ROOT/.venv-paho/bin/python"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # A clone of HEAD with its own .build, so the working tree's build is left alone; one build at a time (the lock).
  CLONE=${CLONE:-/tmp/steward-websocket-bench-clone}
  [ -d "$CLONE/.git" ] || git clone -q "$ROOT" "$CLONE"
  git -C "$CLONE" fetch -q "$ROOT" HEAD && git -C "$CLONE" checkout -q --detach FETCH_HEAD
  log "release build in $CLONE"
  (cd "$CLONE" && flock /tmp/build.lock swift build -c release --product steward >/dev/null \
    && flock /tmp/build.lock swift build -c release --product steward-load >/dev/null)
  STEWARD=${STEWARD:-$CLONE/.build/release/steward}
  LOAD=${LOAD:-$CLONE/.build/release/steward-load}
fi
STEWARD=${STEWARD:-.build/release/steward}
LOAD=${LOAD:-.build/release/steward-load}
DATA="$WORK/data"
EMAIL=bench@steward.test
PASSWORD=bench-password-1
"$STEWARD" tenant create --data-dir "$DATA" --name "Bench tenant" --json >/dev/null
"$STEWARD" user create --data-dir "$DATA" --tenant "Bench tenant" --email "$EMAIL" --password "$PASSWORD" \
  --role tenant-admin --json >/dev/null
for i in $(seq 1 "$DEVICES"); do
  "$STEWARD" device create --data-dir "$DATA" --tenant "Bench tenant" --name "dev-$i" --token "tok-$i" --json
done | "$PY" -c 'import json,sys; print(json.dumps([json.loads(l)["id"] for l in sys.stdin if l.strip()]))' >"$WORK/devices.json"
PROBE_ID=$("$STEWARD" device create --data-dir "$DATA" --tenant "Bench tenant" --name probe --token tok-probe --json \
  | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
seq 1 "$DEVICES" | sed 's/^/tok-/' >"$WORK/tokens.txt"
STEWARD_HTTP_MAX_CONNECTIONS_PER_ADDRESS=$((SESSIONS + SUBSCRIBERS + 100)) start_server ws "$DATA"
ARGS=$("$PY" -c 'import json,sys; print(json.dumps({"http": sys.argv[1], "mqtt": int(sys.argv[2]), "email": sys.argv[3],
  "password": sys.argv[4], "devices": json.load(open(sys.argv[5])), "probe": {"id": sys.argv[6], "token": "tok-probe"},
  "subscribers": int(sys.argv[7]), "probes": int(sys.argv[8]), "probe_rate": float(sys.argv[9]), "warmup": 3,
  "sessions": int(sys.argv[10]), "pid": int(sys.argv[11])}))' "http://127.0.0.1:$SERVER_HTTP" "$SERVER_MQTT" "$EMAIL" \
  "$PASSWORD" "$WORK/devices.json" "$PROBE_ID" "$SUBSCRIBERS" "$PROBES" "$PROBE_RATE" "$SESSIONS" "$SERVER_PID")
DURATION=$((PROBES / PROBE_RATE + 20))
log "latency: $SUBSCRIBERS subscribers, $DEVICES devices at $RATE/s each for ${DURATION}s, $PROBES probes"
"$LOAD" --port "$SERVER_MQTT" --connections "$DEVICES" --tokens-file "$WORK/tokens.txt" --qos 1 --rate "$RATE" \
  --duration "$DURATION" --json >"$WORK/load.json" 2>"$WORK/load.err" &
LOAD_PID=$!
LATENCY=$(timeout $((DURATION + 60)) "$PY" bench/websocket-clients.py latency "$ARGS" || echo '{}')
wait "$LOAD_PID" || true
LOAD_PID=""
log "memory: $SESSIONS sessions"
MEMORY=$(timeout 300 "$PY" bench/websocket-clients.py memory "$ARGS" || echo '{}')
"$PY" - "$LATENCY" "$MEMORY" "$WORK/load.json" <<'PYEOF'
import json, sys
latency, memory = json.loads(sys.argv[1] or "{}"), json.loads(sys.argv[2] or "{}")
try:
    load = json.load(open(sys.argv[3]))
except Exception:
    load = {}
rate = load.get("messagesPerSecond")
rate = f"{rate:,.0f}" if isinstance(rate, (int, float)) else "?"
print("WebSocket bench (SQLite, loopback)")
print(f"  load: {load.get('connectionsEstablished', '?')} devices publishing QoS 1, {rate} msg/s acknowledged")
print(f"  PUBACK -> WebSocket: p50 {latency.get('p50_ms')} ms, p99 {latency.get('p99_ms')} ms, max {latency.get('max_ms')} ms"
      f" over {latency.get('samples')} of {latency.get('expected')} deliveries ({latency.get('subscribers')} subscribers,"
      f" {latency.get('frames_per_s')} frames/s received, {latency.get('cut_off')} sessions cut off)")
kib = memory.get("rss_after_kib", 0) - memory.get("rss_before_kib", 0)
print(f"  memory: {memory.get('sessions')} open sessions, RSS {memory.get('rss_before_kib', 0) / 1024:.1f} MiB -> "
      f"{memory.get('rss_after_kib', 0) / 1024:.1f} MiB (+{kib / 1024:.1f} MiB, {memory.get('per_session_kib')} KiB per session)")
PYEOF
