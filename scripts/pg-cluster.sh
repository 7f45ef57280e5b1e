#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks: its own data folder under /tmp, a free port on
# 127.0.0.1, TLS with a certificate made for this run, a random password, synchronous_commit on.
#
#   eval "$(scripts/pg-cluster.sh start)"   # prints export lines: STEWARD_PG_BASE, STEWARD_PG_PORT,
#                                          # STEWARD_TEST_DATABASE_URL, STEWARD_TEST_DATABASE_PASSWORD_FILE, ...
#   scripts/pg-cluster.sh stop             # stops the cluster named by STEWARD_PG_BASE and removes it
#   scripts/pg-cluster.sh restart [immediate]  # stops (fast or immediate) and starts the same cluster again
#
# initdb and postgres refuse to run as root; as root (CI) the cluster runs as the `postgres` OS user.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
RUN=()
if [[ $(id -u) == 0 ]]; then RUN=(runuser -u postgres --); fi

case "${1:-}" in
start)
  [[ -x $PGBIN/initdb ]] || { echo "pg-cluster: $PGBIN/initdb is missing; install the Debian package postgresql-15" >&2; exit 1; }
  BASE=$(mktemp -d /tmp/steward-pg.XXXXXX)   # short: a socket path must stay under 107 bytes
  DATA=$BASE/data SOCK=$BASE/sock
  mkdir -p "$DATA" "$SOCK"
  openssl rand -hex 16 >"$BASE/pwfile"
  if [[ $(id -u) == 0 ]]; then chown -R postgres:postgres "$BASE"; fi
  chmod 700 "$DATA"
  PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  "${RUN[@]}" "$PGBIN/initdb" -D "$DATA" -U steward --pwfile="$BASE/pwfile" -A scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 --no-instructions >"$BASE/initdb.log" 2>&1 \
    || { cat "$BASE/initdb.log" >&2; exit 1; }
  "${RUN[@]}" openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$DATA/server.key" -out "$BASE/server.crt" >/dev/null 2>&1
  "${RUN[@]}" chmod 600 "$DATA/server.key"
  chmod 755 "$BASE"; chmod 644 "$BASE/server.crt" "$BASE/pwfile"   # the CA file and password of the test URL
  cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
ssl = on
ssl_cert_file = '$BASE/server.crt'
ssl_key_file = 'server.key'
synchronous_commit = on
max_connections = 300
shared_buffers = 256MB
log_min_messages = warning
CONF
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -t 60 start >/dev/null \
    || { cat "$BASE/server.log" >&2; exit 1; }
  cat <<ENV
export STEWARD_PG_BASE='$BASE'
export STEWARD_PG_PORT=$PORT
export STEWARD_PG_SOCKET='$SOCK'
export STEWARD_TEST_DATABASE_URL='postgres://steward@127.0.0.1:$PORT/postgres?sslmode=verify-full&sslrootcert=$BASE/server.crt'
export STEWARD_TEST_DATABASE_PASSWORD_FILE='$BASE/pwfile'
ENV
  ;;
stop)
  BASE=${STEWARD_PG_BASE:?set STEWARD_PG_BASE (printed by start)}
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$BASE"
  ;;
restart)
  BASE=${STEWARD_PG_BASE:?set STEWARD_PG_BASE (printed by start)}
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$BASE/data" -m "${2:-fast}" -w stop >/dev/null
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$BASE/data" -l "$BASE/server.log" -w -t 60 start >/dev/null
  ;;
*) echo "usage: $0 start|stop|restart [fast|immediate]" >&2; exit 2 ;;
esac
