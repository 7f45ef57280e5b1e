"""What the Selenium walks share: a headless Debian Chromium, numbered screenshots, and waits that hold until a
page has really loaded (under load an element found mid-parse goes stale)."""
from __future__ import annotations

import base64
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from steward_harness import OUTPUT_DIR

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SHOTS = OUTPUT_DIR / "screenshots"


def chrome(prefix: str):
    """A headless Chromium; removes the earlier screenshots that start with `prefix` (only that walk's)."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("chromium and chromium-driver must be installed (scripts/test.sh installs them)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob(f"{prefix}*.png"):
        old.unlink()
    return driver


class Shots:
    """Numbered screenshots: `<prefix>01-name.png`, `<prefix>02-…`."""

    def __init__(self, driver, prefix: str = ""):
        self.driver = driver
        self.prefix = prefix
        self.n = 0

    def __call__(self, name: str) -> None:
        self.n += 1
        path = SHOTS / f"{self.prefix}{self.n:02d}-{name}.png"
        assert self.driver.save_screenshot(str(path)), f"could not save {path}"


def loaded(driver, timeout: float = 30) -> None:
    """Waits until the document has finished loading: an element found while the page is still being parsed can
    go stale under load ("Node with given id does not belong to the document")."""
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def wait_for(driver, css: str, timeout: float = 20):
    WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))
    loaded(driver, timeout)
    return driver.find_element(By.CSS_SELECTOR, css)


def wait_path(driver, path: str, timeout: float = 20) -> None:
    WebDriverWait(driver, timeout).until(lambda d: urlparse(d.current_url).path.endswith(path),
                                         f"expected to arrive at {path}, at {driver.current_url}")
    loaded(driver, timeout)


def fill(form, name: str, value: str) -> None:
    field = form.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def replaced(element):
    """True once `element` is no longer in the document. Under load Chromium reports a node of a page that was
    navigated away from as "does not belong to the document" instead of a stale element; both mean it is gone."""
    def check(_driver) -> bool:
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
    return check


def click_and_wait(driver, element) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 30).until(replaced(old))
    loaded(driver)


def submit(driver, form) -> None:
    click_and_wait(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]"))


def flash(driver) -> str:
    found = driver.find_elements(By.ID, "flash")
    return found[0].text if found else ""


def no_sideways_scroll(driver) -> tuple[int, int]:
    return driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")


class Camera:
    """Numbered screenshots of the whole page (not only the window) under SHOTS, each also copied to `copy_to` (a
    folder of /tmp/shots/ to look at while working)."""

    def __init__(self, driver, prefix: str, copy_to: str | Path):
        self.driver = driver
        self.prefix = prefix
        self.copy_to = Path(copy_to)
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.copy_to.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.n += 1
        path = SHOTS / f"{self.prefix}{self.n:02d}-{name}.png"
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        # The content size leaves out the scrollbar's width; the page is laid out for the whole window.
        width = max(size["width"], self.driver.execute_script("return window.innerWidth"))
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
        shutil.copy(path, self.copy_to / path.name)


def sign_in_browser(d, base: str, email: str, password: str) -> None:
    """Signs in through the form, rejecting optional cookies first if the banner asks."""
    d.get(f"{base}/sign-in")
    banner = d.find_elements(By.CSS_SELECTOR, "#cookie-banner form")
    if banner:
        submit(d, banner[0])  # "Reject all"
    form = wait_for(d, "form[action='/sign-in']")
    fill(form, "email", email)
    fill(form, "password", password)
    submit(d, form)
