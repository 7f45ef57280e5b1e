"""Adversarial: accounts. Whether an address is registered shows in no answer; the mail anyone can trigger is
limited per address and per client; a refresh token works once and a reused one ends its session; a new password
ends the application keys unless the owner keeps them. Every test ends by checking Steward still serves."""
from __future__ import annotations

import re

import requests
from requests.adapters import HTTPAdapter

import adversarial
from console_support import (GOOD_PASSWORD, OTHER_PASSWORD, ConsoleClient, ConsoleServer, api, form_values,
                             link_from, sign_in, sign_up)
from steward_harness import unique


def addr(prefix: str = "adv") -> str:
    return f"{unique(prefix)}@example.test"


class SourceAddressAdapter(HTTPAdapter):
    """Connects from another loopback address (127.0.0.x), so the server sees another client."""

    def __init__(self, source: str, **kw):
        self.source = source
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kw)


def client_from(server, source: str | None = None) -> ConsoleClient:
    c = ConsoleClient(server.base_url)
    if source:
        c.mount("http://", SourceAddressAdapter(source))
    return c


def ask_reset(server, email: str, source: str | None = None):
    c = client_from(server, source)
    c.page("/forgot-password")
    page = c.post_form("/forgot-password", {"email": email})
    c.close()
    return page


def create_key(client: ConsoleClient, name: str) -> str:
    _, values = client.get_form("/account/security", "api-key-form")
    made = client.post_form("/account/keys", {**values, "key_name": name, "key_role": "full"}, csrf=False)
    assert made.status == 200, made.describe()
    return made.by_id("new-api-key").text()


def key_works(server, key: str) -> bool:
    r = api(server, "GET", "/api/auth/user", key=key)
    assert r.status_code in (200, 401), (r.status_code, r.text)
    return r.status_code == 200


def without_time(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC", "<time>", text)


# -- no enumeration by content --------------------------------------------------------------------

def test_sign_up_answers_the_same_for_a_registered_and_a_new_address(server, smtp, new_account):
    acct = new_account()
    fresh = addr("fresh")
    pages = {}
    for email in (acct.email, fresh):
        c = ConsoleClient(server.base_url)
        pages[email] = sign_up(c, email, password="Another-Secret-Phrase-9")
        c.close()
    registered, new = pages[acct.email], pages[fresh]
    assert registered.status == new.status == 200, (registered.describe(), new.describe())
    assert registered.doc.text().replace(acct.email, "<email>") == new.doc.text().replace(fresh, "<email>")
    assert smtp.wait_for_mail(acct.email, "Someone tried to sign up")
    assert smtp.wait_for_mail(fresh, "Confirm your email")
    adversarial.assert_still_serving(server)


def test_sign_in_answers_do_not_tell_registered_addresses(server, smtp, new_account):
    acct = new_account()
    unknown = addr("unknown")
    # someone signs up with an address that is not theirs and tries the password they chose
    squatted = addr("squatted")
    c = ConsoleClient(server.base_url)
    sign_up(c, squatted)
    c.close()
    answers = {}
    for email, password in ((acct.email, "Not-The-Password-1"), (unknown, "Not-The-Password-1"), (squatted, GOOD_PASSWORD)):
        page = sign_in(ConsoleClient(server.base_url), email, password)
        assert page.status == 401, page.describe()
        answers[email] = page.flash_text
    assert answers[acct.email] == answers[unknown] == answers[squatted], answers

    # five failures lock a registered and an unknown address alike, with the same words
    for email in (acct.email, unknown):
        for i in range(4):
            sign_in(ConsoleClient(server.base_url), email, f"Wrong-Password-{i}-xyz")
    locked = {}
    for email in (acct.email, unknown):
        page = sign_in(ConsoleClient(server.base_url), email, "Wrong-Password-9-xyz")
        assert page.status == 401 and "locked" in page.flash_text.lower(), page.describe()
        locked[email] = without_time(page.flash_text)
    assert locked[acct.email] == locked[unknown], locked

    # REST login too
    rest = {e: api(server, "POST", "/api/auth/login", json={"username": e, "password": "Not-The-Password-1"})
            for e in (acct.email, unknown)}
    assert [r.status_code for r in rest.values()] == [401, 401]
    assert without_time(rest[acct.email].json()["message"]) == without_time(rest[unknown].json()["message"])
    adversarial.assert_still_serving(server)


# -- rate-limited mail ----------------------------------------------------------------------------

def test_the_fourth_reset_request_within_an_hour_sends_no_mail(server, smtp, new_account):
    acct = new_account(signed_in=False)
    pages = [ask_reset(server, acct.email) for _ in range(4)]
    assert all(p.status == 200 for p in pages), [p.describe() for p in pages]
    assert len({p.doc.text() for p in pages}) == 1, "the refused request answered differently"
    for _ in range(3):
        smtp.wait_for_mail(acct.email, "Reset your")
    assert smtp.no_mail(acct.email, "Reset your", wait=3), "a fourth reset mail went out within the hour"

    # another client does not get around the address's limit
    page = ask_reset(server, acct.email, source="127.0.0.2")
    assert page.status == 200 and page.doc.text() == pages[0].doc.text(), page.describe()
    assert smtp.no_mail(acct.email, "Reset your", wait=3), "a new client got a fourth reset mail out"
    rows = server.sql("SELECT COUNT(*) FROM mail_request WHERE recipient_hash = ?", (server.email_hash(acct.email),))
    assert rows[0][0] == 3, rows

    # the sign-up form is limited by the same allowance: its "someone tried to sign up" notice is neither counted
    # nor queued (the outbox row would be written before the form answers, in the same transaction)
    outbox = outbox_rows(server, acct.email)
    c = ConsoleClient(server.base_url)
    page = sign_up(c, acct.email)
    c.close()
    assert page.status == 200 and page.has("check-email"), page.describe()
    assert outbox_rows(server, acct.email) == outbox, "the sign-up notice was queued beyond the address's allowance"
    rows = server.sql("SELECT COUNT(*) FROM mail_request WHERE recipient_hash = ?", (server.email_hash(acct.email),))
    assert rows[0][0] == 3, rows
    assert smtp.no_mail(acct.email, "Someone tried to sign up", wait=3)
    adversarial.assert_still_serving(server)


def outbox_rows(server, email: str) -> int:
    """Mails queued for `email` so far, sent or not (found by the address's keyed hash; the row itself is sealed)."""
    return server.sql("SELECT COUNT(*) FROM mail_outbox WHERE recipient_hash = ?", (server.email_hash(email),))[0][0]


def account_exists(server, email: str) -> bool:
    return server.sql("SELECT COUNT(*) FROM user WHERE email_hash = ?", (server.email_hash(email),))[0][0] == 1


def granted_mail_requests(server, client: str) -> int:
    return server.sql("SELECT COUNT(*) FROM mail_request WHERE client = ?", (client,))[0][0]


def test_one_client_gets_a_limited_number_of_account_mails(smtp):
    srv = ConsoleServer("adv-accounts-per-client", smtp, env={"STEWARD_ACCOUNT_MAIL_PER_CLIENT": "4"})
    try:
        srv.start()
        people = [addr("victim"), addr("victim")]
        for email in people:
            c = ConsoleClient(srv.base_url)
            sign_up(c, email)
            c.close()
            smtp.wait_for_mail(email, "Confirm your email")
        # unknown addresses count against the client too, so a full allowance tells nothing
        for email in (addr("nobody"), people[0]):
            ask_reset(srv, email)
        smtp.wait_for_mail(people[0], "Reset your")
        assert granted_mail_requests(srv, "127.0.0.1") == 4

        # the allowance is used up: a new address signs up to the same answer, but no account and no mail are made
        fresh = addr("victim")
        c = ConsoleClient(srv.base_url)
        page = sign_up(c, fresh)
        c.close()
        assert page.status == 200 and page.has("check-email") and fresh in page.doc.text(), page.describe()
        assert not account_exists(srv, fresh), "an account was made beyond the client's mail allowance"
        assert outbox_rows(srv, fresh) == 0, "a confirmation mail was queued beyond the client's mail allowance"
        # and a reset for a registered address answers the same with nothing queued
        queued = outbox_rows(srv, people[1])
        page = ask_reset(srv, people[1])
        assert page.status == 200 and page.has("reset-sent"), page.describe()
        assert outbox_rows(srv, people[1]) == queued, "a client got more reset mails out than its allowance"
        assert granted_mail_requests(srv, "127.0.0.1") == 4
        assert smtp.no_mail(fresh, "Confirm your email", wait=3)

        # from another client the same address gets its account, and the registered one its reset mail
        c = client_from(srv, "127.0.0.3")
        page = sign_up(c, fresh)
        c.close()
        assert page.status == 200 and page.has("check-email"), page.describe()
        smtp.wait_for_mail(fresh, "Confirm your email")
        assert account_exists(srv, fresh)
        ask_reset(srv, people[1], source="127.0.0.3")
        smtp.wait_for_mail(people[1], "Reset your")
        adversarial.assert_still_serving(srv)
    finally:
        srv.cleanup()


def test_one_client_may_send_a_limited_number_of_sign_ups(smtp):
    srv = ConsoleServer("adv-accounts-sign-ups", smtp, env={"STEWARD_SIGN_UPS_PER_CLIENT": "2"})
    try:
        srv.start()
        for _ in range(2):
            email = addr("many")
            c = ConsoleClient(srv.base_url)
            assert sign_up(c, email).has("check-email")
            c.close()
            smtp.wait_for_mail(email, "Confirm your email")
        # the third is refused before anything is done, saying why; the answer is the same for any address
        refused = addr("many")
        c = ConsoleClient(srv.base_url)
        page = sign_up(c, refused)
        c.close()
        assert page.status == 429 and "Too many sign-ups from your network" in page.flash_text, page.describe()
        assert not account_exists(srv, refused) and outbox_rows(srv, refused) == 0
        attempts = srv.sql("SELECT client, COUNT(*) FROM client_attempt WHERE kind = 'sign-up' GROUP BY client")
        assert attempts == [("127.0.0.1", 2)], attempts
        # another client is not affected
        c = client_from(srv, "127.0.0.4")
        assert sign_up(c, refused).has("check-email")
        c.close()
        smtp.wait_for_mail(refused, "Confirm your email")
        adversarial.assert_still_serving(srv)
    finally:
        srv.cleanup()


# -- refresh tokens -------------------------------------------------------------------------------

def test_a_refresh_token_works_once_and_a_reused_one_ends_the_session(server, smtp, new_account):
    acct = new_account(signed_in=False)
    login = api(server, "POST", "/api/auth/login", json={"username": acct.email, "password": acct.password})
    assert login.status_code == 200, login.text
    pair = login.json()
    r = api(server, "POST", "/api/auth/token", json={"refreshToken": pair["refreshToken"]})
    assert r.status_code == 200, r.text
    fresh = r.json()
    assert set(fresh) >= {"token", "refreshToken"} and fresh["refreshToken"] != pair["refreshToken"], fresh
    assert api(server, "GET", "/api/auth/user", jwt=fresh["token"]).status_code == 200

    # the replaced refresh token comes back: theft; the session ends with every token of it
    again = api(server, "POST", "/api/auth/token", json={"refreshToken": pair["refreshToken"]})
    assert again.status_code == 401, again.text
    for token in (fresh["token"], pair["token"]):
        assert api(server, "GET", "/api/auth/user", jwt=token).status_code == 401
    assert api(server, "POST", "/api/auth/token", json={"refreshToken": fresh["refreshToken"]}).status_code == 401
    events = server.sql("SELECT detail FROM audit_log WHERE event = 'session.refresh-token-reused'")
    assert len(events) == 1, events
    # a new login works
    assert api(server, "POST", "/api/auth/login",
               json={"username": acct.email, "password": acct.password}).status_code == 200
    adversarial.assert_still_serving(server)


# -- application keys and new passwords -----------------------------------------------------------

def reset_page(server, smtp, email: str):
    anon = ConsoleClient(server.base_url)
    anon.page("/forgot-password")
    anon.post_form("/forgot-password", {"email": email})
    link = link_from(smtp.wait_for_mail(email, "Reset your"), "/reset-password")
    return anon, anon.page(link)


def test_a_password_reset_revokes_application_keys_by_default(server, smtp, new_account):
    acct = new_account()
    keys = [create_key(acct.client, unique("k")) for _ in range(2)]
    assert all(key_works(server, k) for k in keys)
    anon, page = reset_page(server, smtp, acct.email)
    box = page.by_id("revoke-keys")
    assert box is not None and "checked" in box.attrs, page.describe()
    assert "Also revoke my 2 application keys" in page.doc.form("reset-form").text(), page.describe()
    done = anon.post_form("/reset-password", {**form_values(page.doc.form("reset-form")), "password": OTHER_PASSWORD},
                          csrf=False)
    assert done.status == 200, done.describe()
    assert not any(key_works(server, k) for k in keys), "a key survived the password reset"
    events = server.sql("SELECT detail FROM audit_log WHERE event = 'api-key.revoked-all' ORDER BY seq DESC LIMIT 1")
    assert events and "2 key(s)" in events[0][0], events
    adversarial.assert_still_serving(server)


def test_a_password_reset_keeps_the_keys_when_the_box_is_unticked(server, smtp, new_account):
    acct = new_account()
    key = create_key(acct.client, unique("k"))
    anon, page = reset_page(server, smtp, acct.email)
    values = form_values(page.doc.form("reset-form"))
    values.pop("revoke_keys")
    done = anon.post_form("/reset-password", {**values, "password": OTHER_PASSWORD}, csrf=False)
    assert done.status == 200, done.describe()
    assert key_works(server, key), "the key was revoked although the owner unticked the box"
    # no keys, no box
    fresh = new_account()
    _, page = reset_page(server, smtp, fresh.email)
    assert page.by_id("revoke-keys") is None, page.describe()
    adversarial.assert_still_serving(server)


def test_a_password_change_offers_to_revoke_the_keys(server, smtp, new_account):
    acct = new_account()
    kept = create_key(acct.client, unique("k"))
    _, values = acct.client.get_form("/account", "password-form")
    assert values.get("revoke_keys"), values
    values.pop("revoke_keys")
    page = acct.client.post_form("/account/password", {**values, "current_password": acct.password,
                                                        "new_password": OTHER_PASSWORD}, csrf=False)
    assert page.status == 200 and "still work" in page.flash_text, page.describe()
    assert key_works(server, kept)
    _, values = acct.client.get_form("/account", "password-form")
    page = acct.client.post_form("/account/password", {**values, "current_password": OTHER_PASSWORD,
                                                        "new_password": "Fifth-Password-Long-5"}, csrf=False)
    assert page.status == 200 and "revoked" in page.flash_text, page.describe()
    assert not key_works(server, kept)
    adversarial.assert_still_serving(server)
