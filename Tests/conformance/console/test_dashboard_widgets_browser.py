"""Dashboard widgets that work (issue 15), in a real browser: a dashboard with all six widget kinds over a paho
device. The map draws the device's track from the device page's access-checked track (the view is written to the
access log of the person the device concerns); the switch and the command button are plain forms whose RPC reaches
the device through the same path as the device page's, with the answer shown on the widget after the redirect; the
attribute form sets a shared attribute the device receives. A customer user does the same on the dashboard shared
with their customer, but cannot aim a control at a device that is not their customer's. Bad input (params that are
not JSON, a layout with an unknown widget kind) gets a clear error and the page keeps working. Rows of the layout are
honoured on the grid. Screenshots at 1280 and 390 px wide go to $STEWARD_TEST_OUTPUT/screenshots/ and
/tmp/shots/widgets/."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By

from browser_support import Camera as BrowserCamera, chrome, fill, no_sideways_scroll, submit, wait_for
from console_support import GOOD_PASSWORD, ConsoleClient, api, rest_login, sign_in
from steward_harness import unique
from test_device_console_browser import Device, sign_in_browser, until

COPY_TO = Path("/tmp/shots/widgets")


@pytest.fixture(scope="module")
def browser():
    driver = chrome("widgets-")
    yield driver
    driver.quit()


def Camera(driver) -> BrowserCamera:
    """Screenshots of the dashboard widgets, also copied to /tmp/shots/widgets/ (emptied first)."""
    for old in COPY_TO.glob("widgets-*.png"):
        old.unlink()
    return BrowserCamera(driver, "widgets-", COPY_TO)

def widget(d, kind: str):
    return wait_for(d, f".dash-card[data-kind='{kind}']")


def result_of(d, kind: str) -> str:
    found = d.find_elements(By.CSS_SELECTOR, f".dash-card[data-kind='{kind}'] .dash-result")
    return found[0].text if found else ""


def map_reads(server, person_email: str) -> list[dict]:
    jwt = rest_login(server, person_email, GOOD_PASSWORD)
    return [e for e in api(server, "GET", "/api/audit/me", jwt=jwt).json()
            if e["event"] == "personal-data.read" and ": map (console)" in e["detail"]]


def test_dashboard_widgets_walk(server, new_account, browser):
    d, base, shot = browser, server.base_url, Camera(browser)
    d.set_window_size(1280, 900)
    d.delete_all_cookies()
    admin = new_account(name="Wi Admin")
    customer = server.create_customer(admin.tenant_id, name=unique("Heat Co"))
    person_email = f"{unique('tenant-of-flat')}@example.test"
    person = server.create_user(admin.tenant_id, person_email, GOOD_PASSWORD, "customer-user", customer=customer["id"])
    viewer_email = f"{unique('viewer')}@example.test"
    server.create_user(admin.tenant_id, viewer_email, GOOD_PASSWORD, "customer-user", customer=customer["id"])

    name = unique("boiler")
    page = admin.client.submit("/devices/new", "device-form", name=name, customer=customer["id"], person=person["id"])
    assert page.status == 200 and page.has("access-token"), page.describe()
    token = page.by_id("access-token").text().strip()
    device_id = page.path.rsplit("/", 1)[1]
    other_page = admin.client.submit("/devices/new", "device-form", name=unique("not-theirs"), customer="", person="")
    assert other_page.status == 200 and other_page.has("access-token"), other_page.describe()
    other_id = other_page.path.rsplit("/", 1)[1]
    for lat, lon, t in ((52.5200, 13.4050, 20.5), (52.5210, 13.4075, 21.0), (52.5226, 13.4101, 21.5)):
        r = requests.post(f"{base}/api/v1/{token}/telemetry", json={"latitude": lat, "longitude": lon, "temperature": t}, timeout=30)
        assert r.status_code == 200, r.text

    layout = {"widgets": [
        {"kind": "timeseries", "title": "Heat", "devices": [device_id], "keys": ["temperature"], "x": 0, "y": 0, "w": 6, "h": 4},
        {"kind": "latest", "title": "Now", "devices": [device_id], "keys": ["temperature"], "x": 6, "y": 0, "w": 6, "h": 2},
        {"kind": "map", "title": "Where", "devices": [device_id], "x": 0, "y": 4, "w": 6, "h": 6},
        {"kind": "switch", "title": "Pump", "devices": [device_id, other_id], "x": 6, "y": 2, "w": 6, "h": 2},
        {"kind": "rpc", "title": "Blink", "devices": [device_id], "method": "blink", "x": 6, "y": 4, "w": 6, "h": 3},
        {"kind": "attributes", "title": "Target", "devices": [device_id], "keys": ["targetTemperature"], "x": 6, "y": 7, "w": 6, "h": 3},
    ]}
    c = admin.client
    made = c.post_form("/dashboards/new", {"csrf": c.page("/dashboards/new").doc.csrf, "title": "Boiler room",
                                           "layout": json.dumps(layout), "share": customer["id"]}, csrf=False, follow=False)
    assert made.status == 303, made.describe()
    path = made.response.headers["Location"].split("?")[0]

    device = Device("127.0.0.1", server.mqtt_port, token)
    try:
        sign_in_browser(d, base, admin.email, admin.password)
        reads_before = len(map_reads(server, person_email))
        d.get(base + path)
        # Every kind is on the page, placed by its row as well as its column.
        kinds = [e.get_attribute("data-kind") for e in d.find_elements(By.CSS_SELECTOR, ".dash-card")]
        assert sorted(kinds) == sorted(["timeseries", "latest", "map", "switch", "rpc", "attributes"]), kinds
        rows = {k: d.execute_script("return getComputedStyle(arguments[0]).gridRowStart", widget(d, k))
                for k in ("map", "switch", "attributes")}
        assert rows == {"map": "5", "switch": "3", "attributes": "8"}, rows
        top = {k: widget(d, k).rect["y"] for k in ("timeseries", "switch", "attributes")}
        assert top["timeseries"] < top["switch"] < top["attributes"], top

        # The map draws the track (a line and three points) from the access-checked track of the device page.
        until("the track on the dashboard's map",
              lambda: len(d.find_elements(By.CSS_SELECTOR, ".dash-card[data-kind='map'] path.leaflet-interactive")) >= 4)
        until("the map view in the person's access log", lambda: len(map_reads(server, person_email)) > reads_before)
        assert any(name in e["detail"] and e["actorId"] == admin.user_id for e in map_reads(server, person_email))

        # The switch: off reaches the device as setValue false; its answer shows on the widget.
        switch = widget(d, "switch")
        forms = switch.find_elements(By.TAG_NAME, "form")
        assert len(forms) == 2  # one per device of the widget
        mine = next(f for f in forms if name in f.text)
        mine.find_element(By.CSS_SELECTOR, "button[value='false']").click()
        until("setValue false at the device", lambda: ("setValue", False) in device.rpc)
        until("the answer on the switch", lambda: "The switch is off" in result_of(d, "switch"))
        assert "/dashboards/" in d.current_url and "result=" in d.current_url
        shot("switch-answered")

        # A device that is not connected: the switch says so (nothing sent, or no answer within ThingsBoard's 5 s).
        offline = next(f for f in widget(d, "switch").find_elements(By.TAG_NAME, "form") if "not-theirs" in f.text)
        offline.find_element(By.CSS_SELECTOR, "button[value='read']").click()
        until("the offline device's outcome on the switch", lambda: "getValue" in result_of(d, "switch"), timeout=30)
        said = result_of(d, "switch")
        assert "is not connected" in said or "did not answer 'getValue' within 5 s" in said, said
        assert said.count("not-theirs") == 1, said  # the device is named once
        assert "dash-failed" in widget(d, "switch").find_element(By.CLASS_NAME, "dash-result").get_attribute("class")

        # The command button: params that are not JSON are refused on the widget, nothing is sent; then it is sent.
        sent = len(device.rpc)
        form = widget(d, "rpc").find_element(By.TAG_NAME, "form")
        fill(form, "params", "{times: 2")
        submit(d, form)
        assert "not valid JSON" in result_of(d, "rpc"), result_of(d, "rpc")
        shot("params-refused")
        assert len(device.rpc) == sent
        assert widget(d, "rpc").find_element(By.NAME, "params").get_attribute("value") == "{times: 2"  # what was typed stays
        assert d.find_elements(By.ID, "dashboard-grid")  # the page survives
        form = widget(d, "rpc").find_element(By.TAG_NAME, "form")
        fill(form, "params", '{"times": 2}')
        submit(d, form)
        until("blink at the device", lambda: ("blink", {"times": 2}) in device.rpc)
        reply = widget(d, "rpc").find_element(By.CLASS_NAME, "dash-reply").text
        assert json.loads(reply) == {"ok": True, "method": "blink"}, reply

        # The attribute form: a shared attribute reaches the connected device at once.
        form = widget(d, "attributes").find_element(By.TAG_NAME, "form")
        fill(form, "value", "22")
        submit(d, form)
        until("the device to receive the shared attribute", lambda: any(a.get("targetTemperature") == 22 for a in device.attributes))
        assert "Saved targetTemperature = 22" in result_of(d, "attributes"), result_of(d, "attributes")
        assert "targetTemperature = 22 (shared" in widget(d, "attributes").find_element(By.CLASS_NAME, "dash-current").text
        shot("dashboard")

        # The result is read once and only by whoever pressed: the same link shows no answer again.
        again = d.current_url.split("#")[0]
        assert "result=" in again
        d.get(again)
        wait_for(d, "#dashboard-grid")
        assert result_of(d, "attributes") == ""

        # Phone width: widgets stack, nothing scrolls sideways, the map still draws.
        d.set_window_size(390, 844)
        d.get(base + path)
        until("the track at phone width",
              lambda: len(d.find_elements(By.CSS_SELECTOR, ".dash-card[data-kind='map'] path.leaflet-interactive")) >= 4)
        width, inner = no_sideways_scroll(d)
        assert width <= inner, f"the dashboard scrolls sideways at 390 px ({width} > {inner})"
        shot("dashboard-phone")
        d.set_window_size(1280, 900)

        # A customer user on the shared dashboard: the switch works on their customer's device; the other device of the
        # widget is hidden and a forged post aimed at it is refused.
        d.delete_all_cookies()
        sign_in_browser(d, base, viewer_email, GOOD_PASSWORD)
        d.get(base + path)
        switch = widget(d, "switch")
        assert len(switch.find_elements(By.TAG_NAME, "form")) == 1 and "not yours to see" in switch.text
        switch.find_element(By.CSS_SELECTOR, "button[value='true']").click()
        until("setValue true from the customer user", lambda: ("setValue", True) in device.rpc)
        until("the answer on the customer's switch", lambda: "The switch is on" in result_of(d, "switch"))
        until("the track for the customer user",
              lambda: len(d.find_elements(By.CSS_SELECTOR, ".dash-card[data-kind='map'] path.leaflet-interactive")) >= 4)
        shot("customer-switch")

        viewer = ConsoleClient(base)
        assert sign_in(viewer, viewer_email, GOOD_PASSWORD).status == 200
        csrf = viewer.page(path).doc.csrf
        forged = viewer.post(viewer.url(path + "/widgets/3/command"),
                             data={"csrf": csrf, "widgetDevice": other_id, "value": "true"}, allow_redirects=False, timeout=30)
        assert forged.status_code in (403, 404), forged.status_code
        outside = viewer.post(viewer.url(path + "/widgets/3/command"),
                              data={"csrf": csrf, "widgetDevice": "8a7c0f4e-0000-4000-8000-000000000000", "value": "true"},
                              allow_redirects=False, timeout=30)
        assert outside.status_code == 404 and "is not one of this widget" in outside.text
        wrong_kind = viewer.post(viewer.url(path + "/widgets/0/command"),
                                 data={"csrf": csrf, "widgetDevice": device_id}, allow_redirects=False, timeout=30)
        assert wrong_kind.status_code == 400 and "no such control" in wrong_kind.text
        assert viewer.page(path).status == 200
    finally:
        device.close()

    # A layout with an unknown widget kind is refused naming the widget; the dashboard keeps working.
    bad = dict(layout)
    bad["widgets"] = layout["widgets"] + [{"kind": "gauge", "title": "Dial", "devices": [device_id]}]
    page = c.post_form(path + "/edit", {"csrf": c.page(path + "/edit").doc.csrf, "title": "Boiler room",
                                        "layout": json.dumps(bad)}, csrf=False)
    assert page.status == 400 and "Widget 7 (“Dial”): unknown kind 'gauge'" in page.flash_text, page.describe()
    assert c.page(path).status == 200
