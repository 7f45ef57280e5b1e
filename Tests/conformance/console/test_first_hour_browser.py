"""The first hour in Chromium (issue 15): the cookie banner is a short bar that leaves the sign-in form's button in
view on a 1280x800 laptop and fits a 390x844 phone; the privacy policy, Your data, the audit trail and the users page
never scroll sideways at either size (`document.documentElement.scrollWidth <= innerWidth`); and the console's 404
page. Screenshots: $STEWARD_TEST_OUTPUT/screenshots/first-hour-NN-<page>-<size>.png."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from browser_support import Shots, chrome, fill, loaded, no_sideways_scroll, submit, wait_for

SIZES = {"laptop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="module")
def browser():
    driver = chrome("first-hour-")
    yield driver
    driver.quit()


def viewport(driver, size: str) -> None:
    """Makes the page's viewport (not the window) exactly the size named."""
    width, height = SIZES[size]
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(width + (width - inner[0]), height + (height - inner[1]))
    loaded(driver)


def fits(driver, shot, name: str, focus: str | None = None) -> None:
    """Screenshots the current page at both sizes (scrolled to `focus`, a CSS selector, when given) and checks
    nothing is wider than the viewport."""
    for size in SIZES:
        viewport(driver, size)
        if focus:
            driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'})", focus)
        shot(f"{name}-{size}")
        scroll, inner = no_sideways_scroll(driver)
        assert scroll <= inner, f"{name} scrolls sideways at {size}: {scroll} > {inner}"
    viewport(driver, "laptop")


def in_view(driver, element) -> bool:
    """The element's whole box lies inside the viewport without scrolling."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;", element)


def test_the_banner_leaves_the_sign_in_form_in_view(server, browser):
    d, shot = browser, Shots(browser, "first-hour-")
    d.delete_all_cookies()
    for size in SIZES:
        viewport(d, size)
        d.get(f"{server.base_url}/sign-in")
        banner = wait_for(d, "#cookie-banner")
        shot(f"sign-in-banner-{size}")
        scroll, inner = no_sideways_scroll(d)
        assert scroll <= inner, f"sign-in with the banner scrolls sideways at {size}: {scroll} > {inner}"
        for button in ("reject-all", "accept-all"):
            assert in_view(d, banner.find_element(By.ID, button)), f"{button} is off screen at {size}"
        submit_button = d.find_element(By.CSS_SELECTOR, "#sign-in-form button[type=submit]")
        if size == "laptop":
            assert in_view(d, submit_button), "the sign-in button is below the banner's fold on a laptop"
        else:
            # On a phone the banner and the form share the screen: the form starts on the first screen.
            top = d.execute_script("return document.getElementById('sign-in-form').getBoundingClientRect().top")
            assert top < SIZES["phone"][1], f"the sign-in form starts at {top}px, below the first screen"
        # The choices are folded away until asked for, and open in place.
        choose = banner.find_element(By.CSS_SELECTOR, "details#cookie-choose")
        assert choose.get_attribute("open") is None
        choose.find_element(By.TAG_NAME, "summary").click()
        assert banner.find_element(By.ID, "save-choice").is_displayed()
        scroll, inner = no_sideways_scroll(d)
        assert scroll <= inner, f"the opened banner scrolls sideways at {size}: {scroll} > {inner}"
        shot(f"sign-in-banner-open-{size}")
    viewport(d, "laptop")


def test_pages_fit_a_laptop_and_a_phone(server, browser, new_account):
    d, shot = browser, Shots(browser, "first-hour-pages-")
    d.delete_all_cookies()
    d.get(f"{server.base_url}/privacy")
    submit(d, wait_for(d, "#cookie-banner form"))  # "Reject all", as a person answers it first
    wait_for(d, ".privacy-policy table")
    fits(d, shot, "privacy")
    fits(d, shot, "privacy-table", focus=".privacy-policy table")

    d.get(f"{server.base_url}/no-such-page")
    assert "This page does not exist" in wait_for(d, "#not-found").text
    fits(d, shot, "not-found")

    acct = new_account(name="Phone Person")
    d.get(f"{server.base_url}/sign-in")
    form = wait_for(d, "#sign-in-form")
    fill(form, "email", acct.email)
    fill(form, "password", acct.password)
    submit(d, form)
    wait_for(d, "main")
    for path, ready in (("/account/privacy/data", "#data-profile"), ("/audit", "#audit"), ("/users", "#users")):
        d.get(f"{server.base_url}{path}")
        wait_for(d, ready)
        fits(d, shot, path.strip("/").replace("/", "-"))
        if path == "/account/privacy/data":
            fits(d, shot, "your-data-records", focus="#data-sign_ins")
