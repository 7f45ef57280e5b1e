#!/usr/bin/env bash
# Creates (idempotently) the three Python virtualenvs used by Tests/conformance.
#   .venv-sdk     : official ThingsBoard SDK (tb-mqtt-client) + pytest
#   .venv-paho    : paho-mqtt 2.x + tb-rest-client + websocket-client + pytest
#   .venv-console : selenium + aiosmtpd + requests + psycopg + paho-mqtt + pytest (web console, accounts, audit;
#                   psycopg reads the server's PostgreSQL database on the PostgreSQL pass; paho is the device the
#                   device-console walk drives)
#   .venv-schemathesis : schemathesis + openapi-spec-validator (run as programs by the OpenAPI tests;
#                   their pinned jsonschema/hypothesis versions stay out of the other environments)
# The SDK's dependency tb-paho-mqtt-client installs the same top-level module
# `paho` as paho-mqtt, so they must live in separate environments.
# Usage: scripts/conformance-env.sh   (prints nothing but errors when up to date)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
PIP_FLAGS=(--disable-pip-version-check --quiet)

# name  "packages..."  "python import check"
make_env() {
  local name="$1" pkgs="$2" check="$3"
  local dir="$ROOT/$name" stamp="$ROOT/$name/.steward-env-ok"
  local want
  want="$(printf '%s\n' "$pkgs" | sha256sum | cut -c1-16)"
  if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
     && "$dir/bin/python" -c "$check" >/dev/null 2>&1; then
    return 0
  fi
  echo "conformance-env: preparing $name" >&2
  [[ -x "$dir/bin/python" ]] || "$PY" -m venv "$dir"
  # shellcheck disable=SC2086
  "$dir/bin/python" -m pip install "${PIP_FLAGS[@]}" $pkgs
  "$dir/bin/python" -c "$check"
  printf '%s' "$want" >"$stamp"
}

# mmh3 must be present before tb_device_mqtt is imported (it pip-installs it otherwise).
make_env .venv-sdk \
  "pytest mmh3 requests tb-mqtt-client" \
  "import mmh3, pytest, requests, tb_device_mqtt, tb_device_http"

make_env .venv-paho \
  "pytest paho-mqtt>=2,<3 tb-rest-client requests websocket-client" \
  "import pytest, requests, websocket, paho.mqtt.client as m; assert m.CallbackAPIVersion; import tb_rest_client"

make_env .venv-console \
  "pytest requests selenium aiosmtpd psycopg[binary] paho-mqtt>=2,<3" \
  "import pytest, requests, selenium, aiosmtpd, psycopg, paho.mqtt.client as m; assert m.CallbackAPIVersion"

make_env .venv-schemathesis \
  "schemathesis>=4,<5 openapi-spec-validator" \
  "import schemathesis, openapi_spec_validator"
