"""Contact details are sealed at rest in the live database (promise MS-6; the TLS-only listener is proven in
test_tls.py and sealed sensitive readings in the Swift suite): the addresses and phone numbers given through every
form are nowhere in the clear in the SQLite file or its write-ahead log (on PostgreSQL: in a pg_dump of the server's
database, bytea columns included), yet sign-in, mail, the profile and the export work as before. Rows are found by a keyed hash of the address (`server.email_hash`)."""
from __future__ import annotations

import datetime
import time
import uuid

from console_support import (ConsoleClient, confirm_link, download_export, link_from, sign_in,
                             sign_up, zip_csv)
from steward_harness import unique

THIS_YEAR = datetime.date.today().year


def wait_until_outbox_sent(server, timeout: float = 30) -> None:
    """Mail bodies (which may name the person) are dropped once delivered; wait for every delivery to be recorded."""
    deadline = time.time() + timeout
    while server.sql("SELECT COUNT(*) FROM mail_outbox WHERE sent_time IS NULL")[0][0]:
        assert time.time() < deadline, server.sql("SELECT id, subject, attempts, last_error FROM mail_outbox WHERE sent_time IS NULL")
        time.sleep(0.2)


# promise: MS-6
def test_contact_details_are_sealed_at_rest_and_everything_that_needs_them_works(server, smtp, new_account):
    acct = new_account(name="Sealed Person")
    phone = "+49 30 " + str(uuid.uuid4().int)[:7]
    _, values = acct.client.get_form("/account", "profile-form")
    saved = acct.client.post_form("/account/profile", {**values, "phone": phone}, csrf=False)
    assert saved.status == 200 and saved.flash and saved.flash[0] == "notice", saved.describe()

    # A child's sign-up names a parent; a visitor without an account asks whether we hold data about them (answered
    # automatically once the mailed link is followed, and stored) and complains.
    child, parent, visitor = (f"{unique(who)}@example.test" for who in ("child", "parent", "visitor"))
    page = sign_up(ConsoleClient(server.base_url), child, jurisdiction="DE", birth_year=THIS_YEAR - 12, parent_email=parent)
    assert page.status == 200 and page.has("check-email"), page.describe()
    smtp.wait_for_mail(parent, "")
    c = ConsoleClient(server.base_url)
    _, values = c.get_form("/privacy/request", form_id="request-form")
    values.update(requester_name="Vi Sitor", requester_email=visitor, requester_country="DE",
                  request_kind="confirmation", request_details="")
    filed = c.post_form("/privacy/request", values, csrf=False)
    assert filed.status == 200, filed.describe()
    verified = confirm_link(c, link_from(smtp.wait_for_mail(visitor, "Confirm your privacy request"), "/privacy/request/verify"))
    assert verified.status == 200 and verified.by_id("request-answer").text().startswith("No."), verified.describe()
    smtp.wait_for_mail(visitor, "Do we hold data about you")
    _, values = c.get_form("/privacy/complaint", form_id="complaint-form")
    values.update(requester_name="Vi Sitor", requester_email=visitor, complaint_text="Please stop.")
    answered = c.post_form("/privacy/complaint", values, csrf=False)
    assert answered.status == 200 and answered.has("complaint-answer"), answered.describe()
    smtp.wait_for_mail(visitor, "We received your complaint")
    # A mistyped password, with the address typed in capitals, is recorded against the address.
    wrong = sign_in(ConsoleClient(server.base_url), acct.email.upper(), "not the password at all")
    assert wrong.status == 401, wrong.describe()
    wait_until_outbox_sent(server)

    # Nowhere in the clear: the scan reads the files (it finds the account's id), but no address or number.
    assert server.stored_containing([acct.user_id])
    needles = [acct.email, acct.email.upper(), phone, child, parent, visitor]
    assert server.stored_containing(needles) == []
    row = server.user_row(acct.email)
    assert row, "the account is found by the hash of its address"
    for column in ("email", "phone"):
        assert isinstance(row[column], bytes) and row[column].startswith(b"STW1"), (column, row[column])
    assert server.sql("SELECT COUNT(*) FROM sign_in WHERE email_hash = ? AND outcome = 'wrong-password'",
                      (server.email_hash(acct.email),))[0][0] == 1
    assert server.sql("SELECT status FROM dsr_request WHERE email_hash = ?", (server.email_hash(visitor),)) == [("done",)]
    assert server.sql("SELECT COUNT(*) FROM complaint WHERE email_hash = ?", (server.email_hash(visitor),))[0][0] == 1
    assert server.sql("SELECT COUNT(*) FROM mail_outbox WHERE recipient_hash = ?", (server.email_hash(parent),))[0][0] >= 1

    # Everything that needs them works: sign-in with any spelling of the address, the profile, the export.
    assert sign_in(ConsoleClient(server.base_url), acct.email.upper(), acct.password).path == "/"
    profile = acct.client.page("/account")
    assert acct.email in profile.html and phone in profile.html, profile.describe()
    exported = zip_csv(download_export(acct.client), "profile.csv")[0]
    assert (exported["email"], exported["phone"]) == (acct.email, phone), exported
