"""Layout of the privacy pages in Chromium (walk P2.13-P2.15): "Your data" opens as a summary (each kind of record
folded into a <details>, the page far shorter than the 13,000 px it was) and its record cells never break inside a
word; the privacy policy's table captions are whole at 390 px; the cookie banner opened on a phone grows with the page,
with no scroll box inside it, so "Save my choice" is reached by scrolling the page. Screenshots go to
$STEWARD_TEST_OUTPUT/screenshots/ and /tmp/shots/invite/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from browser_support import SHOTS, Shots, chrome, fill, no_sideways_scroll, submit, wait_for

COPY_TO = Path("/tmp/shots/invite")


@pytest.fixture(scope="module")
def browser():
    driver = chrome("privacy-layout-")
    yield driver
    driver.quit()


def copy_shots(prefix: str) -> None:
    COPY_TO.mkdir(parents=True, exist_ok=True)
    for path in SHOTS.glob(f"{prefix}*.png"):
        shutil.copy(path, COPY_TO / path.name)


def test_your_data_opens_as_a_summary_and_never_breaks_words(server, new_account, browser):
    d, shot = browser, Shots(browser, "privacy-layout-data-")
    acct = new_account(name="Ada Walker")
    d.set_window_size(1280, 900)
    d.delete_all_cookies()
    d.get(f"{server.base_url}/sign-in")
    form = wait_for(d, "form[action='/sign-in']")
    fill(form, "email", acct.email)
    fill(form, "password", acct.password)
    submit(d, form)
    for width, height in ((1280, 900), (390, 844)):
        d.set_window_size(width, height)
        d.get(f"{server.base_url}/account/privacy/data")
        profile = wait_for(d, "#data-profile")
        page_height = d.execute_script("return document.documentElement.scrollHeight")
        assert page_height < (5000 if width > 600 else 9000), f"Your data is {page_height} px tall at {width} px"
        details = profile.find_element(By.CSS_SELECTOR, "details.data-details")
        assert details.get_attribute("open") is None
        assert "Show the record" in details.find_element(By.TAG_NAME, "summary").text
        shot(f"summary-{width}")
        details.find_element(By.TAG_NAME, "summary").click()
        cells = profile.find_elements(By.CSS_SELECTOR, "table.records td")
        assert cells, "the profile record has no cells"
        email_cell = next(c for c in cells if acct.email in c.text)
        line = d.execute_script("return parseFloat(getComputedStyle(arguments[0]).lineHeight) || 24", email_cell)
        # One line: the address is not broken as "ada@ / exam / ple.te / st".
        lines = d.execute_script("return arguments[0].getClientRects().length ? arguments[0].scrollHeight : 0", email_cell)
        assert lines <= line * 1.6 + 16, f"the email cell wraps onto several lines at {width} px ({lines} px tall)"
        scroll, inner = no_sideways_scroll(d)
        assert scroll <= inner, f"Your data scrolls sideways at {width} px ({scroll} > {inner})"
        d.execute_script("arguments[0].scrollIntoView({block: 'start'})", profile)
        shot(f"profile-open-{width}")
    d.set_window_size(1280, 900)
    copy_shots("privacy-layout-data-")


def test_policy_captions_are_whole_on_a_phone(server, browser):
    d, shot = browser, Shots(browser, "privacy-layout-policy-")
    d.set_window_size(390, 844)
    d.get(f"{server.base_url}/privacy")
    captions = wait_for(d, "main") and d.find_elements(By.CSS_SELECTOR, ".privacy-policy caption, main caption")
    assert captions, "the policy has no table captions"
    d.execute_script("arguments[0].scrollIntoView({block: 'start'})", captions[0])
    for caption in captions:
        right, inner, overflow = d.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return [r.right, document.documentElement.clientWidth, arguments[0].scrollWidth - arguments[0].clientWidth]",
            caption)
        assert right <= inner + 1 and overflow <= 1, f"caption {caption.text!r} is cut at 390 px ({right} > {inner})"
    shot("caption-390")
    d.set_window_size(1280, 900)
    copy_shots("privacy-layout-policy-")


def test_the_opened_cookie_banner_on_a_phone_has_no_inner_scroll_box(server, browser):
    d, shot = browser, Shots(browser, "privacy-layout-banner-")
    d.delete_all_cookies()
    for width, height in ((390, 844), (1280, 900)):
        d.set_window_size(width, height)
        d.get(f"{server.base_url}/sign-in")
        banner = wait_for(d, "#cookie-banner")
        banner.find_element(By.CSS_SELECTOR, "details summary").click()
        save = banner.find_element(By.CSS_SELECTOR, "button[value='save']")
        if width < 600:
            scroll_height, client_height = d.execute_script(
                "return [arguments[0].scrollHeight, arguments[0].clientHeight]", banner)
            assert scroll_height <= client_height + 1, f"the banner scrolls inside itself ({scroll_height} > {client_height})"
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", save)
        assert save.is_displayed() and "Save my choice" in save.text
        shot(f"open-{width}")
    d.set_window_size(1280, 900)
    copy_shots("privacy-layout-banner-")


def test_policy_tables_are_cards_on_a_phone(server, browser):
    d, shot = browser, Shots(browser, "privacy-layout-cards-")
    d.set_window_size(390, 844)
    d.get(f"{server.base_url}/privacy")
    wait_for(d, "main")
    cell = d.find_element(By.CSS_SELECTOR, ".privacy-policy td[data-label='What it is']")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    left, right, inner = d.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right, document.documentElement.clientWidth]", cell)
    assert 0 <= left and right <= inner + 1, f"'What it is' is off-screen at 390 px ({left}..{right} of {inner})"
    label = d.execute_script("return getComputedStyle(arguments[0], '::before').content", cell)
    assert "What it is" in label, label
    scroll, inner = no_sideways_scroll(d)
    assert scroll <= inner, f"the policy scrolls sideways at 390 px ({scroll} > {inner})"
    shot("what-it-is-390")
    d.set_window_size(1280, 900)
    d.get(f"{server.base_url}/privacy")
    header = wait_for(d, ".privacy-policy thead th")
    assert header.is_displayed()
    shot("table-1280")
    copy_shots("privacy-layout-cards-")
