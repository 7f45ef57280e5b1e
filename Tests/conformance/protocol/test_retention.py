"""Retention enforced (issue 14): records older than their category's declared period are deleted by the server's
job and by `steward retention run`, younger ones stay, and a run that deleted something is in the audit trail.

Time is moved with `STEWARD_CLOCK_OFFSET_DAYS` (server and CLI), so "91 days later" happens now. The bundled
declaration keeps the sign-in history for 90 days (`user.account.sign_in_history: P90D, delete`).
"""
import time

import pytest
import requests

from steward_harness import StewardServer, Tenant

OFFSET = "STEWARD_CLOCK_OFFSET_DAYS"


@pytest.fixture
def signed_in():
    srv = StewardServer("retention")
    try:
        srv.start()
        tenant = Tenant(srv)
        for _ in range(3):
            srv.login(tenant.admin_email, tenant.admin_password)
        r = requests.post(f"{srv.base_url}/api/auth/login",
                          json={"username": tenant.admin_email, "password": "wrong-password-1"}, timeout=30)
        assert r.status_code == 401, r.text
    except Exception:
        srv.cleanup()
        raise
    yield srv, tenant
    srv.cleanup()


def sign_ins(srv) -> int:
    return srv.db_sql("SELECT COUNT(*) FROM sign_in")[0][0]


def retention_rows(report: dict, records: str) -> list[dict]:
    return [row for row in report["rows"] if row["records"] == records]


# promise: MB-14
def test_the_cli_deletes_sign_ins_past_their_period_and_keeps_younger_ones(signed_in):
    srv, _ = signed_in
    recorded = sign_ins(srv)
    assert recorded >= 4, f"the logins left {recorded} sign-in records"

    # 89 days later the sign-ins are within their 90 days: a run keeps them (the sessions, which ended within
    # hours and are kept 30 days after, go).
    srv.extra_env[OFFSET] = "89"
    report = srv.cli("retention", "run")
    row = retention_rows(report, "signIns")[0]
    assert (row["category"], row["rule"], row["period"], row["affected"]) == (
        "user.account.sign_in_history", "delete", "P90D", 0), row
    assert sign_ins(srv) == recorded
    assert retention_rows(report, "sessions")[0]["affected"] >= 3, report
    assert srv.db_sql("SELECT COUNT(*) FROM session")[0][0] == 0

    # 91 days later a dry run counts them and deletes nothing …
    srv.extra_env[OFFSET] = "91"
    dry = srv.cli("retention", "run", "--dry-run")
    assert dry["dryRun"] is True and retention_rows(dry, "signIns")[0]["affected"] == recorded, dry
    assert sign_ins(srv) == recorded

    # … and a run deletes them, says so, and records itself.
    report = srv.cli("retention", "run")
    assert retention_rows(report, "signIns")[0]["affected"] == recorded, report
    assert sign_ins(srv) == 0
    entries = srv.db_sql("SELECT credential, detail FROM audit_log WHERE event = 'retention.run' ORDER BY seq")
    assert [e[0] for e in entries] == ["cli", "cli"], entries
    assert "user.account.sign_in_history signIns delete P90D affected=0" in entries[0][1], entries
    assert f"user.account.sign_in_history signIns delete P90D affected={recorded}" in entries[1][1], entries

    # The text table names the category and what went.
    text = srv.cli("retention", "status", json_out=False)
    assert text.returncode == 0, text.stderr
    assert "user.account.sign_in_history" in text.stdout and "90 days" in text.stdout, text.stdout
    assert "kept until the account is deleted" in text.stdout, text.stdout


# promise: MB-14
def test_the_server_job_deletes_them_on_its_own(signed_in):
    srv, _ = signed_in
    recorded = sign_ins(srv)
    assert recorded >= 4
    srv.extra_env[OFFSET] = "100"
    srv.restart()  # the job runs at start, then hourly
    deadline = time.monotonic() + 30
    entries: list = []
    while time.monotonic() < deadline:
        entries = srv.db_sql("SELECT credential, detail FROM audit_log WHERE event = 'retention.run'")
        if entries:
            break
        time.sleep(0.2)
    assert [e[0] for e in entries] == ["retention"], (entries, srv.log_tail())
    assert f"signIns delete P90D affected={recorded}" in entries[0][1], entries
    assert sign_ins(srv) == 0
    r = requests.get(f"{srv.base_url}/api/health", timeout=10)
    assert r.json().get("clockOffsetDays") == 100


def test_a_bad_retention_interval_stops_serve():
    bad = StewardServer("retention-bad", env={"STEWARD_RETENTION_INTERVAL": "0"})
    try:
        with pytest.raises(Exception) as failure:
            bad.start()
        assert "STEWARD_RETENTION_INTERVAL=0 (expected a whole number from 1 to 100000000)" in str(failure.value)
    finally:
        bad.cleanup()


# promise: MB-14
def test_positions_past_ninety_days_go_and_other_readings_stay(signed_in):
    """The bundled mapping puts `lat`/`lon` in user.location.precise (90 days, delete) and other keys in
    user.telemetry (1 year, aggregate: folded into the tenant's daily statistics, then deleted)."""
    srv, tenant = signed_in
    device = tenant.device()
    day = 86_400_000
    now = int(time.time() * 1000)
    old, recent = now - 100 * day, now - 10 * day
    ancient = (now - 400 * day) // day * day + 3_600_000  # an hour into a UTC day, 400 days back
    body = [{"ts": ancient, "values": {"temperature": 19.5}},
            {"ts": ancient + 60_000, "values": {"temperature": 20.5}},
            {"ts": old, "values": {"lat": 48.2, "lon": 16.37, "temperature": 21.5}},
            {"ts": recent, "values": {"lat": 48.3, "lon": 16.38, "temperature": 22.0}}]
    r = requests.post(f"{srv.base_url}/api/v1/{device['accessToken']}/telemetry", json=body, timeout=10)
    assert r.status_code == 200, r.text

    report = srv.cli("retention", "run")
    position = [row for row in report["rows"] if row["category"] == "user.location.precise"]
    assert [row["records"] for row in position] == ["readings", "device attributes"], position
    assert (position[0]["affected"], position[0]["oldest"]) == (2, recent), position
    telemetry = [row for row in report["rows"] if row["category"] == "user.telemetry"][0]
    assert (telemetry["rule"], telemetry["affected"], telemetry["oldest"]) == ("aggregate", 2, old), telemetry
    # What the aggregate rule keeps: the day's count, sum, minimum and maximum, for the tenant, without the device.
    kept = srv.db_sql("SELECT category, key, day, count, sum, min, max FROM statistic WHERE key = 'temperature'")
    rows = [(r[0], r[1], int(r[2]), int(r[3]), float(r[4]), float(r[5]), float(r[6])) for r in kept]
    assert rows == [("user.telemetry", "temperature", ancient // day, 2, 40.0, 19.5, 20.5)], kept

    got = srv.telemetry_query(device["id"], ["lat", "lon", "temperature"], 0, now + 1, order="ASC")
    assert [p["ts"] for p in got["lat"]] == [recent], got
    assert [p["ts"] for p in got["lon"]] == [recent], got
    assert [p["ts"] for p in got["temperature"]] == [old, recent], got
    # History by the day still answers for the deleted readings, from the device's daily and hourly totals, through
    # the REST API as ThingsBoard clients ask for it.
    start = ancient // day * day
    r = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{device['id']}/values/timeseries",
                    params={"keys": "temperature", "startTs": start, "endTs": start + 2 * day, "interval": day,
                            "agg": "AVG", "orderBy": "ASC"})
    assert r.status_code == 200, r.text
    assert [(p["ts"], float(p["value"])) for p in r.json()["temperature"]] == [(start + day // 2, 20.0)], r.text
    hourly = [row for row in report["rows"] if row["category"] == "user.telemetry" and row["records"] == "hourly totals"]
    assert [(row["period"], row["affected"]) for row in hourly] == [("P2Y", 0)], report["rows"]
    unopened = [row for row in report["rows"] if row["category"] == "unopened accounts"]
    assert [(row["period"], row["affected"]) for row in unopened] == [("P7D", 0)], report["rows"]
    diagnostics = [row for row in report["rows"] if row["category"] == "user.diagnostics"]
    assert [(row["records"], row["rule"]) for row in diagnostics] == [("diagnostics", "aggregate")], diagnostics
    again = srv.cli("retention", "run")
    assert [row["affected"] for row in again["rows"] if row["category"] == "user.telemetry"] == [0, 0, 0, 0], again
    entries = srv.db_sql("SELECT detail FROM audit_log WHERE event = 'retention.run'")
    assert any("user.location.precise readings delete P90D affected=2" in e[0] for e in entries), entries


# promise: MB-14
def test_audit_entries_past_two_years_are_pruned_and_the_trail_still_verifies(signed_in):
    """system.audit is kept 2 years (P2Y, with a legal hold against erasure): after that the oldest entries go as a
    prefix, an `audit.pruned` entry names what went, and `steward audit verify` still finds the trail intact. The
    addresses of entries past 90 days are cut to their network first (user.device.ip_address, anonymize)."""
    srv, _ = signed_in
    before = srv.db_sql("SELECT COUNT(*), MIN(seq) FROM audit_log")[0]
    assert before[0] >= 4 and before[1] == 1, before
    addresses = [row[0] for row in srv.db_sql("SELECT ip FROM audit_log WHERE ip IS NOT NULL AND ip <> ''")]
    assert addresses and all("/" not in ip for ip in addresses), addresses

    srv.extra_env[OFFSET] = "100"
    report = srv.cli("retention", "run")
    cut = retention_rows(report, "auditAddress")
    assert cut and cut[0]["affected"] >= 1, report["rows"]
    assert all("/" in row[0] for row in srv.db_sql(
        "SELECT ip FROM audit_log WHERE ip IS NOT NULL AND ip <> '' AND event <> 'retention.run'")), "addresses not cut"
    assert retention_rows(report, "audit entries")[0]["affected"] == 0, report["rows"]
    verify = srv.cli("audit", "verify", json_out=False)
    assert verify.returncode == 0 and "intact" in verify.stdout, (verify.stdout, verify.stderr)

    srv.extra_env[OFFSET] = "800"
    report = srv.cli("retention", "run")
    pruned = retention_rows(report, "audit entries")[0]
    assert (pruned["category"], pruned["period"]) == ("system.audit", "P2Y"), pruned
    assert pruned["affected"] >= before[0], pruned
    assert srv.db_sql("SELECT MIN(seq) FROM audit_log")[0][0] > before[0]
    details = [row[0] for row in srv.db_sql("SELECT detail FROM audit_log WHERE event = 'audit.pruned'")]
    assert len(details) == 1 and details[0].startswith("removed entries #1 to #"), details
    verify = srv.cli("audit", "verify", json_out=False)
    assert verify.returncode == 0 and "intact" in verify.stdout, (verify.stdout, verify.stderr)

    # Removing one more entry and moving the anchor past it is caught: no entry vouches for the new start.
    first = srv.db_sql("SELECT MIN(seq) FROM audit_log")[0][0]
    srv.db_sql("DELETE FROM audit_log WHERE seq = ?", (first,))
    srv.db_sql("UPDATE audit_anchor SET seq = ?, hash = (SELECT prev_hash FROM audit_log WHERE seq = ?)", (first, first + 1))
    verify = srv.cli("audit", "verify", json_out=False, check=False)
    assert verify.returncode != 0 and "no audit.pruned entry vouches" in verify.stdout + verify.stderr, (verify.stdout, verify.stderr)
