#!/usr/bin/env bash
# Runs the Steward conformance suite: SDK tests in .venv-sdk, protocol tests in .venv-paho,
# console/accounts tests (requests, aiosmtpd, Selenium + Chromium) in .venv-console.
# Two passes: on SQLite, then (when a PostgreSQL test cluster is set up, see scripts/pg-cluster.sh) the same three
# suites again with STEWARD_TEST_BACKEND=postgres, every server on a database of its own. The exit status covers both.
# Usage: Tests/conformance/run.sh [extra pytest args...]
# Env: STEWARD_BIN (default .build/debug/steward), STEWARD_TEST_OUTPUT (default test-output/; the PostgreSQL pass
#      writes its server logs to <output>/postgres/), STEWARD_TEST_DATABASE_URL, STEWARD_TEST_DATABASE_PASSWORD_FILE,
#      STEWARD_PG_SOCKET, STEWARD_PG_PORT (printed by `scripts/pg-cluster.sh start`). With CI=true a missing cluster
#      fails the run instead of skipping the PostgreSQL pass.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${STEWARD_TEST_OUTPUT:-$ROOT/test-output}"
export STEWARD_TEST_OUTPUT="$OUT"
mkdir -p "$OUT"

"$ROOT/scripts/conformance-env.sh" || { echo "conformance: could not prepare virtualenvs" >&2; exit 2; }

BIN="${STEWARD_BIN:-$ROOT/.build/debug/steward}"
if [[ ! -x "$BIN" ]]; then
  echo "conformance: Steward binary not found at $BIN (run 'swift build' or set STEWARD_BIN)" >&2
  exit 2
fi

cd "$HERE"
status=0

# run_pass <backend> <junit suffix>: the three suites on one backend; prints the pass's wall time.
run_pass() {
  local backend="$1" suffix="$2" started=$SECONDS
  export STEWARD_TEST_BACKEND="$backend"
  echo "== conformance ($backend): official SDK tests (.venv-sdk)"
  "$ROOT/.venv-sdk/bin/python" -m pytest -q sdk --junitxml="$OUT/conformance-sdk$suffix.xml" "${PYTEST_ARGS[@]}" || status=1
  echo "== conformance ($backend): protocol tests (.venv-paho)"
  "$ROOT/.venv-paho/bin/python" -m pytest -q protocol --junitxml="$OUT/conformance-protocol$suffix.xml" "${PYTEST_ARGS[@]}" || status=1
  echo "== conformance ($backend): console, accounts and audit tests (.venv-console)"
  "$ROOT/.venv-console/bin/python" -m pytest -q console --junitxml="$OUT/conformance-console$suffix.xml" "${PYTEST_ARGS[@]}" || status=1
  local took=$((SECONDS - started))
  echo "== conformance ($backend): wall time $((took / 60)) min $((took % 60)) s"
}
PYTEST_ARGS=("$@")

run_pass sqlite ""

if [[ -n "${STEWARD_TEST_DATABASE_URL:-}" ]]; then
  missing=()
  for name in STEWARD_TEST_DATABASE_PASSWORD_FILE STEWARD_PG_SOCKET STEWARD_PG_PORT; do
    [[ -n "${!name:-}" ]] || missing+=("$name")
  done
  if ((${#missing[@]})); then
    echo "conformance: STEWARD_TEST_DATABASE_URL is set but ${missing[*]} is not (eval \"\$(scripts/pg-cluster.sh start)\")" >&2
    status=1
  else
    STEWARD_TEST_OUTPUT="$OUT/postgres" run_pass postgres "-postgres"
  fi
elif [[ "${CI:-}" == "true" ]]; then
  echo "conformance: no PostgreSQL test cluster (STEWARD_TEST_DATABASE_URL is unset); on CI the PostgreSQL pass must run" >&2
  status=1
else
  echo "== conformance: PostgreSQL pass skipped: STEWARD_TEST_DATABASE_URL is unset (eval \"\$(scripts/pg-cluster.sh start)\")"
fi
exit $status
