"""API keys, credentials tied to API calls, "I lost my credentials", staff access to personal data and the
tamper-evident audit trail."""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from console_support import (OTHER_PASSWORD, ConsoleClient, Node, api, form_values, link_from, rest_login,
                             setup_totp, sign_in)
from steward_harness import pg_copy_database, pg_database_name, pg_database_url, pg_drop_database, psql, unique


@pytest.fixture(scope="module")
def sysadmin_jwt(server):
    return server.login(server.admin_email, server.admin_password)["token"]


def enclosing(node: Node, *tags: str) -> Node | None:
    n = node.parent
    while n is not None and n.tag not in tags:
        n = n.parent
    return n


def create_key(client: ConsoleClient, name: str, role: str = "full") -> str:
    page, values = client.get_form("/account/security", "api-key-form")
    form = page.doc.form("api-key-form")
    assert form.attrs.get("action") == "/account/keys", page.describe()
    roles = {o.attrs.get("value") for o in form.find_all("option")} | {
        i.attrs.get("value") for i in form.find_all("input") if i.attrs.get("name") == "key_role"}
    assert {"full", "read-only"} <= roles, roles
    made = client.post_form("/account/keys", {**values, "key_name": name, "key_role": role}, csrf=False)
    assert made.status == 200, made.describe()
    code = made.by_id("new-api-key")
    assert code is not None and code.tag == "code", made.describe()
    key = code.text()
    assert key.startswith("stw_") and len(key) >= 24, key
    return key


def revoke_key(client: ConsoleClient, name: str):
    page = client.page("/account/security")
    keys = page.by_id("api-keys")
    assert keys is not None, page.describe()
    for form in keys.find_all("form"):
        row = enclosing(form, "tr", "li")
        if form.attrs.get("action") == "/account/keys/revoke" and row is not None and name in row.text():
            values = form_values(form)
            assert values.get("key"), values
            return client.post_form("/account/keys/revoke", values, csrf=False)
    raise AssertionError(f"no revoke form for key {name!r} in #api-keys: {keys.text()}")


def audit(server, jwt=None, key=None, path="/api/audit?limit=1000") -> list[dict]:
    r = api(server, "GET", path, jwt=jwt, key=key)
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.json()


def key_id(server, name: str) -> str:
    rows = server.sql("SELECT id FROM api_key WHERE name = ?", (name,))
    assert len(rows) == 1, rows
    return rows[0][0]


# -- TM-11: API keys -------------------------------------------------------------------------------

# promise: TM-11
def test_api_key_shown_once_works_and_is_revocable(server, smtp, new_account):
    acct = new_account()
    c = acct.client
    name = unique("ci-key")
    key = create_key(c, name)
    reload = c.page("/account/security")
    assert key not in reload.html and reload.by_id("new-api-key") is None, "the key is shown again"
    assert name in reload.by_id("api-keys").text()

    me = api(server, "GET", "/api/auth/user", key=key)
    assert me.status_code == 200 and me.json()["id"]["id"] == acct.user_id, me.text
    r = api(server, "GET", "/api/tenant/devices?pageSize=10&page=0", key=key)
    assert r.status_code == 200, r.text
    r = api(server, "POST", "/api/device", key=key, json={"name": unique("key-dev"), "type": "default"})
    assert r.status_code == 200, r.text
    dev = r.json()["id"]["id"]
    r = api(server, "POST", f"/api/plugins/telemetry/DEVICE/{dev}/timeseries/ANY", key=key, json={"t": 1})
    assert r.status_code == 200, r.text

    # only a hash is stored (in the SQLite files, or in a pg_dump of the server's PostgreSQL database)
    secret_part = key[len("stw_"):]
    assert server.stored_bytes(), "nothing to scan"
    assert server.stored_containing([secret_part]) == [], "the API key is stored in clear"

    out = revoke_key(c, name)
    assert out.status == 200, out.describe()
    r = api(server, "GET", "/api/tenant/devices?pageSize=10&page=0", key=key)
    assert r.status_code == 401, (r.status_code, r.text)
    events = [e for e in audit(server, jwt=rest_login(server, acct.email, acct.password))
              if e["event"] in ("api-key.created", "api-key.revoked")]
    assert {e["event"] for e in events} == {"api-key.created", "api-key.revoked"}, events


# promise: TM-11
def test_read_only_key_cannot_change_anything(server, smtp, new_account):
    acct = new_account()
    dev = server.create_device(acct.tenant_id, name=unique("ro-dev"))
    key = create_key(acct.client, unique("ro-key"), role="read-only")
    assert api(server, "GET", f"/api/device/{dev['id']}", key=key).status_code == 200
    for method, path, body in [
        ("POST", "/api/device", {"name": unique("nope"), "type": "default"}),
        ("POST", f"/api/plugins/telemetry/DEVICE/{dev['id']}/timeseries/ANY", {"t": 1}),
        ("POST", f"/api/plugins/telemetry/DEVICE/{dev['id']}/SERVER_SCOPE", {"a": 1}),
        ("DELETE", f"/api/device/{dev['id']}", None),
    ]:
        r = api(server, method, path, key=key, json=body)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
    assert api(server, "GET", f"/api/device/{dev['id']}", key=key).status_code == 200


# promise: TM-11
def test_bad_keys_and_forged_key_forms(server, smtp, new_account):
    acct = new_account()
    for bad in ("stw_" + "A" * 40, "not-a-key", ""):
        r = api(server, "GET", "/api/tenant/devices?pageSize=10&page=0", headers={"X-Authorization": f"ApiKey {bad}"})
        assert r.status_code == 401, (bad, r.status_code, r.text)
    _, values = acct.client.get_form("/account/security", "api-key-form")
    page = acct.client.post_form("/account/keys", {**values, "key_name": "forged", "key_role": "full"}, csrf="1" * 64)
    assert page.status == 403 and page.by_id("new-api-key") is None, page.describe()
    assert not server.sql("SELECT id FROM api_key WHERE name = 'forged'")
    page = acct.client.post_form("/account/keys", {**values, "key_name": "bad-role", "key_role": "superuser"},
                                 csrf=False)
    assert page.status == 400 and page.by_id("new-api-key") is None, page.describe()


# -- MB-7: account ids and credentials on API calls ---------------------------------------------

# promise: MB-7
def test_api_calls_are_tied_to_the_key_or_session(server, smtp, new_account):
    acct = new_account()
    account_id_node = acct.client.page("/account").by_id("account-id")
    jwt = rest_login(server, acct.email, acct.password)
    me = api(server, "GET", "/api/auth/user", jwt=jwt).json()
    assert me["id"]["id"] == acct.user_id == server.user_row(acct.email)["id"]
    if account_id_node is not None:
        assert account_id_node.text() == acct.user_id

    colleague = server.create_user(acct.tenant_id, f"{unique('colleague')}@example.test", "Colleague-Pass-123",
                                   "tenant-admin")
    name = unique("mb7-key")
    key = create_key(acct.client, name)
    kid = key_id(server, name)
    assert api(server, "GET", f"/api/user/{colleague['id']}", key=key).status_code == 200
    assert api(server, "GET", f"/api/user/{colleague['id']}", jwt=jwt).status_code == 200

    reads = [e for e in audit(server, jwt=jwt)
             if e["event"] == "personal-data.read" and e["subjectId"] == colleague["id"]]
    creds = [e["credential"] for e in reads]
    assert f"api-key:{kid}" in creds, reads
    sessions = [c for c in creds if c and c.startswith("session:")]
    assert sessions, reads
    sid = sessions[0].split(":", 1)[1]
    assert server.sql("SELECT user_id FROM session WHERE id = ?", (sid,)) == [(acct.user_id,)]
    assert all(e["actorId"] == acct.user_id and e["tenantId"] == acct.tenant_id for e in reads), reads
    # entries carry the fields of the spec
    for e in reads:
        assert {"seq", "time", "tenantId", "actorId", "credential", "subjectId", "event", "detail", "ip",
                "hash"} <= set(e), e
    # a console form is tied to the web session
    created = [e for e in audit(server, jwt=jwt) if e["event"] == "api-key.created" and e["actorId"] == acct.user_id]
    assert created and created[-1]["credential"].startswith("session:"), created


# -- MB-13: lost credentials -----------------------------------------------------------------------

# promise: MB-13
def test_lost_credentials_revokes_everything(server, smtp, new_account, sysadmin_jwt):
    acct = new_account()
    jwt = rest_login(server, acct.email, acct.password)
    other_jwt = rest_login(server, acct.email, acct.password)
    second = ConsoleClient(server.base_url)
    assert sign_in(second, acct.email, acct.password).path == "/"
    k1 = create_key(acct.client, unique("lost-full"))
    k2 = create_key(acct.client, unique("lost-ro"), role="read-only")
    for cred in ({"jwt": jwt}, {"key": k1}, {"key": k2}):
        assert api(server, "GET", "/api/auth/user", **cred).status_code == 200

    # /api/auth/logout ends one JWT's session only
    assert api(server, "POST", "/api/auth/logout", jwt=other_jwt).status_code == 200
    assert api(server, "GET", "/api/auth/user", jwt=other_jwt).status_code == 401
    assert api(server, "GET", "/api/auth/user", jwt=jwt).status_code == 200

    page, values = acct.client.get_form("/account/security", "lost-credentials-form")
    assert page.doc.form("lost-credentials-form").attrs.get("action") == "/account/lost-credentials"
    assert set(values) == {"csrf"}, values
    done = acct.client.post_form("/account/lost-credentials", values, csrf=False)
    assert done.path == "/sign-in", done.describe()

    for cred in ({"jwt": jwt}, {"key": k1}, {"key": k2}):
        r = api(server, "GET", "/api/auth/user", **cred)
        assert r.status_code == 401, (cred, r.status_code, r.text)
    assert acct.client.page("/account").path == "/sign-in"
    assert second.page("/account").path == "/sign-in"
    mail = smtp.wait_for_mail(acct.email, "revoked")
    assert mail.text
    events = [e["event"] for e in audit(server, jwt=sysadmin_jwt) if acct.user_id in (e["actorId"], e["subjectId"])]
    assert "credentials.lost-reported" in events, events
    # the password still works: a fresh sign-in starts over
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).path == "/"


# -- HA-9: staff reading a person's data is logged and shown to the person ------------------------------

# promise: HA-9
def test_admin_reads_of_a_profile_are_logged_and_visible(server, smtp, new_account):
    admin = new_account(name="Tenant Boss")
    customer = server.create_customer(admin.tenant_id)
    person_email = f"{unique('person')}@example.test"
    person_pw = "Person-Pass-12345"
    person = server.create_user(admin.tenant_id, person_email, person_pw, "customer-user", customer=customer["id"])
    admin_jwt = rest_login(server, admin.email, admin.password)

    r = api(server, "GET", f"/api/user/{person['id']}", jwt=admin_jwt)
    assert r.status_code == 200 and r.json()["email"] == person_email, r.text
    listing = admin.client.page("/users")
    assert listing.status == 200 and person_email in listing.html, listing.describe()
    detail = admin.client.page(f"/users/{person['id']}")
    assert detail.status == 200 and person_email in detail.html, detail.describe()

    reads = [e for e in audit(server, jwt=admin_jwt)
             if e["event"] == "personal-data.read" and e["subjectId"] == person["id"]]
    assert len(reads) >= 2 and all(e["actorId"] == admin.user_id for e in reads), reads

    person_jwt = rest_login(server, person_email, person_pw)
    mine = audit(server, jwt=person_jwt, path="/api/audit/me")
    seen = [e for e in mine if e["event"] == "personal-data.read"]
    assert len(seen) >= 2 and {e["actorId"] for e in seen} == {admin.user_id}, mine
    assert all(e["subjectId"] == person["id"] for e in mine), mine
    # a customer user cannot read the tenant's audit trail
    assert api(server, "GET", "/api/audit", jwt=person_jwt).status_code == 403

    pc = ConsoleClient(server.base_url)
    assert sign_in(pc, person_email, person_pw).path == "/"
    table = pc.page("/account/security").by_id("data-access")
    assert table is not None, pc.last.describe()
    text = table.text()
    assert admin.email in text or admin.name in text or admin.user_id in text, text
    assert len(table.rows()) >= 2, table.rows()


# -- MS-15: the audit trail cannot be edited without detection ------------------------------------

# promise: MS-15
def test_security_events_are_in_the_audit_trail(server, smtp, new_account, sysadmin_jwt):
    acct = new_account()
    c = acct.client
    sign_in(ConsoleClient(server.base_url), acct.email, "Not-The-Password-1")
    _, values = c.get_form("/account", "password-form")
    changed = c.post_form("/account/password", {**values, "current_password": acct.password,
                                                "new_password": OTHER_PASSWORD}, csrf=False)
    assert changed.status == 200, changed.describe()
    anon = ConsoleClient(server.base_url)
    anon.page("/forgot-password")
    anon.post_form("/forgot-password", {"email": acct.email})
    link = link_from(smtp.wait_for_mail(acct.email, "Reset your"), "/reset-password")
    page = anon.page(link)
    done = anon.post_form("/reset-password", {**form_values(page.doc.form(action="/reset-password")),
                                              "password": "Fourth-Password-Long-1"}, csrf=False)
    assert done.status == 200, done.describe()
    assert sign_in(c, acct.email, "Fourth-Password-Long-1").path == "/"
    setup_totp(acct)

    entries = [e for e in audit(server, jwt=sysadmin_jwt) if acct.user_id in (e["actorId"], e["subjectId"])]
    events = {e["event"] for e in entries}
    want = {"account.created", "account.email-confirmed", "sign-in.success", "sign-in.failure", "password.changed",
            "password.reset", "second-factor.enabled"}
    assert want <= events, f"missing {want - events}; got {sorted(events)}"
    assert all(e["tenantId"] == acct.tenant_id for e in entries if e["event"] != "sign-in.failure"), entries
    seqs = [e["seq"] for e in audit(server, jwt=sysadmin_jwt)]
    assert len(set(seqs)) == len(seqs) and all(isinstance(x, int) for x in seqs), seqs
    hashes = [e["hash"] for e in entries]
    assert all(isinstance(h, str) and len(h) >= 32 for h in hashes) and len(set(hashes)) == len(hashes), hashes
    # the person sees the entries about them (with TOTP on, programs use a key rather than the password)
    mine = audit(server, key=create_key(c, unique("audit-me")), path="/api/audit/me")
    assert {"password.changed", "second-factor.enabled"} <= {e["event"] for e in mine}, mine


class DatabaseCopy:
    """A copy of the server's database (a SQLite backup, or on PostgreSQL a new database filled from pg_dump) in a data
    directory of its own, to edit without touching the live one."""

    def __init__(self, server):
        self.dir = Path(tempfile.mkdtemp(prefix="steward-audit-copy-"))
        self.database: str | None = None
        if server.backend == "postgres":
            self.database = pg_database_name("audit_copy")
            pg_copy_database(server.database, self.database)
        else:
            src = sqlite3.connect(str(server.db_path), timeout=30)
            dst = sqlite3.connect(str(self.dir / "steward.sqlite"))
            src.backup(dst)
            src.close()
            dst.close()
        # The chain is an HMAC under a key kept beside the database, not in it; a copy needs both to verify.
        shutil.copy2(Path(server.data_dir) / "audit-chain.key", self.dir / "audit-chain.key")

    def edit(self, sql: str) -> None:
        if self.database is not None:
            psql(sql, database=self.database)
            return
        con = sqlite3.connect(str(self.dir / "steward.sqlite"))
        con.execute(sql)
        con.commit()
        con.close()

    def remove(self) -> None:
        if self.database is not None:
            pg_drop_database(self.database)
        shutil.rmtree(self.dir, ignore_errors=True)


def verify(server, copy: DatabaseCopy | None = None) -> subprocess.CompletedProcess:
    """`steward audit verify` on the server's own data dir and database, or on `copy`."""
    env = dict(server.env)
    data_dir = server.data_dir
    if copy is not None:
        data_dir = copy.dir
        if copy.database is not None:
            env["STEWARD_DATABASE_URL"] = pg_database_url(copy.database)
    return subprocess.run([str(server.binary), "audit", "verify", "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def copy_db(server):
    """Factory: copies of the server's database, removed after the test."""
    made: list[DatabaseCopy] = []

    def make() -> DatabaseCopy:
        made.append(DatabaseCopy(server))
        return made[-1]

    yield make
    for c in made:
        c.remove()


# promise: MS-15
def test_audit_verify_detects_edits_and_deletions(server, smtp, new_account, copy_db):
    new_account()
    new_account()
    live = verify(server)
    out = live.stdout + live.stderr
    assert live.returncode == 0, out
    m = re.search(r"Audit trail intact: (\d+) entries", out)
    assert m and int(m.group(1)) >= 5, out
    n = int(m.group(1))
    assert n == server.sql("SELECT COUNT(*) FROM audit_log")[0][0] or n >= 5

    d = copy_db()
    assert verify(server, d).returncode == 0
    d.edit("UPDATE audit_log SET detail = 'x' WHERE seq = 2")
    res = verify(server, d)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert re.search(r"(entry|seq|#)\s*:?\s*2\b", out, re.I), out

    d = copy_db()
    d.edit("DELETE FROM audit_log WHERE seq = 3")
    res = verify(server, d)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert re.search(r"\b3\b", out) and re.search(r"gap|missing|removed|deleted", out, re.I), out

    # changing a row together with its stored hash is caught as well
    d = copy_db()
    # (a different event and a different first hash digit: seq 4 may already be a sign-in whose hash starts with f)
    d.edit("UPDATE audit_log SET event = 'tampered.event', "
            "hash = CASE WHEN substr(hash, 1, 1) = 'f' THEN 'e' ELSE 'f' END || substr(hash, 2) WHERE seq = 4")
    res = verify(server, d)
    assert res.returncode == 1, res.stdout + res.stderr
