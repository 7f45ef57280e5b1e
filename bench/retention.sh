#!/usr/bin/env bash
# Issue 14: sweeping N expired readings (default 10,000,000) while devices publish, on SQLite and PostgreSQL 15.
#
#   bench/retention.sh                                  # builds release, 2,000,000 readings, both backends
#   READINGS=10000000 POSTGRES=0 SKIP_BUILD=1 bench/retention.sh   # issue 14's figure on SQLite (~4 min)
#
# On PostgreSQL each 2,000-row batch of the sweep also asks for the oldest reading left, which scans the whole series
# (2.8 s at 10,000,000 readings): there a 10,000,000 sweep takes hours and is stopped after SWEEP_TIMEOUT; 1,000,000
# finishes in a few minutes. See docs/PERFORMANCE.md, "Issue 14".
#
# Environment (defaults in brackets):
#   READINGS [2000000]   expired readings of key `lat` (user.location.precise: P90D, delete), ~400 days old
#   DEVICES [1000]       devices holding them (READINGS / DEVICES each), created with `steward device create`
#   DURATION [60]        seconds of each ingest measurement (alone, then with the sweep running)
#   CONNECTIONS [50]     steward-load QoS 1 connections (devices tok-1 … tok-CONNECTIONS), WINDOW [20] in flight each
#   SWEEP_TIMEOUT [600]  seconds after which the sweep is stopped (the run then reports it as unfinished)
#   SQLITE [1], POSTGRES [1]  which backends to run (PostgreSQL: a throwaway cluster, scripts/pg-cluster.sh)
#   SKIP_BUILD [0]       1 = use the existing .build/release binaries
#
# For each backend: the data directory (and database) is built with the steward CLI in a tenant without any person,
# so readings are stored plain; a server is started (its own retention job runs once at start, and is seen to finish
# on a single expired sentinel reading before anything else happens); then the readings and their latest values are
# inserted straight into the database (Python sqlite3 / generate_series; setup, not measured). Then `steward-load`
# publishes at QoS 1 for DURATION seconds alone (the baseline), then again for DURATION seconds while
# `steward retention run --json` runs alongside in its own process. Prints the ingest ratio (during / alone, goal >=
# 0.8), the sweep's deleted readings, wall time and rows/s, and the database size before and after the sweep.
# Loopback only; everything it starts is stopped and its temporary folders removed on exit. Never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
READINGS=${READINGS:-2000000}
DEVICES=${DEVICES:-1000}
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-50}
WINDOW=${WINDOW:-20}
SWEEP_TIMEOUT=${SWEEP_TIMEOUT:-600}
PER_DEVICE=$((READINGS / DEVICES))
READINGS=$((PER_DEVICE * DEVICES))
[ "$CONNECTIONS" -le "$DEVICES" ] || { echo "CONNECTIONS must not exceed DEVICES" >&2; exit 2; }
command -v jq >/dev/null || apt-get install -y jq >/dev/null 2>&1 || sudo apt-get install -y jq >/dev/null
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --product steward >/dev/null
  swift build -c release --product steward-load >/dev/null
fi
STEWARD=${STEWARD:-.build/release/steward}
LOAD=${LOAD:-.build/release/steward-load}
WORK=$(mktemp -d /tmp/steward-retention-bench.XXXXXX)
SERVER_PID=""
SWEEP_PID=""
cleanup() {
  [ -n "$SWEEP_PID" ] && kill "$SWEEP_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
  rm -rf "$WORK"
  if [ -n "${STEWARD_PG_BASE:-}" ]; then scripts/pg-cluster.sh stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The first reading of each device is 400 days old, the last PER_DEVICE seconds younger: all far past their 90 days.
BASE_TS=$(( ($(date +%s) - 400 * 86400) * 1000 ))
T0=$SECONDS
: >"$WORK/summary.tsv"

create_devices() { # create_devices DIR [--database URL]: a tenant without people, DEVICES devices tok-1 … tok-DEVICES
  local dir=$1
  shift
  "$STEWARD" tenant create --data-dir "$dir" "$@" --name "Bench tenant" --json >/dev/null
  # Two at a time: each is a process that opens the store.
  seq 1 "$DEVICES" | xargs -P 2 -I{} "$STEWARD" device create --data-dir "$dir" "$@" --tenant "Bench tenant" \
    --name dev-{} --token tok-{} --json >/dev/null
  seq 1 "$CONNECTIONS" | sed 's/^/tok-/' >"$WORK/tokens.txt"
}

wait_first_sweep() { # wait_first_sweep COUNT_SQL_COMMAND...: until the server's start-up retention run is recorded
  local i
  for ((i = 0; i < 600; i++)); do
    [ "$("$@")" -ge 1 ] && return 0
    sleep 0.1
  done
  log "the server's start-up retention run was not recorded within 60 s"; return 1
}

ingest() { # ingest NAME: steward-load QoS 1 for DURATION seconds against the running server; prints msg/s
  timeout -k 5 $((DURATION + 120)) "$LOAD" --host 127.0.0.1 --port "$SERVER_MQTT" --connections "$CONNECTIONS" \
    --tokens-file "$WORK/tokens.txt" --qos 1 --window "$WINDOW" --duration "$DURATION" --json \
    >"$WORK/$1.json" 2>"$WORK/$1.stderr" || { log "steward-load ($1) failed: $(tail -3 "$WORK/$1.stderr")"; echo 0; return; }
  local errors
  errors=$(jq -r '.errors' "$WORK/$1.json")
  [ "$errors" = 0 ] || log "steward-load ($1): $errors errors: $(jq -c '{connectErrors, disconnects, messagesRejected, messagesUnacked}' "$WORK/$1.json")"
  jq -r 'if .rateValid then .messagesPerSecond else 0 end | floor' "$WORK/$1.json"
}

# measure BACKEND DIR SIZE_FUNCTION LEFT_FUNCTION [--database URL]: baseline ingest, then ingest with the sweep
# alongside. LEFT_FUNCTION counts the `lat` readings still there (asked once, when the ingest window ends).
measure() {
  local backend=$1 dir=$2 size=$3 left_fn=$4
  shift 4
  local before after alone during start end load_end sweep_s affected reclaimed overlap la left=0
  la=$(cut -d' ' -f1 /proc/loadavg)
  log "$backend: ingest alone, $CONNECTIONS connections for $DURATION s (load avg $la)"
  alone=$(ingest "$backend-alone")
  before=$($size)
  log "$backend: $alone msg/s alone; now the same with \`steward retention run\` alongside"
  start=$(date +%s.%N)
  /usr/bin/time -f "%e %M" -o "$WORK/sweep-$backend.time" timeout "$SWEEP_TIMEOUT" \
    "$STEWARD" retention run --data-dir "$dir" "$@" --json >"$WORK/sweep-$backend.json" 2>"$WORK/sweep-$backend.stderr" &
  SWEEP_PID=$!
  during=$(ingest "$backend-during")
  load_end=$(date +%s.%N)
  kill -0 "$SWEEP_PID" 2>/dev/null && overlap=full || overlap=partial
  left=-
  [ "$overlap" = full ] && left=$($left_fn)
  local finished=yes
  wait "$SWEEP_PID" || { finished=no; log "$backend: the retention run failed or timed out: $(tail -3 "$WORK/sweep-$backend.stderr")"; }
  SWEEP_PID=""
  end=$(date +%s.%N)
  sweep_s=$(awk 'NR == 1 {printf "%.2f", $1}' "$WORK/sweep-$backend.time" 2>/dev/null)
  [ "$finished" = yes ] && [ -n "$sweep_s" ] || sweep_s=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}')
  affected=$(jq -r '[.rows[] | select(.category == "user.location.precise" and .records == "readings") | .affected // 0] | add // 0' \
    "$WORK/sweep-$backend.json" 2>/dev/null || echo 0)
  reclaimed=$(jq -r '.reclaimedBytes // 0' "$WORK/sweep-$backend.json" 2>/dev/null || echo 0)
  # A run that did not finish prints no report: count what it deleted before it stopped.
  [ "$finished" = yes ] || affected=$((READINGS - $($left_fn)))
  log "$backend: $during msg/s during the sweep; the sweep deleted $affected readings in $sweep_s s ($overlap overlap)"
  after=$($size)
  log "$backend: after the sweep: $after; the run's rows that deleted anything: $(jq -c '[.rows[] | select((.affected // 0) > 0) | {category, records, affected}]' "$WORK/sweep-$backend.json" 2>/dev/null)"
  # The sweep's share of the ingest window: how long it ran beside steward-load.
  local covered
  covered=$(awk -v a="$start" -v s="$sweep_s" -v l="$load_end" 'BEGIN {w = l - a; c = s < w ? s : w; printf "%.0f", 100 * c / w}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$READINGS" "$affected" "$reclaimed" "$sweep_s" "$alone" "$during" \
    "$covered" "$before" "$after" "$left" "$(awk -v a="$start" -v l="$load_end" 'BEGIN {printf "%.2f", l - a}')" "$(jq -c '[.ackLatencyMs.p50, .ackLatencyMs.p99] | map(. * 10 | round / 10)' "$WORK/$backend-alone.json")" \
    "$(jq -c '[.ackLatencyMs.p50, .ackLatencyMs.p99] | map(. * 10 | round / 10)' "$WORK/$backend-during.json")" "$finished" >>"$WORK/summary.tsv"
}

# ------------------------------------------------------------------------------------------------------------ SQLite
sqlite_size() { # file MB + WAL MB, pages, free pages, after a checkpoint (the server is idle when this runs)
  python3 - "$WORK/sqlite/steward.sqlite" <<'PY'
import os, sqlite3, sys
path = sys.argv[1]
db = sqlite3.connect(path, timeout=60)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
pages, free, size = (db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count", "page_size"))
wal = os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0
mode = {0: "none", 1: "full", 2: "incremental"}[db.execute("PRAGMA auto_vacuum").fetchone()[0]]
print(f"{os.path.getsize(path) / 1e6:.0f} MB file + {wal / 1e6:.0f} MB WAL; {free:,} of {pages:,} pages free ({free * size / 1e6:.0f} MB; auto_vacuum {mode})")
PY
}

if [ "${SQLITE:-1}" = 1 ]; then
  dir="$WORK/sqlite"
  log "SQLite: tenant and $DEVICES devices"
  create_devices "$dir"
  db="$dir/steward.sqlite"
  # The sentinel: one expired reading, for the server's start-up retention run to delete and record.
  python3 - "$db" "$BASE_TS" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); ts = int(sys.argv[2])
seq = db.execute("SELECT seq FROM device WHERE name = 'dev-1'").fetchone()[0]
db.execute("INSERT OR IGNORE INTO ts_key(key) VALUES ('lat')")
key = db.execute("SELECT id FROM ts_key WHERE key = 'lat'").fetchone()[0]
db.execute("INSERT INTO ts_kv(device_seq, key_id, ts, t, v) VALUES (?, ?, ?, 3, 1.0)", (seq, key, ts - 86_400_000))
db.execute("INSERT INTO ts_kv_latest(device_seq, key_id, ts, t, v) VALUES (?, ?, ?, 3, 1.0)", (seq, key, ts - 86_400_000))
db.commit()
PY
  start_server sqlite "$dir"
  wait_first_sweep sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE event = 'retention.run'"
  log "SQLite: inserting $READINGS readings ($PER_DEVICE per device) with Python's sqlite3 while the server idles"
  python3 - "$db" "$PER_DEVICE" "$BASE_TS" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=60); per = int(sys.argv[2]); base = int(sys.argv[3])
key = db.execute("SELECT id FROM ts_key WHERE key = 'lat'").fetchone()[0]
seqs = [r[0] for r in db.execute("SELECT d.seq FROM device d JOIN tenant t ON t.id = d.tenant_id WHERE t.name = 'Bench tenant' ORDER BY d.seq")]
for start in range(0, len(seqs), 50):  # one transaction per 50 devices: the server's writer never waits long
    chunk = seqs[start:start + 50]
    db.executemany("INSERT INTO ts_kv(device_seq, key_id, ts, t, v) VALUES (?, ?, ?, 3, ?)",
                   ((s, key, base + i * 1000, 40.0 + (i % 1000) / 10000) for s in chunk for i in range(per)))
    db.executemany("INSERT OR REPLACE INTO ts_kv_latest(device_seq, key_id, ts, t, v) VALUES (?, ?, ?, 3, 40.0)",
                   [(s, key, base + (per - 1) * 1000) for s in chunk])
    db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
PY
  log "SQLite: inserted in $((SECONDS - T0)) s since the start; $(sqlite_size)"
  sqlite_left() {
    sqlite3 "$db" "SELECT count(*) FROM ts_kv WHERE key_id = (SELECT id FROM ts_key WHERE key = 'lat')
      AND device_seq IN (SELECT d.seq FROM device d JOIN tenant t ON t.id = d.tenant_id WHERE t.name = 'Bench tenant')"
  }
  measure SQLite "$dir" sqlite_size sqlite_left
  stop_pid "$SERVER_PID"
  SERVER_PID=""
  rm -rf "$dir"
fi

# -------------------------------------------------------------------------------------------------------- PostgreSQL
if [ "${POSTGRES:-1}" = 1 ]; then
  eval "$(scripts/pg-cluster.sh start)"
  export STEWARD_DATABASE_PASSWORD_FILE="$STEWARD_TEST_DATABASE_PASSWORD_FILE"
  pg() { PGPASSWORD=$(cat "$STEWARD_DATABASE_PASSWORD_FILE") psql -qAt -h "$STEWARD_PG_SOCKET" -p "$STEWARD_PG_PORT" -U steward "$@"; }
  pg -d postgres -c "CREATE DATABASE steward_retention"
  DB=(--database "${STEWARD_TEST_DATABASE_URL/\/postgres\?/\/steward_retention?}")
  pg_size() { # ts_kv over all its partitions, and the partition that holds the old readings
    pg -d steward_retention -F ' ' -c "SELECT round(sum(pg_total_relation_size(i.inhrelid)) / 1e6) || ' MB ts_kv (all partitions), '
      || round(pg_total_relation_size('ts_kv_old') / 1e6) || ' MB ts_kv_old'
      FROM pg_inherits i WHERE i.inhparent = 'ts_kv'::regclass"
  }
  dir="$WORK/pg"
  log "PostgreSQL $(psql --version | awk '{print $3}'): tenant and $DEVICES devices"
  create_devices "$dir" "${DB[@]}"
  # The sentinel, as on SQLite (opening the store made the partitions: this reading goes to ts_kv_old).
  pg -d steward_retention <<SQL
INSERT INTO ts_key(key) VALUES ('lat') ON CONFLICT DO NOTHING;
INSERT INTO ts_kv(device_seq, key_id, ts, t, v_double)
  SELECT d.seq, k.id, $BASE_TS - 86400000, 3, 1.0 FROM device d, ts_key k WHERE d.name = 'dev-1' AND k.key = 'lat';
INSERT INTO ts_kv_latest(device_seq, key_id, ts, t, v_double)
  SELECT d.seq, k.id, $BASE_TS - 86400000, 3, 1.0 FROM device d, ts_key k WHERE d.name = 'dev-1' AND k.key = 'lat';
SQL
  start_server postgres "$dir" "${DB[@]}"
  wait_first_sweep pg -d steward_retention -c "SELECT count(*) FROM audit_log WHERE event = 'retention.run'"
  log "PostgreSQL: inserting $READINGS readings ($PER_DEVICE per device) with generate_series while the server idles"
  pg -d steward_retention <<SQL
INSERT INTO ts_kv(device_seq, key_id, ts, t, v_double)
  SELECT d.seq, k.id, $BASE_TS + i * 1000, 3, 40.0 + (i % 1000) / 10000.0
  FROM device d JOIN tenant t ON t.id = d.tenant_id, ts_key k, generate_series(0, $PER_DEVICE - 1) AS i
  WHERE t.name = 'Bench tenant' AND k.key = 'lat';
INSERT INTO ts_kv_latest(device_seq, key_id, ts, t, v_double)
  SELECT d.seq, k.id, $BASE_TS + ($PER_DEVICE - 1) * 1000, 3, 40.0
  FROM device d JOIN tenant t ON t.id = d.tenant_id, ts_key k WHERE t.name = 'Bench tenant' AND k.key = 'lat'
  ON CONFLICT (device_seq, key_id) DO UPDATE SET ts = excluded.ts, t = 3, v_double = excluded.v_double,
    v_long = NULL, v_text = NULL, v_sealed = NULL;
ANALYZE;
CHECKPOINT;
SQL
  log "PostgreSQL: inserted in $((SECONDS - T0)) s since the start; $(pg_size)"
  # What one batch's statements cost on an idle server (each batch must finish within the store's 5 s call deadline).
  sel="r.key_id = (SELECT id FROM ts_key WHERE key = 'lat') AND r.device_seq IN (SELECT d.seq FROM device d JOIN device_profile p ON p.id = d.profile_id WHERE p.name = 'default')"
  log "PostgreSQL, idle: one batch's selection $(pg -d steward_retention -c "EXPLAIN ANALYZE SELECT r.device_seq, r.key_id, r.ts FROM ts_kv r WHERE $sel AND r.ts < $BASE_TS + 86400000000 ORDER BY r.device_seq, r.key_id, r.ts LIMIT 2000" | grep 'Execution Time'); its MIN(ts) $(pg -d steward_retention -c "EXPLAIN ANALYZE SELECT MIN(r.ts) FROM ts_kv r WHERE $sel" | grep 'Execution Time')"
  pg_left() { pg -d steward_retention -c "SELECT count(*) FROM ts_kv WHERE key_id = (SELECT id FROM ts_key WHERE key = 'lat')"; }
  measure PostgreSQL "$dir" pg_size pg_left "${DB[@]}"
  stop_pid "$SERVER_PID"
  SERVER_PID=""
fi

# ----------------------------------------------------------------------------------------------------------- summary
echo "Retention sweep while devices publish — $(date -u '+%Y-%m-%d %H:%M UTC'), steward $(git rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); load avg now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "readings: $READINGS of key lat (user.location.precise, P90D, delete) on $DEVICES devices, ~400 days old;"
echo "ingest: steward-load QoS 1, $CONNECTIONS connections, window $WINDOW, $DURATION s alone then $DURATION s with \`steward retention run\`"
python3 - "$WORK/summary.tsv" <<'PY'
import sys
for line in open(sys.argv[1]):
    backend, readings, affected, reclaimed, sweep_s, alone, during, covered, before, after, left, window, lat_alone, lat_during, finished = line.rstrip("\n").split("\t")
    affected, sweep_s, alone, during, readings = int(affected or 0), float(sweep_s), int(alone), int(during), int(readings)
    print(f"\n{backend}")
    if finished == "yes":
        print(f"  sweep                      {affected:,} readings deleted in {sweep_s:.1f} s ({affected / sweep_s:,.0f} rows/s, process start included)")
    else:
        print(f"  sweep                      DID NOT FINISH: {affected:,} of {readings:,} readings deleted in the {sweep_s:.1f} s before it"
              f" failed or was stopped ({affected / max(sweep_s, 0.01):,.0f} rows/s)")
    if left != "-":
        gone = readings - int(left)
        print(f"  ... beside the ingest      {gone:,} deleted in the first {float(window):.1f} s ({gone / float(window):,.0f} rows/s while steward-load ran)")
    print(f"  ingest alone               {alone:,} msg/s (ack p50/p99 ms {lat_alone})")
    print(f"  ingest during the sweep    {during:,} msg/s (ack p50/p99 ms {lat_during}; the sweep ran for {covered} % of the window)")
    ratio = during / alone if alone else 0
    print(f"  ratio during / alone       {ratio:.2f} (goal >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'})")
    print(f"  size before the sweep      {before}")
    print(f"  size after                 {after}; the run returned {int(reclaimed) / 1e6:.0f} MB to the filesystem (reclaimedBytes)")
PY
echo
echo "total: $((SECONDS - T0)) s"
