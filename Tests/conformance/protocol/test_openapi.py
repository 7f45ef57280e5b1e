"""The OpenAPI 3.1 document at /api/openapi.json stays true to the server.

- Every route the running server registered under /api (it lists them at `--log-level trace`, straight from
  Hummingbird's router) is described, and the document describes no route that does not exist.
- The document is valid OpenAPI 3.1 (`openapi-spec-validator`, from `.venv-schemathesis`).
- Every whole-number parameter is typed `integer`/`int64` with the bounds the server enforces: a value one past
  either bound is answered 400 with a message, and the bounds themselves are accepted.
- REST errors are documented in ThingsBoard's shape {status, message, errorCode, timestamp}.
"""
from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests

import adversarial
from steward_harness import REPO_ROOT, StewardServer, Tenant, running

DOCUMENT = REPO_ROOT / "Sources" / "StewardWeb" / "Resources" / "openapi.json"
VALIDATOR = REPO_ROOT / ".venv-schemathesis" / "bin" / "openapi-spec-validator"
ROUTE_LINE = re.compile(r"HTTP route ([A-Z]+) (/\S*)")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def traced_server():
    yield from running("openapi-routes", env={"STEWARD_LOG_LEVEL": "trace"})


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(DOCUMENT.read_text())


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def registered_routes(server: StewardServer) -> set[tuple[str, str]]:
    routes = {(m.group(1), m.group(2)) for m in ROUTE_LINE.finditer(server.log_path.read_text())}
    assert len(routes) > 20, "the server did not list its routes at trace level:\n" + server.log_tail()
    return routes


def test_document_describes_exactly_the_registered_api_routes(traced_server, document):
    registered = {(m, p) for m, p in registered_routes(traced_server) if p.startswith("/api/")}
    documented = {(method.upper(), path) for path, method, _ in operations(document)}
    missing = sorted(registered - documented)
    stale = sorted(documented - registered)
    assert not missing, f"routes registered but not in openapi.json: {missing}"
    assert not stale, f"openapi.json describes routes the server does not have: {stale}"
    adversarial.assert_still_serving(traced_server)


def test_served_document_is_the_bundled_one_and_needs_no_sign_in(traced_server, document):
    r = requests.get(f"{traced_server.base_url}/api/openapi.json", timeout=10)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith("application/json")
    served = r.json()
    assert served == document, "the server serves a different document than Sources/StewardWeb/Resources/openapi.json"
    assert served["openapi"].startswith("3.1")
    adversarial.assert_still_serving(traced_server)


def test_document_is_valid_openapi_3_1():
    assert VALIDATOR.exists(), f"{VALIDATOR} is missing: run scripts/conformance-env.sh"
    run = subprocess.run([str(VALIDATOR), str(DOCUMENT)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "OK" in run.stdout, f"openapi-spec-validator:\n{run.stdout}\n{run.stderr}"


def test_integers_are_int64_with_bounds_and_rest_errors_have_thingsboard_shape(document):
    problems = []
    for path, method, operation in operations(document):
        schemas = [(p["name"], p["schema"]) for p in operation.get("parameters", [])]
        for name, schema in schemas:
            if schema.get("type") == "integer":
                if schema.get("format") != "int64" or "minimum" not in schema or "maximum" not in schema:
                    problems.append(f"{method.upper()} {path}: integer parameter {name} needs int64 with minimum and maximum")
        for status, response in operation["responses"].items():
            ref = response.get("$ref", "")
            if not status.startswith(("4", "5")) or path.startswith("/api/v1/") or path == "/api/health":
                continue  # the device API answers in plain text, as ThingsBoard's transport does; health in its own shape
            resolved = document["components"]["responses"][ref.rsplit("/", 1)[-1]] if ref else response
            schema = resolved.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref") != "#/components/schemas/Error":
                problems.append(f"{method.upper()} {path}: error {status} is not documented with the Error schema")
        if operation.get("security") and "401" not in operation["responses"]:
            problems.append(f"{method.upper()} {path}: signed-in operation without a 401 answer")
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "message", "errorCode", "timestamp"}
    assert not problems, "\n".join(problems)


LATEST_TIMESTAMP = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z

# Operations whose integer query parameters are probed against the server, with the other parameters each needs.
PROBES = [
    ("/api/tenant/devices", {"pageSize": "10"}),
    ("/api/customers", {"pageSize": "10"}),
    ("/api/plugins/telemetry/DEVICE/{device}/values/timeseries/history",
     {"keys": "t", "startTs": "0", "endTs": str(LATEST_TIMESTAMP)}),
    ("/api/plugins/telemetry/DEVICE/{device}/values/timeseries", {"keys": "t", "startTs": "0", "endTs": str(LATEST_TIMESTAMP)}),
    ("/api/audit", {}),
    ("/api/v1/{token}/rpc", {}),
    ("/api/v1/{token}/attributes/updates", {}),
]


def documented_operation(document: dict, concrete: str) -> dict:
    for path, method, operation in operations(document):
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"
        if method == "get" and re.match(pattern, concrete):
            return operation
    raise AssertionError(f"GET {concrete} is not in openapi.json")


def test_documented_integer_bounds_are_the_bounds_the_server_enforces(server, tenant, document):
    device = tenant.device()
    headers = {"X-Authorization": f"Bearer {tenant.jwt}"}
    probed = 0
    for template, base in PROBES:
        path = template.format(device=device["id"], token=device["accessToken"])
        operation = documented_operation(document, path)
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            if parameter["in"] != "query" or schema.get("type") != "integer":
                continue
            name, low, high = parameter["name"], schema["minimum"], schema["maximum"]
            for outside in (low - 1, high + 1):
                r = requests.get(f"{server.base_url}{path}", params={**base, name: str(outside)}, headers=headers, timeout=30)
                assert r.status_code == 400, f"GET {path} {name}={outside}: {r.status_code} {r.text[:200]}"
                assert name in r.text, f"GET {path} {name}={outside}: the refusal does not name the parameter: {r.text[:200]}"
                probed += 1
            if "{token}" in template:
                continue  # an accepted timeout would wait for it
            for inside in (low, high):
                r = requests.get(f"{server.base_url}{path}", params={**base, name: str(inside)}, headers=headers, timeout=30)
                assert r.status_code == 200, f"GET {path} {name}={inside} (documented as accepted): {r.status_code} {r.text[:200]}"
                probed += 1
    assert probed >= 30, f"only {probed} probes ran; PROBES no longer matches the document"
    adversarial.assert_still_serving(server)
