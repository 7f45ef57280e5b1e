"""schemathesis against /api/openapi.json: generated requests to every documented operation, as a tenant administrator.

No answer may be a server error (5xx other than the documented 503/507), every status must be one the document
lists for the operation, and every body must match its documented content type and schema. Operations that act
on a device are pointed at a real device of the tenant (its id and access token), so the generated query
parameters and bodies reach the validation and the storage behind them instead of stopping at "not found".

Bounded: `STEWARD_SCHEMATHESIS_EXAMPLES` examples per operation (default 25), a fixed seed unless
`STEWARD_SCHEMATHESIS_SEED` says otherwise. schemathesis lives in its own virtualenv (`.venv-schemathesis`, made
by scripts/conformance-env.sh) because its dependencies clash with the SDKs'.
"""
from __future__ import annotations

import os
import subprocess

import adversarial
from steward_harness import OUTPUT_DIR, REPO_ROOT

SCHEMATHESIS = REPO_ROOT / ".venv-schemathesis" / "bin" / "schemathesis"
EXAMPLES = os.environ.get("STEWARD_SCHEMATHESIS_EXAMPLES", "25")
SEED = os.environ.get("STEWARD_SCHEMATHESIS_SEED", "20261207")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

# Operations pointed at the real device, by the path parameter that names it.
DEVICE_BY_ENTITY_ID = [
    "saveEntityAttributesV2", "saveEntityAttributesV1", "deleteEntityAttributes", "getAttributes", "getAttributesByScope",
    "getAttributeKeys", "getAttributeKeysByScope", "getTimeseriesKeys", "saveEntityTelemetry",
    "saveEntityTelemetryWithTTL", "getLatestTimeseries", "getTimeseriesHistory",
]
DEVICE_BY_DEVICE_ID = [
    "getDevice", "getDeviceCredentials", "assignDeviceToCustomer", "unassignDeviceFromCustomer",
    "getDeviceDataCategories", "assignDevicePerson", "unassignDevicePerson",
]
DEVICE_BY_TOKEN = ["postTelemetry", "postClientAttributes", "getDeviceAttributes", "replyRpc", "clientRpc", "offerClaim"]
# The long polls wait for their `timeout` (bounds probed by test_openapi.py): 1 ms here, so they answer 408 at once.
LONG_POLLS = ["subscribeAttributes", "subscribeRpc"]
# RPC to a device without a session waits for the request's timeout (5 s to a day) and then answers the documented
# 408 (v1) or 504 (v2), which schemathesis counts as a server error: RPC goes to a device id that does not exist
# (its validation and timeouts are covered by test_adv_rpc.py).
RPC = ["onewayRpcV1", "twowayRpcV1", "onewayRpcV2", "twowayRpcV2"]
ABSENT_DEVICE = "00000000-0000-4000-8000-000000000001"
# Signing out would end the session every other request uses; deleting the device would leave nothing to test.
EXCLUDED = ["logout", "deleteDevice"]


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def config(device: dict, customer: str, device_api: dict) -> str:
    return f"""
[[operations]]
include-operation-id = {toml_list(DEVICE_BY_ENTITY_ID)}
parameters = {{ "path.entityId" = "{device['id']}" }}

[[operations]]
include-operation-id = "saveDeviceAttributesV1"
parameters = {{ "path.entityType" = "{device['id']}" }}

[[operations]]
include-operation-id = {toml_list(DEVICE_BY_DEVICE_ID)}
parameters = {{ "path.deviceId" = "{device['id']}", "path.customerId" = "{customer}" }}

[[operations]]
include-operation-id = {toml_list(DEVICE_BY_TOKEN)}
parameters = {{ "path.token" = "{device_api['accessToken']}" }}

[[operations]]
include-operation-id = {toml_list(LONG_POLLS)}
parameters = {{ "path.token" = "{device_api['accessToken']}", "query.timeout" = 1 }}

[[operations]]
include-operation-id = {toml_list(RPC)}
parameters = {{ "path.deviceId" = "{ABSENT_DEVICE}" }}
"""


def schemathesis(server, jwt: str, config_text: str, name: str, tmp_path, *filters: str) -> str:
    """Runs schemathesis as the holder of `jwt`; fails the test on any problem it reports. Returns its output."""
    assert SCHEMATHESIS.exists(), f"{SCHEMATHESIS} is missing: run scripts/conformance-env.sh"
    config_file = tmp_path / f"{name}.toml"
    config_file.write_text(config_text)
    report = OUTPUT_DIR / "schemathesis" / name
    report.mkdir(parents=True, exist_ok=True)
    command = [
        str(SCHEMATHESIS), "--no-color", "--config-file", str(config_file), "run", f"{server.base_url}/api/openapi.json",
        "--checks", CHECKS, "--max-examples", EXAMPLES, "--seed", SEED,
        # One worker: CPython 3.11's `ast` keeps its recursion counter in state shared by all threads, so two workers
        # compiling generated code at once die with "AST constructor recursion depth mismatch" (cpython gh-106905).
        "--workers", "1",
        # Not the stateful phase: it chains real ids into every operation, and its links need no more coverage here.
        "--phases", "examples,coverage,fuzzing",
        "--header", f"X-Authorization: Bearer {jwt}", "--request-timeout", "30",
        "--report", "junit", "--report-dir", str(report), *filters,
    ]
    # Should that CPython bug still strike (it is rare within one thread too), it is no answer of Steward's: run it
    # again (the seed is fixed, so the same requests are sent), at most twice. Any other failure counts at once.
    for _ in range(3):
        run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
        output = run.stdout + run.stderr
        (report / "schemathesis.log").write_text(output)
        if run.returncode == 0 or "AST constructor recursion depth mismatch" not in output:
            break
    assert run.returncode == 0, f"schemathesis found problems (full log in {report}/schemathesis.log):\n{output[-12000:]}"
    assert " passed" in output, f"schemathesis tested nothing:\n{output[-4000:]}"
    return output


def test_schemathesis_as_tenant_admin_finds_no_server_error_and_every_answer_matches_the_document(server, tenant, tmp_path):
    device = tenant.device()
    customer = server.create_customer(tenant.id)["id"]
    # The device API gets a device of another tenant: the REST operations may rename the tenant's devices or give
    # them new tokens (POST /api/device with an id), which would turn every later device call into a 401.
    device_api = server.create_device(server.create_tenant()["id"])
    excluded = [argument for operation in EXCLUDED for argument in ("--exclude-operation-id", operation)]
    schemathesis(server, tenant.jwt, config(device, customer, device_api), "tenant-admin", tmp_path, *excluded)
    adversarial.assert_still_serving(server, token=device_api["accessToken"])


def test_schemathesis_as_system_admin_on_tenants(server, tmp_path):
    """The operations only the system administrator may use (the tenant-admin run sees their 403s only)."""
    sysadmin = server.login(server.admin_email, server.admin_password)["token"]
    tenant_id = server.create_tenant()["id"]
    config_text = f"""
[[operations]]
include-operation-id = "getTenant"
parameters = {{ "path.tenantId" = "{tenant_id}" }}
"""
    filters = [argument for operation in ("getTenants", "getTenant", "saveTenant", "getAudit", "getUser")
               for argument in ("--include-operation-id", operation)]
    schemathesis(server, sysadmin, config_text, "system-admin", tmp_path, *filters)
    adversarial.assert_still_serving(server)


def test_renaming_a_device_to_a_name_taken_in_its_tenant_is_refused_not_a_server_error(server, tenant):
    """Found by schemathesis: the rename reached the UNIQUE (tenant, name) constraint and answered 500."""
    first, second = tenant.device(), tenant.device()
    r = tenant.rest("POST", "/api/device", json={"id": {"entityType": "DEVICE", "id": second["id"]}, "name": first["name"]})
    assert r.status_code == 400, f"{r.status_code} {r.text[:300]}"
    assert r.json()["message"] == "Device with such name already exists!"
    same = tenant.rest("POST", "/api/device", json={"id": {"entityType": "DEVICE", "id": second["id"]}, "name": second["name"]})
    assert same.status_code == 200, f"saving a device under its own name: {same.status_code} {same.text[:300]}"
    adversarial.assert_still_serving(server, token=first["accessToken"])
