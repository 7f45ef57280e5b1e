# Helpers shared by benchmark scripts (sourced, not run). Loopback only.
#
#   source "$(dirname "$0")/lib.sh"
#
# Callers set STEWARD (the binary) and WORK (a temporary directory) before using start_server.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

free_port() { # a free TCP port on 127.0.0.1
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_server TAG DATA_DIR [extra `steward serve` args...]: starts `steward serve` in the background on free
# loopback ports and waits (up to 60 s) for "Steward is ready". Sets SERVER_PID, SERVER_MQTT, SERVER_HTTP and
# SERVER_LOG ($WORK/steward-TAG.log); returns 1 (after printing the log's tail) if it did not get ready.
start_server() {
    local tag=$1 dir=$2 i
    shift 2
    SERVER_MQTT=$(free_port)
    SERVER_HTTP=$(free_port)
    SERVER_LOG="$WORK/steward-$tag.log"
    STEWARD_BCRYPT_COST=4 "$STEWARD" serve --data-dir "$dir" "$@" --host 127.0.0.1 --http-port "$SERVER_HTTP" \
        --mqtt-port "$SERVER_MQTT" >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    for ((i = 0; i < 600; i++)); do
        grep -q "Steward is ready" "$SERVER_LOG" 2>/dev/null && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    log "steward serve ($tag) did not get ready within 60 s; last log lines:"
    tail -20 "$SERVER_LOG" >&2
    return 1
}

stop_pid() { # stop_pid PID: SIGTERM, wait up to 20 s, then SIGKILL
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { log "pid $pid did not exit within 20 s of SIGTERM; killed"; kill -9 "$pid" 2>/dev/null; }
    wait "$pid" 2>/dev/null
    return 0
}
