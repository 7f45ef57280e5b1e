"""Self-service rights in a real browser: Selenium driving Debian's headless Chromium from sign-up through My Account
→ "See everything we hold about you" → back → the download link → Delete Account → the erased page with its receipt
link. Every step is saved as $STEWARD_TEST_OUTPUT/screenshots/rights-NN-<step>.png for review."""
from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urlparse

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_support import Shots, chrome, click_and_wait, fill, loaded, submit, wait_for, wait_path
from console_support import GOOD_PASSWORD, link_from
from steward_harness import OUTPUT_DIR, unique


@pytest.fixture(scope="module")
def browser():
    driver = chrome("rights-")
    yield driver
    driver.quit()


def cookies_of(driver) -> dict[str, str]:
    return {c["name"]: c["value"] for c in driver.get_cookies()}


# (the same walk checks the TM-17 download link and that the MS-3 receipt link works without an account)
# promise: TM-15
# promise: TB-12
def test_browser_see_download_and_delete_my_data(server, smtp, browser):
    d, base, shot = browser, server.base_url, Shots(browser, "rights-")
    email = f"{unique('rights-browser')}@example.test"

    d.get(f"{base}/sign-up")
    submit(d, wait_for(d, "#cookie-banner form"))  # "Reject all", as a person would answer it first
    form = wait_for(d, "form[action='/sign-up']")
    fill(form, "name", "Rights Browser")
    fill(form, "email", email)
    fill(form, "password", GOOD_PASSWORD)
    Select(form.find_element(By.NAME, "jurisdiction")).select_by_value("DE")
    fill(form, "birth_year", "1988")
    form.find_element(By.NAME, "agree_policy").click()
    shot("sign-up")
    submit(d, form)
    assert email in wait_for(d, "#check-email").text

    d.get(link_from(smtp.wait_for_mail(email, "Confirm your email"), "/confirm-email"))
    submit(d, wait_for(d, "#confirm-form"))
    wait_for(d, "#confirmed")
    shot("confirmed")

    d.get(f"{base}/sign-in")
    form = wait_for(d, "form[action='/sign-in']")
    fill(form, "email", email)
    fill(form, "password", GOOD_PASSWORD)
    submit(d, form)
    wait_for(d, "#start")

    click_and_wait(d, d.find_element(By.CSS_SELECTOR, "a[href='/account']"))
    wait_for(d, "#profile-form")
    see = d.find_element(By.ID, "see-data")
    assert "everything we hold" in see.text, see.text
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", see)
    shot("account-your-data")

    click_and_wait(d, see)
    wait_path(d, "/account/privacy/data")
    profile = wait_for(d, "#data-profile")
    # Each kind of record opens from its summary (the page starts folded); the record is there once it is opened.
    assert email not in profile.text, "the page should open as a summary"
    profile.find_element(By.CSS_SELECTOR, "details.data-details > summary").click()
    assert email in profile.text and "Rights Browser" in profile.text, profile.text[:500]
    assert profile.find_element(By.CSS_SELECTOR, ".source").text == "you, on the sign-up form"
    assert profile.find_elements(By.CSS_SELECTOR, "table.facts tr[data-category='user.contact.email']")
    for name in ("consents", "sign_ins", "sessions", "api_keys", "audit", "usage", "mail", "devices", "telemetry"):
        assert d.find_elements(By.ID, f"data-{name}"), f"no #data-{name} on the page"
    shot("data")
    d.execute_script("document.getElementById('data-sign_ins').scrollIntoView()")
    shot("data-sign-ins")

    d.back()
    wait_path(d, "/account")
    wait_for(d, "#profile-form")
    download = d.find_element(By.ID, "download-data")
    href = download.get_attribute("href")
    assert urlparse(href).path == "/account/privacy/export" and href.startswith(base), href
    # The link leads to a page whose button POSTs the download with the session's CSRF token.
    click_and_wait(d, download)
    wait_path(d, "/account/privacy/export")
    export_form = wait_for(d, "#export-form")
    csrf = export_form.find_element(By.CSS_SELECTOR, "input[name='csrf']").get_attribute("value")
    r = requests.post(href, data={"csrf": csrf}, cookies=cookies_of(d), timeout=120)  # what the button gives this session
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip", (r.status_code, r.headers)
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None and email in archive.read("profile.csv").decode()
    d.back()
    wait_path(d, "/account")
    wait_for(d, "#profile-form")
    shot("account-back")

    click_and_wait(d, d.find_element(By.ID, "delete-account"))
    wait_path(d, "/account/privacy/delete")
    stays = wait_for(d, "#what-stays")
    assert "Audit trail" in stays.text, stays.text
    shot("delete-account")
    form = d.find_element(By.ID, "delete-account-form")
    fill(form, "password", GOOD_PASSWORD)
    box = form.find_element(By.CSS_SELECTOR, "input[name='confirm']")
    box.click()
    assert box.is_selected()
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
    shot("delete-filled")
    submit(d, form)

    erased = wait_for(d, "#erased")
    assert "erased" in erased.text
    link = d.find_element(By.ID, "receipt-link")
    receipt_url = link.get_attribute("href")
    assert re.fullmatch(re.escape(base) + r"/privacy/receipt/[A-Za-z0-9_\-]+\?t=[0-9a-f]{16,}", receipt_url), receipt_url
    assert link.get_attribute("download") is not None
    assert d.find_elements(By.CSS_SELECTOR, "#erased-list li") and d.find_elements(By.CSS_SELECTOR, "#kept-list li")
    shot("erased")
    assert "steward_session" not in cookies_of(d)

    receipt = requests.get(receipt_url, timeout=30)  # no cookies: the link alone opens it
    assert receipt.status_code == 200 and receipt.json()["kept"], (receipt.status_code, receipt.text[:300])
    assert email not in receipt.text

    d.get(f"{base}/account")
    wait_path(d, "/sign-in")
    shot("after-deletion")


def test_phone_size_the_rights_pages_do_not_scroll_sideways(server, new_account, browser):
    d, base, shot = browser, server.base_url, Shots(browser, "rights-")
    shot.n = 20
    acct = new_account(name="Phone Person")
    d.get(f"{base}/sign-in")
    loaded(d)
    d.add_cookie({"name": "steward_session", "value": acct.client.session_cookie, "path": "/"})
    d.set_window_size(390, 844)
    try:
        for path, css, name in (("/account/privacy/data", "#data-profile", "phone-data"),
                                ("/account/privacy/delete", "#delete-account-form", "phone-delete")):
            d.get(f"{base}{path}")
            wait_path(d, path)
            wait_for(d, css)
            shot(name)
            scroll, inner = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{path} scrolls sideways on a phone: scrollWidth {scroll} > innerWidth {inner}"
    finally:
        d.set_window_size(1280, 1000)
