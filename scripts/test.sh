#!/usr/bin/env bash
# The whole Steward test suite: Swift unit tests, then the conformance suite that drives a real
# `steward serve` with ThingsBoard's official Python SDK, paho-mqtt and tb-rest-client.
# Installs what it needs (Debian packages, Python virtualenvs) itself.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need_packages=()
for pkg in libsqlite3-dev openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_packages+=("$pkg")
done
if ((${#need_packages[@]})); then
  echo "== installing ${need_packages[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}"
fi

echo "== swift build"
swift build --build-tests

echo "== swift test"
swift test --skip-build --parallel

echo "== conformance suite"
STEWARD_BIN="$ROOT/.build/debug/steward" "$ROOT/Tests/conformance/run.sh"
