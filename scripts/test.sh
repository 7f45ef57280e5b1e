#!/usr/bin/env bash
# The whole Steward test suite: Swift unit tests, then the conformance suite that drives a real
# `steward serve` with ThingsBoard's official Python SDK, paho-mqtt and tb-rest-client, and the
# web console with requests, a real SMTP server (aiosmtpd) and Selenium + headless Chromium.
# Installs what it needs (Debian packages, Python virtualenvs) itself.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need_packages=()
# libjs-chart.js and libjs-leaflet: the console serves Chart.js and Leaflet from /usr/share/javascript (device pages).
for pkg in libsqlite3-dev openssl postgresql-15 libjs-chart.js libjs-leaflet; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_packages+=("$pkg")
done
# Headless browser for the console tests (Selenium drives Debian's Chromium through chromedriver).
command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_packages+=(chromium-driver)
if ((${#need_packages[@]})); then
  echo "== installing ${need_packages[*]}"
  SUDO=()
  [[ "$(id -u)" == 0 ]] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq \
    && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}"
fi

echo "== swift build"
swift build --build-tests

# A throwaway PostgreSQL 15 cluster (own data folder under /tmp, free port, TLS, as the postgres user when run as
# root), stopped and removed at exit. The store contract runs against it and SQLite alike.
echo "== PostgreSQL test cluster"
eval "$("$ROOT/scripts/pg-cluster.sh" start)"
trap '"$ROOT/scripts/pg-cluster.sh" stop' EXIT
echo "   $STEWARD_TEST_DATABASE_URL"

echo "== swift test (store contract on SQLite and PostgreSQL)"
swift test --skip-build --parallel

echo "== conformance suite (includes schemathesis against /api/openapi.json: protocol/test_adv_schemathesis.py)"
STEWARD_BIN="$ROOT/.build/debug/steward" "$ROOT/Tests/conformance/run.sh"

# Bounded coverage-guided fuzzing (libFuzzer) of the MQTT decoder, the JSON parser and ThingsBoard's typing
# rules; scripts/fuzz.sh 600 is the longer run.
echo "== fuzzing, ${STEWARD_FUZZ_SECONDS:-60}s per target"
"$ROOT/scripts/fuzz.sh" "${STEWARD_FUZZ_SECONDS:-60}"
