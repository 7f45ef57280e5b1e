"""Diagnostics kept apart from identity (issue 14, promises MS-4 and MS-5): request and error records hold the route
pattern, status, duration, browser and OS family, app version and a network, never a user, device, session, token,
query string or full address. An error page shows a reference; a person who quotes it in a request or complaint
makes that record theirs: it is in their access report and export, and it goes with their erasure.

One server for the module, a real SMTP sink, `requests` for the browser."""
from __future__ import annotations

import re
import time

import requests

from console_support import (ConsoleClient, api, delete_account, download_export, rest_login, zip_csv)
from steward_harness import unique

REFERENCE = re.compile(r"^d-[a-z2-7]{10}$")
EVENT_COLUMNS = ["id", "time", "method", "route", "status", "duration_ms", "browser", "os", "app_version", "network"]
CHROME_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
             "Safari/537.36")


def wait_for(server, query: str, params: tuple = (), timeout: float = 20.0) -> list[tuple]:
    """Rows of `query` once there are any: records reach the database with the flush every 5 s."""
    deadline = time.monotonic() + timeout
    while True:
        rows = server.sql(query, params)
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def event_row(server, reference: str) -> dict | None:
    rows = server.sql(f"SELECT {', '.join(EVENT_COLUMNS)} FROM diagnostic_event WHERE id = ?", (reference,))
    return dict(zip(EVENT_COLUMNS, rows[0])) if rows else None


def error_page_reference(client: ConsoleClient) -> str:
    """Makes the console fail (a form sent in an encoding it does not read) and returns the reference the error page
    shows, checking it is the one in `X-Steward-Reference`."""
    r = client.post(client.url("/privacy/request"), data="not a form", headers={"Content-Type": "text/plain"},
                    allow_redirects=False, timeout=30)
    assert r.status_code >= 400, (r.status_code, r.text[:300])
    header = r.headers.get("X-Steward-Reference", "")
    assert REFERENCE.match(header), r.headers
    shown = re.search(r'<p id="reference">Reference: <code>(d-[a-z2-7]{10})</code>', r.text)
    assert shown and shown.group(1) == header, r.text[:2000]
    return header


# promise: MS-4
# promise: MS-5
def test_diagnostics_hold_no_identifier_and_a_quoted_reference_becomes_the_persons_data(server, smtp, new_account):
    acct = new_account(name="Diagnostic Person")
    c = acct.client
    c.headers["User-Agent"] = CHROME_UA
    c.headers["X-App-Version"] = "console-tests 7.1"
    jwt = rest_login(server, acct.email, acct.password)

    # Requests as the signed-in person: console pages, the REST API with ids in the path and a query string, and the
    # device API with its token in the path.
    assert c.page("/account").status == 200
    made = api(server, "POST", "/api/device", jwt=jwt, json={"name": unique("diag-dev"), "type": "default"})
    assert made.status_code == 200, made.text
    device_id = made.json()["id"]["id"]
    creds = api(server, "GET", f"/api/device/{device_id}/credentials?probe={acct.user_id}", jwt=jwt)
    assert creds.status_code == 200, creds.text
    token = creds.json()["credentialsId"]
    posted = requests.post(f"{server.base_url}/api/v1/{token}/telemetry", json={"t": 21.5}, timeout=30)
    assert posted.status_code == 200, posted.text
    missing = requests.post(f"{server.base_url}/api/v1/{unique('nobody')}/telemetry", json={"t": 1}, timeout=30)
    assert missing.status_code >= 400 and REFERENCE.match(missing.headers.get("X-Steward-Reference", "")), \
        (missing.status_code, missing.headers)

    reference = error_page_reference(c)
    row = wait_for(server, "SELECT id FROM diagnostic_event WHERE id = ?", (reference,))
    assert row, "the error's record was not written within 20 s"
    event = event_row(server, reference)
    assert event["method"] == "POST" and event["status"] >= 400 and event["route"].startswith("/privacy/request"), event
    assert event["browser"] == "Chrome" and event["os"] == "Linux" and event["app_version"] == "console-tests 7.1", event
    assert event["network"] in ("127.0.0.0/24", "0:0:0::/48"), event

    # No identifier anywhere in the diagnostics tables: not the person, their device, its token, the session, the
    # JWT, a query string or the full address.
    wait_for(server, "SELECT 1 FROM diagnostic_day WHERE route LIKE ?", ("/api/v1/%",))
    stored = " ".join(str(cell) for table in ("diagnostic_event", "diagnostic_day")
                      for row in server.sql(f"SELECT * FROM {table}") for cell in row)
    session = c.session_cookie
    secrets = {"user id": acct.user_id, "tenant id": acct.tenant_id, "email": acct.email, "device id": device_id,
               "device token": token, "session": session, "jwt": jwt, "query": "probe=", "address": "127.0.0.1"}
    for what, secret in secrets.items():
        assert secret and secret not in stored, f"the diagnostics hold the {what}"
    columns = [row[1] for row in server.sql("PRAGMA table_info(diagnostic_event)")] if server.backend == "sqlite" else [
        row[0] for row in server.sql("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                     ("diagnostic_event",))]
    assert sorted(columns) == sorted(EVENT_COLUMNS), columns
    routes = {row[0] for row in server.sql("SELECT route FROM diagnostic_event")}
    assert "/api/device/{deviceId}/credentials" in routes or any("{" in r and "credentials" in r for r in routes), routes
    assert not server.sql("SELECT 1 FROM diagnostic_link WHERE diagnostic_id = ?", (reference,))

    # Quoted in a privacy request, the record becomes the person's.
    page, values = c.get_form("/privacy/request", form_id="request-form")
    values.update(request_kind="access", request_details=f"The page failed with Reference: {reference.upper()}.")
    filed = c.post_form("/privacy/request", values, csrf=False)
    assert filed.status == 200 and filed.has("request-confirmed"), filed.describe()
    assert server.sql("SELECT user_id FROM diagnostic_link WHERE diagnostic_id = ?", (reference,)) == [(acct.user_id,)]

    # A second error quoted in a complaint is linked too.
    second = error_page_reference(c)
    assert wait_for(server, "SELECT id FROM diagnostic_event WHERE id = ?", (second,))
    _, values = c.get_form("/privacy/complaint", form_id="complaint-form")
    values["complaint_text"] = f"This keeps failing ({second}); please look into it."
    assert c.post_form("/privacy/complaint", values, csrf=False).has("complaint-answer")
    assert server.sql("SELECT user_id FROM diagnostic_link WHERE diagnostic_id = ?", (second,)) == [(acct.user_id,)]

    # The access report and the export show both.
    report = c.page("/account/privacy/data")
    section = report.by_id("data-diagnostics")
    assert section is not None and reference in section.text() and second in section.text(), report.describe()
    rows = zip_csv(download_export(c), "diagnostics.csv")
    assert {r["reference"] for r in rows} == {reference, second}, rows
    assert all(r["route"] and r["status"] and r["browser"] == "Chrome" for r in rows), rows

    # Erasure removes the person's records and links, and nothing of anyone else's.
    other_reference = error_page_reference(new_account().client)
    assert wait_for(server, "SELECT id FROM diagnostic_event WHERE id = ?", (other_reference,))
    done = delete_account(c, acct.password)
    assert done.status == 200 and done.has("erased"), done.describe()
    assert any(li.text().startswith("diagnostic records you quoted: 2") for li in done.by_id("erased-list").find_all("li")), \
        done.by_id("erased-list").text()
    assert event_row(server, reference) is None and event_row(server, second) is None
    assert not server.sql("SELECT 1 FROM diagnostic_link WHERE user_id = ?", (acct.user_id,))
    assert event_row(server, other_reference) is not None, "someone else's record went with this erasure"


def test_a_reference_typed_into_the_public_form_links_nothing(server, smtp, new_account):
    """Only a proven identity takes a record: an address typed into the public complaint form proves nothing."""
    victim = new_account()
    reference = error_page_reference(ConsoleClient(server.base_url))
    assert wait_for(server, "SELECT id FROM diagnostic_event WHERE id = ?", (reference,))
    c = ConsoleClient(server.base_url)
    _, values = c.get_form("/privacy/complaint", form_id="complaint-form")
    values.update(requester_name="Some One", requester_email=victim.email,
                  complaint_text=f"Reference {reference} failed for me.")
    assert c.post_form("/privacy/complaint", values, csrf=False).has("complaint-answer")
    assert not server.sql("SELECT 1 FROM diagnostic_link WHERE diagnostic_id = ?", (reference,))
