#!/usr/bin/env bash
# Export and erasure of one person with N readings (default 1,000,000), against sqlite3 -csv dumping the same rows.
#
#   bench/rights.sh                 # builds release, 1,000,000 readings, plus a 250,000 run for the memory check
#   READINGS=200000 SKIP_BUILD=1 bench/rights.sh
#
# Prints seconds for `steward dsr export` and `steward dsr erase`, the export's readings per second as a ratio of
# `sqlite3 -csv` selecting the same readings, and the export's peak memory (max RSS) at two sizes, which should
# stay flat as readings grow. The data directory is built with the steward CLI; the readings are inserted straight
# into the database by Python's sqlite3 (setup only, not measured).
#
# POSTGRES=1 (default) repeats export and erasure of the same person with the same readings on PostgreSQL 15 (a
# throwaway cluster, scripts/pg-cluster.sh; readings inserted with generate_series) and prints the ratio to SQLite's
# times (goal: within 2x).
set -euo pipefail
cd "$(dirname "$0")/.."
READINGS=${READINGS:-1000000}
SMALL=$((READINGS / 4))
command -v sqlite3 >/dev/null || { sudo apt-get install -y sqlite3 >/dev/null 2>&1 || apt-get install -y sqlite3 >/dev/null; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product steward >/dev/null; fi
BIN=${BIN:-.build/release/steward}
WORK=$(mktemp -d /tmp/steward-rights-bench.XXXXXX)
trap 'rm -rf "$WORK"; [ -n "${STEWARD_PG_BASE:-}" ] && scripts/pg-cluster.sh stop' EXIT

setup() { # $1 = directory, $2 = readings
  local dir=$1 count=$2
  "$BIN" tenant create --data-dir "$dir" --name "Bench tenant" --json >/dev/null
  "$BIN" user create --data-dir "$dir" --tenant "Bench tenant" --email person@bench.test --password "Bench-password-42" \
    --role tenant-admin --json >/dev/null
  "$BIN" device create --data-dir "$dir" --tenant "Bench tenant" --name tracker --token bench-token --json >/dev/null
  python3 - "$dir/steward.sqlite" "$count" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); count = int(sys.argv[2])
seq = db.execute("SELECT seq FROM device WHERE name = 'tracker'").fetchone()[0]
keys = ["temperature", "power", "lat", "lon"]
ids = []
for key in keys:
    db.execute("INSERT OR IGNORE INTO ts_key(key) VALUES (?)", (key,))
    ids.append(db.execute("SELECT id FROM ts_key WHERE key = ?", (key,)).fetchone()[0])
per_key = count // len(keys)
rows = ((seq, ids[k], 1_700_000_000_000 + i * 1000, 3, 20.0 + (i % 1000) / 100) for k in range(len(keys)) for i in range(per_key))
db.executemany("INSERT INTO ts_kv(device_seq, key_id, ts, t, v) VALUES (?, ?, ?, ?, ?)", rows)
db.executemany("INSERT OR REPLACE INTO ts_kv_latest(device_seq, key_id, ts, t, v) VALUES (?, ?, ?, 3, 1.0)",
               [(seq, ids[k], 1_700_000_000_000 + (per_key - 1) * 1000) for k in range(len(keys))])
db.commit()
PY
}

measure() { # $1 = directory; prints "seconds maxrss_kb"
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" dsr export --data-dir "$1" --email person@bench.test --out "$1/export.zip" --quiet >/dev/null
  cat "$WORK/time"
}

setup "$WORK/small" "$SMALL"
read -r small_seconds small_rss < <(measure "$WORK/small")

setup "$WORK/big" "$READINGS"
rows=$(sqlite3 "$WORK/big/steward.sqlite" "SELECT COUNT(*) FROM ts_kv")
read -r export_seconds export_rss < <(measure "$WORK/big")
zip_bytes=$(stat -c %s "$WORK/big/export.zip")
start=$(date +%s.%N)
sqlite3 -csv "$WORK/big/steward.sqlite" \
  "SELECT d.id, k.key, r.ts, r.v FROM ts_kv r JOIN ts_key k ON k.id = r.key_id JOIN device d ON d.seq = r.device_seq ORDER BY r.key_id, r.ts" \
  > "$WORK/sqlite.csv"
end=$(date +%s.%N)
sqlite_seconds=$(echo "$end - $start" | bc -l)
/usr/bin/time -f "%e" -o "$WORK/time" "$BIN" dsr erase --data-dir "$WORK/big" --email person@bench.test --yes >/dev/null
erase_seconds=$(cat "$WORK/time")
left=$(sqlite3 "$WORK/big/steward.sqlite" "SELECT COUNT(*) FROM ts_kv")

python3 - "$rows" "$export_seconds" "$sqlite_seconds" "$erase_seconds" "$SMALL" "$small_seconds" "$small_rss" "$export_rss" "$zip_bytes" "$left" <<'PY'
import sys
rows, export_s, sqlite_s, erase_s, small, small_s, small_rss, big_rss, zip_bytes, left = sys.argv[1:]
rows = int(rows); export_s = float(export_s); sqlite_s = float(sqlite_s)
print(f"readings                       {rows:,}")
print(f"steward dsr export             {export_s:.2f} s  ({rows / export_s:,.0f} readings/s; archive {int(zip_bytes) / 1e6:.1f} MB, readings written twice: CSV and JSON)")
print(f"sqlite3 -csv, same readings    {sqlite_s:.2f} s  ({rows / sqlite_s:,.0f} readings/s)")
print(f"export / sqlite3 throughput    {sqlite_s / export_s:.2f}x  (goal >= 0.5)")
print(f"steward dsr erase              {float(erase_s):.2f} s  (process start included; goal < 2 s); readings left {left}")
print(f"export peak memory             {int(small_rss) / 1024:.0f} MB at {int(small):,} readings ({float(small_s):.2f} s), {int(big_rss) / 1024:.0f} MB at {rows:,}")
PY

[ "${POSTGRES:-1}" = 1 ] || exit 0
eval "$(scripts/pg-cluster.sh start)"
export STEWARD_DATABASE_PASSWORD_FILE="$STEWARD_TEST_DATABASE_PASSWORD_FILE"
pg() { PGPASSWORD=$(cat "$STEWARD_DATABASE_PASSWORD_FILE") psql -qAt -h "$STEWARD_PG_SOCKET" -p "$STEWARD_PG_PORT" -U steward "$@"; }
pg -d postgres -c "CREATE DATABASE steward_rights"
DB=(--database "${STEWARD_TEST_DATABASE_URL/\/postgres\?/\/steward_rights?}")
dir="$WORK/pg"
"$BIN" tenant create --data-dir "$dir" "${DB[@]}" --name "Bench tenant" --json >/dev/null
"$BIN" user create --data-dir "$dir" "${DB[@]}" --tenant "Bench tenant" --email person@bench.test --password "Bench-password-42" \
  --role tenant-admin --json >/dev/null
"$BIN" device create --data-dir "$dir" "${DB[@]}" --tenant "Bench tenant" --name tracker --token bench-token --json >/dev/null
per_key=$((READINGS / 4))
pg -d steward_rights <<SQL
INSERT INTO ts_key(key) VALUES ('temperature'), ('power'), ('lat'), ('lon') ON CONFLICT DO NOTHING;
INSERT INTO ts_kv(device_seq, key_id, ts, t, v_double)
  SELECT d.seq, k.id, 1700000000000 + i * 1000, 3, 20.0 + (i % 1000) / 100.0
  FROM device d, ts_key k, generate_series(0, $per_key - 1) AS i WHERE d.name = 'tracker';
INSERT INTO ts_kv_latest(device_seq, key_id, ts, t, v_double)
  SELECT d.seq, k.id, 1700000000000 + ($per_key - 1) * 1000, 3, 1.0 FROM device d, ts_key k WHERE d.name = 'tracker';
ANALYZE;
SQL
pg_rows=$(pg -d steward_rights -c "SELECT count(*) FROM ts_kv")
/usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" dsr export --data-dir "$dir" "${DB[@]}" --email person@bench.test --out "$dir/export.zip" --quiet >/dev/null
read -r pg_export_seconds pg_export_rss < "$WORK/time"
/usr/bin/time -f "%e" -o "$WORK/time" "$BIN" dsr erase --data-dir "$dir" "${DB[@]}" --email person@bench.test --yes >/dev/null
pg_erase_seconds=$(cat "$WORK/time")
pg_left=$(pg -d steward_rights -c "SELECT count(*) FROM ts_kv")
python3 - "$pg_rows" "$pg_export_seconds" "$pg_export_rss" "$pg_erase_seconds" "$pg_left" "$export_seconds" "$erase_seconds" <<'PY'
import sys
rows, export_s, rss, erase_s, left, sqlite_export_s, sqlite_erase_s = sys.argv[1:]
rows = int(rows)
print(f"PostgreSQL 15: readings       {rows:,}")
print(f"  steward dsr export           {float(export_s):.2f} s  ({rows / float(export_s):,.0f} readings/s; peak memory {int(rss) / 1024:.0f} MB)"
      f"  = {float(export_s) / float(sqlite_export_s):.2f}x SQLite's time (goal <= 2)")
print(f"  steward dsr erase            {float(erase_s):.2f} s  = {float(erase_s) / float(sqlite_erase_s):.2f}x SQLite's time (goal <= 2); readings left {left}")
PY
