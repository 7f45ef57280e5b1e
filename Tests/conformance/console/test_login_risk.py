"""Login risk: every attempt recorded and shown to the person, new clients flagged and mailed, lockout after
repeated failures (own module and server: the per-address failure limit must not leak into other tests)."""
from __future__ import annotations

import pytest

from console_support import ConsoleClient, api, sign_in
from steward_harness import unique

NEW_UA = "Mozilla/5.0 (X11; Linux x86_64) OtherBrowser/99.0"


@pytest.fixture(scope="module")
def sysadmin_jwt(server):
    return server.login(server.admin_email, server.admin_password)["token"]


def audit_about(server, jwt: str, user_id: str) -> list[dict]:
    r = api(server, "GET", "/api/audit?limit=1000", jwt=jwt)
    assert r.status_code == 200, r.text
    return [e for e in r.json() if user_id in (e.get("subjectId"), e.get("actorId"))]


def column(table, *words: str) -> int | None:
    heads = [th.text().lower() for th in table.find_all("th")]
    return next((i for i, h in enumerate(heads) if any(w in h for w in words)), None)


def truthy(cell: str) -> bool:
    return cell.strip().lower() not in ("", "no", "-", "—", "false", "0")


# promise: MS-12
def test_sign_ins_are_recorded_and_a_new_client_is_flagged(server, smtp, new_account, sysadmin_jwt):
    acct = new_account()
    # the first sign-ins of a new account come from its first client: nothing to flag
    assert smtp.no_mail(acct.email, "New sign-in", wait=1.5)

    failed = sign_in(ConsoleClient(server.base_url), acct.email, "Not-The-Password-1")
    assert failed.status == 401, failed.describe()

    other = ConsoleClient(server.base_url, user_agent=NEW_UA)
    ok = sign_in(other, acct.email, acct.password)
    assert ok.path == "/", ok.describe()
    mail = smtp.wait_for_mail(acct.email, "New sign-in")
    assert "OtherBrowser" in mail.text or "127.0.0.1" in mail.text, mail.text

    # the same client again is not new any more
    sign_in(ConsoleClient(server.base_url, user_agent=NEW_UA), acct.email, acct.password)
    assert smtp.no_mail(acct.email, "New sign-in", wait=1.5)

    page = acct.client.page("/account/security")
    table = page.by_id("sign-ins")
    assert page.status == 200 and table is not None, page.describe()
    rows = table.rows()
    assert len(rows) >= 4, rows
    text = " | ".join(" ".join(r) for r in rows)
    assert "127.0.0.1" in text and "OtherBrowser" in text, rows
    outcome = column(table, "outcome", "result")
    flag = column(table, "new")
    assert outcome is not None and flag is not None, [th.text() for th in table.find_all("th")]
    outcomes = [r[outcome].lower() for r in rows]
    assert any("fail" in o or "wrong" in o or "invalid" in o for o in outcomes), outcomes
    assert any("success" in o or "signed in" in o or o == "ok" for o in outcomes), outcomes
    flagged = [r for r in rows if truthy(r[flag])]
    assert len(flagged) == 1 and "OtherBrowser" in " ".join(flagged[0]), rows

    db = server.sql("SELECT outcome, client, new_place FROM sign_in WHERE user_id = ? ORDER BY id", (acct.user_id,))
    assert [r for r in db if r[2]] and all(r[1] == NEW_UA for r in db if r[2]), db

    events = [e["event"] for e in audit_about(server, sysadmin_jwt, acct.user_id)]
    assert "sign-in.success" in events and "sign-in.failure" in events, events


# promise: MS-12
def test_five_failures_lock_the_account_and_the_owner_is_told(server, smtp, new_account, sysadmin_jwt):
    acct = new_account()
    acct.client.close()
    for i in range(5):
        page = sign_in(ConsoleClient(server.base_url), acct.email, f"Wrong-Password-{i}-xyz")
        assert page.status == 401, (i, page.describe())
    c = ConsoleClient(server.base_url)
    locked = sign_in(c, acct.email, acct.password)
    assert locked.path != "/" and locked.status >= 400, locked.describe()
    assert "locked" in locked.flash_text.lower(), locked.describe()
    assert c.page("/account").path == "/sign-in"
    r = api(server, "POST", "/api/auth/login", json={"username": acct.email, "password": acct.password})
    assert r.status_code in (401, 403, 423, 429), (r.status_code, r.text)

    mail = smtp.wait_for_mail(acct.email, "locked")
    assert "forgot-password" in mail.text or "reset" in mail.text.lower() or "15" in mail.text, mail.text

    events = [e["event"] for e in audit_about(server, sysadmin_jwt, acct.user_id)]
    assert events.count("sign-in.failure") >= 5 and "sign-in.locked" in events, events
    assert server.user_row(acct.email).get("locked_until"), server.user_row(acct.email)

    # another account on the same address is not locked with it
    other = new_account()
    assert sign_in(ConsoleClient(server.base_url), other.email, other.password).path == "/"


# promise: MS-12
def test_unknown_email_attempts_are_recorded_without_an_account(server, smtp, sysadmin_jwt):
    email = f"{unique('ghost')}@example.test"
    page = sign_in(ConsoleClient(server.base_url), email, "Whatever-Password-1")
    assert page.status == 401 and "Invalid username or password" in page.flash_text, page.describe()
    rows = server.sql("SELECT outcome, ip, client FROM sign_in WHERE email_hash = ?", (server.email_hash(email),))
    assert len(rows) == 1 and rows[0][1].endswith("127.0.0.1"), rows
