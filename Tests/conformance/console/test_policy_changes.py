"""Changes of the privacy declaration between runs (PolicyChangeService at every `steward serve` start).

Each test runs its own server on its own data directory and restarts it with a changed privacy.yaml: a material
change is mailed, expires the consents given under the old text and puts a notice in front of each person at
sign-in; a dropped right is refused unless every person agrees explicitly; a new or changed subprocessor is mailed
and published; a changed register under an old version number is refused.
"""
from __future__ import annotations

import requests
import pytest

from console_support import (DEFAULT_POLICY_VERSION, DEFAULT_PRIVACY_YAML, ConsoleClient, ConsoleServer,
                             create_account, form_values, privacy_yaml, sign_in, start_refused, write_privacy)

NEW_VERSION = "2026-12-15"
SUMMARY = "Sign-in records are now kept for 60 days instead of 90, and news mail names its sender."
MAIL_PROCESSOR = "CHANGE ME: your SMTP mail provider"
AUTOMATED_DECISIONS_RIGHT = "  - {key: automated-decisions, page: /account/privacy/automated-decisions}\n"


@pytest.fixture
def fresh_server(request, smtp):
    """Factory: a ConsoleServer on a new data directory holding the bundled declaration as privacy.yaml
    (not started yet); all are stopped and removed after the test."""
    made: list[ConsoleServer] = []

    def make(name: str) -> ConsoleServer:
        srv = ConsoleServer(name, smtp)
        made.append(srv)
        write_privacy(srv, DEFAULT_PRIVACY_YAML)
        return srv

    yield make
    for srv in made:
        srv.cleanup()


def choose(acct, purpose: str, choice: str) -> None:
    page = acct.client.page("/account/consents")
    done = acct.client.post_form("/account/consents", {"purpose": purpose, "choice": choice, "csrf": page.doc.csrf},
                                 csrf=False)
    assert done.status == 200 and done.flash and done.flash[0] == "notice", done.describe()


def ledger(srv: ConsoleServer, user_id: str) -> list[tuple[str, str, str, str]]:
    """(purpose, state, method, policy version) of a person's consent entries, oldest first."""
    return srv.sql("SELECT purpose, state, method, policy_version FROM consent_event WHERE subject = ? ORDER BY seq",
                   (f"user:{user_id}",))


def versions(srv: ConsoleServer) -> list[str]:
    return [v for (v,) in srv.sql("SELECT version FROM policy_version ORDER BY seq")]


def outbox_subjects(srv: ConsoleServer, recipient: str) -> list[str]:
    return [s for (s,) in srv.sql("SELECT subject FROM mail_outbox WHERE recipient_hash = ? ORDER BY id",
                                  (srv.email_hash(recipient),))]


def agreements(srv: ConsoleServer, user_id: str) -> list[tuple[str, str]]:
    return srv.sql("SELECT policy_version, method FROM policy_agreement WHERE user_id = ? ORDER BY id", (user_id,))


def states(page) -> dict[str, str]:
    return {p: page.by_id(f"consent-{p}").text() for p in ("marketing", "analytics")}


def history_rows(page) -> list[list[str]]:
    """time, purpose, state, method, version — newest first."""
    return [r for r in page.by_id("consent-history").rows() if len(r) == 5]


# promise: TM-18
def test_a_material_change_is_mailed_noticed_at_sign_in_and_consents_are_asked_again(fresh_server, smtp):
    srv = fresh_server("policy-material").start()
    assert versions(srv) == [DEFAULT_POLICY_VERSION]  # the first version is recorded, announced to no one
    acct = create_account(srv, smtp)
    quiet = create_account(srv, smtp)  # never gave a consent
    choose(acct, "marketing", "give")
    choose(acct, "analytics", "give")
    srv.stop()

    write_privacy(srv, privacy_yaml(NEW_VERSION, material=True, summary=SUMMARY))
    srv.start()
    assert versions(srv) == [DEFAULT_POLICY_VERSION, NEW_VERSION]

    # 1. The mail, to every account holder, with what changes and where the policy is.
    for person in (acct, quiet):
        mail = smtp.wait_for_mail(person.email, f"Our privacy policy changes on {NEW_VERSION}")
        assert SUMMARY in mail.text, mail.text
        assert f"{srv.base_url}/privacy" in mail.text, mail.text

    # 2. The consents given under the old text expired at start, before anyone signed in.
    expired = [e for e in ledger(srv, acct.user_id) if e[1] == "expired"]
    assert sorted(expired) == [("analytics", "expired", "policy-change", NEW_VERSION),
                               ("marketing", "expired", "policy-change", NEW_VERSION)], ledger(srv, acct.user_id)
    assert not [e for e in ledger(srv, quiet.user_id) if e[1] == "expired"]

    # 3. The next sign-in leads to the notice; every signed-in page does until it is answered.
    c = ConsoleClient(srv.base_url)
    notice = sign_in(c, acct.email, acct.password)
    assert notice.status == 200 and notice.path == "/account/policy-update", notice.describe()
    change = notice.by_id(f"change-{NEW_VERSION}")
    assert change is not None and SUMMARY in change.text(), notice.describe()
    assert notice.has("ask-marketing") and notice.has("ask-analytics"), notice.describe()
    assert not notice.has("explicit"), "no right is narrowed, so no explicit agreement is asked"
    for path in ("/", "/account", "/account/security"):
        assert c.page(path).path == "/account/policy-update", path
    # ...except the pages that let a person read the policy, review consents or leave.
    consents = c.page("/account/consents")
    assert consents.status == 200 and consents.path == "/account/consents", consents.describe()
    assert states(consents) == {"marketing": "expired", "analytics": "expired"}
    assert c.page("/privacy").path == "/privacy"

    # 4. An answer missing for one purpose is refused and records nothing.
    before = ledger(srv, acct.user_id)
    form_page = c.page("/account/policy-update")
    values = form_values(form_page.doc.form("policy-update"))
    partial = c.post_form("/account/policy-update", {**values, "consent_marketing": "give"}, csrf=False)
    assert partial.status == 400 and partial.flash and partial.flash[0] == "error", partial.describe()
    assert "Answer yes or no" in partial.flash_text, partial.flash_text
    assert ledger(srv, acct.user_id) == before
    assert NEW_VERSION not in [v for v, _ in agreements(srv, acct.user_id)]
    assert c.page("/account").path == "/account/policy-update"

    # 5. Answered: the start page loads and the consents show the new choices, recorded from the notice.
    done = c.post_form("/account/policy-update",
                       {**values, "consent_marketing": "give", "consent_analytics": "refuse"}, csrf=False)
    assert done.status == 200 and done.path == "/", done.describe()
    assert c.page("/account").path == "/account"
    consents = c.page("/account/consents")
    assert states(consents) == {"marketing": "given", "analytics": "refused"}
    newest = history_rows(consents)[:2]
    assert sorted((r[1], r[2], r[3], r[4]) for r in newest) == [
        ("analytics", "refused", "policy-notice", NEW_VERSION), ("marketing", "given", "policy-notice", NEW_VERSION)
    ], newest
    assert (NEW_VERSION, "notice-at-sign-in") in agreements(srv, acct.user_id)

    # The person who had given nothing sees the notice too, with nothing to ask, and passes by reading it.
    q = ConsoleClient(srv.base_url)
    notice = sign_in(q, quiet.email, quiet.password)
    assert notice.path == "/account/policy-update" and not notice.has("ask-marketing"), notice.describe()
    passed = q.post_form("/account/policy-update", form_values(notice.doc.form("policy-update")), csrf=False)
    assert passed.status == 200 and passed.path == "/", passed.describe()

    # Someone who signs up under the new version has nothing to be told (create_account signs in to "/").
    create_account(srv, smtp)

    # Started again on the same version: nothing is announced or asked again.
    srv.restart()
    assert versions(srv) == [DEFAULT_POLICY_VERSION, NEW_VERSION]
    assert outbox_subjects(srv, acct.email).count(f"Our privacy policy changes on {NEW_VERSION}") == 1
    again = sign_in(ConsoleClient(srv.base_url), acct.email, acct.password)
    assert again.path == "/", again.describe()


# promise: MS-23
def test_dropping_a_right_is_refused_at_start_unless_each_person_agrees_explicitly(fresh_server, smtp):
    srv = fresh_server("policy-narrowing").start()
    acct = create_account(srv, smtp)
    srv.stop()
    subject = f"Our privacy policy changes on {NEW_VERSION}"

    # A new version without the right to contest automated decisions, not marked as narrowing: refused.
    dropped = [(AUTOMATED_DECISIONS_RIGHT, "")]
    write_privacy(srv, privacy_yaml(NEW_VERSION, summary=SUMMARY, replace=dropped))
    code, output = start_refused(srv)
    assert "MS-23" in output and "drops the right" in output and "automated-decisions" in output, output
    assert versions(srv) == [DEFAULT_POLICY_VERSION]
    assert subject not in outbox_subjects(srv, acct.email)

    # Marked as narrowing but without explicit consent: the declaration itself is invalid.
    write_privacy(srv, privacy_yaml(NEW_VERSION, summary=SUMMARY, replace=dropped, narrows_rights=True))
    code, output = start_refused(srv)
    assert "narrowsRights" in output and "acceptedByExplicitConsent" in output, output
    assert versions(srv) == [DEFAULT_POLICY_VERSION]

    # Marked as narrowing and accepted by explicit consent: it starts, and nobody is bound without ticking the box.
    write_privacy(srv, privacy_yaml(NEW_VERSION, summary=SUMMARY, replace=dropped, narrows_rights=True,
                                    accepted_by_explicit_consent=True))
    srv.start()
    assert versions(srv) == [DEFAULT_POLICY_VERSION, NEW_VERSION]
    published = requests.get(srv.base_url + "/privacy.json", timeout=30).json()
    assert "automated-decisions" not in [r["key"] for r in published["rights"]]
    mail = smtp.wait_for_mail(acct.email, subject)
    assert "narrows a right" in mail.text and "explicitly" in mail.text, mail.text

    c = ConsoleClient(srv.base_url)
    notice = sign_in(c, acct.email, acct.password)
    assert notice.path == "/account/policy-update", notice.describe()
    box = notice.by_id("explicit")
    assert box is not None and box.attrs.get("type") == "checkbox" and box.attrs.get("name") == "explicit"
    values = form_values(notice.doc.form("policy-update"))
    assert "explicit" not in values, "the agreement box must not be ticked in advance"

    refused = c.post_form("/account/policy-update", values, csrf=False)
    assert refused.status == 400 and refused.flash and refused.flash[0] == "error", refused.describe()
    assert "explicit" in refused.flash_text, refused.flash_text
    assert NEW_VERSION not in [v for v, _ in agreements(srv, acct.user_id)]
    assert c.page("/account").path == "/account/policy-update"

    agreed = c.post_form("/account/policy-update", {**values, "explicit": "1"}, csrf=False)
    assert agreed.status == 200 and agreed.path == "/", agreed.describe()
    assert (NEW_VERSION, "explicit-consent-at-sign-in") in agreements(srv, acct.user_id)
    assert c.page("/account").path == "/account"


# promise: MS-23
def test_a_narrowing_change_not_marked_material_still_needs_explicit_agreement(fresh_server, smtp):
    """`material: false` must not be a way around MS-23: either the declaration is refused, or each person is
    still asked to agree explicitly before the narrowed policy applies to them."""
    srv = fresh_server("policy-narrowing-quiet").start()
    acct = create_account(srv, smtp)
    srv.stop()
    write_privacy(srv, privacy_yaml(NEW_VERSION, material=False, summary=SUMMARY,
                                    replace=[(AUTOMATED_DECISIONS_RIGHT, "")], narrows_rights=True,
                                    accepted_by_explicit_consent=True))
    srv.start()  # a refusal here (naming `material`) would also keep the promise; this Steward starts
    c = ConsoleClient(srv.base_url)
    page = sign_in(c, acct.email, acct.password)
    assert page.path == "/account/policy-update" and page.has("explicit"), (
        "version %s drops the right automated-decisions, yet %s was not asked to agree explicitly: %s"
        % (NEW_VERSION, acct.email, page.describe()))


# promise: TM-7
def test_a_subprocessor_change_is_mailed_to_account_holders_and_published(fresh_server, smtp):
    srv = fresh_server("policy-subprocessors").start()
    acct = create_account(srv, smtp)
    choose(acct, "marketing", "give")
    srv.stop()

    hosting = ("  - name: Example Hosting GmbH\n    kind: processor\n    purposes: [devices]\n"
               "    categories: [user.device.device_id, user.telemetry]\n    location: DE\n")
    write_privacy(srv, privacy_yaml(NEW_VERSION, material=False, summary="New hosting provider; mail provider renamed.",
                                    replace=[(MAIL_PROCESSOR, "Postbote Mail GmbH"),
                                             ("  - name: Courts and authorities\n",
                                              hosting + "  - name: Courts and authorities\n")]))
    srv.start()

    mail = smtp.wait_for_mail(acct.email, "Our list of subprocessors changes")
    # Each line names the processor, its location and transfer safeguard, its purposes and categories.
    new_lines = [("Example Hosting GmbH (DE, safeguard: ", "): devices; user.device.device_id, user.telemetry"),
                 ("Postbote Mail GmbH (EU, safeguard: ", "): service_mail, marketing; user.name, user.contact.email, "
                  "user.childrens.parent_email, user.communication.mail")]
    lines = mail.text.splitlines()
    for start, end in new_lines:
        assert any(l.startswith(f"- {start}") and l.endswith(end) for l in lines), mail.text
    gone = mail.text.split("No longer used", 1)
    assert len(gone) == 2 and MAIL_PROCESSOR in gone[1], mail.text
    assert "Courts and authorities" not in mail.text  # an authority is no subprocessor
    assert f"{srv.base_url}/privacy" in mail.text

    # The register is published as declared.
    recipients = {r["name"]: r for r in requests.get(srv.base_url + "/privacy.json", timeout=30).json()["recipients"]}
    assert recipients["Example Hosting GmbH"]["kind"] == "processor"
    assert recipients["Example Hosting GmbH"]["location"] == "DE"
    assert recipients["Example Hosting GmbH"]["purposes"] == ["devices"]
    assert recipients["Example Hosting GmbH"]["categories"] == ["user.device.device_id", "user.telemetry"]
    assert recipients["Postbote Mail GmbH"]["purposes"] == ["service_mail", "marketing"]
    assert MAIL_PROCESSOR not in recipients
    assert "Example Hosting GmbH" in requests.get(srv.base_url + "/privacy", timeout=30).text

    # Not material: no policy-change mail, consents stand, no notice at sign-in.
    assert not [s for s in outbox_subjects(srv, acct.email) if s.startswith("Our privacy policy changes")]
    assert [e for e in ledger(srv, acct.user_id) if e[0] == "marketing"][-1][1] == "given"
    page = sign_in(ConsoleClient(srv.base_url), acct.email, acct.password)
    assert page.status == 200 and page.path == "/", page.describe()


# promise: TM-7
def test_a_changed_transfer_safeguard_is_a_subprocessor_change_too(fresh_server, smtp):
    """The register a change is mailed about holds name, purposes, data, location and safeguard (TM-7); a new
    safeguard for data sent abroad is a change account holders must hear about."""
    srv = fresh_server("policy-safeguard")
    abroad = [("    location: EU\n    transferSafeguard: \"CHANGE ME: none needed inside the EU/EEA; name the adequacy "
               "decision or standard contractual clauses if the provider is elsewhere\"",
               "    location: US\n    transferSafeguard: \"EU-US Data Privacy Framework (adequacy decision of 10 July 2023)\"")]
    write_privacy(srv, privacy_yaml(replace=abroad))
    srv.start()
    acct = create_account(srv, smtp)
    srv.stop()
    write_privacy(srv, privacy_yaml(NEW_VERSION, material=False, summary="Mail provider now relies on standard clauses.",
                                    replace=[(abroad[0][0], abroad[0][1].replace(
                                        "EU-US Data Privacy Framework (adequacy decision of 10 July 2023)",
                                        "Standard contractual clauses (Commission decision 2021/914)"))]))
    srv.start()
    assert "Our list of subprocessors changes" in outbox_subjects(srv, acct.email), (
        "the mail provider's transfer safeguard changed with version %s, but no account holder was told"
        % NEW_VERSION)
    mail = smtp.wait_for_mail(acct.email, "Our list of subprocessors changes")
    assert MAIL_PROCESSOR in mail.text, mail.text


# promise: TM-7
def test_a_changed_register_or_rights_under_an_old_version_number_is_refused(fresh_server):
    srv = fresh_server("policy-same-version").start()
    srv.stop()

    moved = DEFAULT_PRIVACY_YAML.replace("    location: EU\n    transferSafeguard:", "    location: US\n    transferSafeguard:", 1)
    assert moved != DEFAULT_PRIVACY_YAML
    write_privacy(srv, moved)
    code, output = start_refused(srv)
    assert "keeps version" in output and DEFAULT_POLICY_VERSION in output, output

    write_privacy(srv, DEFAULT_PRIVACY_YAML.replace(AUTOMATED_DECISIONS_RIGHT, "", 1))
    code, output = start_refused(srv)
    assert "keeps version" in output, output
    assert versions(srv) == [DEFAULT_POLICY_VERSION]

    # The declaration it was recorded with starts as before.
    write_privacy(srv, DEFAULT_PRIVACY_YAML)
    srv.start()
    assert requests.get(srv.base_url + "/privacy.json", timeout=30).json()["version"] == DEFAULT_POLICY_VERSION
