"""Device profiles in the console, in a real browser (issue 15): a tenant administrator lists the profiles (the
default one, its timeout in words), adds one (an empty or taken name and a bad timeout are refused with the reason,
the form keeps what was typed), sees how the privacy declaration classifies its keys, finds it cannot delete a
profile in use or the default one, makes another profile the default and deletes an unused one after confirming.
The same pages at phone width. Screenshots at 1280 and 390 px wide go to $STEWARD_TEST_OUTPUT/screenshots/ and
/tmp/shots/profiles/."""
from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_support import SHOTS, chrome, fill, flash, no_sideways_scroll, submit, wait_for, wait_path
from console_support import api, rest_login
from steward_harness import unique

COPY_TO = Path("/tmp/shots/profiles")


@pytest.fixture(scope="module")
def browser():
    driver = chrome("profiles-")
    yield driver
    driver.quit()


class Camera:
    """Numbered screenshots of the whole page, also copied to /tmp/shots/profiles/."""

    def __init__(self, driver, prefix: str = "profiles-"):
        self.driver = driver
        self.prefix = prefix
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        COPY_TO.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.n += 1
        path = SHOTS / f"{self.prefix}{self.n:02d}-{name}.png"
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
        shutil.copy(path, COPY_TO / path.name)


def sign_in_browser(d, base: str, email: str, password: str) -> None:
    d.get(f"{base}/sign-in")
    banner = d.find_elements(By.CSS_SELECTOR, "#cookie-banner form")
    if banner:
        submit(d, banner[0])  # "Reject all"
    form = wait_for(d, "form[action='/sign-in']")
    fill(form, "email", email)
    fill(form, "password", password)
    submit(d, form)


def profile_rows(d) -> dict[str, dict[str, str]]:
    rows = {}
    for tr in d.find_elements(By.CSS_SELECTOR, "#profiles tbody tr"):
        cells = tr.find_elements(By.TAG_NAME, "td")
        rows[tr.get_attribute("data-profile")] = {c.get_attribute("data-label"): c.text for c in cells}
    return rows


def test_profiles_walk(server, new_account, browser):
    d, base, shot = browser, server.base_url, Camera(browser)
    d.set_window_size(1280, 900)
    admin = new_account(name="Ada Admin")
    jwt = rest_login(server, admin.email, admin.password)
    sign_in_browser(d, base, admin.email, admin.password)
    wait_for(d, "nav a[href='/profiles']").click()
    wait_for(d, "#profiles")
    rows = profile_rows(d)
    assert list(rows) == ["default"]
    assert "Default" in rows["default"]["Profile"]
    assert rows["default"]["Inactive after"] == "10 minutes"
    assert rows["default"]["Readings kept"] == "as the privacy declaration says"
    assert rows["default"]["Provisioning"] == "Off"
    shot("list")

    # Add: an empty name is refused, the form keeps what was typed.
    d.find_element(By.ID, "add-profile").click()
    form = wait_for(d, "#profile-form")
    fill(form, "description", "Thermostats in every flat")
    submit(d, form)
    assert "name should be specified" in flash(d)
    assert d.find_element(By.ID, "profile-description").get_attribute("value") == "Thermostats in every flat"
    shot("add-error")

    # A timeout that is not above zero is refused with the reason.
    name = unique("thermostats")
    form = wait_for(d, "#profile-form")
    fill(form, "name", name)
    fill(form, "inactivity", "-5")
    submit(d, form)
    assert "must be a whole number above zero" in flash(d)
    assert d.find_element(By.ID, "profile-name").get_attribute("value") == name

    form = wait_for(d, "#profile-form")
    fill(form, "inactivity", "30")
    Select(form.find_element(By.NAME, "inactivityUnit")).select_by_value("minutes")
    fill(form, "ttl", "90")
    Select(form.find_element(By.NAME, "ttlUnit")).select_by_value("days")
    form.find_element(By.CSS_SELECTOR, "input[name=provisioning][value=ALLOW_CREATE_NEW_DEVICES]").click()
    fill(form, "provisionKey", unique("key"))
    fill(form, "provisionSecret", unique("secret"))
    shot("add-filled")
    submit(d, form)
    wait_path(d, "/profiles")
    assert f"Saved the profile {name}" in flash(d)
    row = profile_rows(d)[name]
    assert row["Inactive after"] == "30 minutes" and row["Readings kept"] == "90 days"
    assert row["Provisioning"].startswith("New devices may register")
    assert "Thermostats in every flat" in row["Profile"]
    shot("list-added")

    # REST sees the same profile: one store, one set of rules.
    profiles = api(server, "GET", "/api/deviceProfiles", jwt=jwt, params={"pageSize": 10, "textSearch": name}).json()["data"]
    assert [(p["inactivityTimeout"], p["defaultTtl"]) for p in profiles] == [(1800, 90 * 86400)]
    profile_id = profiles[0]["id"]["id"]

    # A taken name is refused.
    d.get(f"{base}/profiles/new")
    form = wait_for(d, "#profile-form")
    fill(form, "name", name)
    submit(d, form)
    assert "already exists" in flash(d)

    # The profile's page: its settings and the declaration's key categories, read-only.
    d.get(f"{base}/profiles/{profile_id}")
    wait_for(d, "#mapping")
    mapping = d.find_element(By.ID, "mapping").text
    assert "any other key" in mapping and "privacy.yaml" in d.find_element(By.ID, "profile-mapping").text
    lat = next(tr.text for tr in d.find_elements(By.CSS_SELECTOR, "#mapping tbody tr") if tr.text.startswith("lat "))
    assert "Precise location" in lat and "sensitive" in lat, lat
    assert "90 days" in d.find_element(By.ID, "mapping-ttl").text
    assert d.find_element(By.ID, "profile-inactivity").get_attribute("value") == "30"
    assert not d.find_elements(By.ID, "profile-name")  # the name cannot change
    shot("profile-page")
    # Change the description and clear the TTL.
    form = d.find_element(By.ID, "profile-form")
    fill(form, "description", "Thermostats, floors 1 to 4")
    form.find_element(By.NAME, "ttl").clear()
    submit(d, form)
    wait_path(d, "/profiles")
    row = profile_rows(d)[name]
    assert "floors 1 to 4" in row["Profile"] and row["Readings kept"] == "as the privacy declaration says"

    # In use: the delete page says why it cannot go, and offers no button.
    r = api(server, "POST", "/api/device", jwt=jwt, json={"name": unique("thermostat-1")})
    assert r.status_code == 200, r.text
    device = r.json()
    r = api(server, "POST", "/api/deviceProfile/" + profile_id + "/default", jwt=jwt)
    assert r.status_code == 200
    made = api(server, "POST", "/api/device", jwt=jwt, json={"name": unique("thermostat-2")}).json()
    assert made["deviceProfileId"]["id"] == profile_id
    default_id = device["deviceProfileId"]["id"]
    api(server, "POST", f"/api/deviceProfile/{default_id}/default", jwt=jwt)
    d.get(f"{base}/profiles/{profile_id}/delete")
    refused = wait_for(d, "#delete-refused")
    assert "used by 1 device" in refused.text
    assert not d.find_elements(By.ID, "confirm-delete")
    shot("delete-in-use")
    # The default profile cannot be deleted either.
    d.get(f"{base}/profiles/{default_id}/delete")
    assert "is the default profile" in wait_for(d, "#delete-refused").text

    # Make a new, unused profile the default from its page, then delete the old default (its device moved first).
    spare = unique("spare")
    d.get(f"{base}/profiles/new")
    form = wait_for(d, "#profile-form")
    fill(form, "name", spare)
    submit(d, form)
    wait_path(d, "/profiles")
    spare_id = api(server, "GET", "/api/deviceProfiles", jwt=jwt,
                   params={"pageSize": 10, "textSearch": spare}).json()["data"][0]["id"]["id"]
    d.get(f"{base}/profiles/{spare_id}")
    submit(d, wait_for(d, "#make-default-form"))
    assert f"{spare} is now the default profile" in flash(d)
    assert "Default" in profile_rows(d)[spare]["Profile"]
    assert "Default" not in profile_rows(d)["default"]["Profile"]
    assert api(server, "DELETE", f"/api/device/{device['id']['id']}", jwt=jwt).status_code == 200
    d.get(f"{base}/profiles/{default_id}/delete")
    shot("delete-confirm")
    submit(d, wait_for(d, "#profile-delete form"))
    wait_path(d, "/profiles")
    assert "Deleted the profile default" in flash(d)
    assert "default" not in profile_rows(d)

    # A forged form without its CSRF token changes nothing, and the page still serves.
    r = admin.client.post(f"{base}/profiles/{spare_id}/delete", data={"csrf": "forged"}, allow_redirects=False)
    assert r.status_code == 403
    d.get(f"{base}/profiles")
    assert spare in profile_rows(d)

    # Phone width: the list and the form fit without sideways scrolling.
    d.set_window_size(390, 844)
    d.get(f"{base}/profiles")
    wait_for(d, "#profiles")
    width, inner = no_sideways_scroll(d)
    assert width <= inner, f"the profile list scrolls sideways at 390 px ({width} > {inner})"
    shot("list-phone")
    d.get(f"{base}/profiles/{profile_id}")
    wait_for(d, "#mapping")
    width, inner = no_sideways_scroll(d)
    assert width <= inner, f"the profile page scrolls sideways at 390 px ({width} > {inner})"
    shot("profile-page-phone")
    d.get(f"{base}/profiles/new")
    wait_for(d, "#profile-form")
    shot("add-phone")
    d.set_window_size(1280, 900)


def test_customer_users_cannot_open_profile_pages(server, new_account):
    admin = new_account(name="Bo Admin")
    jwt = rest_login(server, admin.email, admin.password)
    tenant = api(server, "GET", "/api/auth/user", jwt=jwt).json()["tenantId"]["id"]
    customer = server.create_customer(tenant)
    email = f"{unique('cu')}@example.test"
    server.create_user(tenant, email, "customer-pass-1", role="customer-user", customer=customer["id"])
    from console_support import ConsoleClient, sign_in
    client = ConsoleClient(server.base_url)
    sign_in(client, email, "customer-pass-1")
    page = client.page("/profiles")
    assert page.status == 403, page.describe()
    assert "Only tenant administrators manage device profiles" in page.flash_text
    assert "/profiles" not in [a.get("href") for a in page.doc.find_all("a")]
