#!/usr/bin/env bash
# Steward vs Mosquitto, side by side, on this machine (loopback only).
#
#   bench/run.sh                      # default run, < 5 minutes after the build
#   DURATION=10 IDLE_CONNECTIONS=2000 bench/run.sh
#
# Environment (defaults in brackets):
#   DURATION [20]            seconds per MQTT QoS 1 publish test
#   QOS0_DURATION [10]       seconds of QoS 0 publishing (the broker then still drains what the kernel buffered)
#   QOS0_DRAIN [120]         seconds to wait for the QoS 0 fence acknowledgements after sending stopped
#   CONNECTIONS [50]         connections for the main QoS 1 / QoS 0 tests
#   WINDOW [20]              max in-flight QoS 1 messages per connection
#   BIG_CONNECTIONS [200]    connections for the extra QoS 1 test (0 = skip)
#   IDLE_CONNECTIONS [10000] idle connections (0 = skip the idle test)
#   IDLE_DURATION [20]       seconds the idle connections stay open
#   IDLE_KEEPALIVE [10]      keep-alive of the idle connections (a PINGREQ every 5 s)
#   HTTP_DURATION [15]       seconds of wrk (0 = skip)
#   HTTP_CONNECTIONS [50]    wrk connections (-t2)
#   HTTP_DEVICES [CONNECTIONS] devices the HTTP requests rotate over (tok-1 … tok-N)
#   DURABILITY_NORMAL [1]    also run QoS 1 against Steward with --durability normal (0 = skip)
#   POSTGRES [1]             also run QoS 1 and HTTP against Steward on PostgreSQL 15, a throwaway cluster on this
#                            machine (scripts/pg-cluster.sh) with its default durability (0 = skip)
#   STEWARD_LOG_LEVEL [info]     Steward's log level during the benchmark (its default)
#   SKIP_BUILD [0]           1 = use the existing .build/release binaries
#
# Prints a summary table and writes it to bench/results/latest.txt; raw JSON reports and server logs go to
# bench/results/latest/. A benchmark never fails on a number: the exit status is non-zero only when the
# tools could not be set up.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-20}
QOS0_DURATION=${QOS0_DURATION:-10}
QOS0_DRAIN=${QOS0_DRAIN:-120}
CONNECTIONS=${CONNECTIONS:-50}
WINDOW=${WINDOW:-20}
BIG_CONNECTIONS=${BIG_CONNECTIONS:-200}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
IDLE_DURATION=${IDLE_DURATION:-20}
IDLE_KEEPALIVE=${IDLE_KEEPALIVE:-10}
HTTP_DURATION=${HTTP_DURATION:-15}
HTTP_CONNECTIONS=${HTTP_CONNECTIONS:-50}
HTTP_DEVICES=${HTTP_DEVICES:-$CONNECTIONS}
DURABILITY_NORMAL=${DURABILITY_NORMAL:-1}
POSTGRES=${POSTGRES:-1}
export STEWARD_LOG_LEVEL=${STEWARD_LOG_LEVEL:-info}
SKIP_BUILD=${SKIP_BUILD:-0}

RESULTS="$ROOT/bench/results"
OUT="$RESULTS/latest"
mkdir -p "$RESULTS"
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/steward-bench.XXXXXX)
ROWS="$WORK/rows.tsv"
NOTES="$WORK/notes.txt"
: >"$ROWS"
: >"$NOTES"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
note() { printf '%s\n' "$*" >>"$NOTES"; log "$*"; }

# ---------------------------------------------------------------------------------------------- cleanup
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done
    sleep 0.5
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    done
    # Keep the logs (minus the throwaway admin password Steward prints once), drop the databases.
    cp "$WORK"/*.log "$OUT"/ 2>/dev/null
    sed -i '/password, shown only this once/d' "$OUT"/steward-*.log 2>/dev/null
    rm -rf "$WORK"
    [ -n "${STEWARD_PG_BASE:-}" ] && "$ROOT/scripts/pg-cluster.sh" stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------- tools
need_apt=()
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
command -v wrk >/dev/null || need_apt+=(wrk)
command -v jq >/dev/null || need_apt+=(jq)
if [ ${#need_apt[@]} -gt 0 ]; then
    log "installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "${need_apt[@]}" >"$WORK/apt.log" 2>&1 \
        || { apt-get update >>"$WORK/apt.log" 2>&1 && apt-get install -y "${need_apt[@]}" >>"$WORK/apt.log" 2>&1; } \
        || { log "apt-get install ${need_apt[*]} failed (see $OUT/apt.log)"; cp "$WORK/apt.log" "$OUT/"; exit 1; }
fi
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

if [ "$SKIP_BUILD" != 1 ]; then
    log "building steward and steward-load (release)"
    swift build -c release --product steward >"$WORK/build-steward.log" 2>&1 \
        || { tail -30 "$WORK/build-steward.log" >&2; log "steward build failed"; exit 1; }
    swift build -c release --product steward-load >"$WORK/build-load.log" 2>&1 \
        || { tail -30 "$WORK/build-load.log" >&2; log "steward-load build failed"; exit 1; }
fi
BIN=$(swift build -c release --show-bin-path 2>/dev/null || echo "$ROOT/.build/release")
STEWARD="$BIN/steward"
LOAD="$BIN/steward-load"
[ -x "$STEWARD" ] && [ -x "$LOAD" ] || { log "missing $STEWARD or $LOAD"; exit 1; }

# 10,000 idle connections need 10,000+ descriptors in the server and in the load generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null
log "open file limit: $(ulimit -n)"

# ---------------------------------------------------------------------------------------------- helpers
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
        && return
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
    done
}

kb_field() { # kb_field PID VmRSS|VmHWM -> kB (0 if gone)
    awk -v k="$2:" '$1==k {print $2; f=1} END {if (!f) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}
cpu_ticks() { # cpu_ticks PID -> utime+stime in clock ticks (0 if gone)
    awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
TICKS=$(getconf CLK_TCK 2>/dev/null || echo 100)
cpu_s() { awk -v a="${1:-0}" -v b="${2:-0}" -v t="$TICKS" 'BEGIN {printf "%.1f", (b-a)/t}'; }
mb() { awk -v kb="${1:-0}" 'BEGIN {printf "%.1f", kb/1024}'; }

SAMPLER_PID=""
start_sampler() { # start_sampler PID FILE: VmRSS every 0.5 s
    (while kill -0 "$1" 2>/dev/null; do kb_field "$1" VmRSS; sleep 0.5; done) >"$2" &
    SAMPLER_PID=$!
}
stop_sampler() { # stop_sampler FILE -> max kB
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
    SAMPLER_PID=""
    sort -n "$1" 2>/dev/null | tail -1
}

wait_port() { # wait_port PORT SECONDS
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

stop_pid() { # stop_pid PID NAME: SIGTERM, wait up to 20 s, then SIGKILL
    local pid=$1 name=$2 i start end
    kill -0 "$pid" 2>/dev/null || { note "$name (pid $pid) had already exited"; return; }
    start=$(date +%s.%N)
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        note "$name (pid $pid) did not exit within 20 s of SIGTERM; killed"
        kill -9 "$pid" 2>/dev/null
    else
        end=$(date +%s.%N)
        log "$name stopped in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b-a}') s"
    fi
    wait "$pid" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------- servers
MOSQ_PID=""
MOSQ_PORT=""
start_mosquitto() { # start_mosquitto TAG
    MOSQ_PORT=$(free_port)
    cat >"$WORK/mosquitto-$1.conf" <<EOF
listener $MOSQ_PORT 127.0.0.1
allow_anonymous true
persistence false
# Do not throttle: no limit on in-flight / queued messages, connections or message size.
max_inflight_messages 0
max_queued_messages 0
max_connections -1
set_tcp_nodelay true
# Running as root: stay root so the log file in the temporary directory stays writable.
user root
log_dest file $WORK/mosquitto-$1.log
log_type error
log_type warning
log_type notice
connection_messages false
EOF
    "$MOSQUITTO" -c "$WORK/mosquitto-$1.conf" >>"$WORK/mosquitto-$1.log" 2>&1 &
    MOSQ_PID=$!
    PIDS+=("$MOSQ_PID")
    wait_port "$MOSQ_PORT" 10 || { note "mosquitto did not start (see mosquitto-$1.log)"; return 1; }
    log "mosquitto $($MOSQUITTO -h 2>/dev/null | awk 'NR==1 {print $3}') pid $MOSQ_PID on 127.0.0.1:$MOSQ_PORT"
}

DATA="$WORK/steward-data"
# Extra arguments naming the database for `steward serve` and the CLI (empty: SQLite in $DATA).
DB_ARGS=()
STEW_PID=""
STEW_MQTT=""
STEW_HTTP=""
start_steward() { # start_steward DURABILITY TAG
    STEW_MQTT=$(free_port)
    STEW_HTTP=$(free_port)
    local logf="$WORK/steward-$2.log" i
    STEWARD_BCRYPT_COST=4 "$STEWARD" serve --data-dir "$DATA" "${DB_ARGS[@]}" --host 127.0.0.1 --http-port "$STEW_HTTP" \
        --mqtt-port "$STEW_MQTT" --durability "$1" --log-level "$STEWARD_LOG_LEVEL" >"$logf" 2>&1 &
    STEW_PID=$!
    PIDS+=("$STEW_PID")
    for ((i = 0; i < 600; i++)); do
        grep -q "Steward is ready" "$logf" 2>/dev/null && break
        kill -0 "$STEW_PID" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q "Steward is ready" "$logf" 2>/dev/null; then
        note "steward serve (durability $1) did not print 'Steward is ready' within 60 s; last log lines:"
        tail -20 "$logf" | sed 's/^/    /' | tee -a "$NOTES" >&2
        return 1
    fi
    log "steward pid $STEW_PID durability $1: MQTT 127.0.0.1:$STEW_MQTT HTTP 127.0.0.1:$STEW_HTTP"
}

create_devices() { # create_devices COUNT
    local n=$1 i out
    export STEWARD_BCRYPT_COST=4
    out=$("$STEWARD" tenant create --data-dir "$DATA" "${DB_ARGS[@]}" --name bench --json 2>&1) \
        || { note "steward tenant create failed: $out"; return 1; }
    : >"$WORK/tokens.txt"
    local t0=$SECONDS
    for ((i = 1; i <= n; i++)); do
        out=$("$STEWARD" device create --data-dir "$DATA" "${DB_ARGS[@]}" --tenant bench --name "dev-$i" --token "tok-$i" --json 2>&1) \
            || { note "steward device create dev-$i failed: $out"; return 1; }
        echo "tok-$i" >>"$WORK/tokens.txt"
    done
    log "created tenant 'bench' and $n devices in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------------------------------------- tests
load_avg() { cut -d' ' -f1 /proc/loadavg; }

# run_publish TEST BROKER PORT PID QOS CONNS SECONDS [extra steward-load args...]
run_publish() {
    local test=$1 broker=$2 port=$3 pid=$4 qos=$5 conns=$6 seconds=$7
    shift 7
    local name="${test// /_}-${broker// /_}"
    name=${name//[^A-Za-z0-9_.=-]/}
    local json="$OUT/$name.json" samples="$WORK/$name.rss" la peak hwm c0 c1 l0 l1
    la=$(load_avg)
    log "$test against $broker (load avg $la)"
    start_sampler "$pid" "$samples"
    c0=$(cpu_ticks "$pid")
    l0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)  # this shell's children's CPU so far
    timeout -k 5 $((seconds + 180)) "$LOAD" --host 127.0.0.1 --port "$port" --connections "$conns" \
        --tokens-file "$WORK/tokens.txt" --qos "$qos" --window "$WINDOW" --duration "$seconds" --json "$@" \
        >"$json" 2>"$OUT/$name.stderr"
    local rc=$?
    c1=$(cpu_ticks "$pid")
    l1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
    peak=$(stop_sampler "$samples")
    hwm=$(kb_field "$pid" VmHWM)
    local bcpu lcpu
    bcpu=$(cpu_s "$c0" "$c1")
    lcpu=$(cpu_s "$l0" "$l1")
    if [ $rc -ne 0 ] || ! jq -e . "$json" >/dev/null 2>&1; then
        note "$test / $broker: steward-load exited with $rc: $(tail -3 "$OUT/$name.stderr" | tr '\n' ' ')"
        printf '%s\t%s\t%s\t-\t-\t-\t-\tfailed(rc=%s)\t-\t%s\t%s\t%s\t%s\t%s\n' "$test" "$broker" "$conns" "$rc" \
            "$bcpu" "$lcpu" "$(mb "$peak")" "$(mb "$hwm")" "$la" >>"$ROWS"
        return
    fi
    kill -0 "$pid" 2>/dev/null || note "$test / $broker: the broker process $pid is gone after the test"
    jq -r --arg t "$test" --arg b "$broker" --arg peak "$(mb "$peak")" --arg hwm "$(mb "$hwm")" --arg la "$la" \
        --arg bcpu "$bcpu" --arg lcpu "$lcpu" \
        '[$t, $b, "\(.connectionsEstablished)/\(.connectionsRequested)",
          (if .rateValid then (.messagesPerSecond | floor | tostring) else "n/a" end),
          (.ackLatencyMs.p50 * 100 | round / 100 | tostring), (.ackLatencyMs.p99 * 100 | round / 100 | tostring),
          (.messagesSent | tostring), (.errors | tostring), (.elapsedSeconds * 10 | round / 10 | tostring),
          $bcpu, $lcpu, $peak, $hwm, $la] | @tsv' "$json" >>"$ROWS"
    local errs
    errs=$(jq -r '.errors' "$json")
    [ "$errs" != 0 ] && note "$test / $broker: $errs errors: $(jq -c '{connectErrors, disconnects, messagesRejected, messagesUnacked, aborted, sampleErrors, rateBasis}' "$json")"
    return 0
}

# run_idle BROKER PORT PID USERNAME
run_idle() {
    local broker=$1 port=$2 pid=$3 user=$4
    local name="idle-${broker// /_}" json samples peak hwm rss la before
    name=${name//[^A-Za-z0-9_.=-]/}
    json="$OUT/$name.json"
    samples="$WORK/$name.rss"
    la=$(load_avg)
    before=$(kb_field "$pid" VmRSS)
    log "idle: $IDLE_CONNECTIONS connections to $broker for $IDLE_DURATION s (RSS before $(mb "$before") MB)"
    start_sampler "$pid" "$samples"
    # Read the RSS while all connections are open: a few seconds before the end of the idle period.
    (sleep $((IDLE_DURATION > 8 ? IDLE_DURATION - 3 : IDLE_DURATION / 2)); kb_field "$pid" VmRSS >"$WORK/$name.mid") &
    local mid_pid=$!
    timeout -k 5 $((IDLE_DURATION + 150)) "$LOAD" --host 127.0.0.1 --port "$port" --connections "$IDLE_CONNECTIONS" \
        --username "$user" --idle --duration "$IDLE_DURATION" --keep-alive "$IDLE_KEEPALIVE" --json \
        >"$json" 2>"$OUT/$name.stderr"
    local rc=$?
    wait "$mid_pid" 2>/dev/null
    rss=$(cat "$WORK/$name.mid" 2>/dev/null || echo 0)
    peak=$(stop_sampler "$samples")
    hwm=$(kb_field "$pid" VmHWM)
    if [ $rc -ne 0 ] || ! jq -e . "$json" >/dev/null 2>&1; then
        note "idle / $broker: steward-load exited with $rc: $(tail -3 "$OUT/$name.stderr" | tr '\n' ' ')"
        printf 'idle %s conns %ss\t%s\t-\t-\t-\tfailed(rc=%s)\t%s\t%s\t%s\t%s\n' "$IDLE_CONNECTIONS" "$IDLE_DURATION" "$broker" "$rc" \
            "$(mb "$before")" "$(mb "$rss")" "$(mb "$peak")" "$(mb "$hwm")" >>"$WORK/idle.tsv"
        return
    fi
    jq -r --arg b "$broker" --arg before "$(mb "$before")" --arg rss "$(mb "$rss")" --arg peak "$(mb "$peak")" \
        --arg hwm "$(mb "$hwm")" --arg t "idle $IDLE_CONNECTIONS conns ${IDLE_DURATION}s" \
        '[$t, $b, "\(.connectionsEstablished)/\(.connectionsRequested)", "\(.connectionsOpenAtEnd)",
          "\(.connectPhaseSeconds * 100 | round / 100)", "\(.pingResponses)/\(.pingsSent)", $before, $rss, $peak, $hwm] | @tsv' \
        "$json" >>"$WORK/idle.tsv"
    local errs
    errs=$(jq -r '.errors' "$json")
    [ "$errs" != 0 ] && note "idle / $broker: $errs errors: $(jq -c '{connectErrors, disconnects, sampleErrors}' "$json")"
    return 0
}

run_http() { # run_http PORT PID [BROKER]
    local port=$1 pid=$2 broker=${3:-steward (full)} samples="$WORK/http.rss" peak hwm out la c0 c1 l0 l1
    la=$(load_avg)
    c0=$(cpu_ticks "$pid")
    l0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
    # Spread over the devices: one device may send at most one untimed reading per millisecond on average (its
    # server timestamps may run at most 10 s ahead of the clock, see ARCHITECTURE "Timestamps"), and wrk alone sends
    # about 20 per millisecond.
    log "HTTP: wrk -t2 -c$HTTP_CONNECTIONS -d${HTTP_DURATION}s POST /api/v1/tok-{1..$HTTP_DEVICES}/telemetry (load avg $la)"
    start_sampler "$pid" "$samples"
    WRK_TOKENS=$HTTP_DEVICES timeout -k 5 $((HTTP_DURATION + 60)) wrk -t2 -c"$HTTP_CONNECTIONS" -d"${HTTP_DURATION}s" --timeout 10s \
        -s "$ROOT/bench/http-telemetry.lua" "http://127.0.0.1:$port/api/v1/tok-1/telemetry" >"$OUT/http-wrk-${broker//[^a-z]/}.txt" 2>&1
    c1=$(cpu_ticks "$pid")
    l1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
    peak=$(stop_sampler "$samples")
    hwm=$(kb_field "$pid" VmHWM)
    out="$OUT/http-wrk-${broker//[^a-z]/}.txt"
    local rps p50 p99 errs
    rps=$(awk '/^Requests\/sec:/ {print int($2)}' "$out")
    p50=$(sed -n 's/.*wrk-latency-ms p50=\([0-9.]*\).*/\1/p' "$out")
    p99=$(sed -n 's/.*p99=\([0-9.]*\).*/\1/p' "$out")
    errs=$(sed -n 's/.*wrk-summary requests=\([0-9]*\) errors_connect=\([0-9]*\) errors_read=\([0-9]*\) errors_write=\([0-9]*\) errors_status=\([0-9]*\) errors_timeout=\([0-9]*\).*/\2 \3 \4 \5 \6/p' "$out" \
        | awk '{print $1+$2+$3+$4+$5}')
    local total
    total=$(sed -n 's/.*wrk-summary requests=\([0-9]*\).*/\1/p' "$out")
    [ -n "${errs:-}" ] && [ "$errs" != 0 ] && note "HTTP: wrk reported errors: $(grep wrk-summary "$out")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "HTTP POST telemetry c=$HTTP_CONNECTIONS ${HTTP_DURATION}s" \
        "$broker" "$HTTP_CONNECTIONS" "${rps:--}" "${p50:--}" "${p99:--}" "${total:--}" "${errs:--}" "$HTTP_DURATION" \
        "$(cpu_s "$c0" "$c1")" "$(cpu_s "$l0" "$l1")" "$(mb "$peak")" "$(mb "$hwm")" "$la" >>"$ROWS"
}

steward_log_health() { # steward_log_health TAG
    local f="$WORK/steward-$1.log" n
    n=$(grep -ciE 'error|warning|critical|fatal' "$f" 2>/dev/null) || n=0
    if [ "$n" != 0 ]; then
        note "steward-$1.log has $n warning/error lines, e.g.:"
        grep -iE 'error|warning|critical|fatal' "$f" | sort | uniq -c | sort -rn | head -5 | sed 's/^/    /' | tee -a "$NOTES" >&2
    fi
}

# ---------------------------------------------------------------------------------------------- run
T_START=$SECONDS
# What one fsync costs on the filesystem that holds Steward's database (durability full = fsync per group commit).
FSYNC_PROBE=$(dd if=/dev/zero of="$WORK/fsync-probe" bs=4k count=500 oflag=dsync 2>&1 | awk '/copied/ {printf "%.3f ms per 4 KiB O_DSYNC write (500 writes in %s s)", $(NF-3)*1000/500, $(NF-3)}')
rm -f "$WORK/fsync-probe"
log "fsync probe: $FSYNC_PROBE"

DEVICES=$CONNECTIONS
[ "$BIG_CONNECTIONS" -gt "$DEVICES" ] && DEVICES=$BIG_CONNECTIONS
[ "$HTTP_DEVICES" -gt "$DEVICES" ] && DEVICES=$HTTP_DEVICES
mkdir -p "$DATA"
create_devices "$DEVICES" || exit 1

Q1="QoS1 N=$CONNECTIONS W=$WINDOW ${DURATION}s"
Q0="QoS0 N=$CONNECTIONS ${QOS0_DURATION}s"
QB="QoS1 N=$BIG_CONNECTIONS W=$WINDOW ${DURATION}s"

# Mosquitto: publish tests.
if start_mosquitto pub; then
    run_publish "$Q1" mosquitto "$MOSQ_PORT" "$MOSQ_PID" 1 "$CONNECTIONS" "$DURATION"
    run_publish "$Q0" mosquitto "$MOSQ_PORT" "$MOSQ_PID" 0 "$CONNECTIONS" "$QOS0_DURATION" --drain-timeout "$QOS0_DRAIN"
    [ "$BIG_CONNECTIONS" -gt 0 ] && run_publish "$QB" mosquitto "$MOSQ_PORT" "$MOSQ_PID" 1 "$BIG_CONNECTIONS" "$DURATION"
    stop_pid "$MOSQ_PID" mosquitto
fi

# Steward, --durability full (the default): publish tests and HTTP.
if start_steward full full; then
    run_publish "$Q1" "steward (full)" "$STEW_MQTT" "$STEW_PID" 1 "$CONNECTIONS" "$DURATION"
    run_publish "$Q0" "steward (full)" "$STEW_MQTT" "$STEW_PID" 0 "$CONNECTIONS" "$QOS0_DURATION" --drain-timeout "$QOS0_DRAIN"
    [ "$BIG_CONNECTIONS" -gt 0 ] && run_publish "$QB" "steward (full)" "$STEW_MQTT" "$STEW_PID" 1 "$BIG_CONNECTIONS" "$DURATION"
    [ "$HTTP_DURATION" -gt 0 ] && run_http "$STEW_HTTP" "$STEW_PID"
    stop_pid "$STEW_PID" "steward (full)"
    steward_log_health full
fi

# Steward, --durability normal: QoS 1 again.
if [ "$DURABILITY_NORMAL" = 1 ] && start_steward normal normal; then
    run_publish "$Q1" "steward (normal)" "$STEW_MQTT" "$STEW_PID" 1 "$CONNECTIONS" "$DURATION"
    stop_pid "$STEW_PID" "steward (normal)"
    steward_log_health normal
fi

# Steward on PostgreSQL (default durability: synchronous_commit on, fsync on): QoS 1 and HTTP.
if [ "$POSTGRES" = 1 ]; then
    if PG_ENV=$("$ROOT/scripts/pg-cluster.sh" start 2>"$WORK/pg-cluster.log"); then
        eval "$PG_ENV"
        export STEWARD_DATABASE_PASSWORD_FILE="$STEWARD_TEST_DATABASE_PASSWORD_FILE"
        PGPASSWORD=$(cat "$STEWARD_DATABASE_PASSWORD_FILE") psql -q -h "$STEWARD_PG_SOCKET" -p "$STEWARD_PG_PORT" -U steward \
            -d postgres -c "CREATE DATABASE steward_bench" >>"$WORK/pg-cluster.log" 2>&1
        DATA="$WORK/steward-data-pg"
        DB_ARGS=(--database "${STEWARD_TEST_DATABASE_URL/\/postgres\?/\/steward_bench?}")
        log "PostgreSQL $(psql --version | awk '{print $3}') cluster on 127.0.0.1:$STEWARD_PG_PORT"
        if create_devices "$DEVICES" && start_steward full postgres; then
            run_publish "$Q1" "steward (postgres)" "$STEW_MQTT" "$STEW_PID" 1 "$CONNECTIONS" "$DURATION"
            [ "$BIG_CONNECTIONS" -gt 0 ] && run_publish "$QB" "steward (postgres)" "$STEW_MQTT" "$STEW_PID" 1 "$BIG_CONNECTIONS" "$DURATION"
            [ "$HTTP_DURATION" -gt 0 ] && run_http "$STEW_HTTP" "$STEW_PID" "steward (postgres)"
            stop_pid "$STEW_PID" "steward (postgres)"
            steward_log_health postgres
        fi
        DB_ARGS=()
        DATA="$WORK/steward-data"
    else
        note "the PostgreSQL cluster did not start: $(tail -3 "$WORK/pg-cluster.log")"
    fi
fi

# Idle connections, each broker freshly started so the peak RSS belongs to this test.
: >"$WORK/idle.tsv"
if [ "$IDLE_CONNECTIONS" -gt 0 ]; then
    if start_mosquitto idle; then
        run_idle mosquitto "$MOSQ_PORT" "$MOSQ_PID" tok-1
        stop_pid "$MOSQ_PID" mosquitto
    fi
    if start_steward full idle; then
        run_idle "steward (full)" "$STEW_MQTT" "$STEW_PID" tok-1
        stop_pid "$STEW_PID" "steward (idle)"
        steward_log_health idle
    fi
fi

# ---------------------------------------------------------------------------------------------- summary
ratio() { # ratio TEST BROKER_A BROKER_B -> A/B of msg/s
    awk -F'\t' -v t="$1" -v a="$2" -v b="$3" '
        $1==t && $2==a {x=$4} $1==t && $2==b {y=$4}
        END { if (x+0 > 0 && y+0 > 0) printf "%.2f", x/y; else printf "n/a" }' "$ROWS"
}

{
    echo "Steward vs Mosquitto benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM; $(uname -sr)"
    echo "mosquitto $($MOSQUITTO -h 2>/dev/null | awk 'NR==1 {print $3}') (persistence false); steward $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty'); load generator: steward-load (same machine, same 2 cores)"
    echo "fsync probe on the data directory's filesystem ($(df -T "$WORK" | awk 'NR==2 {print $2}')): ${FSYNC_PROBE:-n/a}"
    echo "payload ~$(jq -r '.payloadBytes' "$(ls "$OUT"/*.json 2>/dev/null | head -1)" 2>/dev/null) B telemetry JSON on v1/devices/me/telemetry, MQTT 3.1.1; QoS 0 rate = sent / time until a final QoS 1 fence per connection was acked"
    echo
    {
        printf 'test\tbroker\tconns\tmsg/s\tp50 ms\tp99 ms\tsent\terrors\telapsed s\tbroker CPU s\tloadgen CPU s\tRSS max MB\tVmHWM MB\tload avg\n'
        cat "$ROWS"
    } | column -t -s $'\t'
    echo
    echo "msg/s ratio steward/mosquitto:"
    echo "  $Q1: full $(ratio "$Q1" "steward (full)" mosquitto), normal $(ratio "$Q1" "steward (normal)" mosquitto), postgres $(ratio "$Q1" "steward (postgres)" mosquitto) (goal >= 0.5)"
    echo "  $Q0: full $(ratio "$Q0" "steward (full)" mosquitto)"
    [ "$BIG_CONNECTIONS" -gt 0 ] && echo "  $QB: full $(ratio "$QB" "steward (full)" mosquitto), postgres $(ratio "$QB" "steward (postgres)" mosquitto)"
    if [ -s "$WORK/idle.tsv" ]; then
        echo
        {
            printf 'test\tbroker\tconnected\topen at end\tconnect s\tpongs/pings\tRSS before MB\tRSS all open MB\tRSS max MB\tVmHWM MB\n'
            cat "$WORK/idle.tsv"
        } | column -t -s $'\t'
        awk -F'\t' '$2 ~ /steward/ && $10+0 > 0 {
            printf "steward peak RSS with idle connections: %s MB (goal < 150 MB: %s)\n", $10, ($10+0 < 150 ? "met" : "NOT met") }' "$WORK/idle.tsv"
    fi
    echo
    echo "msg/s: QoS 1 = acked / time to the last PUBACK; QoS 0 = sent / time until every connection's trailing QoS 1 fence"
    echo "was acked (n/a: fence not acked within ${QOS0_DRAIN} s). p50/p99: QoS 1 PUBLISH->PUBACK; QoS 0 rows show the fence's latency."
    echo "elapsed includes the drain after sending stopped; CPU s = user+sys seconds during the test (2 cores = 2 s per s)."
    echo "RSS max = highest VmRSS sampled every 0.5 s during the test; VmHWM = the process's peak RSS since it started"
    echo "(one mosquitto / steward process serves all publish tests of its block, so VmHWM accumulates over the block)."
    if [ -s "$NOTES" ]; then
        echo
        echo "notes:"
        sed 's/^/  /' "$NOTES"
    fi
    echo
    echo "total benchmark time: $((SECONDS - T_START)) s; raw reports and logs: bench/results/latest/"
} | tee "$RESULTS/latest.txt"
exit 0
