"""TB-4: tenant isolation matrix.

Two tenants A and B, each with a tenant admin, a customer, a customer user and two devices (one assigned to
the customer, one not) with telemetry and attributes. Every credential of A (tenant-admin JWT, customer-user
JWT, a full and a read-only API key made on the console's key page) is tried against every endpoint with B's
ids. Expected: 404. 403 is accepted only where the route itself is forbidden for that credential, which is
found out by sending the same request for an object of A the credential may see (the "control"): a control
answered 403 means the route is closed to the role. Every combination's statuses are written to
`$STEWARD_TEST_OUTPUT/isolation-matrix.md`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import requests

from console_support import ConsoleClient, api, rest_login, sign_in
from steward_harness import OUTPUT_DIR, Tenant, now_ms, unique

CREDENTIALS = ["tenant-admin-jwt", "customer-user-jwt", "api-key-full", "api-key-read-only"]

# (id, method, path template, json body, kind of target)
DEVICE_ENDPOINTS = [
    ("get-device", "GET", "/api/device/{id}", None),
    ("get-credentials", "GET", "/api/device/{id}/credentials", None),
    ("get-timeseries", "GET", "/api/plugins/telemetry/DEVICE/{id}/values/timeseries?keys=temp,hum", None),
    ("get-attributes", "GET", "/api/plugins/telemetry/DEVICE/{id}/values/attributes", None),
    ("get-timeseries-keys", "GET", "/api/plugins/telemetry/DEVICE/{id}/keys/timeseries", None),
    ("save-timeseries", "POST", "/api/plugins/telemetry/DEVICE/{id}/timeseries/ANY", {"intruder": 1}),
    ("save-attributes", "POST", "/api/plugins/telemetry/DEVICE/{id}/SERVER_SCOPE", {"intruder": 1}),
    ("rpc-oneway", "POST", "/api/plugins/rpc/oneway/{id}", {"method": "reboot", "params": {}}),
    ("delete-device", "DELETE", "/api/device/{id}", None),
]
USER_ENDPOINTS = [("get-user", "GET", "/api/user/{id}", None)]
CUSTOMER_ENDPOINTS = [
    ("get-customer", "GET", "/api/customer/{id}", None),
    ("get-customer-devices", "GET", "/api/customer/{id}/devices?pageSize=100&page=0", None),
]


@dataclass
class Side:
    tenant: Tenant
    customer: dict
    cuser_email: str
    cuser: dict
    assigned: dict
    unassigned: dict
    cuser_jwt: str = ""


@dataclass
class World:
    server: object
    a: Side
    b: Side
    creds: dict = field(default_factory=dict)
    results: list = field(default_factory=list)

    def call(self, cred: str, method: str, path: str, body=None) -> requests.Response:
        kind, value = self.creds[cred]
        return api(self.server, method, path, json=body, **{kind: value})


def make_side(server, label: str) -> Side:
    t = Tenant(server, name=unique(f"iso-{label}"))
    cust = server.create_customer(t.id, name=unique(f"cust-{label}"))
    email = f"{unique(f'cuser-{label}')}@steward.test"
    cuser = server.create_user(t.id, email, "Customer-Pass-123", "customer-user", customer=cust["id"])
    assigned = t.device(name=unique(f"assigned-{label}"), token=unique(f"tok-{label}-1"))
    unassigned = t.device(name=unique(f"free-{label}"), token=unique(f"tok-{label}-2"))
    r = t.rest("POST", f"/api/customer/{cust['id']}/device/{assigned['id']}")
    assert r.status_code == 200, f"assign device: {r.status_code} {r.text}"
    for dev in (assigned, unassigned):
        tok = dev["accessToken"]
        for path, body in (("telemetry", {"temp": 21.5, "hum": 40}), ("attributes", {"fw": "1.0"})):
            r = requests.post(f"{server.base_url}/api/v1/{tok}/{path}", json=body, timeout=30)
            assert r.status_code == 200, (path, r.status_code, r.text)
        t.set_shared(dev["id"], {"mode": "eco"})
    side = Side(t, cust, email, cuser, assigned, unassigned)
    side.cuser_jwt = rest_login(server, email, "Customer-Pass-123")
    # B's admin reads its customer user: tenant B gets audit entries of its own
    assert t.rest("GET", f"/api/user/{cuser['id']}").status_code == 200
    return side


def make_key(server, side: Side, role: str) -> str:
    c = ConsoleClient(server.base_url)
    page = sign_in(c, side.tenant.admin_email, side.tenant.admin_password)
    assert page.path == "/", page.describe()
    page, values = c.get_form("/account/security", "api-key-form")
    made = c.post_form("/account/keys", {**values, "key_name": unique(f"iso-{role}"), "key_role": role}, csrf=False)
    node = made.by_id("new-api-key")
    assert made.status == 200 and node is not None, made.describe()
    c.close()
    return node.text()


@pytest.fixture(scope="module")
def world(server, smtp):
    a, b = make_side(server, "a"), make_side(server, "b")
    w = World(server, a, b)
    w.creds = {
        "tenant-admin-jwt": ("jwt", a.tenant.jwt),
        "customer-user-jwt": ("jwt", a.cuser_jwt),
        "api-key-full": ("key", make_key(server, a, "full")),
        "api-key-read-only": ("key", make_key(server, a, "read-only")),
    }
    yield w
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    lines = ["# Tenant isolation matrix (TB-4)", "",
             "| credential of A | endpoint | target | control (own object) | route closed to role | status | ok |",
             "|---|---|---|---|---|---|---|"]
    for r in w.results:
        lines.append(f"| {r['cred']} | {r['endpoint']} | {r['target']} | {r['control']} | {r['closed']} | "
                     f"{r['status']} | {'yes' if r['ok'] else 'NO'} |")
    (OUTPUT_DIR / "isolation-matrix.md").write_text("\n".join(lines) + "\n")


def fresh_control_device(w: World) -> str:
    """A throw-away device of A assigned to A's customer (so the customer user may see it)."""
    dev = w.a.tenant.device(name=unique("control"))
    r = w.a.tenant.rest("POST", f"/api/customer/{w.a.customer['id']}/device/{dev['id']}")
    assert r.status_code == 200, r.text
    return dev["id"]


def control_target(w: World, kind: str, method: str, cred: str) -> str:
    if kind == "device":
        return w.a.assigned["id"] if method == "GET" else fresh_control_device(w)
    if kind == "user":
        return w.a.cuser["id"]
    return w.a.customer["id"]


def check_matrix(request, w: World, cred: str, endpoint: tuple, kind: str, target_name: str, target_id: str):
    name, method, template, body = endpoint
    if body and "method" in body:  # RPC: give up on an offline device after 300 ms instead of 5 s
        body = {**body, "expirationTime": now_ms() + 300}
    control = w.call(cred, method, template.format(id=control_target(w, kind, method, cred)), body)
    closed = control.status_code == 403
    r = w.call(cred, method, template.format(id=target_id), body)
    allowed = {403, 404} if closed else {404}
    ok = r.status_code in allowed
    leak = any(s in r.text for s in (w.b.tenant.id, w.b.assigned.get("accessToken", "?"), w.b.cuser_email,
                                     w.b.tenant.admin_email, '"temp"', '"fw"', '"mode"'))
    w.results.append({"cred": cred, "endpoint": f"{method} {template}", "target": target_name,
                      "control": control.status_code, "closed": "yes" if closed else "no",
                      "status": r.status_code, "ok": ok and not leak})
    request.node.user_properties += [("control_status", control.status_code), ("status", r.status_code)]
    assert ok, (f"{cred} {method} {template.format(id=target_id)} ({target_name}): expected "
                f"{sorted(allowed)}, got {r.status_code} {r.text[:300]} (control on own object: "
                f"{control.status_code} {control.text[:200]})")
    assert not leak, f"{cred} {method} {target_name}: the answer leaks B's data: {r.text[:300]}"


DEVICE_CASES = [(c, e, t) for c in CREDENTIALS for e in DEVICE_ENDPOINTS for t in ("b-assigned", "b-unassigned")]


# promise: TB-4
@pytest.mark.parametrize("cred,endpoint,target", DEVICE_CASES,
                         ids=[f"{c}-{e[0]}-{t}" for c, e, t in DEVICE_CASES])
def test_other_tenants_device(request, world, cred, endpoint, target):
    dev = world.b.assigned if target == "b-assigned" else world.b.unassigned
    check_matrix(request, world, cred, endpoint, "device", target, dev["id"])
    # nothing of B changed
    r = world.b.tenant.rest("GET", f"/api/device/{dev['id']}")
    assert r.status_code == 200, f"B's device is gone after {cred} {endpoint[1]} {endpoint[2]}: {r.status_code}"
    latest = world.server.telemetry_latest(dev["id"], tenant=world.b.tenant.id)
    assert "intruder" not in latest, latest
    attrs = world.b.tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{dev['id']}/values/attributes").json()
    assert not any(a.get("key") == "intruder" for a in attrs), attrs


USER_CASES = [(c, e, t) for c in CREDENTIALS for e in USER_ENDPOINTS for t in ("b-admin", "b-customer-user")]


# promise: TB-4
@pytest.mark.parametrize("cred,endpoint,target", USER_CASES, ids=[f"{c}-{e[0]}-{t}" for c, e, t in USER_CASES])
def test_other_tenants_user(request, world, cred, endpoint, target):
    uid = world.b.tenant.admin["id"] if target == "b-admin" else world.b.cuser["id"]
    check_matrix(request, world, cred, endpoint, "user", target, uid)


CUSTOMER_CASES = [(c, e) for c in CREDENTIALS for e in CUSTOMER_ENDPOINTS]


# promise: TB-4
@pytest.mark.parametrize("cred,endpoint", CUSTOMER_CASES, ids=[f"{c}-{e[0]}" for c, e in CUSTOMER_CASES])
def test_other_tenants_customer(request, world, cred, endpoint):
    check_matrix(request, world, cred, endpoint, "customer", "b-customer", world.b.customer["id"])


# promise: TB-4
@pytest.mark.parametrize("cred", CREDENTIALS)
def test_device_list_holds_no_other_tenants_devices(world, cred):
    r = world.call(cred, "GET", "/api/tenant/devices?pageSize=100&page=0")
    b_ids = {world.b.assigned["id"], world.b.unassigned["id"]}
    if cred == "customer-user-jwt" and r.status_code == 403:
        return  # the tenant-wide list is closed to customer users
    assert r.status_code == 200, r.text
    ids = {d["id"]["id"] for d in r.json()["data"]}
    assert not ids & b_ids, r.text
    if cred == "customer-user-jwt":
        assert world.a.assigned["id"] in ids and world.a.unassigned["id"] not in ids, ids
    else:
        assert {world.a.assigned["id"], world.a.unassigned["id"]} <= ids


# promise: TB-4
@pytest.mark.parametrize("cred", CREDENTIALS)
def test_audit_holds_no_entry_of_the_other_tenant(world, cred):
    sysadmin = world.server.login(world.server.admin_email, world.server.admin_password)["token"]
    everything = api(world.server, "GET", "/api/audit?limit=1000", jwt=sysadmin).json()
    assert any(e["tenantId"] == world.b.tenant.id for e in everything), "tenant B has no audit entries to hide"
    b_people = {world.b.tenant.admin["id"], world.b.cuser["id"]}
    for path in ("/api/audit?limit=1000", "/api/audit/me"):
        r = world.call(cred, "GET", path)
        if cred == "customer-user-jwt" and path == "/api/audit?limit=1000":
            assert r.status_code == 403, (path, r.status_code, r.text[:300])
            continue
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        entries = r.json()
        bad = [e for e in entries if e["tenantId"] == world.b.tenant.id or e["actorId"] in b_people
               or e["subjectId"] in b_people]
        assert not bad, (path, bad[:3])
        if path.startswith("/api/audit?") and cred != "customer-user-jwt":
            assert entries and all(e["tenantId"] in (world.a.tenant.id, None) for e in entries), entries[:3]


# promise: TB-4
def test_customer_user_sees_only_its_customers_devices(world):
    cid = world.a.customer["id"]
    r = world.call("customer-user-jwt", "GET", f"/api/customer/{cid}/devices?pageSize=100&page=0")
    assert r.status_code == 200, r.text
    control_ids = {d["id"]["id"] for d in r.json()["data"]}
    assert world.a.assigned["id"] in control_ids and world.a.unassigned["id"] not in control_ids, control_ids
    assert not control_ids & {world.b.assigned["id"], world.b.unassigned["id"]}


CUSTOMER_OWN_TENANT_CASES = [e for e in DEVICE_ENDPOINTS]


# promise: TB-4
@pytest.mark.parametrize("endpoint", CUSTOMER_OWN_TENANT_CASES, ids=[e[0] for e in CUSTOMER_OWN_TENANT_CASES])
def test_customer_user_gets_404_for_unassigned_device_of_own_tenant(request, world, endpoint):
    check_matrix(request, world, "customer-user-jwt", endpoint, "device", "a-unassigned", world.a.unassigned["id"])
    r = world.a.tenant.rest("GET", f"/api/device/{world.a.unassigned['id']}")
    assert r.status_code == 200, "A's unassigned device is gone"
