"""Data-subject requests (issue 5): the public request form proceeds only after the mailed link proves control of
the address; each request gets its jurisdiction's deadline and shows on the staff queue; extensions are told with
their reason; "do you hold data about me?" is answered automatically; complaints are answered with the
supervisory authority; disclosures to authorities are registered; tenant administrators see only their own
tenant's people. One server for the module, a real SMTP sink, `requests` for the browser."""
from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

import pytest

from console_support import ConsoleClient, Page, confirm_link, form_values, link_from, sign_in
from steward_harness import ADMIN_EMAIL, ADMIN_PASSWORD, Tenant, unique

DAY_MS = 86_400_000


def utc_text(ms: int, seconds: bool = True) -> str:
    """The console's and mail's way of writing a time."""
    fmt = "%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC"
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime(fmt)


def add_months(ms: int, months: int) -> int:
    """Same date `months` later, or the last day of that month; same time of day (GDPR "one month")."""
    t = datetime.fromtimestamp(ms // 1000, timezone.utc)
    month0 = t.month - 1 + months
    year, month = t.year + month0 // 12, month0 % 12 + 1
    day = min(t.day, calendar.monthrange(year, month)[1])
    return int(t.replace(year=year, month=month, day=day).timestamp()) * 1000 + ms % 1000


def add_working_days(ms: int, days: int) -> int:
    t = ms
    while days > 0:
        t += DAY_MS
        if datetime.fromtimestamp(t / 1000, timezone.utc).weekday() < 5:
            days -= 1
    return t


def file_request(server, email: str, kind: str = "access", country: str = "DE", details: str = "",
                 client: ConsoleClient | None = None) -> tuple[ConsoleClient, Page]:
    """Fill in and send the public request form."""
    c = client or ConsoleClient(server.base_url)
    page, values = c.get_form("/privacy/request", form_id="request-form")
    assert page.status == 200, page.describe()
    values.update(requester_name="Vi Sitor", requester_email=email, requester_country=country, request_kind=kind,
                  request_details=details)
    return c, c.post_form("/privacy/request", values, csrf=False)


def request_row(server, email: str) -> dict:
    rows = server.sql("SELECT id, status, jurisdiction, verified_time, due_time, extended_due_time, extension_reason, "
                      "acknowledge_by, closed_time, outcome FROM dsr_request WHERE email_hash = ? ORDER BY received_time",
                      (server.email_hash(email),))
    assert rows, f"no request for {email}"
    keys = ["id", "status", "jurisdiction", "verified_time", "due_time", "extended_due_time", "extension_reason",
            "acknowledge_by", "closed_time", "outcome"]
    return dict(zip(keys, rows[-1]))


def file_and_verify(server, smtp, email: str, **kw) -> tuple[Page, dict]:
    c, page = file_request(server, email, **kw)
    assert page.status == 200 and page.has("request-sent"), page.describe()
    mail = smtp.wait_for_mail(email, "Confirm your privacy request")
    confirmed = confirm_link(c, link_from(mail, "/privacy/request/verify"))
    assert confirmed.status == 200 and confirmed.has("request-confirmed"), confirmed.describe()
    return confirmed, request_row(server, email)


@pytest.fixture(scope="module")
def staff(server) -> ConsoleClient:
    """The system administrator, signed in to the console."""
    c = ConsoleClient(server.base_url)
    assert sign_in(c, ADMIN_EMAIL, ADMIN_PASSWORD).path == "/"
    return c


def queue(client: ConsoleClient) -> Page:
    page = client.page("/admin/requests")
    assert page.status == 200 and page.has("request-queue"), page.describe()
    return page


# promise: MB-21
# promise: MB-19
def test_a_public_request_proceeds_after_the_mailed_link_and_the_queue_shows_its_due_date(server, smtp, staff):
    email = f"{unique('visitor')}@example.test"
    c, sent = file_request(server, email, kind="access", country="DE")
    assert sent.status == 200 and sent.has("request-sent") and email in sent.by_id("request-sent").text(), sent.describe()
    pending = request_row(server, email)
    assert pending["status"] == "awaiting-verification" and pending["due_time"] is None, pending
    assert not queue(staff).has(f"request-{pending['id']}"), "an unconfirmed request is owed nothing yet"

    mail = smtp.wait_for_mail(email, "Confirm your privacy request")
    link = link_from(mail, "/privacy/request/verify")
    secret = link.split("token=", 1)[1]
    assert not server.sql("SELECT 1 FROM dsr_request WHERE verification_hash = ?", (secret,)), "only the hash is stored"

    confirmed = confirm_link(c, link)
    assert confirmed.status == 200 and confirmed.has("request-confirmed"), confirmed.describe()
    row = request_row(server, email)
    assert row["status"] == "open" and row["jurisdiction"] == "GDPR", row
    # One calendar month from the moment the address was proven (clamped to the month's end).
    assert row["due_time"] == add_months(row["verified_time"], 1), row
    assert confirmed.by_id("request-due").text() == utc_text(row["due_time"]), confirmed.describe()
    assert "GDPR" in confirmed.by_id("request-jurisdiction").text()
    receipt = smtp.wait_for_mail(email, "We received your privacy request")
    assert utc_text(row["due_time"], seconds=False) in receipt.text and row["id"] in receipt.text, receipt.text

    tr = queue(staff).by_id(f"request-{row['id']}")
    assert tr is not None, "the confirmed request is on the staff queue"
    assert email in tr.text() and utc_text(row["due_time"]) in tr.text(), tr.text()
    days_left = int(re.match(r"-?\d+", [td for td in tr.find_all("td") if "days-left" in td.classes][0].text()).group(0))
    assert 28 <= days_left <= 31, tr.text()
    assert tr.attrs.get("data-late") == "0" and tr.attrs.get("data-soon") == "0", tr.attrs


# promise: MB-21
def test_reused_forged_and_expired_links_are_refused_and_change_nothing(server, smtp):
    email = f"{unique('reuse')}@example.test"
    confirmed, row = file_and_verify(server, smtp, email)
    smtp.wait_for_mail(email, "We received your privacy request")
    link = f"{server.base_url}/privacy/request/verify?token="
    mail_link = [m for m in smtp.all_to(email) if "Confirm your privacy request" in m.subject][-1]
    again = confirm_link(ConsoleClient(server.base_url), link_from(mail_link, "/privacy/request/verify"))
    assert again.status == 409 and "already used" in again.flash_text and "nothing was changed" in again.flash_text, again.describe()
    forged = confirm_link(ConsoleClient(server.base_url), link + "AAAAforgedforgedforgedforgedforgedforged")
    assert forged.status == 404 and "not valid" in forged.flash_text, forged.describe()
    assert request_row(server, email) == row, "a refused link changes nothing"
    assert smtp.no_mail(email, "We received", wait=1.5), "no second receipt"

    # An expired link: the request's link lifetime is moved into the past in the database.
    late = f"{unique('late')}@example.test"
    c, page = file_request(server, late)
    mail = smtp.wait_for_mail(late, "Confirm your privacy request")
    server.sql("UPDATE dsr_request SET verification_expires = ? WHERE email_hash = ?", (1, server.email_hash(late)))
    expired = confirm_link(c, link_from(mail, "/privacy/request/verify"))
    assert expired.status == 409 and "expired" in expired.flash_text, expired.describe()
    assert request_row(server, late)["status"] == "awaiting-verification"


def test_bad_input_is_refused_with_the_reason_and_the_form_keeps_what_was_typed(server):
    email = f"{unique('bad')}@example.test"
    _, page = file_request(server, email, kind="sell-everything")
    assert page.status == 400 and "Choose what you are asking for" in page.flash_text, page.describe()
    assert form_values(page.doc.form("request-form"))["requester_email"] == email
    _, page = file_request(server, email, kind="rectification", details="")
    assert page.status == 400 and "what is wrong" in page.flash_text, page.describe()
    c = ConsoleClient(server.base_url)
    page = c.post_form("/privacy/request", {"requester_email": email, "request_kind": "access"}, csrf="forged")
    assert page.status == 403, page.describe()
    assert not server.sql("SELECT 1 FROM dsr_request WHERE email_hash = ?", (server.email_hash(email),))


# promise: MB-19
@pytest.mark.parametrize("country,code", [("US", "CCPA"), ("CN", "CN")])
def test_each_jurisdiction_sets_its_own_deadline(server, smtp, staff, country, code):
    email = f"{unique('rules')}@example.test"
    _, row = file_and_verify(server, smtp, email, country=country)
    assert row["jurisdiction"] == code, row
    if code == "CCPA":
        assert row["due_time"] == row["verified_time"] + 45 * DAY_MS
        assert row["acknowledge_by"] == add_working_days(row["verified_time"], 10)
    else:
        assert row["due_time"] == add_working_days(row["verified_time"], 15)
        tr = queue(staff).by_id(f"request-{row['id']}")
        assert tr is not None and tr.find("form") is not None
        assert not any(f.attrs.get("action") == "/admin/requests/extend" for f in tr.find_all("form")), \
            "15 working days allow no extension"


# promise: MB-19
def test_an_extension_is_told_with_its_reason_before_the_due_date_and_closing_tells_the_outcome(server, smtp, staff):
    email = f"{unique('extend')}@example.test"
    _, row = file_and_verify(server, smtp, email, kind="erasure")
    page = queue(staff)
    form = page.by_id(f"request-{row['id']}").find("form")
    assert form.attrs.get("action") == "/admin/requests/extend", form
    values = form_values(form)
    values["extension_reason"] = "Several systems hold copies that must be checked by hand"
    done = staff.post_form("/admin/requests/extend", values, csrf=False)
    assert done.status == 200 and done.flash and done.flash[0] == "notice", done.describe()
    after = request_row(server, email)
    assert after["status"] == "extended" and after["extended_due_time"] == add_months(add_months(row["verified_time"], 1), 2), after
    assert after["extension_reason"] == values["extension_reason"]
    mail = smtp.wait_for_mail(email, "We need more time")
    assert values["extension_reason"] in mail.text and utc_text(after["extended_due_time"], seconds=False) in mail.text
    assert utc_text(row["due_time"], seconds=False) in mail.text, "the first due date is named too"

    again = staff.post_form("/admin/requests/extend", values, csrf=False)
    assert again.status == 409 and "extended once" in again.flash_text, again.describe()
    assert request_row(server, email) == after

    close = form_values(queue(staff).by_id(f"request-{row['id']}").find_all("form")[-1])
    close.update(decision="done", outcome="Your account and its data were deleted")
    closed = staff.post_form("/admin/requests/close", close, csrf=False)
    assert closed.status == 200 and closed.flash[0] == "notice", closed.describe()
    assert request_row(server, email)["status"] == "done"
    assert "deleted" in smtp.wait_for_mail(email, "Your privacy request is done").text
    second = staff.post_form("/admin/requests/close", close, csrf=False)
    assert second.status == 409 and "already closed" in second.flash_text, second.describe()


# promise: TM-15
def test_asking_whether_data_is_held_gets_an_automatic_answer(server, smtp, new_account):
    stranger = f"{unique('stranger')}@example.test"
    page, row = file_and_verify(server, smtp, stranger, kind="confirmation")
    assert row["status"] == "done", row
    assert page.by_id("request-answer").text().startswith("No."), page.describe()
    answer = smtp.wait_for_mail(stranger, "Do we hold data about you")
    assert "No. We hold no personal data about" in answer.text, answer.text

    acct = new_account()
    page, row = file_and_verify(server, smtp, acct.email, kind="confirmation")
    text = page.by_id("request-answer").text()
    assert text.startswith("Yes.") and "Email address" in text and "Name" in text, text
    assert "Yes. We hold data about" in smtp.wait_for_mail(acct.email, "Do we hold data about you").text


# promise: MB-24
def test_a_complaint_is_answered_with_the_supervisory_authority(server, smtp, new_account):
    authority = ConsoleClient(server.base_url).get(f"{server.base_url}/privacy.json", timeout=30).json()["supervisoryAuthority"]
    email = f"{unique('complainer')}@example.test"
    c = ConsoleClient(server.base_url)
    page, values = c.get_form("/privacy/complaint", form_id="complaint-form")
    assert authority["name"] in page.by_id("authority").text(), "the authority is named before anyone complains"
    values.update(requester_name="Vi Sitor", requester_email=email, complaint_text="You mailed me after I unsubscribed.")
    answer = c.post_form("/privacy/complaint", values, csrf=False)
    assert answer.status == 200 and answer.has("complaint-answer"), answer.describe()
    shown = answer.by_id("authority")
    assert authority["name"] in shown.text() and (authority["address"] or "") in shown.text()
    assert any(a.attrs.get("href") == authority["url"] for a in shown.find_all("a"))
    mail = smtp.wait_for_mail(email, "We received your complaint")
    assert authority["name"] in mail.text and authority["url"] in mail.text, mail.text
    assert server.sql("SELECT text FROM complaint WHERE email_hash = ?", (server.email_hash(email),)) == [("You mailed me after I unsubscribed.",)]

    # Signed in, the account's address is used, and the declaration's rights page leads here.
    acct = new_account()
    assert acct.client.page("/account/privacy/complaint").path == "/privacy/complaint"
    page, values = acct.client.get_form("/privacy/complaint", form_id="complaint-form")
    assert "requester_email" not in values
    values["complaint_text"] = "Please explain why you keep sign-in records."
    assert acct.client.post_form("/privacy/complaint", values, csrf=False).has("complaint-answer")
    assert authority["name"] in smtp.wait_for_mail(acct.email, "We received your complaint").text


# promise: TB-4
def test_a_tenant_admin_sees_and_handles_only_their_own_tenants_requests(server, smtp, staff):
    sides = []
    for _ in range(2):
        tenant = Tenant(server)
        customer = server.create_customer(tenant.id)
        person = f"{unique('person')}@example.test"
        server.create_user(tenant.id, person, "Person-Pass-123", "customer-user", customer=customer["id"])
        admin = ConsoleClient(server.base_url)
        assert sign_in(admin, tenant.admin_email, tenant.admin_password).path == "/"
        _, row = file_and_verify(server, smtp, person)
        sides.append((tenant, admin, person, row))
    (_, admin_a, _, row_a), (_, admin_b, _, row_b) = sides

    page_a = queue(admin_a)
    assert page_a.has(f"request-{row_a['id']}") and not page_a.has(f"request-{row_b['id']}"), page_a.describe()
    page_b = queue(admin_b)
    assert page_b.has(f"request-{row_b['id']}") and not page_b.has(f"request-{row_a['id']}"), page_b.describe()
    assert queue(staff).has(f"request-{row_a['id']}") and queue(staff).has(f"request-{row_b['id']}")

    # Acting on the other tenant's request is "not found" and changes nothing.
    before = request_row(server, sides[1][2])
    csrf = page_a.doc.csrf
    for path, fields in [("/admin/requests/close", {"decision": "done", "outcome": "closed by A"}),
                         ("/admin/requests/extend", {"extension_reason": "A wants more time"})]:
        r = admin_a.post_form(path, {"request_id": row_b["id"], "csrf": csrf, **fields}, csrf=False)
        assert r.status == 404, r.describe()
    assert request_row(server, sides[1][2]) == before

    # A customer user handles nothing.
    person_client = ConsoleClient(server.base_url)
    assert sign_in(person_client, sides[0][2], "Person-Pass-123").path == "/"
    assert person_client.page("/admin/requests").status == 403


# promise: TB-8
def test_disclosures_go_only_to_declared_authorities_and_a_restriction_hides_them(server, staff, new_account):
    acct = new_account()
    page = staff.page("/admin/disclosures")
    form = page.doc.form("disclosure-form")
    assert form is not None, page.describe()
    authority = form_values(form)["recipient"]
    base = {"csrf": page.doc.csrf, "subject_email": acct.email, "recipient": authority,
            "disclosed_categories": ["user.contact.email"], "disclosed_what": "The account's email address",
            "legal_ground": "Production order 12/2026", "disclosed_on": datetime.now(timezone.utc).strftime("%Y-%m-%d")}
    refused = staff.post_form("/admin/disclosures", {**base, "recipient": "A curious journalist"}, csrf=False)
    assert refused.status == 403 and "not a declared authority" in refused.flash_text, refused.describe()
    recorded = staff.post_form("/admin/disclosures", base, csrf=False)
    assert recorded.status == 200 and recorded.flash[0] == "notice", recorded.describe()
    until = (datetime.now(timezone.utc) + timedelta(days=60)).strftime("%Y-%m-%d")
    restricted = staff.post_form("/admin/disclosures", {**base, "legal_ground": "Order 99/2026 with a gag clause",
                                                        "restricted_until": until,
                                                        "restriction_reason": "Non-disclosure order"}, csrf=False)
    assert restricted.status == 200 and restricted.flash[0] == "notice", restricted.describe()
    rows = server.sql("SELECT recipient, legal_ground, restricted_until FROM disclosure WHERE user_id = ?", (acct.user_id,))
    assert sorted(r[1] for r in rows) == ["Order 99/2026 with a gag clause", "Production order 12/2026"], rows
    assert all(r[0] == authority for r in rows)
    # The person administers a tenant of their own, but nobody handles entries about themselves: neither entry is
    # in the register they can read, and none of their audit entries gives the restricted one away.
    own = acct.client.page("/admin/disclosures")
    assert own.status == 200
    text = own.by_id("disclosures").text()
    assert "Production order 12/2026" not in text and "gag clause" not in text, "nobody handles their own entries"
    assert "gag clause" not in str(server.sql("SELECT detail FROM audit_log WHERE subject_id = ?", (acct.user_id,)))


def test_the_request_and_complaint_pages_collect_only_declared_fields(server, staff):
    purposes = ConsoleClient(server.base_url).get(f"{server.base_url}/api/form-fields", timeout=30).json()
    c = ConsoleClient(server.base_url)
    pages = [c.page("/privacy/request"), c.page("/privacy/complaint"), c.page("/privacy/request/verify?token=x"),
             staff.page("/admin/requests"), staff.page("/admin/disclosures")]
    for p in pages:
        assert p.status == 200, p.describe()
        names = {f.attrs.get("name") for f in p.doc.fields() if f.attrs.get("name")}
        missing = sorted(n for n in names if not purposes.get(n))
        assert not missing, f"{p.path}: fields without a declared purpose: {missing}"
    footer = c.page("/sign-in").doc.find("footer")
    assert footer.by_id("privacy-request-link") is not None and footer.by_id("complaint-link") is not None
    policy = c.page("/privacy").html
    assert 'href="/privacy/request"' in policy and 'href="/privacy/complaint"' in policy


# promise: MB-19
def test_steward_dsr_list_prints_the_open_queue_by_due_date(server, smtp):
    _, row = file_and_verify(server, smtp, f"{unique('cli')}@example.test", country="CN")
    listed = server.cli("dsr", "list")
    mine = [r for r in listed if r["id"] == row["id"]]
    assert mine and mine[0]["dueTime"] == row["due_time"] and mine[0]["jurisdiction"] == "CN", listed
    assert mine[0]["late"] is False and isinstance(mine[0]["daysLeft"], int)
    dues = [r["dueTime"] for r in listed]
    assert dues == sorted(dues), "earliest due first"
    text = server.cli("dsr", "list", json_out=False).stdout
    assert row["id"] in text and "due " in text, text
