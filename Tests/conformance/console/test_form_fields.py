"""HA-1: every field of every console form has a declared purpose (GET /api/form-fields)."""
from __future__ import annotations

import pytest

from console_support import ConsoleClient, Doc, Page, form_values, link_from, sign_in
from steward_harness import ADMIN_EMAIL, ADMIN_PASSWORD, unique

MADE_UP = ["favourite_colour", "gender", "income", "birth_date", "date_of_birth", "company_size"]


@pytest.fixture(scope="module")
def purposes(server) -> dict[str, str]:
    r = ConsoleClient(server.base_url).get(f"{server.base_url}/api/form-fields", timeout=30)
    assert r.status_code == 200 and "json" in r.headers.get("Content-Type", ""), (r.status_code, r.text[:300])
    body = r.json()
    assert isinstance(body, dict) and body, body
    return body


def undeclared(doc: Doc, purposes: dict[str, str]) -> set[str]:
    names = {f.attrs.get("name") for f in doc.fields() if f.attrs.get("name")}
    return {n for n in names if not (purposes.get(n) or "").strip()}


def check(pages: list[Page], purposes: dict[str, str]) -> None:
    problems = {}
    for p in pages:
        assert p.status < 500, p.describe()
        bad = undeclared(p.doc, purposes)
        if bad:
            problems[f"{p.response.request.method} {p.path} ({p.status})"] = sorted(bad)
    assert not problems, f"form fields without a declared purpose: {problems}"


# promise: HA-1
def test_the_allow_list_has_purposes_and_no_made_up_fields(purposes):
    for name, purpose in purposes.items():
        assert isinstance(purpose, str) and len(purpose.strip()) >= 5, (name, purpose)
    for name in MADE_UP:
        assert name not in purposes, name
    # and the checker itself would catch one
    doc = Doc.parse('<form><input name="csrf"><input name="favourite_colour"><select name="gender"></select></form>')
    assert undeclared(doc, purposes) == {"favourite_colour", "gender"}


# promise: HA-1
def test_every_field_purpose_is_a_purpose_of_the_published_declaration(server, purposes):
    declared = {p["key"] for p in ConsoleClient(server.base_url).get(f"{server.base_url}/privacy.json", timeout=30).json()["purposes"]}
    for name, purpose in purposes.items():
        key = purpose.split(":", 1)[0]
        assert key in declared, f"field {name!r} serves {key!r}, which /privacy.json does not declare ({sorted(declared)})"


def test_a_declaration_without_a_purpose_the_forms_need_stops_start_up(smtp):
    from console_support import ConsoleServer
    from steward_harness import HarnessError, REPO_ROOT
    import re
    text = (REPO_ROOT / "Sources" / "StewardPrivacy" / "Resources" / "default-privacy.yaml").read_text()
    # Rename the age-gate purpose: the sign-up form's birth_year then serves an undeclared purpose.
    text = re.sub(r"key: age_gate\b", "key: age_check", text)
    srv = ConsoleServer("form-fields-undeclared", smtp)
    try:
        (srv.data_dir / "privacy.yaml").write_text(text)
        with pytest.raises(HarnessError) as failure:
            srv.start()
        assert "birth_year" in str(failure.value) and "age_gate" in str(failure.value), str(failure.value)[-2000:]
    finally:
        srv.cleanup()


# promise: HA-1
def test_every_public_form_field_has_a_purpose(server, smtp, purposes, new_account):
    c = ConsoleClient(server.base_url)
    pages = [c.page(p) for p in ("/sign-up", "/sign-in", "/forgot-password", "/confirm-email?token=abc",
                                 "/parent-consent?token=abc")]
    # a sign-up with an error re-renders the form
    pages.append(c.post_form("/sign-up", {"name": "x", "email": "bad"}))
    acct = new_account()
    c.page("/forgot-password")
    pages.append(c.post_form("/forgot-password", {"email": acct.email}))
    link = link_from(smtp.wait_for_mail(acct.email, "Reset your"), "/reset-password")
    pages.append(c.page(link))
    # the second-factor page (mailed code)
    page = acct.client.page("/account/two-factor")
    form = page.doc.form("email-factor-form")
    assert form is not None, page.describe()
    acct.client.post_form("/account/two-factor/email", form_values(form), csrf=False)
    half = ConsoleClient(server.base_url)
    pages.append(sign_in(half, acct.email, acct.password))
    assert half.last.path == "/sign-in/factor", half.last.describe()
    check(pages, purposes)


# promise: HA-1
def test_every_account_and_admin_form_field_has_a_purpose(server, smtp, purposes, new_account):
    acct = new_account()
    c = acct.client
    pages = [c.page(p) for p in ("/", "/account", "/account/security", "/account/two-factor", "/users", "/audit")]
    _, values = c.get_form("/account/security", "api-key-form")
    pages.append(c.post_form("/account/keys", {**values, "key_name": unique("k"), "key_role": "read-only"},
                             csrf=False))
    colleague = server.create_user(acct.tenant_id, f"{unique('col')}@example.test", "Colleague-Pass-123",
                                   "tenant-admin")
    pages.append(c.page(f"/users/{colleague['id']}"))
    admin = ConsoleClient(server.base_url)
    assert sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD).status == 200
    pages += [admin.page("/tenants"), admin.page("/audit"), admin.page("/account")]
    for p in pages:
        assert p.status == 200, p.describe()
    check(pages, purposes)
