"""Smaller account fixes from the newcomer walk (P2.18 and others): the sign-in page says what Steward is; the
security page names programs ("Chrome on Linux") instead of raw User-Agent strings (the full string in the tooltip);
the system administrator's Users list links to user pages that open; and the system administrator sees why their own
account cannot be deleted instead of a Delete Account button that only fails."""
from __future__ import annotations

from console_support import ConsoleClient, sign_in

CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 "
                "Safari/537.36")


def test_the_sign_in_page_says_what_steward_is(server):
    page = ConsoleClient(server.base_url).page("/sign-in")
    line = page.by_id("what-steward-is")
    assert line is not None and "Steward" in line.text() and "devices" in line.text(), page.describe()


def test_sessions_and_sign_ins_name_the_program(server, new_account):
    acct = new_account(name="Ua Person")
    c = ConsoleClient(server.base_url, user_agent=CHROME_LINUX)
    assert sign_in(c, acct.email, acct.password).path == "/"
    page = c.page("/account/security")
    sessions = page.by_id("sessions")
    cells = [td for td in sessions.find_all("td") if td.attrs.get("title") == CHROME_LINUX]
    assert cells and all(td.text().strip() == "Chrome on Linux" for td in cells), sessions.text()[:600]
    assert "Mozilla/5.0" not in sessions.text()
    sign_ins = page.by_id("sign-ins")
    assert "Chrome on Linux" in sign_ins.text() and "Mozilla/5.0" not in sign_ins.text(), sign_ins.text()[:600]


def test_the_system_administrator_opens_user_pages_and_cannot_delete_their_own_account(server, new_account):
    acct = new_account(name="Listed Person")
    admin = ConsoleClient(server.base_url)
    assert sign_in(admin, server.admin_email, server.admin_password).path == "/"
    users = admin.page("/users")
    links = {a.text(): a.attrs["href"] for a in users.by_id("users").find_all("a") if a.attrs.get("href", "").startswith("/users/")}
    assert acct.email in links, users.describe()
    person = admin.page(links[acct.email])
    assert person.status == 200 and acct.email in person.doc.text() and "Listed Person" in person.doc.text(), person.describe()

    account = admin.page("/account")
    assert account.by_id("delete-account") is None, account.describe()
    note = account.by_id("admin-cannot-delete")
    assert note is not None and "cannot be deleted here" in note.text() and "without an administrator" in note.text()
    delete = admin.page("/account/privacy/delete")
    assert delete.by_id("delete-account-form") is None and delete.by_id("admin-cannot-delete") is not None, delete.describe()
    # The refusal itself still holds if the form is posted anyway.
    refused = admin.post_form("/account/privacy/delete", {"confirm": "yes", "password": server.admin_password})
    assert refused.status == 403 and "steward dsr erase" in refused.html, refused.describe()
    assert sign_in(ConsoleClient(server.base_url), server.admin_email, server.admin_password).path == "/"
