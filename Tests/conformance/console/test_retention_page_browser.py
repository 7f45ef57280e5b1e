"""The retention page (issue 14, MB-14): `/retention` shows the system administrator where the declaration's retention
stands (a dry run counted on each load: periods in words, what is waiting to go, the age of the oldest record) and the
last `retention.run` entries of the audit trail, in Chromium at desktop and phone width. Tenant administrators are
refused and visitors sent to sign in. Screenshots go to $STEWARD_TEST_OUTPUT/screenshots/retention-NN-<step>.png.

Expired data is made two ways: positions (`lat`, `lon`, user.location.precise, 90 days) written 100 days back, which
the page counts as waiting at once, and sign-ins (user.account.sign_in_history, 90 days) that `steward retention run`
deletes with the CLI's clock moved 91 days (`STEWARD_CLOCK_OFFSET_DAYS`, as in protocol/test_retention.py)."""
from __future__ import annotations

import re
import time

import pytest
import requests
from selenium.webdriver.common.by import By

from browser_support import Shots, chrome, fill, loaded, no_sideways_scroll, submit, wait_for
from console_support import ConsoleClient, sign_in
from steward_harness import Tenant

WIDTHS = {"desktop": (1280, 1000), "phone": (390, 844)}
OFFSET = "STEWARD_CLOCK_OFFSET_DAYS"
DAY = 86_400_000


@pytest.fixture(scope="module")
def browser():
    driver = chrome("retention-")
    yield driver
    driver.quit()


def look(driver, shot, name: str, focus=None) -> None:
    """Screenshots the current page at both widths (with `focus` in view) and checks nothing overflows sideways."""
    for label, (width, height) in WIDTHS.items():
        driver.set_window_size(width, height)
        loaded(driver)
        if focus is not None:
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", focus)
        shot(f"{name}-{label}")
        scroll, inner = no_sideways_scroll(driver)
        assert scroll <= inner, f"{name} scrolls sideways at {label} width: {scroll} > {inner}"
    driver.set_window_size(*WIDTHS["desktop"])


def open_as_sysadmin(driver, server) -> None:
    """Opens /retention, signing the system administrator in first when the session is gone (a run with the
    clock moved ends it)."""
    driver.get(f"{server.base_url}/retention")
    loaded(driver)
    if "/sign-in" in driver.current_url:
        banner = driver.find_elements(By.CSS_SELECTOR, "#cookie-banner form")
        if banner:
            submit(driver, banner[0])  # "Reject all", as a person answers it first
        form = wait_for(driver, "form[action='/sign-in']")
        fill(form, "email", server.admin_email)
        fill(form, "password", server.admin_password)
        submit(driver, form)
        wait_for(driver, "main")
        driver.get(f"{server.base_url}/retention")
    wait_for(driver, "#retention-categories")


def category_row(driver, key: str):
    return driver.find_element(By.CSS_SELECTOR, f"#retention-categories tr[data-category='{key}']")


def cells(row) -> dict[str, str]:
    return {td.get_attribute("data-label"): td.get_attribute("textContent").strip() for td in row.find_elements(By.TAG_NAME, "td")}


# promise: MB-14
def test_the_system_administrator_sees_where_retention_stands_and_the_runs(server, smtp, browser):
    d, shot = browser, Shots(browser, "retention-")
    tenant = Tenant(server)
    device = tenant.device()
    now = int(time.time() * 1000)
    old = now - 100 * DAY
    r = requests.post(f"{server.base_url}/api/v1/{device['accessToken']}/telemetry",
                      json=[{"ts": old, "values": {"lat": 48.2, "lon": 16.37}},
                            {"ts": old + 60_000, "values": {"lat": 48.21, "lon": 16.38}}], timeout=10)
    assert r.status_code == 200, r.text

    open_as_sysadmin(d, server)
    assert d.find_elements(By.CSS_SELECTOR, "nav a[href='/retention']"), "the navigation links the page"
    main = d.find_element(By.TAG_NAME, "main").text
    assert "Counted just now" in main and "UTC" in main, main[:600]
    assert d.find_elements(By.CSS_SELECTOR, "main a[href='/privacy#retention']")
    assert "steward retention run --dry-run" in main
    # Periods in words, the category's name with its key, the lifetime categories with their note.
    sign_ins = cells(category_row(d, "user.account.sign_in_history"))
    assert sign_ins["Kept for"] == "90 days" and "Sign-in records" in sign_ins["Category"], sign_ins
    assert "user.account.sign_in_history" in sign_ins["Category"], sign_ins
    telemetry = cells(category_row(d, "user.telemetry"))
    assert telemetry["Kept for"] == "1 year" and telemetry["Then"].startswith("aggregate (hourly totals"), telemetry
    lifetime = cells(category_row(d, "user.name"))
    assert lifetime["Note"] == "kept until the account is deleted", lifetime
    # The categories a run sweeps come first, those kept for the account's lifetime last.
    order = [tr.get_attribute("data-category") for tr in d.find_elements(By.CSS_SELECTOR, "#retention-categories tbody tr")]
    assert order.index("user.account.sign_in_history") < order.index("user.name"), order
    assert order[-1] != "user.location.precise" and cells(category_row(d, order[-1]))["Note"], order
    audit = category_row(d, "system.audit")
    hold = audit.find_element(By.CSS_SELECTOR, "details summary")
    assert hold.text == "Yes"
    hold.click()
    assert "17(3)" in audit.find_element(By.CSS_SELECTOR, "details").text, audit.text
    # The old positions are waiting, and their age is in days, not an epoch number.
    positions = cells(category_row(d, "user.location.precise"))
    assert positions["Waiting to go"] == "4", positions  # lat and lon of two readings
    assert positions["Oldest record"] == "100 days", positions
    assert "due" in category_row(d, "user.location.precise").find_element(By.CSS_SELECTOR, "td.waiting").get_attribute("class")
    assert "4 records past their period would go in the next run" in main, main[:900]
    assert not re.search(r"\d{12,}", main), "an epoch number on the page"
    # Nothing ran yet: the empty state says what happens and how to look ahead.
    empty = d.find_element(By.ID, "no-runs").text
    assert "No run has deleted anything yet" in empty and "every hour" in empty, empty
    look(d, shot, "before-run")
    look(d, shot, "before-run-table", d.find_element(By.ID, "retention-categories"))
    look(d, shot, "legal-hold-open", audit)
    look(d, shot, "no-runs", d.find_element(By.ID, "runs"))

    # Sign-ins, then a run 91 days later deletes them (and the positions) and is recorded.
    for _ in range(3):
        server.login(tenant.admin_email, tenant.admin_password)
    recorded = server.db_sql("SELECT COUNT(*) FROM sign_in")[0][0]
    assert recorded >= 4, recorded
    server.extra_env[OFFSET] = "91"
    try:
        report = server.cli("retention", "run")
    finally:
        del server.extra_env[OFFSET]
    assert report["affected"] > 0, report

    open_as_sysadmin(d, server)
    runs = d.find_elements(By.CSS_SELECTOR, "#retention-runs > li")
    assert len(runs) == 1, [run.text for run in runs]
    assert not d.find_elements(By.ID, "no-runs")
    heading = runs[0].find_element(By.TAG_NAME, "h3").text
    assert "command line" in heading and f"{report['affected']:,} records" in heading, heading
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC", heading), heading
    lines = {row.find_elements(By.TAG_NAME, "td")[1].text: row.find_elements(By.TAG_NAME, "td")[2].text
             for row in runs[0].find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert lines.get("sign-ins") == str(recorded), lines
    assert lines.get("readings") == "4", lines
    assert "0" not in lines.values(), f"lines that deleted nothing are left out: {lines}"
    total = runs[0].find_element(By.CSS_SELECTOR, "tfoot td").text
    assert total == f"{report['affected']:,}", (total, report["affected"])
    assert "Sign-in records" in runs[0].text, runs[0].text
    positions = cells(category_row(d, "user.location.precise"))
    assert positions["Waiting to go"] == "0" and positions["Oldest record"] == "none left", positions
    look(d, shot, "after-run")
    look(d, shot, "after-run-runs", d.find_element(By.ID, "runs"))


def test_only_the_system_administrator_may_see_it(server, smtp):
    tenant = Tenant(server)
    admin = ConsoleClient(server.base_url)
    try:
        page = sign_in(admin, tenant.admin_email, tenant.admin_password)
        assert page.path == "/", page
        assert "/retention" not in page.html, "the link is for the system administrator only"
        refused = admin.page("/retention")
        assert refused.status == 403, refused
        assert refused.by_id("retention-categories") is None and "Sign-in records" not in refused.html
    finally:
        admin.close()
    visitor = ConsoleClient(server.base_url)
    try:
        away = visitor.page("/retention", follow=False)
        assert away.status == 303 and away.response.headers["Location"] == "/sign-in", away
    finally:
        visitor.close()
