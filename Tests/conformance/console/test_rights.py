"""Self-service rights end to end: see everything held (access report), download it (ZIP with CSV, JSON and a
README), correct it, deactivate the account and reactivate it by a password reset, Delete Account with what stays
said first and a signed receipt after, devices assigned to a person, the `steward dsr` and `steward backup`
commands, and the rights pages the privacy declaration names.

Each test uses its own accounts on the module's server; the erasure tests scan the raw bytes of the SQLite file and
its WAL for what the person had given."""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from console_support import (DEFAULT_PRIVACY_YAML, GOOD_PASSWORD, OTHER_PASSWORD, ConsoleClient, api,
                             create_api_key, delete_account, download_export, export_response, form_values,
                             link_from, rest_login, sign_in, tiny_png, zip_csv, zip_csv_header)
from mqtt_wire import Closed, connected
from steward_harness import Tenant, now_ms, unique

SECTIONS = ["profile", "consents", "sign_ins", "sessions", "api_keys", "audit", "usage", "mail", "devices", "telemetry"]
EXPORT_FILES = ["README.txt", "profile.csv", "consents.csv", "policy_agreements.csv", "sign_ins.csv", "sessions.csv",
                "api_keys.csv", "audit.csv", "usage.csv", "mail.csv", "devices.csv", "attributes.csv", "telemetry.csv",
                "data.json"]
TELEMETRY_HEADER = ["device_id", "key", "ts", "value", "category"]
SIGN_UP_SOURCE = "you, on the sign-up form"


# -- helpers -----------------------------------------------------------------------------------------------

def post_telemetry(server, token: str, values: dict, ts: int | None = None) -> None:
    body = values if ts is None else {"ts": ts, "values": values}
    r = requests.post(f"{server.base_url}/api/v1/{token}/telemetry", json=body, timeout=30)
    assert r.status_code == 200, (r.status_code, r.text)


def rest_device(server, jwt: str, name: str | None = None, type_: str = "default") -> tuple[str, str]:
    """(device id, access token) of a device made with `POST /api/device`."""
    made = api(server, "POST", "/api/device", jwt=jwt, json={"name": name or unique("dev"), "type": type_})
    assert made.status_code == 200, (made.status_code, made.text)
    device_id = made.json()["id"]["id"]
    creds = api(server, "GET", f"/api/device/{device_id}/credentials", jwt=jwt)
    assert creds.status_code == 200, (creds.status_code, creds.text)
    return device_id, creds.json()["credentialsId"]


def timeseries(server, jwt: str, device_id: str, keys: list[str], history: bool = True) -> dict:
    path = f"/api/plugins/telemetry/DEVICE/{device_id}/values/timeseries?keys={','.join(keys)}"
    if history:
        path += f"&startTs=0&endTs={now_ms() + 86_400_000}&limit=1000"
    r = api(server, "GET", path, jwt=jwt)
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def valued(result: dict, key: str) -> list[str]:
    """The values of `key` in a timeseries answer, as strings; a point without a value (ThingsBoard's answer for a
    key with no latest value) counts as none."""
    return [str(p["value"]) for p in result.get(key) or [] if p.get("value") is not None]


def section(page, name: str):
    node = page.by_id(f"data-{name}")
    assert node is not None and node.tag == "section", f"no section#data-{name}: {page.describe()}"
    return node


def table_with_class(node, cls: str):
    return next((t for t in node.find_all("table") if cls in t.classes), None)


def record_rows(page, name: str) -> list[dict[str, str]]:
    """The records table of a section of the access report as dicts (column name, from the header's
    data-column, → cell as shown)."""
    table = table_with_class(section(page, name), "records")
    if table is None:
        return []
    columns = [th.attrs.get("data-column") or th.text() for th in table.find("thead").find_all("th")]
    return [dict(zip(columns, cells)) for cells in table.rows()]


def opens_account(server, cookie: str) -> bool:
    r = requests.get(f"{server.base_url}/account", cookies={"steward_session": cookie}, allow_redirects=False,
                     timeout=30)
    if r.status_code == 200:
        return True
    assert r.status_code == 303 and r.headers["Location"].endswith("/sign-in"), (r.status_code, r.headers)
    return False


def user_exists(server, email: str) -> bool:
    return bool(server.sql("SELECT 1 FROM user WHERE email_hash = ?", (server.email_hash(email),)))


def upload_picture(acct, png: bytes):
    c = acct.client
    page = c.page("/account")
    r = c.post(c.url("/account/picture"), data={"csrf": page.doc.csrf},
               files={"picture": ("me.png", png, "image/png")}, timeout=60)
    assert r.status_code == 200 and urlparse(r.url).path == "/account", (r.status_code, r.url, r.text[:300])


def save_profile(acct, **fields) -> None:
    page, values = acct.client.get_form("/account", "profile-form")
    done = acct.client.post_form("/account/profile", {**values, **fields}, csrf=False)
    assert done.status == 200 and done.flash and done.flash[0] == "notice", done.describe()


def cli(server, *args: str) -> subprocess.CompletedProcess:
    return server.cli(*args, json_out=False, check=False)


def distinctive(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


# -- TM-15 / TM-3: the access report ------------------------------------------------------------------------

# promise: TM-15
def test_the_access_report_shows_every_kind_of_record_with_its_purposes_recipients_and_retention(
        server, new_account):
    acct = new_account(name="Report Person")
    other = new_account()
    key_name = unique("report-key")
    create_api_key(acct.client, key_name)
    page = acct.client.page("/account/privacy/data")
    assert page.status == 200, page.describe()

    for name in SECTIONS:
        node = section(page, name)
        assert node.find("h2") is not None and node.find("h2").text(), (name, node.text()[:200])
    for name in [s for s in SECTIONS if s != "telemetry"]:
        node = section(page, name)
        source = next((n for n in node.iter() if "source" in n.classes), None)
        assert source is not None and source.text(), f"#data-{name} names no source: {node.text()[:300]}"
        facts = table_with_class(node, "facts")
        assert facts is not None, f"#data-{name} has no facts table"
        rows = [tr for tr in facts.find_all("tr") if tr.attrs.get("data-category")]
        assert rows, f"#data-{name} lists no data category"
        for tr in rows:
            cells = [td.text() for td in tr.find_all("td")]
            assert len(cells) == 4 and all(cells), (name, tr.attrs["data-category"], cells)
            category, purposes, recipients, kept = cells
            assert re.search(r"\(Art\. 6\(1\)\([a-f]\)\)", purposes), (name, category, purposes)
            assert kept != "not declared", (name, category, kept)

    # What the facts say is the declaration's, e.g. the email address is held to provide the account.
    profile_facts = {tr.attrs["data-category"]: [td.text() for td in tr.find_all("td")]
                     for tr in table_with_class(section(page, "profile"), "facts").find_all("tr")
                     if tr.attrs.get("data-category")}
    assert "user.contact.email" in profile_facts and "user.contact.phone_number" in profile_facts, profile_facts
    assert "Contract" in profile_facts["user.contact.email"][1], profile_facts["user.contact.email"]

    # The records themselves: this person's, and no one else's.
    profile = record_rows(page, "profile")
    assert len(profile) == 1 and profile[0]["email"] == acct.email, profile
    assert profile[0]["first_name"] == "Report Person" and profile[0]["status"] == "Active", profile
    assert any(r["outcome"] == "success" for r in record_rows(page, "sign_ins")), record_rows(page, "sign_ins")
    assert [r["name"] for r in record_rows(page, "api_keys")] == [key_name], record_rows(page, "api_keys")
    assert any(r["policy_version"] for r in record_rows(page, "policy_agreements")), page.describe()
    assert any("Confirm your email" in r["subject"] for r in record_rows(page, "mail")), record_rows(page, "mail")
    assert any(r["event"] == "api-key.created" for r in record_rows(page, "audit")), record_rows(page, "audit")
    assert other.email not in page.html and other.user_id not in page.html

    # Only for the person signed in.
    anonymous = requests.get(f"{server.base_url}/account/privacy/data", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 303 and anonymous.headers["Location"].endswith("/sign-in"), anonymous.headers


# promise: TM-15
def test_the_device_readings_section_says_where_they_came_from_and_who_receives_them(server, new_account):
    acct = new_account()
    jwt = rest_login(server, acct.email, acct.password)
    _, token = rest_device(server, jwt, unique("watch"))
    post_telemetry(server, token, {"heartRate": 64, "temperature": 21.5})
    page = acct.client.page("/account/privacy/data")
    node = section(page, "telemetry")
    rows = {tr.attrs["data-key"]: [td.text() for td in tr.find_all("td")]
            for tr in node.find_all("tr") if tr.attrs.get("data-key")}
    assert set(rows) == {"heartRate", "temperature"}, rows
    assert rows["heartRate"][2] == "1" and "sensitive" in rows["heartRate"][3], rows["heartRate"]
    assert re.search(r"\(Art\. 6\(1\)\([a-f]\)\)|Art\. 9", rows["heartRate"][4]), rows["heartRate"]
    # Like every other section: where the readings came from and who receives them (Art. 15(1)(c) and (g)).
    source = next((n for n in node.iter() if "source" in n.classes), None)
    assert source is not None and source.text(), f"#data-telemetry names no source: {node.text()[:400]}"
    headers = [th.text().lower() for th in node.find_all("th")]
    assert any("recipient" in h for h in headers), f"#data-telemetry names no recipients: columns {headers}"


# promise: TM-3
def test_the_source_of_an_account_is_the_sign_up_form_or_an_administrator(server, new_account):
    signed_up = new_account()
    page = signed_up.client.page("/account/privacy/data")
    source = next(n for n in section(page, "profile").iter() if "source" in n.classes)
    assert source.text() == SIGN_UP_SOURCE, source.text()
    assert record_rows(page, "profile")[0]["source"] == SIGN_UP_SOURCE

    tenant = Tenant(server)
    email = f"{unique('made-by-admin')}@example.test"
    server.create_user(tenant.id, email, GOOD_PASSWORD, role="tenant-admin")
    made = ConsoleClient(server.base_url)
    assert sign_in(made, email, GOOD_PASSWORD).path == "/", made.last.describe()
    page = made.page("/account/privacy/data")
    assert page.status == 200, page.describe()
    source = next(n for n in section(page, "profile").iter() if "source" in n.classes).text()
    assert source.startswith("an administrator"), source
    assert record_rows(page, "profile")[0]["source"] == source
    assert zip_csv(download_export(made), "profile.csv")[0]["source"] == source


# -- TM-17 / MB-9: the export ---------------------------------------------------------------------------------

# promise: TM-17
def test_the_export_is_a_zip_of_csv_and_json_with_a_readme_saying_what_why_who_and_how_long(server, new_account):
    acct = new_account(name="Export Person")
    jwt = rest_login(server, acct.email, acct.password)
    device_id, token = rest_device(server, jwt, unique("tracker"))
    note = 'ride, "fast" ' + distinctive("n")
    post_telemetry(server, token, {"lat": 52.52, "power": 120, "note": note}, ts=1_700_000_000_000)
    post_telemetry(server, token, {"lat": 52.53, "power": 121}, ts=1_700_000_060_000)
    r = requests.post(f"{server.base_url}/api/v1/{token}/attributes", json={"firmware": "1.2.3"}, timeout=30)
    assert r.status_code == 200, r.text
    png = tiny_png()
    upload_picture(acct, png)

    r = export_response(acct.client)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"] == "application/zip", r.headers
    assert re.match(r'attachment; filename="[^"/]+\.zip"', r.headers.get("Content-Disposition", "")), r.headers
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
    z = download_export(acct.client)
    names = z.namelist()
    assert set(EXPORT_FILES) | {"picture.png"} <= set(names), names
    assert names[0] == "README.txt" and names.index("data.json") > max(names.index(n) for n in EXPORT_FILES[1:-1])
    csvs = [n for n in names if n.endswith(".csv")]
    assert set(names) == set(csvs) | {"README.txt", "data.json", "picture.png"}, names  # nothing else, nothing twice
    assert len(names) == len(set(names)), names
    assert z.read("picture.png") == png

    profile = zip_csv(z, "profile.csv")
    assert len(profile) == 1 and profile[0]["email"] == acct.email and profile[0]["first_name"] == "Export Person"
    assert profile[0]["account_id"] == acct.user_id and profile[0]["has_picture"] == "1", profile
    assert zip_csv_header(z, "telemetry.csv") == TELEMETRY_HEADER
    readings = zip_csv(z, "telemetry.csv")
    assert {(r["key"], r["ts"]) for r in readings} == {
        ("lat", "1700000000000"), ("lat", "1700000060000"), ("power", "1700000000000"), ("power", "1700000060000"),
        ("note", "1700000000000")}, readings
    assert all(r["device_id"] == device_id for r in readings), readings
    by_key = {r["key"]: r for r in readings}
    assert by_key["note"]["value"] == note  # a comma and quotes survive RFC 4180 quoting
    assert by_key["lat"]["category"] == "user.location.precise", by_key["lat"]
    assert by_key["power"]["category"] == "user.sensor.energy", by_key["power"]
    devices = zip_csv(z, "devices.csv")
    assert [d["device_id"] for d in devices] == [device_id], devices
    attributes = zip_csv(z, "attributes.csv")
    assert any(a["key"] == "firmware" and a["value"] == "1.2.3" and a["device_id"] == device_id for a in attributes), \
        attributes
    assert any(row["outcome"] == "success" for row in zip_csv(z, "sign_ins.csv"))
    assert any(row["method"] == "sign-up-form" for row in zip_csv(z, "policy_agreements.csv"))

    data = json.loads(z.read("data.json"))
    assert data["profile"][0]["email"] == acct.email and data["profile"][0]["phone"] is None, data["profile"]
    for name in csvs:
        if name != "telemetry.csv":
            table = name[:-4]
            assert table in data, f"data.json has no {table}"
            assert len(data[table]) == len(zip_csv(z, name)), (table, len(data[table]))
    assert sorted((t["key"], t["ts"]) for t in data["telemetry"]) == sorted(
        (r["key"], int(r["ts"])) for r in readings)
    assert next(t for t in data["telemetry"] if t["key"] == "note")["value"] == note
    assert next(t for t in data["telemetry"] if t["key"] == "power" and t["ts"] == 1_700_000_000_000)["value"] == 120

    readme = z.read("README.txt").decode("utf-8")
    for name in csvs + ["data.json"]:
        assert f"== {name}" in readme, f"the README does not describe {name}"
    for column in zip_csv_header(z, "profile.csv") + TELEMETRY_HEADER:
        assert re.search(rf"^  {re.escape(column)}: \S", readme, re.M), f"the README does not explain column {column}"
    assert readme.count("Purposes and legal bases:") >= 10 and "Recipients:" in readme and "Kept:" in readme, readme
    block = readme[readme.index("(user.location.precise)"):][:600]
    assert re.search(r"Purposes and legal bases: .*\(.*Art\. [69]", block), block
    assert re.search(r"Kept: \d+ (days|months|years?)", block), block
    assert "Source:" in readme

    exports = server.sql("SELECT credential FROM audit_log WHERE event = 'personal-data.exported' AND subject_id = ?",
                         (acct.user_id,))
    assert len(exports) == 2 and all(c.startswith("session:") for (c,) in exports), exports

    # No export for anyone not signed in.
    anonymous = requests.get(f"{server.base_url}/account/privacy/export", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 303 and "application/zip" not in anonymous.headers.get("Content-Type", "")


# promise: MB-9
def test_rest_writes_made_with_the_persons_token_or_key_are_in_their_usage_records(server, new_account):
    acct = new_account()
    jwt = rest_login(server, acct.email, acct.password)
    key_name = unique("usage-key")
    key = create_api_key(acct.client, key_name)
    key_id = server.sql("SELECT id FROM api_key WHERE name = ?", (key_name,))[0][0]

    device_id, _ = rest_device(server, jwt, unique("usage-dev"))
    r = api(server, "POST", f"/api/plugins/telemetry/DEVICE/{device_id}/timeseries/ANY", key=key, json={"t": 1})
    assert r.status_code == 200, r.text
    r = api(server, "POST", f"/api/plugins/telemetry/DEVICE/{device_id}/SERVER_SCOPE", key=key, json={"a": 1})
    assert r.status_code == 200, r.text
    api(server, "GET", f"/api/device/{device_id}", jwt=jwt)  # a read is not a change

    usage = zip_csv(download_export(acct.client), "usage.csv")
    details = [(u["detail"], u["credential"]) for u in usage]
    assert ("POST /api/device -> 200" in [d for d, _ in details]), details
    by_detail = {d: c for d, c in details}
    assert by_detail[f"POST /api/plugins/telemetry/DEVICE/{device_id}/timeseries/ANY -> 200"] == f"api-key:{key_id}"
    assert by_detail[f"POST /api/plugins/telemetry/DEVICE/{device_id}/SERVER_SCOPE -> 200"] == f"api-key:{key_id}"
    assert by_detail["POST /api/device -> 200"] and not by_detail["POST /api/device -> 200"].startswith("api-key:")
    assert not any(d.startswith("GET ") for d, _ in details), details
    assert all(u["time"].isdigit() and u["ip"] for u in usage), usage

    page = acct.client.page("/account/privacy/data")
    shown = [r["detail"] for r in record_rows(page, "usage")]
    assert f"POST /api/plugins/telemetry/DEVICE/{device_id}/timeseries/ANY -> 200" in shown, shown


# -- MB-16: correction ------------------------------------------------------------------------------------

# promise: MB-16
def test_a_corrected_profile_shows_in_the_report_and_the_export(server, new_account):
    acct = new_account(name="Before Correction")
    c = acct.client
    r = c.get(c.url("/account/profile"), allow_redirects=False, timeout=30)
    assert r.status_code in (302, 303) and urlparse(r.headers["Location"]).path == "/account", r.headers
    assert c.page("/account/profile").path == "/account"

    phone = "+49 30 " + str(uuid.uuid4().int)[:7]
    save_profile(acct, name="After Correction", company="Corrected GmbH", phone=phone)
    row = record_rows(c.page("/account/privacy/data"), "profile")[0]
    assert (row["first_name"], row["company"]) == ("After Correction", "Corrected GmbH"), row
    assert re.sub(r"\D", "", row["phone"]) == re.sub(r"\D", "", phone), row
    exported = zip_csv(download_export(c), "profile.csv")[0]
    assert (exported["first_name"], exported["company"], exported["phone"]) == (
        row["first_name"], row["company"], row["phone"]), exported
    assert "Before Correction" != exported["first_name"]

    # A refused correction changes nothing.
    page, values = c.get_form("/account", "profile-form")
    bad = c.post_form("/account/profile", {**values, "phone": "call me maybe"}, csrf=False)
    assert bad.status == 400 and bad.flash and bad.flash[0] == "error", bad.describe()
    assert record_rows(c.page("/account/privacy/data"), "profile")[0]["phone"] == row["phone"]


# -- MS-18d: deactivation ---------------------------------------------------------------------------------------

# promise: MS-18d
def test_deactivation_needs_the_confirmation(server, new_account):
    acct = new_account()
    page, values = acct.client.get_form("/account", "deactivate-form")
    values.pop("confirm", None)
    refused = acct.client.post_form("/account/privacy/deactivate", values, csrf=False)
    assert refused.status == 400, refused.describe()
    assert server.user_row(acct.email)["status"] == "active"
    assert acct.client.page("/account").path == "/account"
    assert opens_account(server, acct.client.session_cookie)

    forged = acct.client.post_form("/account/privacy/deactivate", {"confirm": "yes"}, csrf=None)
    assert forged.status in (400, 403), forged.describe()
    assert server.user_row(acct.email)["status"] == "active"


# promise: MS-18d
def test_deactivation_stops_the_account_keeps_its_data_and_a_password_reset_reactivates_it(server, smtp, new_account,
                                                                                          tmp_path):
    acct = new_account()
    jwt = rest_login(server, acct.email, acct.password)
    key = create_api_key(acct.client, unique("deact-key"))
    assert api(server, "GET", "/api/auth/user", key=key).status_code == 200
    old_cookie = acct.client.session_cookie
    sign_ins_before = server.sql("SELECT COUNT(*) FROM sign_in WHERE user_id = ?", (acct.user_id,))[0][0]

    page, values = acct.client.get_form("/account", "deactivate-form")
    done = acct.client.post_form("/account/privacy/deactivate", {**values, "confirm": "yes"}, csrf=False)
    assert done.status == 200 and "deactivated" in done.describe(), done.describe()
    cleared = [h for h in done.response.raw.headers.getlist("Set-Cookie") if h.startswith("steward_session=")]
    assert cleared and re.search(r"Max-Age=0|expires=Thu, 01 Jan 1970", cleared[0], re.I), cleared
    assert acct.client.session_cookie is None
    assert not opens_account(server, old_cookie)
    assert api(server, "GET", "/api/auth/user", jwt=jwt).status_code == 401
    assert api(server, "GET", "/api/auth/user", key=key).status_code == 401

    refused = sign_in(ConsoleClient(server.base_url), acct.email, acct.password)
    assert refused.status in (401, 403) and refused.path == "/sign-in", refused.describe()
    assert "deactivated" in refused.flash_text, refused.describe()
    r = requests.post(f"{server.base_url}/api/auth/login", json={"username": acct.email, "password": acct.password},
                      timeout=30)
    assert r.status_code == 401, (r.status_code, r.text)
    smtp.wait_for_mail(acct.email, "deactivated")

    # The data stays: the row, its status, the records; the CLI can still export them.
    row = server.user_row(acct.email)
    assert row["status"] == "deactivated" and row["id"] == acct.user_id, row
    assert server.sql("SELECT COUNT(*) FROM sign_in WHERE user_id = ?", (acct.user_id,))[0][0] >= sign_ins_before > 0
    out = tmp_path / "deactivated.zip"
    res = cli(server, "dsr", "export", "--email", acct.email, "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    import zipfile
    exported = zip_csv(zipfile.ZipFile(out), "profile.csv")[0]
    assert exported["status"] == "deactivated" and exported["email"] == acct.email, exported

    # A password reset from the mailed link reactivates it.
    c = ConsoleClient(server.base_url)
    c.page("/forgot-password")
    c.post_form("/forgot-password", {"email": acct.email})
    link = link_from(smtp.wait_for_mail(acct.email, "Reset your"), "/reset-password")
    page = c.page(link)
    form = page.doc.form(action="/reset-password")
    assert form is not None, page.describe()
    reset = c.post_form("/reset-password", {**form_values(form), "password": OTHER_PASSWORD}, csrf=False)
    assert reset.status == 200, reset.describe()
    assert server.user_row(acct.email)["status"] == "active"
    back = sign_in(ConsoleClient(server.base_url), acct.email, OTHER_PASSWORD)
    assert back.status == 200 and back.path == "/", back.describe()
    assert rest_login(server, acct.email, OTHER_PASSWORD)
    assert api(server, "GET", "/api/auth/user", key=key).status_code == 401  # the keys stay ended


# -- TB-12 / MS-3: Delete Account -----------------------------------------------------------------------------

# promise: TB-12
def test_the_delete_page_says_what_stays_and_why_before_anything_is_deleted(server, new_account):
    acct = new_account()
    page = acct.client.page("/account")
    start = page.doc.form("delete-account-start")
    assert start is not None and start.attrs.get("action") == "/account/privacy/delete", page.describe()
    page = acct.client.page("/account/privacy/delete")
    assert page.status == 200, page.describe()
    stays = page.by_id("what-stays")
    assert stays is not None and stays.tag == "ul", page.describe()
    items = [li.text() for li in stays.find_all("li")]
    audit = next((i for i in items if i.lower().startswith("audit trail")), None)
    assert audit is not None, items
    assert re.search(r"kept \d+ (years?|months|days)", audit) and "legal" in audit.lower(), audit
    assert any("receipt" in i for i in items), items
    form = page.doc.form("delete-account-form")
    assert form is not None and form.attrs.get("method") == "post", page.describe()
    names = {f.attrs.get("name") for f in form.fields()}
    assert {"csrf", "password", "confirm"} <= names, names
    assert any(a.attrs.get("href") == "/account/privacy/export" for a in page.doc.find_all("a")), "no export link"


# promise: TB-12
def test_delete_account_refuses_without_the_confirmation_or_the_right_password(server, new_account):
    acct = new_account()
    unconfirmed = delete_account(acct.client, acct.password, confirm=False)
    assert unconfirmed.status == 400 and unconfirmed.flash and unconfirmed.flash[0] == "error", unconfirmed.describe()
    wrong = delete_account(acct.client, OTHER_PASSWORD, confirm=True)
    assert wrong.status == 400 and wrong.flash and "password" in wrong.flash_text.lower(), wrong.describe()
    empty = delete_account(acct.client, "", confirm=True)
    assert empty.status == 400, empty.describe()
    forged = acct.client.post_form("/account/privacy/delete", {"password": acct.password, "confirm": "yes"}, csrf=None)
    assert forged.status in (400, 403), forged.describe()

    assert user_exists(server, acct.email)
    assert not server.sql("SELECT 1 FROM audit_log WHERE subject_id = ? AND event = 'account.erased'", (acct.user_id,))
    assert acct.client.page("/account").path == "/account"
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).path == "/"


# promise: TB-12
# promise: MS-3
def test_delete_account_erases_everything_leaves_a_receipt_and_no_bytes(server, smtp, new_account):
    name = distinctive("Quillon ")
    acct = new_account(name=name)
    c = acct.client
    phone = "+49 30 " + str(uuid.uuid4().int)[:7]
    company = distinctive("Firma ")
    save_profile(acct, name=name, company=company, phone=phone)
    jwt = rest_login(server, acct.email, acct.password)
    key = create_api_key(c, unique("erase-key"))
    device_id, token = rest_device(server, jwt, unique("erase-tracker"))
    secret_note = distinctive("whereabouts-")
    post_telemetry(server, token, {"note": secret_note, "lat": 52.52, "power": 120})
    post_telemetry(server, token, {"power": 130}, ts=now_ms() - 1000)
    tenant_id = acct.tenant_id
    assert tenant_id and server.sql("SELECT 1 FROM tenant WHERE id = ?", (tenant_id,))
    other = new_account()  # must stay untouched
    mqtt = connected(server.host, server.mqtt_port, token)  # a device still connected when the account goes
    assert mqtt.publish("v1/devices/me/telemetry", {"power": 140}, qos=1, pid=1) is not None
    receipts_before = server.sql("SELECT COUNT(*) FROM erasure_receipt")[0][0]

    page, values = c.get_form("/account/privacy/delete", "delete-account-form")
    old_cookie, old_csrf = c.session_cookie, values["csrf"]
    done = c.post_form("/account/privacy/delete", {**values, "password": acct.password, "confirm": "yes"}, csrf=False)
    assert done.status == 200 and done.has("erased"), done.describe()
    assert c.session_cookie is None
    erased = [li.text() for li in done.by_id("erased-list").find_all("li")]
    kept = [li.text() for li in done.by_id("kept-list").find_all("li")]
    assert any(e.startswith("account: 1") for e in erased), erased
    assert any(e.startswith("readings:") for e in erased), erased
    assert any(e.startswith("organisation: 1") for e in erased), erased
    assert any("audit trail" in k for k in kept), kept
    assert done.by_id("anonymized-list") is not None

    link = done.by_id("receipt-link")
    assert link is not None, done.describe()
    href = link.attrs["href"]
    parsed = urlparse(href)
    assert re.fullmatch(r"/privacy/receipt/[A-Za-z0-9_\-]+", parsed.path) and parse_qs(parsed.query).get("t"), href
    r = requests.get(server.base_url + href, timeout=30)  # no account needed
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json"), (r.status_code, r.text)
    receipt = r.json()
    assert receipt["receipt"] == parsed.path.rsplit("/", 1)[1]
    assert {"erased", "anonymized", "kept"} <= set(receipt), receipt
    erased_rows = {e["what"]: int(e["rows"]) for e in receipt["erased"]}
    assert erased_rows.get("account") == 1 and erased_rows.get("readings", 0) >= 4 and erased_rows.get("API keys") == 1, \
        erased_rows
    assert erased_rows.get("organisation") == 1, erased_rows
    assert receipt["kept"] and all(k.get("legalHold") for k in receipt["kept"]), receipt["kept"]
    assert any("audit" in k["what"] for k in receipt["kept"]), receipt["kept"]
    assert any("power" in a["what"] or "user.sensor.energy" in a["what"] for a in receipt["anonymized"]), receipt
    for needle in (acct.email, name, phone, company, secret_note, acct.user_id):
        assert needle not in r.text, f"the receipt names {needle!r}"
    t = parse_qs(parsed.query)["t"][0]
    tampered = t[:-1] + ("0" if t[-1] != "0" else "1")
    assert requests.get(f"{server.base_url}{parsed.path}?t={tampered}", timeout=30).status_code == 404
    assert requests.get(f"{server.base_url}{parsed.path}", timeout=30).status_code == 404
    assert requests.get(f"{server.base_url}/privacy/receipt/{unique('nope')}?t={t}", timeout=30).status_code == 404
    assert server.sql("SELECT COUNT(*) FROM erasure_receipt")[0][0] == receipts_before + 1

    # Credentials of the person are dead, the device with them.
    assert api(server, "GET", "/api/auth/user", jwt=jwt).status_code == 401
    assert api(server, "GET", "/api/auth/user", key=key).status_code == 401
    assert not opens_account(server, old_cookie)
    late = requests.post(f"{server.base_url}/api/v1/{token}/telemetry", json={"note": secret_note}, timeout=30)
    assert late.status_code != 200, "a device of the erased workspace could still post readings"
    try:
        acked = mqtt.publish("v1/devices/me/telemetry", {"note": secret_note + "-late"}, qos=1, pid=2)
    except (Closed, OSError):
        acked = None
    assert acked is None, f"a reading of the erased workspace's device was acknowledged over MQTT: {acked}"
    assert not mqtt.is_open()
    mqtt.close()
    assert not server.sql("SELECT 1 FROM tenant WHERE id = ?", (tenant_id,))
    assert not server.sql("SELECT 1 FROM device WHERE id = ?", (device_id,))
    sysadmin = server.login(server.admin_email, server.admin_password)["token"]
    assert api(server, "GET", f"/api/tenant/{tenant_id}", jwt=sysadmin).status_code == 404

    # Nothing the person gave is left in the bytes of the database or its write-ahead log (on PostgreSQL: in a pg_dump
    # of the server's database), scanned before any sign-in attempt below, which records the address typed in.
    needles = [acct.email, name, phone, company, secret_note]
    if server.backend == "sqlite":
        assert (server.data_dir / "steward.sqlite").is_file()
    assert server.stored_containing([other.user_id]), "the scan finds nothing, not even a person who stays"
    assert server.stored_containing(needles) == []

    # A second request with the old cookie erases nothing: it is sent to sign in.
    again = requests.post(f"{server.base_url}/account/privacy/delete", allow_redirects=False, timeout=30,
                          cookies={"steward_session": old_cookie},
                          data={"csrf": old_csrf, "password": acct.password, "confirm": "yes"})
    assert again.status_code == 303 and again.headers["Location"].endswith("/sign-in"), (again.status_code,
                                                                                          again.headers)
    assert server.sql("SELECT COUNT(*) FROM erasure_receipt")[0][0] == receipts_before + 1
    assert user_exists(server, other.email)
    assert other.client.page("/account").path == "/account"

    refused = sign_in(ConsoleClient(server.base_url), acct.email, acct.password)
    assert refused.status == 401 and refused.path == "/sign-in", refused.describe()
    r = requests.post(f"{server.base_url}/api/auth/login", json={"username": acct.email, "password": acct.password},
                      timeout=30)
    assert r.status_code == 401, (r.status_code, r.text)


# promise: TB-12
def test_a_workspace_that_stays_after_an_erasure_does_not_keep_the_persons_name(server, new_account):
    # Sign-up names the new workspace after the person ("<name> (XXXXXX)"). When someone else has joined it, the
    # workspace stays after the person deletes their account, but their name must not stay with it.
    name = distinctive("Yolanda ")
    acct = new_account(name=name)
    colleague = f"{unique('colleague')}@example.test"
    server.create_user(acct.tenant_id, colleague, GOOD_PASSWORD, role="tenant-admin")
    done = delete_account(acct.client, acct.password)
    assert done.status == 200 and done.has("erased"), done.describe()
    assert server.sql("SELECT 1 FROM tenant WHERE id = ?", (acct.tenant_id,)), "the shared workspace was deleted"
    assert rest_login(server, colleague, GOOD_PASSWORD)
    names = [n for (n,) in server.sql("SELECT name FROM tenant WHERE id = ?", (acct.tenant_id,))]
    assert not any(name in n for n in names), f"the workspace is still called {names}"
    assert server.stored_containing([name, acct.email]) == []


# promise: TB-12
def test_the_delete_page_names_the_workspace_it_deletes_and_only_that(server, new_account):
    alone = new_account(name=distinctive("Solo "))
    workspace = server.sql("SELECT name FROM tenant WHERE id = ?", (alone.tenant_id,))[0][0]
    text = alone.client.page("/account/privacy/delete").doc.find("main").text()
    assert f"together with your workspace “{workspace}”" in text, text[:600]

    shared = new_account()
    server.create_user(shared.tenant_id, f"{unique('colleague')}@example.test", GOOD_PASSWORD, role="tenant-admin")
    text = shared.client.page("/account/privacy/delete").doc.find("main").text()
    assert "together with your workspace" not in text, text[:600]  # it stays: someone else is in it


# promise: TB-12
def test_a_system_administrator_cannot_delete_their_account_on_the_console(server):
    c = ConsoleClient(server.base_url)
    page = sign_in(c, server.admin_email, server.admin_password)
    assert page.path == "/", page.describe()
    # The page offers no form, and says why (walk P2.18) ...
    offered = c.page("/account/privacy/delete")
    assert offered.by_id("delete-account-form") is None and offered.by_id("admin-cannot-delete") is not None, offered.describe()
    # ... and posting the form anyway is refused.
    refused = c.post_form("/account/privacy/delete", {"password": server.admin_password, "confirm": "yes"})
    assert refused.status == 403 and refused.flash and "steward dsr erase" in refused.flash_text, refused.describe()
    assert user_exists(server, server.admin_email)
    assert server.login(server.admin_email, server.admin_password)["token"]
    assert c.page("/account").path == "/account"


# -- TB-5: a device assigned to a person ------------------------------------------------------------------------

# promise: TB-5
def test_a_device_assigned_to_a_person_is_in_their_export_and_its_readings_go_with_their_account(server):
    tenant = Tenant(server)
    wearable_id, wearable_token = rest_device(server, tenant.jwt, unique("heart-monitor"), "wearable")
    machine_id, machine_token = rest_device(server, tenant.jwt, unique("engine"), "machine")
    customer = server.create_customer(tenant.id)
    email = f"{unique('wearer')}@example.test"
    person = server.create_user(tenant.id, email, GOOD_PASSWORD, role="customer-user", customer=customer["id"])
    person_id = person["id"]
    person_jwt = rest_login(server, email, GOOD_PASSWORD)
    assign = f"/api/privacy/device/{wearable_id}/person/{person_id}"

    other = Tenant(server)
    assert api(server, "POST", assign, jwt=other.jwt).status_code == 404
    assert api(server, "POST", assign).status_code == 401
    assert api(server, "POST", assign, jwt=person_jwt).status_code == 403
    stranger = other.admin["id"]
    r = api(server, "POST", f"/api/privacy/device/{wearable_id}/person/{stranger}", jwt=tenant.jwt)
    assert r.status_code == 404, (r.status_code, r.text)  # a person of another tenant
    assert not server.sql("SELECT person_id FROM device WHERE id = ? AND person_id IS NOT NULL", (wearable_id,))
    r = api(server, "POST", assign, jwt=tenant.jwt)
    assert r.status_code == 200, (r.status_code, r.text)

    mood = distinctive("mood-")
    post_telemetry(server, wearable_token, {"heartRate": 61, "mood": mood}, ts=1_700_000_000_000)
    post_telemetry(server, wearable_token, {"heartRate": 64}, ts=1_700_000_060_000)
    post_telemetry(server, machine_token, {"rpm": 900}, ts=1_700_000_000_000)

    c = ConsoleClient(server.base_url)
    assert sign_in(c, email, GOOD_PASSWORD).path == "/", c.last.describe()
    z = download_export(c)
    devices = zip_csv(z, "devices.csv")
    assert [(d["device_id"], d["assigned_to_you"]) for d in devices] == [(wearable_id, "1")], devices
    readings = zip_csv(z, "telemetry.csv")
    assert sorted((r["device_id"], r["key"], r["ts"], r["value"]) for r in readings) == sorted([
        (wearable_id, "heartRate", "1700000000000", "61"), (wearable_id, "heartRate", "1700000060000", "64"),
        (wearable_id, "mood", "1700000000000", mood)]), readings
    assert {r["category"] for r in readings if r["key"] == "heartRate"} == {"user.health_and_medical"}
    assert machine_id not in z.read("data.json").decode()
    page = c.page("/account/privacy/data")
    shown = {tr.attrs["data-key"] for tr in section(page, "telemetry").find_all("tr") if tr.attrs.get("data-key")}
    assert shown == {"heartRate", "mood"}, shown

    done = delete_account(c, GOOD_PASSWORD)
    assert done.status == 200 and done.has("erased"), done.describe()
    assert not user_exists(server, email)

    # The organisation keeps its device, unassigned and without the person's readings; the rest is untouched.
    r = api(server, "GET", f"/api/device/{wearable_id}", jwt=tenant.jwt)
    assert r.status_code == 200, (r.status_code, r.text)
    for history in (True, False):
        got = timeseries(server, tenant.jwt, wearable_id, ["heartRate", "mood"], history=history)
        assert not valued(got, "heartRate") and not valued(got, "mood"), got
        assert valued(timeseries(server, tenant.jwt, machine_id, ["rpm"], history=history), "rpm") == ["900"]
    assert server.sql("SELECT person_id FROM device WHERE id = ?", (wearable_id,)) == [(None,)]
    assert server.sql("SELECT 1 FROM tenant WHERE id = ?", (tenant.id,))
    assert server.stored_containing([mood, email]) == []
    assert rest_login(server, tenant.admin_email, tenant.admin_password)


# -- the commands: steward dsr export|erase, steward backup -----------------------------------------------------

# promise: TM-17
def test_steward_dsr_export_writes_the_same_archive_while_the_server_runs(server, new_account, tmp_path):
    acct = new_account()
    jwt = rest_login(server, acct.email, acct.password)
    device_id, token = rest_device(server, jwt)
    post_telemetry(server, token, {"temperature": 20.5}, ts=1_700_000_000_000)
    out = tmp_path / "person.zip"
    res = server.cli("dsr", "export", "--email", acct.email.upper(), "--out", str(out), "--quiet")
    assert res["file"] == str(out) and res["bytes"] == out.stat().st_size > 0, res
    assert server.alive()
    import zipfile
    z = zipfile.ZipFile(out)
    assert z.testzip() is None
    assert set(EXPORT_FILES) <= set(z.namelist()), z.namelist()
    assert zip_csv(z, "profile.csv")[0]["email"] == acct.email
    assert [(r["device_id"], r["key"], r["value"]) for r in zip_csv(z, "telemetry.csv")] == [
        (device_id, "temperature", "20.5")]
    assert json.loads(z.read("data.json"))["profile"][0]["account_id"] == acct.user_id
    assert (out.stat().st_mode & 0o077) == 0, oct(out.stat().st_mode)

    missing = cli(server, "dsr", "export", "--email", f"{unique('nobody')}@example.test", "--out",
                  str(tmp_path / "nobody.zip"))
    assert missing.returncode == 1 and "no account" in missing.stderr, (missing.returncode, missing.stderr)


# promise: TB-12
def test_steward_dsr_erase_needs_yes_prints_the_receipt_and_refuses_unknown_people(server, new_account):
    acct = new_account()
    unconfirmed = cli(server, "dsr", "erase", "--email", acct.email)
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr, (unconfirmed.returncode, unconfirmed.stderr)
    assert user_exists(server, acct.email)

    unknown = f"{unique('nobody')}@example.test"
    missing = cli(server, "dsr", "erase", "--email", unknown, "--yes")
    assert missing.returncode == 1 and "no account" in missing.stderr and unknown in missing.stderr, missing.stderr

    done = cli(server, "dsr", "erase", "--email", acct.email, "--yes")
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout)
    assert {e["what"]: int(e["rows"]) for e in receipt["erased"]}.get("account") == 1, receipt
    assert receipt["kept"] and all(k["legalHold"] for k in receipt["kept"]), receipt
    assert acct.email not in done.stdout
    assert server.sql("SELECT 1 FROM erasure_receipt WHERE id = ?", (receipt["receipt"],))
    assert not user_exists(server, acct.email)
    assert not opens_account(server, acct.client.session_cookie)
    assert sign_in(ConsoleClient(server.base_url), acct.email, acct.password).status == 401
    again = cli(server, "dsr", "erase", "--email", acct.email, "--yes")
    assert again.returncode == 1 and "no account" in again.stderr, again.stderr


def test_steward_backup_writes_a_consistent_database_and_never_overwrites(server, new_account, tmp_path):
    acct = new_account()
    out = tmp_path / "steward-backup.sqlite"
    res = cli(server, "backup", "--out", str(out))
    assert res.returncode == 0 and str(out) in res.stdout, (res.returncode, res.stdout, res.stderr)
    assert server.alive()
    con = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert (acct.user_id,) in con.execute("SELECT id FROM user").fetchall()
        assert con.execute("SELECT COUNT(*) FROM user").fetchone() == tuple(server.sql("SELECT COUNT(*) FROM user")[0])
        assert con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] > 0
    finally:
        con.close()
    assert (out.stat().st_mode & 0o077) == 0, oct(out.stat().st_mode)

    before = out.read_bytes()
    again = cli(server, "backup", "--out", str(out))
    assert again.returncode == 1 and "exists" in again.stderr, (again.returncode, again.stderr)
    assert out.read_bytes() == before


# -- the rights the declaration names ------------------------------------------------------------------------------

def declared_rights(server) -> list[dict]:
    r = requests.get(f"{server.base_url}/privacy.json", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["rights"]


def test_every_rights_page_the_declaration_names_exists(server, new_account):
    rights = declared_rights(server)
    bundled = re.findall(r"^  - \{key: ([a-z-]+), page: (\S+)\}$", DEFAULT_PRIVACY_YAML, re.M)
    assert bundled and [(r["key"], r["page"]) for r in rights] == bundled, (rights, bundled)
    acct = new_account()
    missing = []
    for right in rights:
        page = acct.client.page(right["page"])
        if page.status == 404:
            missing.append(f"{right['key']} -> {right['page']}")
        else:
            assert page.status == 200 and page.path != "/sign-in", (right, page.describe())
    assert missing == [], f"declared rights pages answer 404: {missing}"
