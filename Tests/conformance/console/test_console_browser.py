"""The console in a real browser: Selenium driving Debian's headless Chromium through sign-up, the emailed
confirmation link, sign-in, TOTP setup, sign-in with TOTP, a profile edit and sign-out. Every page visited is
saved as a screenshot under $STEWARD_TEST_OUTPUT/screenshots/ for review; a phone-size pass checks that the
sign-in and My Account pages do not scroll sideways."""
from __future__ import annotations


import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_support import (
    Shots, chrome, fill, flash, loaded, no_sideways_scroll, replaced, submit, wait_for, wait_path)
from console_support import GOOD_PASSWORD, TotpDevice, link_from
from steward_harness import OUTPUT_DIR, unique


@pytest.fixture(scope="module")
def browser():
    driver = chrome("walk-")
    yield driver
    driver.quit()


def sign_in_form(driver, base: str, email: str, password: str) -> None:
    if not driver.current_url.split("?")[0].endswith("/sign-in"):
        driver.get(f"{base}/sign-in")
    form = wait_for(driver, "form[action='/sign-in']")
    fill(form, "email", email)
    fill(form, "password", password)
    submit(driver, form)


# promise: MB-4
# (the same walk also covers MB-5 confirmation, MB-6 TOTP and MS-2 profile fields in a real browser)
def test_browser_sign_up_to_sign_out(server, smtp, browser):
    d, base, shot = browser, server.base_url, Shots(browser, "walk-")
    email = f"{unique('browser')}@example.test"

    d.get(f"{base}/sign-up")
    # A first visit shows the cookie banner; the walk answers it first, as a person would.
    submit(d, wait_for(d, "#cookie-banner form"))  # its first button is "Reject all"
    assert not d.find_elements(By.ID, "cookie-banner")
    form = wait_for(d, "form[action='/sign-up']")
    shot("sign-up")
    fill(form, "name", "Browser Person")
    fill(form, "email", email)
    fill(form, "password", GOOD_PASSWORD)
    Select(form.find_element(By.NAME, "jurisdiction")).select_by_value("DE")
    fill(form, "birth_year", "1990")
    form.find_element(By.NAME, "agree_policy").click()
    submit(d, form)
    wait_for(d, "#check-email")
    assert email in d.find_element(By.ID, "check-email").text
    shot("check-email")

    link = link_from(smtp.wait_for_mail(email, "Confirm your email"), "/confirm-email")
    d.get(link)
    form = wait_for(d, "#confirm-form")
    shot("confirm-email")
    submit(d, form)
    confirmed = wait_for(d, "#confirmed")
    shot("confirmed")

    old = d.find_element(By.TAG_NAME, "html")
    confirmed.find_element(By.CSS_SELECTOR, "a[href='/sign-in']").click()
    WebDriverWait(d, 20).until(replaced(old))
    wait_path(d, "/sign-in")
    shot("sign-in")
    sign_in_form(d, base, email, GOOD_PASSWORD)
    wait_for(d, "#start")
    shot("start")

    d.find_element(By.CSS_SELECTOR, "a[href='/account']").click()
    wait_for(d, "#profile-form")
    assert email in d.page_source
    shot("account")

    d.find_element(By.CSS_SELECTOR, "a[href='/account/two-factor']").click()
    secret = wait_for(d, "#totp-secret").text
    assert d.find_elements(By.CSS_SELECTOR, "svg"), "no QR code on the two-factor page"
    shot("two-factor")
    device = TotpDevice(secret)
    form = d.find_element(By.ID, "totp-form")
    fill(form, "code", device.code())
    submit(d, form)
    codes = wait_for(d, "#recovery-codes").find_elements(By.TAG_NAME, "li")
    assert len(codes) >= 5
    shot("recovery-codes")

    form = d.find_element(By.CSS_SELECTOR, "form[action='/sign-out']")
    submit(d, form)
    wait_path(d, "/sign-in")
    shot("signed-out")

    sign_in_form(d, base, email, GOOD_PASSWORD)
    wait_path(d, "/sign-in/factor")
    form = wait_for(d, "form[action='/sign-in/factor']")
    shot("second-factor")
    fill(form, "code", device.code())
    submit(d, form)
    wait_for(d, "#start")
    shot("start-after-totp")

    d.get(f"{base}/account")
    form = wait_for(d, "#profile-form")
    fill(form, "company", "Browser Works GmbH")
    fill(form, "phone", "+49 30 555 0100")
    submit(d, form)
    form = wait_for(d, "#profile-form")
    assert "notice" in (d.find_element(By.ID, "flash").get_attribute("class") or ""), flash(d)
    assert form.find_element(By.NAME, "company").get_attribute("value") == "Browser Works GmbH"
    assert form.find_element(By.NAME, "phone").get_attribute("value") == "+49 30 555 0100"
    shot("profile-saved")

    # phone size: My Account and sign-in fit the width
    d.set_window_size(390, 844)
    try:
        d.get(f"{base}/account")
        wait_for(d, "#profile-form")
        shot("phone-account")
        scroll, inner = no_sideways_scroll(d)
        assert scroll <= inner, f"My Account scrolls sideways on a phone: scrollWidth {scroll} > innerWidth {inner}"

        submit(d, d.find_element(By.CSS_SELECTOR, "form[action='/sign-out']"))
        wait_path(d, "/sign-in")
        shot("phone-sign-in")
        scroll, inner = no_sideways_scroll(d)
        assert scroll <= inner, f"sign-in scrolls sideways on a phone: scrollWidth {scroll} > innerWidth {inner}"

        d.get(f"{base}/sign-up")
        wait_for(d, "form[action='/sign-up']")
        shot("phone-sign-up")
        scroll, inner = no_sideways_scroll(d)
        assert scroll <= inner, f"sign-up scrolls sideways on a phone: scrollWidth {scroll} > innerWidth {inner}"
    finally:
        d.set_window_size(1280, 1000)

    # signed out for real: My Account sends the browser to sign-in
    d.get(f"{base}/account")
    wait_path(d, "/sign-in")
    shot("account-after-sign-out")
