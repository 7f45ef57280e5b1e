"""Sign-in, sign-out, session cookies, the second factor (TOTP, mailed code, recovery codes) and password
reset."""
from __future__ import annotations

import re

import requests

from console_support import (GOOD_PASSWORD, OTHER_PASSWORD, ConsoleClient, api, form_values, link_from,
                             rest_login, setup_totp, sign_in, sign_out)
from steward_harness import unique


def opens_account(server, cookie: str) -> bool:
    r = requests.get(f"{server.base_url}/account", cookies={"steward_session": cookie}, allow_redirects=False,
                     timeout=30)
    if r.status_code == 200:
        return True
    assert r.status_code == 303 and r.headers["Location"].endswith("/sign-in"), (r.status_code, r.headers)
    return False


# -- sign-in basics -------------------------------------------------------------------------------

# promise: TM-11
def test_sign_in_cookie_and_sign_out(server, smtp, new_account):
    acct = new_account()
    c = ConsoleClient(server.base_url)
    c.page("/sign-in")
    first = c.post_form("/sign-in", {"email": acct.email, "password": acct.password}, follow=False)
    assert first.status == 303 and first.response.headers["Location"] in ("/", f"{server.base_url}/"), first.describe()
    cookie = first.response.headers.get("Set-Cookie", "")
    assert cookie.startswith("steward_session="), cookie
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attrs and "samesite=lax" in attrs and "secure" not in attrs, cookie
    value1 = c.session_cookie
    assert value1 and opens_account(server, value1)

    c2 = ConsoleClient(server.base_url)
    sign_in(c2, acct.email, acct.password)
    assert c2.session_cookie and c2.session_cookie != value1, "the session cookie is not new at each sign-in"

    out = sign_out(c)
    assert out.path == "/sign-in", out.describe()
    assert out.response.history and out.response.history[0].status_code == 303
    assert not opens_account(server, value1), "the old session cookie still opens /account after sign-out"
    assert opens_account(server, c2.session_cookie), "signing out one session ended another"


# promise: TM-11
def test_wrong_credentials_are_401_with_one_message(server, smtp, new_account):
    acct = new_account()
    for email, password in ((acct.email, "Not-The-Password-1"), (f"{unique('nobody')}@example.test", GOOD_PASSWORD)):
        c = ConsoleClient(server.base_url)
        page = sign_in(c, email, password)
        assert page.status == 401, page.describe()
        assert "Invalid username or password" in page.flash_text, page.describe()
        assert c.session_cookie is None or not opens_account(server, c.session_cookie)
    # the sign-in form itself needs the CSRF token
    c = ConsoleClient(server.base_url)
    c.page("/sign-in")
    page = c.post_form("/sign-in", {"email": acct.email, "password": acct.password}, csrf="0" * 64)
    assert page.status == 403, page.describe()


# -- MB-6: second factor ----------------------------------------------------------------------------

# promise: MB-6
def test_totp_second_factor_replay_and_recovery_codes(server, smtp, new_account):
    acct = new_account()
    c = acct.client
    # a wrong code at setup is refused and turns nothing on
    page = c.page("/account/two-factor")
    values = form_values(page.doc.form("totp-form"))
    bad = c.post_form("/account/two-factor/totp", {**values, "code": "000000"}, csrf=False)
    assert bad.status == 400 and bad.flash and bad.flash[0] == "error", bad.describe()
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).path == "/"

    device = setup_totp(acct)

    # password alone now stops at the factor page
    c1 = ConsoleClient(server.base_url)
    half = sign_in(c1, acct.email, acct.password)
    assert half.status == 200 and half.path == "/sign-in/factor", half.describe()
    assert not opens_account(server, c1.session_cookie), "a half-signed-in session opens /account"
    # REST login must not hand out a working JWT on the password alone
    r = api(server, "POST", "/api/auth/login", json={"username": acct.email, "password": acct.password})
    if r.status_code == 200 and r.json().get("token"):
        me = api(server, "GET", "/api/auth/user", jwt=r.json()["token"])
        assert me.status_code in (401, 403), ("a JWT from the password alone works with TOTP on", me.text)
    else:
        assert r.status_code in (400, 401, 403), r.text

    wrong = c1.post_form("/sign-in/factor", {"code": "123456" if device.replay() != "123456" else "654321"})
    assert wrong.status in (400, 401) and wrong.flash and wrong.flash[0] == "error", wrong.describe()
    assert not opens_account(server, c1.session_cookie)

    good = c1.post_form("/sign-in/factor", {"code": device.code()})
    assert good.status == 200 and good.path == "/", good.describe()
    assert opens_account(server, c1.session_cookie)

    # the same code again (replay) is refused
    c2 = ConsoleClient(server.base_url)
    half = sign_in(c2, acct.email, acct.password)
    replay = c2.post_form("/sign-in/factor", {"code": device.replay()})
    assert replay.status in (400, 401) and replay.path == "/sign-in/factor", replay.describe()
    assert not opens_account(server, c2.session_cookie)

    # a recovery code works once
    rc = acct.recovery_codes[0]
    c3 = ConsoleClient(server.base_url)
    assert sign_in(c3, acct.email, acct.password).path == "/sign-in/factor"
    ok = c3.post_form("/sign-in/factor", {"code": rc})
    assert ok.status == 200 and ok.path == "/", ok.describe()
    c4 = ConsoleClient(server.base_url)
    assert sign_in(c4, acct.email, acct.password).path == "/sign-in/factor"
    again = c4.post_form("/sign-in/factor", {"code": rc})
    assert again.status in (400, 401) and again.path == "/sign-in/factor", again.describe()
    assert not opens_account(server, c4.session_cookie)

    # turning the factor off needs the password
    page = c3.page("/account/two-factor")
    form = page.doc.form("disable-factor-form")
    assert form is not None, page.describe()
    values = form_values(form)
    refused = c3.post_form("/account/two-factor/disable", {**values, "password": "Not-The-Password-1"}, csrf=False)
    assert refused.status in (400, 401, 403) and refused.flash and refused.flash[0] == "error", refused.describe()
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).path == "/sign-in/factor"
    page = c3.page("/account/two-factor")
    values = form_values(page.doc.form("disable-factor-form"))
    off = c3.post_form("/account/two-factor/disable", {**values, "password": acct.password}, csrf=False)
    assert off.status == 200, off.describe()
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).path == "/"


def mailed_code(smtp, email: str) -> str:
    mail = smtp.wait_for_mail(email, "code")
    m = re.search(r"\b(\d{6})\b", mail.text)
    assert m, f"no 6-digit code in {mail.subject!r}: {mail.text}"
    return m.group(1)


# promise: MB-6
def test_email_code_second_factor(server, smtp, new_account):
    acct = new_account()
    c = acct.client
    page = c.page("/account/two-factor")
    form = page.doc.form("email-factor-form")
    assert form is not None and form.attrs.get("action") == "/account/two-factor/email", page.describe()
    on = c.post_form("/account/two-factor/email", form_values(form), csrf=False)
    assert on.status == 200, on.describe()

    c1 = ConsoleClient(server.base_url)
    half = sign_in(c1, acct.email, acct.password)
    assert half.path == "/sign-in/factor", half.describe()
    first = mailed_code(smtp, acct.email)
    wrong = c1.post_form("/sign-in/factor", {"code": "000000" if first != "000000" else "111111"})
    assert wrong.status in (400, 401) and wrong.flash and wrong.flash[0] == "error", wrong.describe()

    resent = c1.post_form("/sign-in/factor/resend", {})
    assert resent.status == 200 and resent.flash and resent.flash[0] == "notice", resent.describe()
    second = mailed_code(smtp, acct.email)
    ok = c1.post_form("/sign-in/factor", {"code": second})
    assert ok.status == 200 and ok.path == "/", ok.describe()

    # a used code does not work again
    c2 = ConsoleClient(server.base_url)
    sign_in(c2, acct.email, acct.password)
    mailed_code(smtp, acct.email)
    again = c2.post_form("/sign-in/factor", {"code": second})
    assert again.status in (400, 401) and again.path == "/sign-in/factor", again.describe()


# -- TM-12: password reset ---------------------------------------------------------------------

def normalise(html: str, *secrets: str) -> str:
    for s in secrets:
        html = html.replace(s, "EMAIL")
    return re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value=""', html)


# promise: TM-12
def test_forgot_password_does_not_reveal_accounts(server, smtp, new_account):
    acct = new_account()
    unknown = f"{unique('nobody')}@example.test"
    c = ConsoleClient(server.base_url)
    c.page("/forgot-password")
    known_page = c.post_form("/forgot-password", {"email": acct.email})
    unknown_page = c.post_form("/forgot-password", {"email": unknown})
    assert known_page.status == unknown_page.status == 200, (known_page.describe(), unknown_page.describe())
    assert known_page.has("reset-sent") and unknown_page.has("reset-sent")
    assert normalise(known_page.html, acct.email) == normalise(unknown_page.html, unknown)
    mail = smtp.wait_for_mail(acct.email, "Reset your")
    assert link_from(mail, "/reset-password").startswith(server.base_url + "/reset-password?token=")
    assert smtp.no_mail(unknown, wait=1.0)


# promise: TM-12
def test_reset_link_single_use_and_old_password_stops_working(server, smtp, new_account):
    acct = new_account()
    jwt = rest_login(server, acct.email, acct.password)
    old_cookie = acct.client.session_cookie
    c = ConsoleClient(server.base_url)
    c.page("/forgot-password")
    c.post_form("/forgot-password", {"email": acct.email})
    link = link_from(smtp.wait_for_mail(acct.email, "Reset your"), "/reset-password")

    bad = c.page(f"{server.base_url}/reset-password?token=garbage-{unique('t')}")
    assert bad.status == 404, bad.describe()

    page = c.page(link)
    form = page.doc.form(action="/reset-password")
    assert page.status == 200 and form is not None, page.describe()
    values = form_values(form)
    weak = c.post_form("/reset-password", {**values, "password": "short"}, csrf=False)
    assert weak.status == 400 and weak.flash and weak.flash[0] == "error", weak.describe()
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).path == "/"

    done = c.post_form("/reset-password", {**values, "password": OTHER_PASSWORD}, csrf=False)
    assert done.status == 200, done.describe()

    old = sign_in(ConsoleClient(server.base_url), acct.email, acct.password)
    assert old.status == 401, old.describe()
    assert sign_in(ConsoleClient(server.base_url), acct.email, OTHER_PASSWORD).path == "/"
    # every session ended
    assert not opens_account(server, old_cookie)
    assert api(server, "GET", "/api/auth/user", jwt=jwt).status_code == 401

    c2 = ConsoleClient(server.base_url)
    reused = c2.page(link)
    if reused.status == 200 and reused.doc.form(action="/reset-password") is not None:
        reused = c2.post_form("/reset-password", {**form_values(reused.doc.form(action="/reset-password")),
                                                  "password": "Third-Password-Is-Long"}, csrf=False)
    assert reused.status == 409, reused.describe()
    assert sign_in(ConsoleClient(server.base_url), acct.email, OTHER_PASSWORD).path == "/"


# promise: TM-12
def test_change_password_needs_current_and_is_never_shown(server, smtp, new_account):
    acct = new_account()
    c = acct.client
    _, values = c.get_form("/account", "password-form")
    wrong = c.post_form("/account/password", {**values, "current_password": "Not-The-Password-1",
                                              "new_password": OTHER_PASSWORD}, csrf=False)
    assert wrong.status in (400, 401, 403) and wrong.flash and wrong.flash[0] == "error", wrong.describe()
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).path == "/"
    ok = c.post_form("/account/password", {**values, "current_password": acct.password,
                                           "new_password": OTHER_PASSWORD}, csrf=False)
    assert ok.status == 200 and ok.flash and ok.flash[0] == "notice", ok.describe()
    assert sign_in(ConsoleClient(server.base_url), acct.email, OTHER_PASSWORD).path == "/"
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).status == 401
    # no page or API answer carries the password or its hash
    h = server.user_row(acct.email)["password_hash"]
    jwt = rest_login(server, acct.email, OTHER_PASSWORD)
    me = api(server, "GET", "/api/auth/user", jwt=jwt).text
    for text in (c.page("/account").html, c.page("/account/security").html, me):
        assert h not in text and OTHER_PASSWORD not in text and "password_hash" not in text


# promise: MB-13
def test_sessions_are_listed_and_one_can_be_revoked(server, smtp, new_account):
    acct = new_account()
    other = ConsoleClient(server.base_url, user_agent="Mozilla/5.0 SecondDevice/1.0")
    assert sign_in(other, acct.email, acct.password).path == "/"
    page = acct.client.page("/account/security")
    table = page.by_id("sessions")
    assert page.status == 200 and table is not None, page.describe()
    assert "SecondDevice" in table.text(), table.text()
    target = None
    for form in table.find_all("form"):
        row = form.parent
        while row is not None and row.tag != "tr":
            row = row.parent
        if form.attrs.get("action") == "/account/sessions/revoke" and row is not None and "SecondDevice" in row.text():
            target = form
    assert target is not None, table.text()
    values = form_values(target)
    assert values.get("session"), values
    # a forged form changes nothing
    forged = acct.client.post_form("/account/sessions/revoke", {**values, "csrf": "0" * 64}, csrf=False)
    assert forged.status == 403, forged.describe()
    assert opens_account(server, other.session_cookie)
    done = acct.client.post_form("/account/sessions/revoke", values, csrf=False)
    assert done.status == 200, done.describe()
    assert not opens_account(server, other.session_cookie), "the revoked session still opens /account"
    assert opens_account(server, acct.client.session_cookie), "revoking another session ended this one"
