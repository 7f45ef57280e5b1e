"""The pages the hardening work changed, as a person sees them in Chromium at desktop and phone width: the
password form and the reset page offering to end the application keys (ticked by default), and the data
download that is now a button (a POST), not a link a cross-site page could follow. Screenshots go to
$STEWARD_TEST_OUTPUT/screenshots/hardening-NN-<step>.png for review."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from browser_support import Shots, chrome, fill, loaded, no_sideways_scroll, submit, wait_for
from console_support import create_account, create_api_key, link_from

WIDTHS = {"desktop": (1280, 1000), "phone": (390, 844)}


@pytest.fixture(scope="module")
def browser():
    driver = chrome("hardening-")
    yield driver
    driver.quit()


def look(driver, shot, name: str, focus) -> None:
    """Screenshots the current page at both widths, with `focus` in view, and checks nothing overflows sideways."""
    for label, (width, height) in WIDTHS.items():
        driver.set_window_size(width, height)
        loaded(driver)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", focus)
        shot(f"{name}-{label}")
        scroll, inner = no_sideways_scroll(driver)
        assert scroll <= inner, f"{name} scrolls sideways at {label} width: {scroll} > {inner}"
    driver.set_window_size(*WIDTHS["desktop"])


def test_new_password_pages_offer_to_end_keys_and_the_download_is_a_button(server, smtp, browser):
    d, base, shot = browser, server.base_url, Shots(browser, "hardening-")
    acct = create_account(server, smtp)
    create_api_key(acct.client, "thermostat script")
    create_api_key(acct.client, "backup job", role="read-only")

    d.get(f"{base}/sign-in")
    submit(d, wait_for(d, "#cookie-banner form"))  # "Reject all", as a person answers it first
    form = wait_for(d, "form[action='/sign-in']")
    fill(form, "email", acct.email)
    fill(form, "password", acct.password)
    submit(d, form)
    wait_for(d, "main")

    d.get(f"{base}/account")
    box = wait_for(d, "#revoke-keys")
    assert box.is_selected(), "ending the keys must be the default"
    label = box.find_element(By.XPATH, "..").text
    assert "2 application keys" in label, label
    look(d, shot, "account-password", box)

    d.get(f"{base}/account/privacy/export")
    form = wait_for(d, "#export-form")
    assert form.get_attribute("method").lower() == "post"
    assert form.find_elements(By.CSS_SELECTOR, "button, input[type=submit]"), "the download is a button"
    look(d, shot, "export", form)

    d.delete_all_cookies()
    d.get(f"{base}/forgot-password")
    submit(d, wait_for(d, "#cookie-banner form"))
    form = wait_for(d, "form[action='/forgot-password']")
    fill(form, "email", acct.email)
    submit(d, form)
    link = link_from(smtp.wait_for_mail(acct.email, "Reset"), "/reset-password")
    d.get(link)
    box = wait_for(d, "#revoke-keys")
    assert box.is_selected()
    look(d, shot, "reset-password", box)
