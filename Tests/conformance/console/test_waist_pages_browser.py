"""The console pages whose work moved from the page into services (issue 12: the signed-in viewer from
SignInService, the profile from ProfileService, the cookie banner from ConsentLedger, the security page's lists,
the start page's readings from DeviceService), as a person sees them in Chromium at desktop and phone width.
Screenshots go to $STEWARD_TEST_OUTPUT/screenshots/waist-NN-<step>.png for review."""
from __future__ import annotations

import pytest

from browser_support import Shots, chrome, fill, flash, loaded, no_sideways_scroll, submit, wait_for
from console_support import create_account, create_api_key

WIDTHS = {"desktop": (1280, 1000), "phone": (390, 844)}


@pytest.fixture(scope="module")
def browser():
    driver = chrome("waist-")
    yield driver
    driver.quit()


def look(driver, shot, name: str) -> None:
    """Screenshots the current page at both widths and checks nothing overflows sideways."""
    for label, (width, height) in WIDTHS.items():
        driver.set_window_size(width, height)
        loaded(driver)
        shot(f"{name}-{label}")
        scroll, inner = no_sideways_scroll(driver)
        assert scroll <= inner, f"{name} scrolls sideways at {label} width: {scroll} > {inner}"
    driver.set_window_size(*WIDTHS["desktop"])


def test_pages_served_by_the_services(server, smtp, browser):
    d, base, shot = browser, server.base_url, Shots(browser, "waist-")
    acct = create_account(server, smtp)
    create_api_key(acct.client, "greenhouse script")

    d.get(f"{base}/sign-in")
    submit(d, wait_for(d, "#cookie-banner form"))  # "Reject all": ConsentLedger.recordBannerChoice
    form = wait_for(d, "form[action='/sign-in']")
    fill(form, "email", acct.email)
    fill(form, "password", acct.password)
    submit(d, form)
    main = wait_for(d, "main")  # the start page: SignInService.webSession found the viewer
    look(d, shot, "start")
    assert "Sign in" not in d.title, d.title

    d.get(f"{base}/account")
    form = wait_for(d, "#profile-form")
    fill(form, "name", "Ada Renamed")
    fill(form, "company", "Difference Works")
    submit(d, form)
    wait_for(d, "#profile-form")
    assert "Saved" in flash(d), flash(d)
    assert d.find_element("css selector", "#profile-form input[name=name]").get_attribute("value") == "Ada Renamed"
    look(d, shot, "account-saved")

    d.get(f"{base}/account/security")
    page = wait_for(d, "main").text
    assert "greenhouse script" in page and "browser" in page, page[:400]
    look(d, shot, "security")

    d.get(f"{base}/account/consents")
    page = wait_for(d, "main").text
    assert "Send news and offers" in page, page[:400]  # ConsentLedger.current and .history
    look(d, shot, "consents")
    assert main is not None
