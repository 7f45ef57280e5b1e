"""News by mail (`steward mail announce`): only with consent, rare, plain text, one-click unsubscribe; and the
recipient register as a gate for mail (MarketingMail, Console+Unsubscribe, RecipientRegister).

An announcement may go out at most once every 30 days per Steward, so the module's server announces once (fixture
`announced`) to a cast of account holders in every consent state, and the tests examine what each received.
"""
from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests

from console_support import (TEST_UA, Account, ConsoleClient, ConsoleServer, Mail,
                             create_account, form_values, privacy_yaml, start_refused, write_privacy)
from steward_harness import StewardServer

SUBJECT = "New in Steward: device groups"
TEXT = "Devices can now be grouped, and a group's readings shown on one chart."
MAIL_PROCESSOR_PURPOSES = "    purposes: [service_mail, marketing]\n    categories: [user.name, user.contact.email, user.childrens.parent_email"
ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "mail-client/1.0"}

# Every server this module starts: the links in its mail may point at it and nowhere else (MB-26).
OWN_URLS: list[str] = []


def choose(acct: Account, purpose: str, choice: str, **headers) -> None:
    page = acct.client.page("/account/consents", headers=headers)
    done = acct.client.post_form("/account/consents", {"purpose": purpose, "choice": choice, "csrf": page.doc.csrf},
                                 csrf=False, headers=headers)
    assert done.status == 200 and done.flash and done.flash[0] == "notice", done.describe()


def marketing_entries(srv: ConsoleServer, acct: Account) -> list[tuple[str, str]]:
    """(state, method) of a person's `marketing` ledger entries, oldest first."""
    return srv.sql("SELECT state, method FROM consent_event WHERE subject = ? AND purpose = 'marketing' ORDER BY seq",
                   (f"user:{acct.user_id}",))


def marketing_state(acct: Account) -> str:
    page = acct.client.page("/account/consents")
    assert page.status == 200, page.describe()
    return page.by_id("consent-marketing").text()


def allowed(acct: Account) -> bool:
    r = acct.client.get(acct.client.url("/account/consents/check?purpose=marketing&category=user.contact.email"),
                        timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.json()["allowed"]


def queued_to(srv: ConsoleServer, recipient: str, subject: str) -> int:
    return srv.sql("SELECT COUNT(*) FROM mail_outbox WHERE recipient_hash = ? AND subject = ?",
                   (srv.email_hash(recipient), subject))[0][0]


def announce(srv: StewardServer, subject: str, text: str):
    return srv.cli("mail", "announce", "--subject", subject, "--text", text, json_out=False, check=False)


def unsubscribe_url(mail: Mail) -> str:
    header = mail.header("List-Unsubscribe")
    assert header is not None, f"no List-Unsubscribe header in {mail!r}"
    m = re.fullmatch(r"<(https?://[^>\s]+)>", header.strip())
    assert m, f"List-Unsubscribe is not one <URL>: {header!r}"
    return m.group(1)


def tampered(url: str) -> str:
    parts = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    t = query["t"]
    query["t"] = t[:-1] + ("0" if t[-1] != "0" else "1")
    return parts._replace(query=urlencode(query)).geturl()


@dataclass
class Announced:
    server: ConsoleServer
    output: str
    active_accounts: int
    opted_in: Account          # gave consent: gets the mail, unsubscribes with one click (TB-11)
    opted_in_too: Account      # gave consent: gets the mail, unsubscribes on the page, then needs service mail (MS-22)
    never_asked: Account       # never consented
    withdrew: Account          # gave, then withdrew under My Account → Consents
    gpc: Account               # gave, then Global Privacy Control switched it off
    mails: dict[str, Mail]


@pytest.fixture(scope="module")
def announced(server, smtp) -> Announced:
    OWN_URLS.append(server.base_url)
    people = {role: create_account(server, smtp, name=role.replace("_", " ").title())
              for role in ("opted_in", "never_asked", "withdrew", "gpc", "opted_in_too")}
    choose(people["opted_in"], "marketing", "give")
    choose(people["opted_in_too"], "marketing", "give")
    choose(people["withdrew"], "marketing", "give")
    choose(people["withdrew"], "marketing", "withdraw")
    choose(people["gpc"], "marketing", "give")
    people["gpc"].client.page("/account", headers={"Sec-GPC": "1"})
    assert marketing_entries(server, people["gpc"])[-1] == ("withdrawn", "gpc")

    res = announce(server, SUBJECT, TEXT)
    assert res.returncode == 0, res.stdout + res.stderr
    active = server.sql("SELECT COUNT(*) FROM user WHERE status = 'active'")[0][0]
    mails = {role: smtp.wait_for_mail(people[role].email, SUBJECT) for role in ("opted_in", "opted_in_too")}
    yield Announced(server, res.stdout, active, mails=mails, **people)
    for acct in people.values():
        acct.client.close()


# promise: HA-10
def test_an_announcement_goes_only_to_those_who_opted_in_and_is_rare(announced, smtp):
    a, srv = announced, announced.server
    m = re.search(r"Queued (\d+) mail\(s\); (\d+) account holder\(s\) left out", a.output)
    assert m, a.output
    sent, skipped = int(m.group(1)), int(m.group(2))
    assert sent == 2, a.output
    assert sent + skipped == a.active_accounts, (a.output, a.active_accounts)
    assert srv.sql("SELECT subject, sent, skipped FROM announcement") == [(SUBJECT, sent, skipped)]

    # Opt-in: someone who was never asked gets nothing.
    assert marketing_state(a.never_asked) == "not asked"
    assert queued_to(srv, a.never_asked.email, SUBJECT) == 0
    assert not [x for x in smtp.all_to(a.never_asked.email) if x.subject == SUBJECT]

    # Rare: a second announcement within 30 days is refused as a whole.
    second = announce(srv, "Also new: dark mode", "The console now follows your system's dark mode.")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "at most one every 30 days" in second.stderr, second.stderr
    assert SUBJECT in second.stderr  # names the last one
    assert srv.sql("SELECT COUNT(*) FROM announcement")[0][0] == 1
    assert srv.sql("SELECT COUNT(*) FROM mail_outbox WHERE subject = 'Also new: dark mode'")[0][0] == 0


# promise: TB-11
def test_every_announcement_has_a_one_click_unsubscribe_that_applies_at_once(announced):
    a, srv = announced, announced.server
    acct, mail = a.opted_in, a.mails["opted_in"]
    assert mail.text.startswith(TEXT), mail.text
    url = unsubscribe_url(mail)
    assert url.startswith(f"{srv.base_url}/unsubscribe?"), url
    assert url in mail.text, "the unsubscribe link must be in the text as well"
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert parse_qs(urlparse(url).query)["p"] == ["marketing"]
    assert marketing_state(acct) == "given" and allowed(acct)

    # Opening the link (as a mail scanner would) only asks.
    opened = requests.get(url, timeout=30, headers={"User-Agent": TEST_UA})
    assert opened.status_code == 200 and 'id="unsubscribe-form"' in opened.text, opened.text[:500]
    assert marketing_state(acct) == "given"

    # A changed signature is refused and changes nothing, whether opened or posted.
    bad = tampered(url)
    assert requests.get(bad, timeout=30).status_code == 400
    assert requests.post(bad, data="List-Unsubscribe=One-Click", headers=ONE_CLICK, timeout=30).status_code == 400
    other = url.replace(f"u={acct.user_id}", f"u={a.opted_in_too.user_id}")
    assert other != url and requests.post(other, data="List-Unsubscribe=One-Click", headers=ONE_CLICK,
                                          timeout=30).status_code == 400
    assert marketing_state(acct) == "given" and marketing_state(a.opted_in_too) == "given"

    # RFC 8058 one-click: a POST with no cookies and no CSRF token withdraws at once.
    before = len(marketing_entries(srv, acct))
    r = requests.post(url, data="List-Unsubscribe=One-Click", headers=ONE_CLICK, timeout=30)
    assert r.status_code == 200 and 'id="unsubscribed"' in r.text, (r.status_code, r.text[:500])
    assert marketing_entries(srv, acct)[before:] == [("withdrawn", "mail-unsubscribe")]
    assert not allowed(acct)
    page = acct.client.page("/account/consents")
    assert page.by_id("consent-marketing").text() == "withdrawn"
    newest = page.by_id("consent-history").rows()[0]
    assert newest[1:4] == ["marketing", "withdrawn", "mail-unsubscribe"], newest

    # A second click changes nothing more.
    again = requests.post(url, data="List-Unsubscribe=One-Click", headers=ONE_CLICK, timeout=30)
    assert again.status_code == 200
    assert len(marketing_entries(srv, acct)) == before + 1


# promise: MS-22
def test_no_marketing_without_consent_and_service_mail_still_arrives_after_opting_out(announced, smtp):
    a, srv = announced, announced.server
    for acct in (a.never_asked, a.withdrew, a.gpc):
        assert queued_to(srv, acct.email, SUBJECT) == 0, acct.name
        assert not [x for x in smtp.all_to(acct.email) if x.subject == SUBJECT], acct.name
        assert not allowed(acct), acct.name

    # Opt out through the page the link opens (the button), then ask for service and security mail.
    acct, url = a.opted_in_too, unsubscribe_url(a.mails["opted_in_too"])
    browser = ConsoleClient(srv.base_url)
    page = browser.page(url)
    form = page.doc.form("unsubscribe-form")
    assert form is not None, page.describe()
    done = browser.post_form(form.attrs.get("action"), form_values(form), csrf=False)
    assert done.status == 200 and done.has("unsubscribed"), done.describe()
    assert marketing_entries(srv, acct)[-1] == ("withdrawn", "mail-unsubscribe")
    assert marketing_state(acct) == "withdrawn"

    c = ConsoleClient(srv.base_url)
    c.page("/forgot-password")
    assert c.post_form("/forgot-password", {"email": acct.email}).has("reset-sent")
    reset = smtp.wait_for_mail(acct.email, "Reset your")
    assert "/reset-password?token=" in reset.text

    page, values = acct.client.get_form("/account/security", "lost-credentials-form")
    assert acct.client.post_form("/account/lost-credentials", values, csrf=False).path == "/sign-in"
    revoked = smtp.wait_for_mail(acct.email, "revoked")
    assert revoked.text
    for service_mail in (reset, revoked):
        assert service_mail.header("List-Unsubscribe") is None, service_mail


# promise: TB-7
def test_mail_is_refused_at_start_without_a_declared_mail_processor(smtp):
    no_mail_provider = privacy_yaml(replace=[(MAIL_PROCESSOR_PURPOSES, MAIL_PROCESSOR_PURPOSES.replace(
        "[service_mail, marketing]", "[marketing]"))])
    srv = ConsoleServer("register-no-mail-processor", smtp)
    try:
        write_privacy(srv, no_mail_provider)
        code, output = start_refused(srv)
        assert "'service_mail'" in output and "user.contact.email" in output and "recipients:" in output, output
        # The same declaration is fine as long as no mail server is configured: nothing leaves.
        plain = StewardServer("register-no-mail-processor-nosmtp", data_dir=srv.data_dir)
        try:
            plain.start()
            recipients = requests.get(plain.base_url + "/privacy.json", timeout=30).json()["recipients"]
            assert not [r for r in recipients if "service_mail" in r["purposes"]]
        finally:
            plain.stop()
    finally:
        srv.cleanup()


# promise: TB-7
def test_an_announcement_is_refused_without_a_processor_declared_for_marketing(smtp):
    service_only = privacy_yaml(replace=[(MAIL_PROCESSOR_PURPOSES, MAIL_PROCESSOR_PURPOSES.replace(
        "[service_mail, marketing]", "[service_mail]"))])
    srv = ConsoleServer("register-no-marketing-processor", smtp)
    try:
        write_privacy(srv, service_only)
        srv.start()
        OWN_URLS.append(srv.base_url)
        acct = create_account(srv, smtp)
        choose(acct, "marketing", "give")
        res = announce(srv, SUBJECT, TEXT)
        assert res.returncode == 1, res.stdout + res.stderr
        assert "'marketing'" in res.stderr and "user.contact.email" in res.stderr, res.stderr
        assert srv.sql("SELECT COUNT(*) FROM announcement")[0][0] == 0
        assert queued_to(srv, acct.email, SUBJECT) == 0
        acct.client.close()
    finally:
        srv.cleanup()


URL = re.compile(r"(?i)\b(?:https?:)?//[^\s<>\"')]+")


# promise: MB-26
def test_no_mail_carries_a_tracking_pixel_or_a_foreign_link(announced, smtp):
    """Every mail the sink received in this module: plain text only, no image, and every link points at the
    Steward that sent it."""
    assert announced.mails and OWN_URLS
    mails = list(smtp.mails)
    assert any(m.subject == SUBJECT for m in mails)
    for mail in mails:
        msg = email.message_from_bytes(mail.raw, policy=email.policy.default)
        types = [part.get_content_type() for part in msg.walk() if not part.is_multipart()]
        assert types == ["text/plain"], (mail, types)
        assert mail.html is None and "<img" not in mail.text.lower(), mail
        texts = [mail.text] + [str(v) for k, v in msg.items() if k.lower() not in ("received",)]
        for link in (u for t in texts for u in URL.findall(t)):
            assert any(link.startswith(own + "/") for own in OWN_URLS), (mail, link)
