"""Sign-up, email confirmation, the age gate, the policy agreement, profile fields and bad input."""
from __future__ import annotations

import datetime
import re

import pytest

from console_support import (GOOD_PASSWORD, TEST_UA, ConsoleClient, api, confirm_link, form_values, link_from,
                             rest_login, rest_me, sign_in, sign_up)
from steward_harness import unique

SIGN_UP_FIELDS = {"name", "email", "password", "jurisdiction", "birth_year", "parent_email", "agree_policy", "csrf"}
THIS_YEAR = datetime.date.today().year


def email_addr(prefix: str = "person") -> str:
    return f"{unique(prefix)}@example.test"


def no_user(server, email: str) -> bool:
    return not server.user_row(email)


def cannot_sign_in(server, email: str, password: str = GOOD_PASSWORD) -> str:
    """Asserts the console refuses the sign-in (no session that opens /account); returns the page text."""
    c = ConsoleClient(server.base_url)
    page = sign_in(c, email, password)
    assert page.path != "/" and page.status >= 400, page.describe()
    acct = c.page("/account")
    assert acct.path == "/sign-in", f"/account opened after a refused sign-in: {acct.describe()}"
    c.close()
    return page.flash_text or page.doc.text()


def field_names(form) -> set[str]:
    return {f.attrs["name"] for f in form.fields() if f.attrs.get("name")}


# -- MS-2: the sign-up form asks only for what it needs -----------------------------------------

# promise: MS-2
def test_sign_up_form_has_exactly_the_minimal_fields(client):
    page = client.page("/sign-up")
    assert page.status == 200, page.describe()
    form = page.doc.form(action="/sign-up")
    assert form is not None and (form.attrs.get("method") or "").lower() == "post", page.describe()
    assert field_names(form) == SIGN_UP_FIELDS
    jurisdiction = next(f for f in form.fields() if f.attrs.get("name") == "jurisdiction")
    assert jurisdiction.tag == "select"
    codes = {o.attrs.get("value") for o in jurisdiction.find_all("option")}
    assert {"DE", "BE", "US", "OTHER"} <= codes, codes
    agree = next(f for f in form.fields() if f.attrs.get("name") == "agree_policy")
    assert agree.attrs.get("type") == "checkbox" and agree.attrs.get("value"), agree
    assert page.doc.find_all("a") and any(a.attrs.get("href") == "/privacy" for a in page.doc.find_all("a"))


# promise: MS-2
def test_company_and_phone_only_under_my_account(server, smtp, new_account):
    # a company sent to the sign-up form anyway is not stored
    email = email_addr()
    c = ConsoleClient(server.base_url)
    page = sign_up(c, email, extra={"company": "Sneaky Ltd", "phone": "+49 30 1234567"})
    if page.status == 200:
        link = link_from(smtp.wait_for_mail(email, "Confirm your email"), "/confirm-email")
        confirm_link(c, link)
        row = server.user_row(email)
        assert not row.get("company") and not row.get("phone"), row
    else:
        assert page.status == 400, page.describe()

    acct = new_account()
    page = acct.client.page("/account")
    assert page.status == 200, page.describe()
    form = page.doc.form("profile-form")
    assert form is not None and form.attrs.get("action") == "/account/profile", page.describe()
    assert {"name", "company", "phone", "csrf"} <= field_names(form)
    values = form_values(form)
    assert values["company"] == "" and values["phone"] == ""
    values.update(name="Ada Lovelace", company="Analytical Engines Ltd", phone="+44 20 7946 0000")
    saved = acct.client.post_form("/account/profile", values, csrf=False)
    assert saved.status == 200 and saved.path == "/account", saved.describe()
    assert saved.flash and saved.flash[0] == "notice", saved.describe()
    again = form_values(acct.client.page("/account").doc.form("profile-form"))
    assert (again["name"], again["company"], again["phone"]) == (
        "Ada Lovelace", "Analytical Engines Ltd", "+44 20 7946 0000")
    assert acct.email in acct.client.last.html


# -- MB-4: one form makes an account and a tenant -------------------------------------------------

# promise: MB-4
def test_one_form_creates_account_and_tenant(server, smtp, new_account):
    a = new_account(name="Grace Hopper")
    b = new_account(name="Alan Turing")
    start = a.client.page("/")
    assert start.status == 200 and start.has("start"), start.describe()
    jwt = rest_login(server, a.email, a.password)
    me = rest_me(server, jwt)
    assert me["authority"] == "TENANT_ADMIN", me
    assert me["email"] == a.email
    assert a.tenant_id and b.tenant_id and a.tenant_id != b.tenant_id, (a.tenant_id, b.tenant_id)
    r = api(server, "GET", "/api/tenant/devices?pageSize=10&page=0", jwt=jwt)
    assert r.status_code == 200 and r.json()["data"] == [], r.text
    # the start page lists the new tenant's devices: one made now shows up, another tenant's does not
    mine = server.create_device(a.tenant_id, name=unique("start-dev"))
    theirs = server.create_device(b.tenant_id, name=unique("other-dev"))
    start = a.client.page("/")
    assert start.has("start") and mine["name"] in start.by_id("start").text(), start.describe()
    assert theirs["name"] not in start.html


# -- MB-5: email confirmation -------------------------------------------------------------------

# promise: MB-5
def test_email_must_be_confirmed_through_single_use_link(server, smtp, client):
    email = email_addr()
    page = sign_up(client, email)
    assert page.status == 200 and page.has("check-email"), page.describe()
    mail = smtp.wait_for_mail(email, "Confirm your email")
    link = link_from(mail, "/confirm-email")
    assert link.startswith(server.base_url + "/confirm-email?token="), link

    text = cannot_sign_in(server, email)
    assert "confirm your email" in text.lower(), text
    r = api(server, "POST", "/api/auth/login", json={"username": email, "password": GOOD_PASSWORD})
    assert r.status_code == 401, (r.status_code, r.text)

    # opening the link (GET) alone confirms nothing: mail scanners follow links
    shown = client.page(link)
    assert shown.status == 200 and shown.doc.form("confirm-form") is not None, shown.describe()
    cannot_sign_in(server, email)

    done = confirm_link(client, link)
    assert done.status == 200 and done.has("confirmed"), done.describe()
    assert any(a.attrs.get("href") == "/sign-in" for a in done.by_id("confirmed").find_all("a")), done.describe()

    again = confirm_link(ConsoleClient(server.base_url), link)
    assert again.status == 409, again.describe()
    assert "already" in again.doc.text().lower() and "used" in again.doc.text().lower(), again.describe()

    ok = sign_in(ConsoleClient(server.base_url), email, GOOD_PASSWORD)
    assert ok.status == 200 and ok.path == "/", ok.describe()


# promise: MB-5
def test_garbage_and_expired_confirmation_links(server, smtp, client):
    bad = confirm_link(client, f"{server.base_url}/confirm-email?token=not-a-real-token-{unique('x')}")
    assert bad.status == 404, bad.describe()
    assert bad.flash and bad.flash[0] == "error", bad.describe()

    email = email_addr()
    sign_up(client, email)
    link = link_from(smtp.wait_for_mail(email, "Confirm your email"), "/confirm-email")
    user_id = server.user_row(email)["id"]
    server.sql("UPDATE one_time_token SET expires_time = 1 WHERE user_id = ? AND used_time IS NULL", (user_id,))
    assert server.sql("SELECT COUNT(*) FROM one_time_token WHERE user_id = ? AND expires_time = 1", (user_id,))[0][0] >= 1
    expired = confirm_link(client, link)
    assert expired.status == 409, expired.describe()
    assert "expired" in expired.doc.text().lower(), expired.describe()
    cannot_sign_in(server, email)


# -- MS-1: the policy agreement ------------------------------------------------------------------

# promise: MS-1
def test_policy_agreement_is_recorded_with_version(server, smtp, client, new_account):
    page = client.page("/sign-up")
    version = next(i for i in page.doc.form(action="/sign-up").find_all("input")
                   if i.attrs.get("name") == "agree_policy").attrs["value"]
    assert re.search(r"\d", version), version

    # without agreeing: 400, nothing created, no mail
    email = email_addr()
    refused = sign_up(client, email, agree=False)
    assert refused.status == 400 and refused.flash and refused.flash[0] == "error", refused.describe()
    assert no_user(server, email)
    assert smtp.no_mail(email, wait=1.5)

    acct = new_account()
    table = acct.client.page("/account").by_id("agreements")
    assert table is not None, acct.client.last.describe()
    rows = table.rows()
    assert len(rows) == 1, rows
    row_text = " ".join(rows[0])
    assert version in row_text and "sign-up-form" in row_text, rows
    db = server.sql("SELECT policy_version, method, ip, client, time FROM policy_agreement WHERE user_id = ?",
                    (acct.user_id,))
    assert len(db) == 1, db
    v, method, ip, ua, t = db[0]
    assert (v, method, ua) == (version, "sign-up-form", TEST_UA), db
    assert ip.endswith("127.0.0.1") and abs(t / 1000 - datetime.datetime.now().timestamp()) < 600, db


# -- MB-22: the age of digital consent -------------------------------------------------------------

# promise: MB-22
def test_below_age_of_consent_needs_a_parent(server, smtp, client):
    child = email_addr("child")
    parent = email_addr("parent")
    # Germany: 16; born this year - 16 counts (conservatively) as 15
    refused = sign_up(client, child, jurisdiction="DE", birth_year=THIS_YEAR - 16)
    assert refused.status == 400 and refused.flash and refused.flash[0] == "error", refused.describe()
    assert "parent" in refused.flash_text.lower(), refused.flash
    assert no_user(server, child)

    page = sign_up(client, child, jurisdiction="DE", birth_year=THIS_YEAR - 12, parent_email=parent)
    assert page.status == 200 and page.has("check-email"), page.describe()
    consent_link = link_from(smtp.wait_for_mail(parent, ""), "/parent-consent")
    confirm = link_from(smtp.wait_for_mail(child, "Confirm your email"), "/confirm-email")

    done = confirm_link(client, confirm)
    assert done.status == 200 and done.has("confirmed"), done.describe()
    cannot_sign_in(server, child)

    pc = ConsoleClient(server.base_url)
    shown = pc.page(consent_link)
    assert shown.status == 200, shown.describe()
    form = next((f for f in shown.doc.find_all("form")
                 if any(i.attrs.get("name") == "token" for i in f.find_all("input"))), None)
    assert form is not None, shown.describe()
    consented = pc.post_form(form.attrs.get("action") or "/parent-consent", form_values(form), csrf=False)
    assert consented.status == 200, consented.describe()
    # the link is single-use
    pc2 = ConsoleClient(server.base_url)
    shown = pc2.page(consent_link)
    form = next((f for f in shown.doc.find_all("form")
                 if any(i.attrs.get("name") == "token" for i in f.find_all("input"))), None)
    if form is not None:
        again = pc2.post_form(form.attrs.get("action") or "/parent-consent", form_values(form), csrf=False)
        assert again.status == 409, again.describe()
    else:
        assert shown.status in (404, 409), shown.describe()

    ok = sign_in(ConsoleClient(server.base_url), child, GOOD_PASSWORD)
    assert ok.status == 200 and ok.path == "/", ok.describe()


# promise: MB-22
@pytest.mark.parametrize("jurisdiction,age,needs_parent", [
    ("DE", 17, False),   # counted as 16: old enough in Germany
    ("BE", 15, False),   # counted as 14: old enough in Belgium (13)
    ("BE", 13, True),    # counted as 12
    ("US", 14, False),
    ("OTHER", 16, True),  # counted as 15, default age 16
])
def test_age_gate_per_jurisdiction(server, smtp, client, jurisdiction, age, needs_parent):
    email = email_addr("age")
    page = sign_up(client, email, jurisdiction=jurisdiction, birth_year=THIS_YEAR - age)
    if needs_parent:
        assert page.status == 400 and "parent" in page.flash_text.lower(), page.describe()
        assert no_user(server, email)
    else:
        assert page.status == 200 and page.has("check-email"), page.describe()


# -- bad input ------------------------------------------------------------------------------------

# promise: MS-2
@pytest.mark.parametrize("case", ["long-name", "invalid-email", "missing-jurisdiction", "short-password",
                                  "common-password"])
def test_sign_up_bad_input_is_refused_clearly(server, smtp, client, case):
    email = email_addr("bad")
    kw = {}
    if case == "long-name":
        kw["name"] = "N" * 101
    elif case == "invalid-email":
        email = f"not-an-email-{unique('x')}"
    elif case == "missing-jurisdiction":
        kw["jurisdiction"] = ""
    elif case == "short-password":
        kw["password"] = "short1"
    elif case == "common-password":
        kw["password"] = "password123"
    page = sign_up(client, email, **kw)
    assert page.status == 400, page.describe()
    assert page.flash and page.flash[0] == "error" and len(page.flash_text) > 10, page.describe()
    # the form comes back filled in (never the password)
    form = page.doc.form(action="/sign-up")
    assert form is not None, page.describe()
    values = form_values(form)
    assert values.get("password", "") == ""
    if case != "invalid-email":
        assert values.get("email") == email
    assert no_user(server, email)
    assert smtp.no_mail(email, wait=0.5)


# promise: MS-2
@pytest.mark.parametrize("csrf", ["wrong", "missing", "other-visitor"])
def test_sign_up_with_wrong_csrf_is_403_and_creates_nothing(server, smtp, client, csrf):
    email = email_addr("csrf")
    if csrf == "wrong":
        token = "0" * 64
    elif csrf == "missing":
        token = None
    else:  # a valid token, but of another visitor's cookie
        token = ConsoleClient(server.base_url).get_form("/sign-up", action="/sign-up")[1]["csrf"]
    client.page("/sign-up")
    page = sign_up(client, email, csrf=token)
    assert page.status == 403, page.describe()
    assert "expired" in page.doc.text().lower(), page.describe()
    assert no_user(server, email)
    assert smtp.no_mail(email, wait=0.5)


# promise: MS-2
def test_profile_bad_input_changes_nothing(server, smtp, new_account):
    acct = new_account(name="Unchanged Name")
    c = acct.client
    _, values = c.get_form("/account", "profile-form")
    page = c.post_form("/account/profile", {**values, "name": "L" * 101}, csrf=False)
    assert page.status == 400 and page.flash and page.flash[0] == "error", page.describe()
    page = c.post_form("/account/profile", {**values, "company": "Mallory Inc"}, csrf="f" * 64)
    assert page.status == 403 and "expired" in page.doc.text().lower(), page.describe()
    page = c.post_form("/account/profile", {k: v for k, v in {**values, "company": "Mallory Inc"}.items()
                                            if k != "csrf"}, csrf=None)
    assert page.status == 403, page.describe()
    now = form_values(c.page("/account").doc.form("profile-form"))
    assert now["name"] == "Unchanged Name" and now["company"] == "", now
    # a form from another person's session does not work either
    other = new_account()
    _, theirs = other.client.get_form("/account", "profile-form")
    page = c.post_form("/account/profile", {**values, "company": "Cross Site"}, csrf=theirs["csrf"])
    assert page.status == 403, page.describe()
    assert form_values(c.page("/account").doc.form("profile-form"))["company"] == ""


# promise: MS-2
def test_existing_email_gets_the_same_page_and_a_notice_mail(server, smtp, new_account):
    acct = new_account()
    c = ConsoleClient(server.base_url)
    page = sign_up(c, acct.email, password="Another-Secret-Phrase-9", name="Impostor")
    assert page.status == 200 and page.has("check-email"), page.describe()
    mail = smtp.wait_for_mail(acct.email, "sign up")
    assert "confirm-email?token=" not in mail.text
    # the owner's password still works, the impostor's does not
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).path == "/"
    assert sign_in(ConsoleClient(server.base_url), acct.email, "Another-Secret-Phrase-9").status == 401


# -- TM-10: passwords stored with a slow hash ------------------------------------------------------

# promise: TM-10
def test_passwords_are_stored_as_bcrypt(server, smtp, new_account, tenant):
    acct = new_account()
    for email in (acct.email, tenant.admin_email):
        row = server.user_row(email)
        h = row["password_hash"]
        m = re.fullmatch(r"\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}", h)
        assert m, f"not a bcrypt hash for {email}: {h!r}"
        assert int(m.group(1)) == 4, h  # STEWARD_BCRYPT_COST=4 in the test environment
        assert acct.password not in h and tenant.admin_password not in h


# 1x1 transparent PNG.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


# promise: MS-2
def test_picture_is_optional_and_uploaded_under_my_account(new_account):
    acct = new_account()
    page = acct.client.page("/account")
    form = page.doc.form("picture-form")
    assert form is not None and form.attrs.get("enctype") == "multipart/form-data", page.describe()
    assert acct.client.get(acct.client.url("/account/picture")).status_code == 404  # none yet
    csrf = form_values(form)["csrf"]

    # Not an image: refused with a clear message, nothing stored.
    bad = acct.client.post(acct.client.url("/account/picture"), data={"csrf": csrf},
                           files={"picture": ("x.png", b"GIF89a not really", "image/png")})
    assert bad.status_code == 400 and "PNG or JPEG" in bad.text
    assert acct.client.get(acct.client.url("/account/picture")).status_code == 404

    # Wrong CSRF: refused, nothing stored.
    forged = acct.client.post(acct.client.url("/account/picture"), data={"csrf": "forged"},
                              files={"picture": ("me.png", TINY_PNG, "image/png")})
    assert forged.status_code == 403
    assert acct.client.get(acct.client.url("/account/picture")).status_code == 404

    ok = acct.client.post(acct.client.url("/account/picture"), data={"csrf": csrf},
                          files={"picture": ("me.png", TINY_PNG, "image/png")})
    assert ok.status_code == 200 and "/account" in ok.url
    served = acct.client.get(acct.client.url("/account/picture"))
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.content == TINY_PNG

    removed = acct.client.post(acct.client.url("/account/picture"), data={"csrf": csrf, "remove": "1"},
                               files={"picture": ("", b"", "application/octet-stream")})
    assert removed.status_code == 200
    assert acct.client.get(acct.client.url("/account/picture")).status_code == 404


def test_a_sent_mail_leaves_no_usable_link_in_the_database(server, smtp):
    email = email_addr()
    c = ConsoleClient(server.base_url)
    assert sign_up(c, email).status == 200
    link = link_from(smtp.wait_for_mail(email, "Confirm your email"), "/confirm-email")
    token = link.split("token=", 1)[1]
    import time
    deadline = time.monotonic() + 20
    rows = server.sql("SELECT sent_time, text_body FROM mail_outbox WHERE recipient_hash = ?",
                      (server.email_hash(email),))
    while not (rows and all(r[0] is not None for r in rows)) and time.monotonic() < deadline:
        time.sleep(0.1)
        rows = server.sql("SELECT sent_time, text_body FROM mail_outbox WHERE recipient_hash = ?",
                      (server.email_hash(email),))
    assert rows and all(r[0] is not None for r in rows), rows
    assert all(token not in (r[1] or "") for r in rows), "the confirmation link is still stored after sending"
    assert confirm_link(c, link).status == 200  # and the mailed link itself still works


# Walk P2.11: every field's problem at once, next to its field, with what was typed kept (never the password).
def test_every_field_error_is_shown_at_once_next_to_its_field(server, client):
    email = email_addr("many")
    page = sign_up(client, email, password="password123", name="Ada Walker", jurisdiction="", birth_year=None,
                   parent_email="", agree=False)
    assert page.status == 400, page.describe()
    assert "Please correct the 4 fields marked below" in page.flash_text, page.flash
    form = page.doc.form(action="/sign-up")
    expected = {"password": "password-error", "jurisdiction": "jurisdiction-error", "birth_year": "birth-year-error",
                "agree_policy": "agree-policy-error"}
    for field, error_id in expected.items():
        error = page.by_id(error_id)
        assert error is not None and len(error.text()) > 10, f"no error next to {field}: {page.describe()}"
        control = next(f for f in form.fields() if f.attrs.get("name") == field)
        assert error_id in (control.attrs.get("aria-describedby") or "").split(), (field, control.attrs)
        assert control.attrs.get("aria-invalid") == "true", (field, control.attrs)
    assert "tick the box" in page.by_id("agree-policy-error").text()
    assert "year of birth" in page.by_id("birth-year-error").text()
    assert page.by_id("name-error") is None and page.by_id("email-error") is None
    values = form_values(form)
    assert values["name"] == "Ada Walker" and values["email"] == email
    assert values.get("password", "") == ""
    assert no_user(server, email)
