"""The first hour of a new user (issue 15): a server without a mail server says the confirmation mail waits instead of
"we sent a message", an administrator confirms the account from /users (CSRF form, audited), "Send again" re-queues the
confirmation mail once mail works (same answer for any address, within the mail allowance), `serve` warns at start
while the published policy holds the bundled placeholders, unknown pages get the console's 404 and unknown REST paths
ThingsBoard's 404 shape ("No API path GET …"), and the administrative pages show times, roles and people in words (no
13-digit epoch numbers, no `TENANT_ADMIN`, no bare ids for actors)."""
from __future__ import annotations

import re
import time

import pytest
import requests

from console_support import (GOOD_PASSWORD, ConsoleClient, ConsoleServer, api, confirm_link, link_from, rest_login,
                             rest_me, sign_in, sign_up)
from steward_harness import Tenant, serving, unique

EPOCH_MS = re.compile(r"\b1\d{12}\b")


def readable(page) -> None:
    """No epoch milliseconds in what a person reads, no role constant anywhere in the page."""
    text = page.doc.text()
    assert not EPOCH_MS.search(text), (page.path, EPOCH_MS.findall(text)[:5])
    for constant in ("TENANT_ADMIN", "SYS_ADMIN", "CUSTOMER_USER"):
        assert constant not in page.html, (page.path, constant)


@pytest.fixture(scope="module")
def mailless(smtp):
    """A server with no mail server configured (the SMTP sink exists but Steward is not told about it)."""
    srv = ConsoleServer("first-hour-mailless", smtp)
    for name in ("STEWARD_SMTP_HOST", "STEWARD_SMTP_PORT", "STEWARD_SMTP_SECURITY"):
        srv.extra_env.pop(name, None)
    yield from serving(srv)


def admin_client(server) -> ConsoleClient:
    c = ConsoleClient(server.base_url)
    page = sign_in(c, server.admin_email, server.admin_password)
    assert page.status == 200 and page.path == "/", page.describe()
    return c


def users_row(page, email: str):
    table = page.by_id("users")
    assert table is not None, page.describe()
    for tr in table.find_all("tr"):
        if email in tr.text():
            return tr
    return None


def test_serve_warns_about_the_bundled_placeholders(mailless):
    log = mailless.log_path.read_text(errors="replace")
    line = next((l for l in log.splitlines() if "placeholder" in l), "")
    assert "warning" in line and "/privacy" in line and "privacy.yaml" in line and "steward policy check" in line, log[-3000:]
    assert "controller.name" in line, line


def test_without_mail_the_sign_up_says_the_mail_waits_and_an_administrator_confirms(mailless):
    email = f"{unique('waiting')}@example.test"
    person = ConsoleClient(mailless.base_url)
    page = sign_up(person, email, name="Ada Waiting")
    assert page.status == 200 and page.has("check-email"), page.describe()
    text = page.doc.text()
    assert page.has("mail-waits") and "no mail server" in text and "administrator" in text, text
    assert "We are sending" not in text and "We sent" not in text and "we sent" not in text, text
    assert page.has("send-again-form"), page.describe()

    # Not open yet: signing in is refused.
    refused = sign_in(ConsoleClient(mailless.base_url), email, GOOD_PASSWORD)
    assert refused.path == "/sign-in", refused.describe()

    # The system administrator sees the account waiting, with its state in words.
    admin = admin_client(mailless)
    users = admin.page("/users")
    assert users.status == 200, users.describe()
    readable(users)
    row = users_row(users, email)
    assert row is not None and "Waiting for email confirmation" in row.text() and "Tenant administrator" in row.text(), users.describe()
    form = next(f for f in row.find_all("form") if (f.attrs.get("action") or "").endswith("/confirm"))
    action = form.attrs["action"]
    user_id = action.split("/")[2]

    # Without the CSRF token nothing changes.
    bad = admin.post_form(action, {}, csrf="not-the-token")
    assert bad.status == 403, bad.describe()
    assert "Waiting for email confirmation" in users_row(admin.page("/users"), email).text()

    done = admin.post_form(action, {})
    assert done.status == 200 and done.flash and done.flash[0] == "notice", done.describe()
    # Post, then redirect: reloading the page does not post the confirmation again.
    assert done.response.history and done.response.history[0].status_code == 303, done.describe()
    assert done.url.endswith(f"/users?confirmed={user_id}"), done.url
    # The notice comes from the record, not from the link: another id (or none) shows no notice.
    assert not admin.page("/users?confirmed=not-an-id").flash
    assert email in done.flash_text and "open" in done.flash_text, done.flash_text
    assert "Active" in users_row(done, email).text(), done.describe()
    assert not users_row(done, email).find_all("form"), "a confirmed account offers no confirm button"

    # Confirming twice says so and changes nothing.
    again = admin.post_form(action, {})
    assert again.status == 409 and "not waiting" in again.flash_text, again.describe()

    # The person signs in; the confirmation is in the audit trail, by the administrator, about the person.
    opened = sign_in(person, email, GOOD_PASSWORD)
    assert opened.status == 200 and opened.path != "/sign-in", opened.describe()
    jwt = rest_login(mailless, mailless.admin_email, mailless.admin_password)
    admin_id = rest_me(mailless, jwt)["id"]["id"]
    r = api(mailless, "GET", "/api/audit?limit=1000", jwt=jwt)
    assert r.status_code == 200, r.text
    confirmed = [e for e in r.json() if e["event"] == "account.confirmed-by-admin"]
    assert len(confirmed) == 1 and confirmed[0]["subjectId"] == user_id and confirmed[0]["actorId"] == admin_id, confirmed

    # The audit page names the people involved instead of their ids.
    audit = admin.page("/audit")
    assert audit.status == 200, audit.describe()
    readable(audit)
    row = next(tr for tr in audit.by_id("audit").find_all("tr")
               if any(td.attrs.get("data-event") == "account.confirmed-by-admin" for td in tr.find_all("td")))
    cells = [td.text() for td in row.find_all("td")]
    assert "Account: confirmed by an administrator" in cells, cells
    assert mailless.admin_email in cells and email in cells and "signed-in session" in cells, cells
    audit_text = audit.by_id("audit").text()
    assert user_id not in audit_text and admin_id not in audit_text, audit_text[:2000]


def test_only_administrators_of_the_account_may_confirm_it(mailless):
    email = f"{unique('other')}@example.test"
    assert sign_up(ConsoleClient(mailless.base_url), email).has("check-email")
    row = users_row(admin_client(mailless).page("/users"), email)
    action = next(f for f in row.find_all("form")).attrs["action"]

    # A tenant administrator of another tenant: "not found", and the account still waits.
    tenant = Tenant(mailless)
    other = ConsoleClient(mailless.base_url)
    assert sign_in(other, tenant.admin_email, tenant.admin_password).status == 200
    listing = other.page("/users")
    assert listing.status == 200 and email not in listing.html, listing.describe()
    readable(listing)
    refused = other.post_form(action, {})
    assert refused.status == 404, refused.describe()
    assert "Waiting for email confirmation" in users_row(admin_client(mailless).page("/users"), email).text()


def test_send_again_queues_a_new_link_and_answers_the_same_for_any_address(server, smtp):
    email = f"{unique('again')}@example.test"
    person = ConsoleClient(server.base_url)
    page = sign_up(person, email)
    assert page.status == 200 and page.has("check-email") and not page.has("mail-waits"), page.describe()
    first = smtp.wait_for_mail(email, "Confirm your email")

    def send_again(client, address):
        client.page(f"/sign-up/send-again?email={address}")
        return client.post_form("/sign-up/send-again", {"email": address})

    known = send_again(person, email)
    assert known.status == 200 and known.has("check-email"), known.describe()
    second = smtp.wait_for_mail(email, "Confirm your email")
    assert second is not first and link_from(second, "/confirm-email") != link_from(first, "/confirm-email")

    stranger = f"{unique('nobody')}@example.test"
    unknown = send_again(ConsoleClient(server.base_url), stranger)
    assert unknown.status == 200 and unknown.has("check-email"), unknown.describe()

    def words(page, address):
        return page.by_id("check-email").text().replace(address, "<address>")

    assert words(known, email) == words(unknown, stranger)
    assert smtp.no_mail(stranger, wait=1.0)

    # Beyond the per-address allowance (3 an hour) the answer is still the same and no more mail goes out.
    for _ in range(4):
        assert words(send_again(person, email), email) == words(known, email)
    # Sign-up's own mail plus three "send again" (the allowance per address): the fourth arrives, a fifth never does.
    deadline = time.time() + 20
    while time.time() < deadline and len(smtp.all_to(email)) < 4:
        time.sleep(0.2)
    assert len(smtp.all_to(email)) == 4, [m.subject for m in smtp.all_to(email)]
    quiet = time.time() + 3  # the outbox sends within a second of a wake-up; give a fifth mail time to show
    while time.time() < quiet and len(smtp.all_to(email)) == 4:
        time.sleep(0.2)
    assert len(smtp.all_to(email)) == 4, [m.subject for m in smtp.all_to(email)]

    # The new link works.
    confirmed = confirm_link(person, link_from(second, "/confirm-email"))
    assert confirmed.status == 200 and confirmed.has("confirmed"), confirmed.describe()


def test_an_unknown_console_page_gets_the_consoles_404(server, new_account):
    for client in (ConsoleClient(server.base_url), new_account().client):
        page = client.page("/no-such-page/here")
        assert page.status == 404, page.describe()
        assert "text/html" in page.response.headers.get("Content-Type", ""), page.response.headers
        assert page.doc.find("header") is not None and page.has("main"), page.describe()
        assert "This page does not exist" in page.doc.text(), page.describe()
        home = page.by_id("home-link")
        assert home is not None and home.attrs.get("href") == "/", page.describe()


def test_an_unknown_rest_path_answers_no_api_path(server, new_account):
    acct = new_account()
    jwt = rest_login(server, acct.email, acct.password)
    for path in ("/api/xyz", "/api/tenant/deviceInfos-missing", "/api/customer/not-an-id"):
        r = api(server, "GET", path, jwt=jwt)
        assert r.status_code == 404, (path, r.status_code, r.text)
        body = r.json()
        assert set(body) == {"status", "message", "errorCode", "timestamp"}, body
        assert body["status"] == 404 and body["errorCode"] == 32 and f"No API path GET {path}" in body["message"], body
    # Without credentials ThingsBoard asks for them first (401), whatever the path.
    r = api(server, "GET", "/api/xyz")
    assert r.status_code == 401 and r.json()["errorCode"] == 10, r.text


def test_pages_show_times_roles_and_people_in_words(server, new_account):
    acct = new_account(name="Reader Person")
    for path in ("/users", "/audit", "/account", "/account/privacy/data"):
        page = acct.client.page(path)
        assert page.status == 200, page.describe()
        readable(page)
    users = acct.client.page("/users")
    assert "Tenant administrator" in users.by_id("users").text(), users.describe()
    times = users.by_id("users").find_all("time")
    assert times and all(t.attrs.get("datetime") and "UTC" in (t.attrs.get("title") or "") for t in times), users.describe()
    assert any(re.fullmatch(r"just now|\d+ minutes? ago", t.text().strip()) for t in times), [t.text() for t in times]
    data = acct.client.page("/account/privacy/data")
    profile = data.by_id("data-profile")
    headers = [th.text() for th in profile.find_all("th")]
    assert "Email verified" in headers and "email_verified_time" not in headers, headers
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC", profile.text()), profile.text()[:1500]
    mine = acct.client.page("/account")
    assert re.search(r"confirmed \d+ minutes? ago|confirmed just now", mine.doc.text()), mine.describe()
    admin = admin_client(server)
    for path in ("/tenants", "/users", "/audit", "/account"):
        page = admin.page(path)
        assert page.status == 200, page.describe()
        readable(page)
    account = admin.page("/account").doc.text()
    assert "System administrator" in account and "workspace “”" not in account and "confirmed not confirmed" not in account
