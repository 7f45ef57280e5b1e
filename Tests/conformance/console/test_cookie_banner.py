"""The cookie banner (MB-10): first visit, reject all as easy as accept all, per-purpose choice, required cookies
always on, choices in the ledger and in a cookie with the policy version; no optional cookie before consent."""
from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By

from console_support import ConsoleClient
from browser_support import Shots, chrome, click_and_wait, submit, wait_for

REQUIRED = {"steward_session", "steward_csrf", "steward_consent"}


def ledger(server, subject_like: str) -> list[tuple]:
    return server.sql("SELECT purpose, state, method, policy_version FROM consent_event WHERE subject LIKE ? ORDER BY seq",
                      (subject_like,))


# promise: MB-10
def test_banner_offers_reject_all_accept_all_and_a_choice(server):
    c = ConsoleClient(server.base_url)
    page = c.page("/sign-in")
    banner = page.by_id("cookie-banner")
    assert banner is not None, page.describe()
    buttons = {b.attrs.get("value") for b in banner.find_all("button")}
    assert {"reject-all", "accept-all", "save"} <= buttons
    text = banner.text()
    for required in ("steward_session", "steward_csrf", "steward_consent"):
        assert required in text  # each required cookie is named with its lifetime and reason
    assert "always on" in text
    boxes = {i.attrs.get("value") for i in banner.find_all("input") if i.attrs.get("name") == "category"}
    assert boxes == {"analytics", "marketing"}
    assert set(c.cookies.keys()) <= REQUIRED  # nothing optional before a choice

    done = c.post_form("/cookies", {"choice": "reject-all", "return_to": "/sign-in"})
    assert done.status == 200 and done.path == "/sign-in" and done.by_id("cookie-banner") is None, done.describe()
    consent = c.cookies.get("steward_consent")
    version, allowed, visitor = consent.split("~")
    assert allowed == "" and len(visitor) >= 16
    assert version == requests.get(server.base_url + "/privacy.json", timeout=30).json()["version"]
    rows = ledger(server, f"visitor:{visitor}")
    assert sorted((r[0], r[1], r[2]) for r in rows) == [("analytics", "refused", "banner"), ("marketing", "refused", "banner")]

    chosen = c.post_form("/cookies", {"choice": "save", "category": "analytics", "return_to": "/cookies"})
    assert chosen.status == 200
    assert c.cookies.get("steward_consent").split("~")[1] == "analytics"
    assert ledger(server, f"visitor:{visitor}")[-2:] == [("analytics", "given", "banner", version),
                                                           ("marketing", "refused", "banner", version)]
    assert set(c.cookies.keys()) <= REQUIRED


# promise: MB-10
def test_banner_choice_needs_a_valid_csrf_token(server):
    c = ConsoleClient(server.base_url)
    c.page("/sign-in")
    forged = c.post_form("/cookies", {"choice": "accept-all"}, csrf="forged")
    assert forged.status == 403
    assert c.cookies.get("steward_consent") is None


# promise: MS-9
def test_gpc_shows_in_the_banner_and_keeps_optional_purposes_off(server):
    c = ConsoleClient(server.base_url)
    c.headers["Sec-GPC"] = "1"
    page = c.page("/sign-in")
    assert page.by_id("banner-signal") is not None, page.describe()
    c.post_form("/cookies", {"choice": "accept-all", "return_to": "/sign-in"})
    version, allowed, visitor = c.cookies.get("steward_consent").split("~")
    assert allowed == ""  # accept-all does not override the signal
    assert {(r[0], r[1], r[2]) for r in ledger(server, f"visitor:{visitor}")} == {
        ("analytics", "refused", "gpc"), ("marketing", "refused", "gpc")}


# promise: MS-9
def test_no_signal_no_signal_notice(server):
    """A browser that sends no GPC/DNT (or sends them empty or as 0) is not told it sends one."""
    for headers in ({}, {"Sec-GPC": "", "DNT": ""}, {"Sec-GPC": "0", "DNT": "0"}):
        c = ConsoleClient(server.base_url)
        c.headers.update(headers)
        page = c.page("/sign-in")
        assert page.has("cookie-banner"), page.describe()
        assert page.by_id("banner-signal") is None, (headers, page.describe())
        assert "Your browser sends" not in page.html, headers


@pytest.fixture(scope="module")
def browser():
    driver = chrome("cookies-")
    yield driver
    driver.quit()


# promise: MB-10
def test_banner_in_a_real_browser(server, browser):
    d, shot = browser, Shots(browser, "cookies-")
    d.delete_all_cookies()
    d.get(f"{server.base_url}/sign-in")
    banner = wait_for(d, "#cookie-banner")
    shot("cookie-banner")
    assert {c["name"] for c in d.get_cookies()} <= REQUIRED - {"steward_consent"}
    click_and_wait(d, banner.find_element(By.ID, "reject-all"))
    assert not d.find_elements(By.ID, "cookie-banner")
    names = {c["name"] for c in d.get_cookies()}
    assert "steward_consent" in names and names <= REQUIRED, names
    shot("after-reject-all")
    click_and_wait(d, d.find_element(By.ID, "cookie-settings"))  # the footer link reopens the choice
    form = wait_for(d, "#cookie-form")
    form.find_element(By.CSS_SELECTOR, "input[value='analytics']").click()
    click_and_wait(d, form.find_element(By.ID, "save-choice"))
    consent = next(c["value"] for c in d.get_cookies() if c["name"] == "steward_consent")
    assert consent.split("~")[1] == "analytics"
    shot("cookie-settings-saved")


# Walk P2.12: a choice made in the banner before signing in is carried into the account's own ledger.
def test_banner_choice_before_sign_in_is_carried_into_the_account(server, new_account):
    from console_support import sign_in
    account = new_account(name="Banner Carrier")
    c = ConsoleClient(server.base_url)
    c.page("/sign-in")
    chosen = c.post_form("/cookies", {"choice": "save", "category": "analytics", "return_to": "/sign-in"})
    assert chosen.status == 200, chosen.describe()
    visitor = c.cookies.get("steward_consent").split("~")[2]
    assert sign_in(c, account.email, account.password).path == "/"
    consents = c.page("/account/consents")
    assert consents.by_id("consent-analytics").text().strip() == "given", consents.describe()
    assert consents.by_id("consent-marketing").text().strip() == "refused", consents.describe()
    user_id = server.user_row(account.email)["id"]
    own = ledger(server, f"user:{user_id}")
    assert sorted((r[0], r[1], r[2]) for r in own) == [("analytics", "given", "banner"), ("marketing", "refused", "banner")]
    # Signing in again carries nothing twice; a later choice made while signed in stays the newest.
    c.post_form("/sign-out", {})
    assert sign_in(c, account.email, account.password).path == "/"
    assert len(ledger(server, f"user:{user_id}")) == 2
    assert len(ledger(server, f"visitor:{visitor}")) == 2
