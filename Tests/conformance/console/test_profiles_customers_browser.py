"""Device profiles, customers and customer users in the console, in a real browser (issue 15): a tenant administrator lists the profiles (the
default one, its timeout in words), adds one (an empty or taken name and a bad timeout are refused with the reason,
the form keeps what was typed), sees how the privacy declaration classifies its keys, finds it cannot delete a
profile in use or the default one, makes another profile the default and deletes an unused one after confirming.
The same pages at phone width. Customers: add (an empty or taken name refused), assign devices from the customer's
page and take one back, invite a user (a bad address refused) who gets an invitation mail (not a reset), reads the policy, chooses a password
and agrees on the welcome page, is signed in at once, and then
sees only the customer's devices, a customer with users cannot be deleted, removing the user erases them, and
deleting the customer leaves its devices in the workspace. Screenshots at 1280 and 390 px wide go to $STEWARD_TEST_OUTPUT/screenshots/ and
/tmp/shots/profiles/."""
from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_support import Camera as BrowserCamera, sign_in_browser, chrome, fill, flash, no_sideways_scroll, submit, wait_for, wait_path
from console_support import OTHER_PASSWORD, ConsoleClient, api, form_values, link_from, rest_login, sign_in
from steward_harness import Tenant, unique

COPY_TO = Path("/tmp/shots/profiles")


@pytest.fixture(scope="module")
def browser():
    driver = chrome("profiles-")
    yield driver
    driver.quit()


def Camera(driver, prefix: str = "profiles-") -> BrowserCamera:
    """Screenshots of profiles, customers and dashboards, also copied to /tmp/shots/profiles/."""
    return BrowserCamera(driver, prefix, COPY_TO)



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
    client = ConsoleClient(server.base_url)
    sign_in(client, email, "customer-pass-1")
    page = client.page("/profiles")
    assert page.status == 403, page.describe()
    assert "Only tenant administrators manage device profiles" in page.flash_text
    assert "/profiles" not in [a.get("href") for a in page.doc.find_all("a")]


def rows_of(d, table: str, attribute: str) -> list[str]:
    return [tr.get_attribute(attribute) for tr in d.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")]


def test_customers_walk(server, smtp, new_account, browser):
    d, base = browser, server.base_url
    shot = Camera(browser, prefix="customers-")
    d.set_window_size(1280, 900)
    d.delete_all_cookies()
    admin = new_account(name="Cy Admin")
    jwt = rest_login(server, admin.email, admin.password)
    sign_in_browser(d, base, admin.email, admin.password)
    wait_for(d, "nav a[href='/customers']").click()
    assert "No customers yet" in wait_for(d, "#no-customers").text
    shot("list-empty")

    # An empty name is refused with the reason.
    submit(d, wait_for(d, "#customer-add"))
    assert "Customer name must not be empty" in flash(d)
    name = unique("Acme")
    form = wait_for(d, "#customer-add")
    fill(form, "name", name)
    submit(d, form)
    wait_for(d, "#customer-page")
    assert f"Added {name}" in flash(d)
    customer_path = d.current_url.split("?")[0].replace(base, "")
    d.get(f"{base}/customers")
    form = wait_for(d, "#customer-add")
    fill(form, "name", name)
    submit(d, form)
    assert "already exists" in flash(d)
    assert d.find_element(By.ID, "customer-name").get_attribute("value") == name

    # Devices: assign two from the customer's page, take one back.
    kept, shared = unique("boiler"), unique("meter")
    for device in (kept, shared):
        assert api(server, "POST", "/api/device", jwt=jwt, json={"name": device}).status_code == 200
    d.get(base + customer_path)
    for device in (kept, shared):
        form = wait_for(d, "#customer-assign")
        Select(form.find_element(By.NAME, "assignDevice")).select_by_visible_text(device)
        submit(d, form)
        assert f"{device} now belongs to {name}" in flash(d)
    assert sorted(rows_of(d, "customer-device-list", "data-device")) == sorted([kept, shared])
    row = d.find_element(By.CSS_SELECTOR, f"#customer-device-list tr[data-device='{kept}']")
    submit(d, row.find_element(By.TAG_NAME, "form"))
    assert f"{kept} no longer belongs to {name}" in flash(d)
    assert rows_of(d, "customer-device-list", "data-device") == [shared]

    # The workspace gets a real name on My Account (no random suffix); another workspace's name is refused.
    workspace = unique("Cy's greenhouse")
    d.get(f"{base}/account")
    form = wait_for(d, "#workspace-form")
    assert "Cy Admin (" in d.find_element(By.ID, "workspace-name").get_attribute("value")
    fill(form, "workspace_name", workspace)
    submit(d, form)
    assert f"Your workspace is now named “{workspace}”" in flash(d)
    assert f"workspace “{workspace}”" in d.find_element(By.TAG_NAME, "main").text
    shot("account-workspace")
    d.set_window_size(390, 844)
    d.get(f"{base}/account")
    wait_for(d, "#workspace-form")
    width, inner = no_sideways_scroll(d)
    assert width <= inner, f"My Account scrolls sideways at 390 px ({width} > {inner})"
    shot("account-workspace-phone")
    d.set_window_size(1280, 900)
    other = new_account(name="Other Owner")
    page = other.client.page("/account")
    taken = other.client.post_form("/account/workspace", {"workspace_name": workspace})
    assert taken.status == 400 and "already named" in taken.flash_text, taken.describe()
    empty = other.client.post_form("/account/workspace", {"workspace_name": "  "})
    assert empty.status == 400 and "Workspace name must not be empty" in empty.flash_text, empty.describe()
    assert page.status == 200
    d.get(base + customer_path)

    # Invite a user: a bad address is refused; a good one gets a link to choose a password.
    form = wait_for(d, "#customer-invite")
    fill(form, "email", "not-an-address")
    submit(d, form)
    assert "is not a valid email address" in flash(d)
    email = f"{unique('cu')}@example.test"
    form = wait_for(d, "#customer-invite")
    fill(form, "email", email)
    submit(d, form)
    assert f"Invited {email}: the mail says who invited them to what" in flash(d)
    assert rows_of(d, "customer-user-list", "data-user") == [email]
    shot("customer-page")

    # The mail is an invitation (not a password reset): who invited them, to which customer and workspace, for 7 days.
    mail = smtp.wait_for_mail(email, "invited you")
    assert mail.subject == f"Cy Admin ({admin.email}) invited you to see the devices of {name} on Steward", mail.subject
    assert "expires in 7 days" in mail.text and "Cy Admin (" in mail.text and "platform for connected devices" in mail.text
    assert f'the workspace "{workspace}"' in mail.text, mail.text
    assert "reset" not in mail.text.lower() and smtp.no_mail(email, "Reset your", wait=0.5)
    link = link_from(mail, "/welcome")
    # The welcome page, in the browser at both widths: what they were invited to, the policy, the password.
    d.get(link)
    welcome = wait_for(d, "#welcome-form")
    assert name in d.find_element(By.TAG_NAME, "main").text
    shot("welcome")
    policy = d.find_element(By.ID, "welcome-policy")
    assert not policy.find_element(By.CSS_SELECTOR, ".policy").is_displayed()
    policy.find_element(By.TAG_NAME, "summary").click()
    assert "What we collect" in policy.find_element(By.CSS_SELECTOR, ".policy").text
    d.set_window_size(390, 844)
    d.get(link)
    wait_for(d, "#welcome-form")
    width, inner = no_sideways_scroll(d)
    assert width <= inner, f"the welcome page scrolls sideways at 390 px ({width} > {inner})"
    shot("welcome-phone")
    d.set_window_size(1280, 900)
    assert welcome is not None

    user = ConsoleClient(base)
    page = user.page(link)
    form = page.doc.form(action="/welcome")
    assert page.status == 200 and form is not None, page.describe()
    assert email in page.by_id("welcome-form").text() or email in page.html
    # Without ticking the agreement: refused with the reason, the link still works.
    refused = user.post_form("/welcome", {**form_values(form), "password": OTHER_PASSWORD}, csrf=False)
    assert refused.status == 400 and "tick the box to agree" in refused.flash_text, refused.describe()
    form = refused.doc.form(action="/welcome")
    agree = next(f for f in form.fields() if f.attrs.get("name") == "agree_policy")
    done = user.post_form(
        "/welcome", {**form_values(form), "password": OTHER_PASSWORD, "agree_policy": agree.attrs["value"]}, csrf=False)
    # Accepting signs them in at once, and the agreement is recorded like sign-up's.
    assert done.status == 200 and done.path == "/", done.describe()
    account = user.page("/account")
    agreements = account.by_id("agreements").text()
    assert "invitation" in agreements and agree.attrs["value"] in agreements, agreements
    assert "None recorded" not in agreements
    # My Account names their customer, not the owner's workspace.
    summary = account.doc.find("main").find("p").text()
    assert f"customer “{name}”" in summary and "workspace" not in summary, summary
    again = ConsoleClient(base).page(link)
    assert again.status == 409 and "already used" in again.html, again.describe()
    assert sign_in(ConsoleClient(base), email, OTHER_PASSWORD).path == "/"
    # The customer user sees the customer's device only, and no customer pages.
    listing = user.page("/devices")
    names = [a.text() for a in listing.doc.find_all("a") if (a.get("href") or "").startswith("/devices/")]
    assert names == [shared], listing.describe()
    refused = user.page("/customers")
    assert refused.status == 403 and "Only tenant administrators manage customers" in refused.flash_text

    # A customer with a user cannot be deleted.
    d.get(base + customer_path)
    d.find_element(By.ID, "delete-customer").click()
    assert "still has 1 user" in wait_for(d, "#delete-refused").text
    assert not d.find_elements(By.ID, "confirm-delete")
    shot("delete-refused")

    # Removing the user erases them: they can no longer sign in.
    d.get(base + customer_path)
    wait_for(d, "#customer-user-list a.remove-user").click()
    remove = wait_for(d, "#user-remove")
    assert "erases their account" in remove.text
    shot("user-remove")
    submit(d, remove.find_element(By.TAG_NAME, "form"))
    assert f"Removed {email}" in flash(d)
    assert not d.find_elements(By.ID, "customer-user-list")
    assert sign_in(ConsoleClient(base), email, OTHER_PASSWORD).status == 401

    # Deleting the customer says what happens to its device, which stays in the workspace, unassigned.
    d.find_element(By.ID, "delete-customer").click()
    assert "Its 1 device stays in your workspace" in wait_for(d, "#delete-devices").text
    shot("delete-confirm")
    submit(d, d.find_element(By.CSS_SELECTOR, "#customer-delete form"))
    wait_path(d, "/customers")
    assert f"Deleted {name}. Its 1 device stay" in flash(d)
    device = api(server, "GET", "/api/tenant/device", jwt=jwt, params={"deviceName": shared}).json()
    assert device["customerId"]["id"] == "13814000-1dd2-11b2-8080-808080808080"

    # Phone width.
    d.set_window_size(390, 844)
    form = wait_for(d, "#customer-add")
    fill(form, "name", unique("Phone Co"))
    submit(d, form)
    wait_for(d, "#customer-page")
    width, inner = no_sideways_scroll(d)
    assert width <= inner, f"the customer page scrolls sideways at 390 px ({width} > {inner})"
    shot("customer-page-phone")
    d.get(f"{base}/customers")
    wait_for(d, "#customers")
    shot("list-phone")
    d.set_window_size(1280, 900)


def test_dashboards_walk(server, new_account, browser):
    d, base = browser, server.base_url
    shot = Camera(browser, prefix="dashboards-")
    d.set_window_size(1280, 900)
    d.delete_all_cookies()
    admin = new_account(name="Di Admin")
    jwt = rest_login(server, admin.email, admin.password)
    tenant = api(server, "GET", "/api/auth/user", jwt=jwt).json()["tenantId"]["id"]
    boiler = api(server, "POST", "/api/device", jwt=jwt, json={"name": unique("boiler")}).json()
    token = api(server, "GET", f"/api/device/{boiler['id']['id']}/credentials", jwt=jwt).json()["credentialsId"]
    assert requests_post(f"{base}/api/v1/{token}/telemetry", {"temperature": 21.5, "humidity": 40}) == 200

    sign_in_browser(d, base, admin.email, admin.password)
    wait_for(d, "nav a[href='/dashboards']").click()
    assert "No dashboards yet" in wait_for(d, "#no-dashboards").text
    d.find_element(By.ID, "add-dashboard").click()

    # Bad input: no title; an unknown widget kind; a device of another tenant. Each says what and where.
    form = wait_for(d, "#dashboard-form")
    submit(d, form)
    assert "Give the dashboard a title" in flash(d)
    form = wait_for(d, "#dashboard-form")
    fill(form, "title", "Boiler room")
    fill(form, "layout", '{"widgets":[{"kind":"gauge","title":"Dial","devices":["%s"]}]}' % boiler["id"]["id"])
    submit(d, form)
    assert "Widget 1 (“Dial”): unknown kind 'gauge'" in flash(d)
    assert "gauge" in d.find_element(By.ID, "dashboard-layout").get_attribute("value")  # what was typed stays
    shot("unknown-kind")
    other = Tenant(server)
    theirs = other.device(name=unique("theirs"))
    form = wait_for(d, "#dashboard-form")
    fill(form, "layout", '{"widgets":[{"kind":"map","devices":["%s"]}]}' % theirs["id"])
    submit(d, form)
    assert "is not one of your devices" in flash(d)

    # The suggested layout (latest temperature of the first device) is accepted.
    d.get(f"{base}/dashboards/new")
    form = wait_for(d, "#dashboard-form")
    fill(form, "title", "Boiler room")
    submit(d, form)
    assert "Saved Boiler room" in flash(d)
    card = wait_for(d, ".dash-card[data-kind='latest']")
    assert "21.5" in card.text
    dashboard_path = d.current_url.split("?")[0].replace(base, "")

    # The builder adds a chart widget over the device.
    d.find_element(By.ID, "edit-dashboard").click()
    form = wait_for(d, "#widget-form")
    Select(form.find_element(By.NAME, "widgetKind")).select_by_value("timeseries")
    fill(form, "widgetTitle", "Heat over time")
    Select(form.find_element(By.NAME, "widgetDevices")).select_by_visible_text(boiler["name"])
    fill(form, "widgetKeys", "temperature, humidity")
    submit(d, form)
    d.get(base + dashboard_path)
    chart = wait_for(d, ".dash-card[data-kind='timeseries']")
    assert "Heat over time" in chart.text and boiler["name"] in chart.text and "40" in chart.text
    # The chart draws the day's readings from the device page's downsampled history (Chart.js, our dashboard.js).
    WebDriverWait(d, 20).until(lambda _: "points over the last day" in chart.find_element(By.CLASS_NAME, "dash-chart-status").text)
    assert chart.find_element(By.CLASS_NAME, "dash-chart-status").text.startswith("2 points")
    assert chart.find_element(By.TAG_NAME, "canvas").is_displayed()
    shot("dashboard")

    # Share with a customer: its user sees this dashboard only, and cannot build one.
    customer = server.create_customer(tenant, name=unique("Heat Co"))
    email = f"{unique('viewer')}@example.test"
    server.create_user(tenant, email, "customer-pass-1", role="customer-user", customer=customer["id"])
    d.get(base + dashboard_path + "/edit")
    form = wait_for(d, "#dashboard-form")
    form.find_element(By.CSS_SELECTOR, f"input[name=share][value='{customer['id']}']").click()
    submit(d, form)
    assert customer["name"] in d.find_element(By.ID, "dashboard-page").text
    d.get(f"{base}/dashboards/new")
    form = wait_for(d, "#dashboard-form")
    fill(form, "title", "Private")
    submit(d, form)
    private_path = d.current_url.split("?")[0].replace(base, "")

    viewer = ConsoleClient(base)
    assert sign_in(viewer, email, "customer-pass-1").status == 200
    listing = viewer.page("/dashboards")
    titles = [a.text() for a in listing.doc.find_all("a") if (a.get("href") or "").startswith("/dashboards/")]
    assert titles == ["Boiler room"], listing.describe()
    shared_view = viewer.page(dashboard_path)
    assert shared_view.status == 200
    # The boiler is not the customer's: its name and readings stay hidden on the shared dashboard.
    text = shared_view.doc.by_id("dashboard-grid").text()
    assert boiler["name"] not in text and "21.5" not in text and "not yours to see" in text, text
    assert viewer.page(private_path).status == 404
    assert viewer.page("/dashboards/new").status == 403

    # A profile's generated default dashboard charts the keys its devices report.
    default_id = boiler["deviceProfileId"]["id"]
    d.get(f"{base}/profiles/{default_id}/dashboard")
    kinds = [c.get_attribute("data-kind") for c in d.find_elements(By.CSS_SELECTOR, ".dash-card")]
    assert kinds == ["timeseries", "latest"], kinds
    assert "humidity" in d.find_element(By.ID, "dashboard-grid").text

    # Phone width: widgets stack.
    d.set_window_size(390, 844)
    d.get(base + dashboard_path)
    wait_for(d, "#dashboard-grid")
    width, inner = no_sideways_scroll(d)
    assert width <= inner, f"the dashboard scrolls sideways at 390 px ({width} > {inner})"
    shot("dashboard-phone")
    d.set_window_size(1280, 900)

    # Delete after confirming.
    d.get(base + private_path + "/delete")
    submit(d, wait_for(d, "#dashboard-delete form"))
    wait_path(d, "/dashboards")
    assert "Deleted the dashboard Private" in flash(d)


def test_every_field_of_these_pages_has_a_declared_purpose(server, new_account):
    """Promise HA-1 for the profile, customer and dashboard forms: each field is in /api/form-fields."""
    admin = new_account(name="Fi Admin")
    c = admin.client
    purposes = c.get(f"{server.base_url}/api/form-fields", timeout=30).json()
    jwt = rest_login(server, admin.email, admin.password)
    assert api(server, "POST", "/api/device", jwt=jwt, json={"name": unique("dev")}).status_code == 200
    profile = api(server, "GET", "/api/deviceProfileInfo/default", jwt=jwt).json()["id"]["id"]
    customer = c.post(f"{server.base_url}/customers/new", data={"csrf": c.page("/customers").doc.csrf, "name": unique("Co")},
                      allow_redirects=False).headers["Location"]
    made = c.post(f"{server.base_url}/dashboards/new", data={"csrf": c.page("/dashboards/new").doc.csrf, "title": "D",
                                                               "layout": '{"widgets":[]}'}, allow_redirects=False)
    dashboard = made.headers["Location"].split("?")[0]
    pages = [c.page(p) for p in ("/profiles", "/profiles/new", f"/profiles/{profile}", "/customers", customer,
                                 "/dashboards", "/dashboards/new", dashboard + "/edit")]
    problems = {}
    for p in pages:
        assert p.status == 200, p.describe()
        names = {f.attrs.get("name") for f in p.doc.fields() if f.attrs.get("name")}
        missing = sorted(n for n in names if not (purposes.get(n) or "").strip())
        if missing:
            problems[p.path] = missing
    assert not problems, f"form fields without a declared purpose: {problems}"


def requests_post(url: str, body: dict) -> int:
    import requests
    return requests.post(url, json=body, timeout=30).status_code
