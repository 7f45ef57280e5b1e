#!/usr/bin/env bash
# Issue 15: a chart's history query. One key with READINGS readings (default 1,000,000, one a second), asked for
# over its whole range with agg=AVG and an interval that gives POINTS buckets (default 700, ThingsBoard's
# `ts_max_intervals` and Steward's `TimeSeriesQuery.maximumIntervals`): the query the device page's chart makes. Timed through Steward's REST API (`GET /api/plugins/telemetry/DEVICE/{id}/values/timeseries`,
# with a signed-in tenant administrator's JWT, keep-alive) and, as the anchor, the same aggregation run by the
# database's own client on the same file or database (`sqlite3` with `.timer on`; `psql` with `\timing`).
#
#   bench/history.sh                       # builds release; SQLite and PostgreSQL
#   SKIP_BUILD=1 POSTGRES=0 bench/history.sh
#
# Environment (defaults in brackets): READINGS [1000000], POINTS [1000], RUNS [20] timed queries after 3 warm-ups,
# SQLITE [1], POSTGRES [1] (a throwaway cluster, scripts/pg-cluster.sh), SKIP_BUILD [0], STEWARD [.build/release/steward].
# Prints, per backend, the median and p90 of each side and the ratio Steward / anchor (1.0 = as fast as the bare
# query; the rest is HTTP, authentication, scope checks and JSON). Loopback only; everything it starts is stopped
# and its temporary folders removed on exit. Never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
READINGS=${READINGS:-1000000}
POINTS=${POINTS:-700}
RUNS=${RUNS:-20}
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product steward >/dev/null; fi
STEWARD=${STEWARD:-.build/release/steward}
WORK=$(mktemp -d /tmp/steward-history-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
  rm -rf "$WORK"
  if [ -n "${STEWARD_PG_BASE:-}" ]; then scripts/pg-cluster.sh stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
NOW_MS=$(( $(date +%s) * 1000 ))
START_TS=$(( NOW_MS - READINGS * 1000 ))
END_TS=$NOW_MS
INTERVAL=$(( (END_TS - START_TS + POINTS - 1) / POINTS ))
PASSWORD=bench-password-1
: >"$WORK/summary.tsv"

setup_tenant() { # setup_tenant DIR [--database URL]: a tenant, its administrator and device dev-1; prints the device id
  local dir=$1
  shift
  "$STEWARD" tenant create --data-dir "$dir" "$@" --name "Bench tenant" --json >/dev/null
  "$STEWARD" user create --data-dir "$dir" "$@" --tenant "Bench tenant" --email admin@bench.test --role tenant-admin \
    --password "$PASSWORD" --json >/dev/null
  "$STEWARD" device create --data-dir "$dir" "$@" --tenant "Bench tenant" --name dev-1 --token tok-1 --json | jq -r '.id'
}

# steward_times DEVICE_ID: RUNS timed REST queries (after 3 warm-ups) in one keep-alive session; one ms figure a line.
steward_times() {
  python3 - "$SERVER_HTTP" "$1" "$START_TS" "$END_TS" "$INTERVAL" "$RUNS" "$PASSWORD" <<'PY'
import http.client, json, sys, time
port, device, start, end, interval, runs, password = sys.argv[1:]
c = http.client.HTTPConnection("127.0.0.1", int(port))
c.request("POST", "/api/auth/login", json.dumps({"username": "admin@bench.test", "password": password}),
          {"Content-Type": "application/json"})
token = json.loads(c.getresponse().read())["token"]
path = (f"/api/plugins/telemetry/DEVICE/{device}/values/timeseries?keys=temperature&startTs={start}&endTs={end}"
        f"&interval={interval}&agg=AVG&limit=100000")
def query():
    c.request("GET", path, headers={"X-Authorization": f"Bearer {token}"})
    r = c.getresponse(); body = r.read()
    assert r.status == 200, (r.status, body[:200])
    return json.loads(body)
for _ in range(3): points = query()
print(f"# {len(points['temperature'])} points", file=sys.stderr)
for _ in range(int(runs)):
    t = time.perf_counter(); query(); print(f"{(time.perf_counter() - t) * 1000:.2f}")
PY
}

summarize() { # summarize BACKEND STEWARD_FILE ANCHOR_FILE ANCHOR_NAME
  python3 - "$@" >>"$WORK/summary.tsv" <<'PY'
import statistics, sys
backend, mine, anchor, name = sys.argv[1:]
def read(p): return sorted(float(l) for l in open(p) if l.strip() and not l.startswith("#"))
a, b = read(mine), read(anchor)
p90 = lambda xs: xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
print(f"{backend}\t{statistics.median(a):.1f}\t{p90(a):.1f}\t{name}\t{statistics.median(b):.1f}\t{p90(b):.1f}\t{statistics.median(a) / statistics.median(b):.2f}")
PY
}

if [ "${SQLITE:-1}" = 1 ]; then
  dir="$WORK/sqlite"
  db="$dir/steward.sqlite"
  log "SQLite: tenant, administrator, device; $READINGS readings of \`temperature\` (one a second) with Python's sqlite3"
  device=$(setup_tenant "$dir")
  python3 - "$db" "$READINGS" "$START_TS" <<'PY'
import math, sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=60); n = int(sys.argv[2]); start = int(sys.argv[3])
seq = db.execute("SELECT seq FROM device WHERE name = 'dev-1'").fetchone()[0]
db.execute("INSERT OR IGNORE INTO ts_key(key) VALUES ('temperature')")
key = db.execute("SELECT id FROM ts_key WHERE key = 'temperature'").fetchone()[0]
db.executemany("INSERT INTO ts_kv(device_seq, key_id, ts, t, v) VALUES (?, ?, ?, 3, ?)",
               ((seq, key, start + i * 1000, 20 + 5 * math.sin(i / 3600)) for i in range(n)))
db.execute("INSERT OR REPLACE INTO ts_kv_latest(device_seq, key_id, ts, t, v) VALUES (?, ?, ?, 3, 20.0)", (seq, key, start + (n - 1) * 1000))
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
PY
  read -r seq key < <(sqlite3 "$db" "SELECT d.seq, k.id FROM device d, ts_key k WHERE d.name = 'dev-1' AND k.key = 'temperature'" | tr '|' ' ')
  start_server sqlite "$dir"
  log "SQLite: $RUNS REST queries (interval $INTERVAL ms)"
  steward_times "$device" >"$WORK/sqlite-steward.ms"
  stop_pid "$SERVER_PID"
  SERVER_PID=""
  log "SQLite: the same aggregation $RUNS times in the sqlite3 shell"
  {
    echo ".timer on"
    for ((i = 0; i < RUNS + 3; i++)); do
      echo "SELECT count(*) FROM (SELECT (ts - $START_TS) / $INTERVAL AS b, COUNT(*), AVG(v), MIN(v), MAX(v) FROM ts_kv
            WHERE device_seq = $seq AND key_id = $key AND ts >= $START_TS AND ts < $END_TS GROUP BY b);"
    done
  } | sqlite3 "$db" | awk '/Run Time/ {print $4 * 1000}' | tail -n "$RUNS" >"$WORK/sqlite-anchor.ms"
  summarize SQLite "$WORK/sqlite-steward.ms" "$WORK/sqlite-anchor.ms" sqlite3
  rm -rf "$dir"
fi

if [ "${POSTGRES:-1}" = 1 ]; then
  eval "$(scripts/pg-cluster.sh start)"
  export STEWARD_DATABASE_PASSWORD_FILE="$STEWARD_TEST_DATABASE_PASSWORD_FILE"
  pg() { PGPASSWORD=$(cat "$STEWARD_DATABASE_PASSWORD_FILE") psql -qAt -h "$STEWARD_PG_SOCKET" -p "$STEWARD_PG_PORT" -U steward "$@"; }
  pg -d postgres -c "CREATE DATABASE steward_history"
  DB=(--database "${STEWARD_TEST_DATABASE_URL/\/postgres\?/\/steward_history?}")
  dir="$WORK/pg"
  log "PostgreSQL $(psql --version | awk '{print $3}'): tenant, administrator, device; $READINGS readings with generate_series"
  device=$(setup_tenant "$dir" "${DB[@]}")
  pg -d steward_history <<SQL
INSERT INTO ts_key(key) VALUES ('temperature') ON CONFLICT DO NOTHING;
INSERT INTO ts_kv(device_seq, key_id, ts, t, v_double)
  SELECT d.seq, k.id, $START_TS + i * 1000, 3, 20 + 5 * sin(i / 3600.0)
  FROM device d, ts_key k, generate_series(0, $READINGS - 1) AS i WHERE d.name = 'dev-1' AND k.key = 'temperature';
ANALYZE;
CHECKPOINT;
SQL
  read -r seq key < <(pg -d steward_history -F ' ' -c "SELECT d.seq, k.id FROM device d, ts_key k WHERE d.name = 'dev-1' AND k.key = 'temperature'")
  start_server postgres "$dir" "${DB[@]}"
  log "PostgreSQL: $RUNS REST queries (interval $INTERVAL ms)"
  steward_times "$device" >"$WORK/pg-steward.ms"
  log "PostgreSQL: the same aggregation $RUNS times in psql"
  {
    echo '\timing on'
    for ((i = 0; i < RUNS + 3; i++)); do
      echo "SELECT count(*) FROM (SELECT (ts - $START_TS) / $INTERVAL AS b, COUNT(*), AVG(v_double), MIN(v_double), MAX(v_double)
            FROM ts_kv WHERE device_seq = $seq AND key_id = $key AND ts >= $START_TS AND ts < $END_TS GROUP BY b) s;"
    done
  } | pg -d steward_history | awk '/^Time:/ {print $2}' | tail -n "$RUNS" >"$WORK/pg-anchor.ms"
  stop_pid "$SERVER_PID"
  SERVER_PID=""
  summarize PostgreSQL "$WORK/pg-steward.ms" "$WORK/pg-anchor.ms" psql
fi

echo
printf 'History of one key, %s readings -> %s points (agg=AVG), %s runs each, in ms\n' "$READINGS" "$POINTS" "$RUNS"
printf '%-11s %14s %14s %-8s %14s %14s %8s\n' backend "Steward p50" "Steward p90" anchor "anchor p50" "anchor p90" ratio
while IFS=$'\t' read -r b s50 s90 name a50 a90 ratio; do
  printf '%-11s %14s %14s %-8s %14s %14s %7sx\n' "$b" "$s50" "$s90" "$name" "$a50" "$a90" "$ratio"
done <"$WORK/summary.tsv"
