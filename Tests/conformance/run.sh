#!/usr/bin/env bash
# Runs the Steward conformance suite: SDK tests in .venv-sdk, protocol tests in .venv-paho,
# console/accounts tests (requests, aiosmtpd, Selenium + Chromium) in .venv-console.
# Usage: Tests/conformance/run.sh [extra pytest args...]
# Env: STEWARD_BIN (default .build/debug/steward), STEWARD_TEST_OUTPUT (default test-output/)
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
echo "== conformance: official SDK tests (.venv-sdk)"
"$ROOT/.venv-sdk/bin/python" -m pytest -q sdk --junitxml="$OUT/conformance-sdk.xml" "$@" || status=1
echo "== conformance: protocol tests (.venv-paho)"
"$ROOT/.venv-paho/bin/python" -m pytest -q protocol --junitxml="$OUT/conformance-protocol.xml" "$@" || status=1
echo "== conformance: console, accounts and audit tests (.venv-console)"
"$ROOT/.venv-console/bin/python" -m pytest -q console --junitxml="$OUT/conformance-console.xml" "$@" || status=1
exit $status
