"""The device console in a real browser (issue 15): a tenant administrator signs in, adds a device, connects it with
paho (the connection example's host, port and token), sees its latest values and chart, edits a shared attribute that
the device receives, presses the switch and sends a command that the device answers, looks at it all at phone width,
and deletes it after a confirmation that counts what goes. A customer user sees only their customer's devices; bad
form input gets a clear error. Screenshots at 1280 and 390 px wide go to $STEWARD_TEST_OUTPUT/screenshots/ and to
/tmp/shots/devices/."""
from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import requests
from paho.mqtt.enums import CallbackAPIVersion
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_support import Camera as BrowserCamera, sign_in_browser, chrome, fill, flash, no_sideways_scroll, submit, wait_for, wait_path
from console_support import GOOD_PASSWORD, ConsoleClient, ConsoleServer, api, rest_login, sign_in
from steward_harness import unique

COPY_TO = Path("/tmp/shots/devices")


class Device:
    """A paho device: subscribed to shared-attribute updates and server RPC; answers `getValue` with its switch
    state, `setValue` by taking the new state, anything else with {"ok": true, "method": …}."""

    def __init__(self, host: str, port: int, token: str):
        self.attributes: list[dict] = []
        self.rpc: list[tuple[str, object]] = []
        self.on = True
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.client.username_pw_set(token)
        self.client.on_connect = lambda c, u, f, rc, p: (
            c.subscribe([("v1/devices/me/attributes", 1), ("v1/devices/me/rpc/request/+", 1)]))
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.ready.set()
        self.client.on_message = self._message
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        assert self.ready.wait(10), "paho: not connected and subscribed within 10 s"

    def _message(self, client, userdata, message):
        body = json.loads(message.payload) if message.payload else None
        if message.topic == "v1/devices/me/attributes":
            with self.lock:
                self.attributes.append(body)
            return
        request_id = message.topic.rsplit("/", 1)[1]
        method, params = body.get("method"), body.get("params")
        with self.lock:
            self.rpc.append((method, params))
            if method == "setValue":
                self.on = bool(params)
            answer = self.on if method in ("getValue", "setValue") else {"ok": True, "method": method}
        client.publish(f"v1/devices/me/rpc/response/{request_id}", json.dumps(answer), qos=1)

    def publish(self, values: dict) -> None:
        info = self.client.publish("v1/devices/me/telemetry", json.dumps(values), qos=1)
        info.wait_for_publish(10)
        assert info.is_published(), "no PUBACK for the telemetry"

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def until(what: str, check, timeout: float = 20):
    """Polls `check` until it returns something true, or fails saying what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def browser():
    driver = chrome("devices-")
    yield driver
    driver.quit()


def Camera(driver, prefix: str = "devices-") -> BrowserCamera:
    """Screenshots of the device pages, also copied to /tmp/shots/devices/."""
    return BrowserCamera(driver, prefix, COPY_TO)



def test_device_console_walk(server, new_account, browser):
    d, base, shot = browser, server.base_url, Camera(browser)
    d.set_window_size(1280, 900)
    admin = new_account(name="Ada Admin")
    sign_in_browser(d, base, admin.email, admin.password)
    empty = wait_for(d, "#no-devices")
    assert "No devices yet" in empty.text
    shot("list-empty")

    # Add a device: an empty name is refused with the reason, the form keeps what was typed.
    d.find_element(By.ID, "add-device").click()
    form = wait_for(d, "#device-form")
    fill(form, "label", "Kitchen")
    submit(d, form)
    assert "Give the device a name" in flash(d)
    assert d.find_element(By.ID, "device-label").get_attribute("value") == "Kitchen"
    shot("add-device-error")
    name = unique("kitchen-sensor")
    form = wait_for(d, "#device-form")
    fill(form, "name", name)
    submit(d, form)
    wait_for(d, "#access-token")
    assert f"Added {name}" in flash(d)
    token = d.find_element(By.ID, "access-token").text
    mqtt_example = d.find_element(By.ID, "example-mqtt").text
    assert f"-p {server.mqtt_port} -u {token} -t v1/devices/me/telemetry" in mqtt_example, mqtt_example
    assert f"{base}/api/v1/{token}/telemetry" in d.find_element(By.ID, "example-curl").text
    assert f'username="{token}"' in d.find_element(By.ID, "example-python").text
    device_path = d.current_url.split("?")[0].replace(base, "")
    assert re.fullmatch(r"/devices/[0-9a-f-]{36}", device_path), device_path
    shot("device-new")

    # The device connects with the example's host, port and token and reports.
    host = re.search(r"-h (\S+)", mqtt_example).group(1)
    device = Device(host, server.mqtt_port, token)
    try:
        device.publish({"temperature": 21.5, "humidity": 40})
        d.get(base + device_path)
        row = wait_for(d, "#latest-values tr[data-key='temperature'] td.value")
        assert row.text == "21.5"
        assert "Active" in d.find_element(By.ID, "device-state").text
        # The chart drew the reading from the server's downsampled history.
        until("the chart to load", lambda: "averaged per" in d.find_element(By.ID, "chart-status").text)
        assert d.find_element(By.ID, "chart-app").is_displayed()
        assert not d.find_element(By.ID, "chart-nojs").is_displayed()

        # Zoom by keyboard (the button) and back: the server answers the narrower range.
        before = d.find_element(By.ID, "chart-status").text
        d.find_element(By.ID, "zoom-in").send_keys(Keys.ENTER)
        until("the zoomed chart", lambda: d.find_element(By.ID, "chart-status").text not in (before, "Loading…")
              and d.find_element(By.ID, "zoom-reset").is_enabled())
        d.find_element(By.ID, "zoom-reset").send_keys(Keys.ENTER)
        until("the reset chart", lambda: not d.find_element(By.ID, "zoom-reset").is_enabled())

        # The switch read the device's state with getValue when the page opened.
        until("the switch state", lambda: "on" in d.find_element(By.ID, "switch-state").text)
        assert ("getValue", None) in device.rpc
        # The state is a filled green button with a check mark, unlike the amber focus ring (walk P2.5).
        d.execute_script("document.activeElement.blur()")
        look = ("var b = document.getElementById(arguments[0]), s = getComputedStyle(b);"
                "return [b.getAttribute('aria-pressed'), s.backgroundColor, s.outlineStyle, getComputedStyle(b, '::before').content]")
        assert d.execute_script(look, "switch-on") == ["true", "rgb(29, 107, 47)", "none", '"✓ "']
        assert d.execute_script(look, "switch-off")[:3] == ["false", "rgb(255, 255, 255)", "none"]
        assert d.find_element(By.ID, "switch-read").get_attribute("class") == "secondary"

        # Live: a new reading shows without a reload.
        page_marker = d.find_element(By.TAG_NAME, "html")
        plotted = "return Chart.getChart('chart').data.datasets.filter(s => s.label === 'humidity')[0].data.map(p => p.y)"
        assert d.execute_script(plotted) == [40]
        device.publish({"temperature": 23.25, "humidity": 41})
        until("the live update of temperature", lambda: d.find_element(
            By.CSS_SELECTOR, "#latest-values tr[data-key='temperature'] td.value").text == "23.25")
        until("the chart's live point", lambda: d.execute_script(plotted) == [40, 41])
        assert page_marker.is_enabled()  # the same document: no reload happened
        shot("device-live")

        # A shared attribute reaches the connected device at once.
        form = d.find_element(By.ID, "attribute-form")
        Select(form.find_element(By.NAME, "scope")).select_by_value("shared")
        fill(form, "key", "targetTemperature")
        fill(form, "value", "22")
        submit(d, form)
        until("the device to receive the shared attribute",
              lambda: any(a.get("targetTemperature") == 22 for a in device.attributes))
        cell = wait_for(d, "#attributes-shared tr[data-key='targetTemperature'] td.value")
        assert cell.text == "22"
        shot("device-attribute")

        # The switch: off, the device receives setValue false and its answer shows.
        wait_for(d, "#switch-off").click()
        until("setValue false at the device", lambda: ("setValue", False) in device.rpc)
        until("the switch showing off", lambda: "off" in d.find_element(By.ID, "switch-state").text)

        # A command with bad params is refused before anything is sent; a good one is answered.
        sent = len(device.rpc)
        fill(d.find_element(By.ID, "rpc-form"), "method", "blink")
        fill(d.find_element(By.ID, "rpc-form"), "params", "{times: 2")
        d.find_element(By.ID, "rpc-send").click()
        until("the params error", lambda: "not valid JSON" in d.find_element(By.ID, "rpc-result").text)
        assert len(device.rpc) == sent
        fill(d.find_element(By.ID, "rpc-form"), "params", '{"times": 2}')
        d.find_element(By.ID, "rpc-send").click()
        reply = until("the device's answer", lambda: d.find_elements(By.ID, "rpc-reply"))
        assert json.loads(reply[0].text) == {"ok": True, "method": "blink"}
        assert ("blink", {"times": 2}) in device.rpc
        shot("device-commands")

        # Phone width: the device page and the list fit without sideways scrolling.
        d.set_window_size(390, 844)
        d.get(base + device_path)
        wait_for(d, "#latest-values")
        width, inner = no_sideways_scroll(d)
        assert width <= inner, (width, inner)
        shot("device-phone")
        d.execute_script("document.getElementById('commands').scrollIntoView()")
        shot("device-phone-commands")
        d.get(base + "/devices")
        wait_for(d, "#devices")
        width, inner = no_sideways_scroll(d)
        assert width <= inner, (width, inner)
        shot("list-phone")
        d.set_window_size(1280, 900)
        d.get(base + "/devices")
        row = wait_for(d, "#devices tbody tr")
        assert name in row.text and "Active" in row.text and ("just now" in row.text or "minute" in row.text)
        shot("list")

        # Delete: the confirmation counts what goes; afterwards the list says so and the device is gone.
        d.get(base + device_path + "/delete")
        counts = wait_for(d, "#delete-counts")
        assert int(d.find_element(By.ID, "count-readings").text) >= 3
        assert d.find_element(By.ID, "count-attributes").text == "1"
        assert d.find_element(By.ID, "count-totals").text == "0" and "daily total" in counts.text
        shot("delete-confirm")
        submit(d, d.find_element(By.CSS_SELECTOR, "#device-delete form"))
        wait_path(d, "/devices")
        assert f"Deleted {name}" in flash(d)
        assert not d.find_elements(By.LINK_TEXT, name)
        shot("list-after-delete")
    finally:
        device.close()


def test_customer_user_sees_only_their_customers_devices(server, new_account):
    admin = new_account(name="Cy Customer-Admin")
    customer = server.create_customer(admin.tenant_id, name=unique("Acme Lab"))
    shared = server.create_device(admin.tenant_id, name=unique("shared-dev"))
    private = server.create_device(admin.tenant_id, name=unique("private-dev"))
    page = admin.client.submit(f"/devices/{shared['id']}/edit", "device-form", customer=customer["id"])
    assert page.status == 200 and page.path == f"/devices/{shared['id']}", page.describe()
    assert customer["name"] in page.by_id("device-page").text()

    email = f"{unique('cust')}@example.test"
    server.create_user(admin.tenant_id, email, GOOD_PASSWORD, role="customer-user", customer=customer["id"])
    user = ConsoleClient(server.base_url)
    try:
        start = sign_in(user, email, GOOD_PASSWORD)
        assert start.status == 200 and start.has("devices"), start.describe()
        listed = start.by_id("devices").text()
        assert shared["name"] in listed and private["name"] not in listed
        assert not start.has("add-device")
        assert user.page(f"/devices/{shared['id']}").status == 200
        hidden = user.page(f"/devices/{private['id']}")
        assert hidden.status == 404 and private["name"] not in hidden.html
        assert user.page("/devices/new").status == 403
        assert user.page(f"/devices/{private['id']}/series.json?keys=t").status == 404
    finally:
        user.close()


def test_bad_form_input_gets_clear_errors_without_javascript(server, new_account):
    admin = new_account(name="Bo Forms")
    device = server.create_device(admin.tenant_id, name=unique("form-dev"))
    c = admin.client
    # (the harness reads an option without a value by its text; a browser sends "" for "None")
    page = c.submit("/devices/new", "device-form", name="   ", customer="", person="")
    assert page.status == 400 and "Give the device a name" in page.flash_text, page.describe()
    taken = c.submit("/devices/new", "device-form", name=device["name"], customer="", person="")
    assert taken.status == 400 and "already exists" in taken.flash_text, taken.describe()
    page = c.submit(f"/devices/{device['id']}", "rpc-form", method="setValue", params="{oops")
    assert page.status == 400 and "not valid JSON" in page.flash_text, page.describe()
    assert page.by_id("rpc-params") is not None and "{oops" in page.html  # what was typed stays
    page = c.submit(f"/devices/{device['id']}", "rpc-form", method="", params="")
    assert page.status == 400 and "RPC method" in page.flash_text, page.describe()
    page = c.submit(f"/devices/{device['id']}", "attribute-form", scope="shared", key=" ")
    assert page.status == 400 and "attribute's key" in page.flash_text, page.describe()
    # Without JavaScript the chart area says what it needs; the forms are there.
    page = c.page(f"/devices/{device['id']}")
    assert "needs JavaScript" in page.by_id("chart-nojs").text() and page.has("rpc-form") and page.has("attribute-form")
    r = c.get(c.url(f"/devices/{device['id']}/series.json?keys=t&range=month"))
    assert r.status_code == 400 and "hour, day or week" in r.text
    # A command to a device that never connected is answered at once, in words, and nothing is queued for it.
    page = c.submit(f"/devices/{device['id']}", "rpc-form", method="reboot", params="")
    assert page.status == 200 and "is not connected; nothing was sent" in page.flash_text, page.describe()


def test_positions_show_on_a_map_and_views_reach_the_persons_access_log(server, new_account, browser):
    d, base, shot = browser, server.base_url, Camera(browser, "devices-map-")
    admin = new_account(name="Mo Map-Admin")
    customer = server.create_customer(admin.tenant_id)
    person_email = f"{unique('walker')}@example.test"
    person = server.create_user(admin.tenant_id, person_email, GOOD_PASSWORD, "customer-user", customer=customer["id"])
    name = unique("tracker")
    page = admin.client.submit("/devices/new", "device-form", name=name, customer=customer["id"], person=person["id"])
    assert page.status == 200 and page.has("access-token"), page.describe()
    token = page.by_id("access-token").text().strip()
    device_path = page.path
    for lat, lon in ((52.5200, 13.4050), (52.5210, 13.4075), (52.5226, 13.4101)):
        r = requests.post(f"{base}/api/v1/{token}/telemetry", json={"latitude": lat, "longitude": lon, "speed": 4}, timeout=30)
        assert r.status_code == 200, r.text

    # Without JavaScript: the positions are in the latest values, marked sensitive; the map area says what it needs.
    page = admin.client.page(device_path)
    assert page.has("map") and page.by_id("map").get("data-tiles") == "", page.describe()
    row = next(r for r in page.by_id("latest-values").rows() if "latitude" in r[0])
    assert "52.5226" in row[1] and "sensitive" in row[3], row
    # Without a tile server the page says so once, in one line; the administrator also reads how to set one (P2.17).
    assert page.html.count("No map background") == 1 and page.html.count("STEWARD_MAP_TILES") == 1, page.describe()
    assert "STEWARD_MAP_TILES" in page.by_id("map-no-tiles").text()
    track = admin.client.get(admin.client.url(device_path + "/track.json")).json()
    assert [p[1:] for p in track["points"]] == [[52.52, 13.405], [52.521, 13.4075], [52.5226, 13.4101]], track

    # The person the device concerns finds both reads (page and track) by the administrator in their access log.
    person_jwt = rest_login(server, person_email, GOOD_PASSWORD)
    viewer = ConsoleClient(base)
    try:
        assert sign_in(viewer, person_email, GOOD_PASSWORD).status == 200
        seen_by_person = viewer.page(device_path)
        assert "No map background" in seen_by_person.by_id("map-no-tiles").text()
        assert "STEWARD_MAP_TILES" not in seen_by_person.html  # operator advice is for administrators
    finally:
        viewer.close()
    seen = [e for e in api(server, "GET", "/api/audit/me", jwt=person_jwt).json() if e["event"] == "personal-data.read"]
    assert len(seen) >= 2 and {e["actorId"] for e in seen} == {admin.user_id}, seen
    assert any("latitude" in e["detail"] and name in e["detail"] for e in seen), seen
    # The audit trail names the reader's role in words (walk P2.9), also for entries written as "TENANT_ADMIN".
    audit = admin.client.page("/audit")
    assert audit.status == 200 and "read by a tenant administrator" in audit.html, audit.describe()
    assert "read by a TENANT_ADMIN" not in audit.html

    # In the browser the track is drawn on a plain background (no tile server configured).
    d.delete_all_cookies()
    d.set_window_size(1280, 900)
    sign_in_browser(d, base, admin.email, admin.password)
    d.get(base + device_path)
    wait_for(d, "#map.leaflet-container")
    until("the track on the map", lambda: len(d.find_elements(By.CSS_SELECTOR, "#map path.leaflet-interactive")) >= 4)
    assert not d.find_elements(By.CSS_SELECTOR, "#map img.leaflet-tile")
    # Keyboard focus stays visible on the map and its zoom buttons (walk P2.6); the map is named.
    ring = "arguments[0].focus(); var s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth]"
    assert d.execute_script(ring, d.find_element(By.ID, "map")) == ["solid", "3px"]
    assert d.execute_script(ring, d.find_element(By.CSS_SELECTOR, "#map .leaflet-control-zoom-in")) == ["solid", "3px"]
    assert d.find_element(By.ID, "map").get_attribute("aria-label") == f"Track of {name}"
    d.execute_script("document.getElementById('map-section').scrollIntoView()")
    shot("device-map")
    d.set_window_size(390, 844)
    d.get(base + device_path)
    until("the track at phone width", lambda: len(d.find_elements(By.CSS_SELECTOR, "#map path.leaflet-interactive")) >= 4)
    width, inner = no_sideways_scroll(d)
    assert width <= inner, (width, inner)
    shot("device-map-phone")
    d.set_window_size(1280, 900)

    # Without the Debian libraries the page says which package is missing, and the latest values still show.
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/static/lib/chart.min.js", "*/static/lib/leaflet.js"]})
    try:
        d.get(base + device_path)
        until("the missing chart library said", lambda: "libjs-chart.js" in d.find_element(By.ID, "chart-status").text)
        assert "libjs-leaflet" in d.find_element(By.ID, "map-nojs").text
        assert d.find_element(By.CSS_SELECTOR, "#latest-values tr[data-key='latitude'] td.value").text == "52.5226"
        shot("device-without-libraries")
    finally:
        d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})


def test_search_and_paging_without_javascript(server, new_account):
    admin = new_account(name="Pat Pages")
    jwt = rest_login(server, admin.email, admin.password)
    prefix = unique("pager")
    for i in range(23):
        r = api(server, "POST", "/api/device", jwt=jwt, json={"name": f"{prefix}-{i:02d}", "type": "default"})
        assert r.status_code == 200, r.text
    other = unique("lonely")
    assert api(server, "POST", "/api/device", jwt=jwt, json={"name": other}).status_code == 200
    c = admin.client
    first = c.page("/devices")
    assert first.status == 200 and "24 devices" in first.by_id("device-count").text(), first.describe()
    assert len(first.by_id("devices").rows()) == 20
    nxt = next(a for a in first.doc.find_all("a") if a.get("rel") == "next")
    second = c.page(nxt.get("href"))
    assert len(second.by_id("devices").rows()) == 4 and "page 2 of 2" in second.by_id("device-count").text()
    found = c.page(f"/devices?q={other}")
    assert [r[0] for r in found.by_id("devices").rows()] == [other], found.describe()
    assert all("Inactive" in r[-1] and "never" in r[3] for r in first.by_id("devices").rows())
    none = c.page("/devices?q=no-such-device-anywhere")
    assert none.has("no-devices") and "No device matches" in none.by_id("no-devices").text()


def test_scripts_come_from_this_server_and_tiles_only_from_the_configured_one(server, new_account, smtp):
    # Without a tile server: the policy allows no third party at all, and the libraries come from Debian's files.
    admin = new_account(name="Cleo Policy")
    device = server.create_device(admin.tenant_id, name=unique("policy-dev"))
    assert requests.post(f"{server.base_url}/api/v1/{device['accessToken']}/telemetry", json={"lat": 48.2, "lng": 16.37},
                         timeout=30).status_code == 200
    r = admin.client.get(admin.client.url(f"/devices/{device['id']}"))
    policy = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:;" in policy and "unsafe-inline" not in policy, policy
    assert 'data-tiles=""' in r.text
    for path, package_file in (("/static/lib/chart.min.js", "/usr/share/javascript/chart.js/chart.min.js"),
                               ("/static/lib/leaflet.js", "/usr/share/javascript/leaflet/leaflet.js")):
        lib = requests.get(server.base_url + path, timeout=30)
        assert lib.status_code == 200 and lib.content == Path(package_file).read_bytes(), path
    assert requests.get(server.base_url + "/static/device-page.js", timeout=30).status_code == 200

    # With STEWARD_MAP_TILES: that origin (only) may serve images on a page with a map.
    srv = ConsoleServer("device-console-tiles", smtp, env={"STEWARD_MAP_TILES": "https://tiles.example.org/{z}/{x}/{y}.png"})
    try:
        srv.start()
        tenant = srv.create_tenant(unique("tiles"))
        email = f"{unique('tiles')}@example.test"
        srv.create_user(tenant["id"], email, GOOD_PASSWORD)
        mapped = srv.create_device(tenant["id"], name=unique("mapped"))
        token = mapped["accessToken"]
        assert requests.post(f"{srv.base_url}/api/v1/{token}/telemetry", json={"lat": 48.2, "lng": 16.37},
                             timeout=30).status_code == 200
        c = ConsoleClient(srv.base_url)
        try:
            assert sign_in(c, email, GOOD_PASSWORD).status == 200
            r = c.get(c.url(f"/devices/{mapped['id']}"))
            assert "img-src 'self' data: https://tiles.example.org;" in r.headers["Content-Security-Policy"], r.headers
            assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in r.text
            assert 'id="map-no-tiles"' not in r.text
        finally:
            c.close()
    finally:
        srv.cleanup()


def test_an_offline_device_gets_no_request_from_its_page_and_an_explicit_one_is_answered_at_once(server, new_account, browser):
    """walk P1.2: opening the page of a device without a live session sends no getValue (the page says it is offline
    at once); pressing the switch says "not connected; nothing was sent" and queues nothing, so when the device
    connects later the first request it receives is the one sent after it connected."""
    d, base, shot = browser, server.base_url, Camera(browser, "devices-offline-")
    admin = new_account(name="Olga Offline")
    device = server.create_device(admin.tenant_id, name=unique("offline-switch"))
    d.delete_all_cookies()
    d.set_window_size(1280, 900)
    sign_in_browser(d, base, admin.email, admin.password)
    d.get(f"{base}/devices/{device['id']}")
    state = wait_for(d, "#switch-state")
    assert state.text == "Offline — the device is not connected.", state.text
    d.execute_script("document.getElementById('commands').scrollIntoView()")
    shot("switch-offline")
    d.find_element(By.ID, "switch-on").click()
    until("the offline answer", lambda: "not connected; nothing was sent" in d.find_element(By.ID, "switch-state").text)
    shot("switch-offline-pressed")
    d.set_window_size(390, 844)
    d.get(f"{base}/devices/{device['id']}")
    assert wait_for(d, "#switch-state").text == "Offline — the device is not connected."
    width, inner = no_sideways_scroll(d)
    assert width <= inner, (width, inner)
    shot("switch-offline-phone")
    d.set_window_size(1280, 900)

    paho = Device("127.0.0.1", server.mqtt_port, device["accessToken"])
    try:
        d.get(f"{base}/devices/{device['id']}")  # connected now: the page reads the state, as ThingsBoard's switch does
        until("the switch state", lambda: "The device says: on" in d.find_element(By.ID, "switch-state").text)
        assert paho.rpc == [("getValue", None)], paho.rpc  # neither the first page's read nor "Turn on" was queued
    finally:
        paho.close()


def test_a_command_to_a_device_that_polls_over_http_waits_for_its_poll(server, new_account):
    """An HTTP device has no session between polls: while it is active (it reported within its inactivity timeout) a
    command waits for its next long poll instead of being refused."""
    admin = new_account(name="Hal Http")
    device = server.create_device(admin.tenant_id, name=unique("http-poller"))
    token = device["accessToken"]
    assert requests.post(f"{server.base_url}/api/v1/{token}/telemetry", json={"t": 1}, timeout=30).status_code == 200
    got: list = []

    def poll():
        r = requests.get(f"{server.base_url}/api/v1/{token}/rpc?timeout=20000", timeout=30)
        got.append(r.json())
        requests.post(f"{server.base_url}/api/v1/{token}/rpc/{r.json()['id']}", json={"rebooted": True}, timeout=30)

    poller = threading.Thread(target=poll)
    page = None

    def later():
        time.sleep(1)  # the command is sent while no poll is open; the poll comes afterwards
        poller.start()

    starter = threading.Thread(target=later)
    starter.start()
    page = admin.client.submit(f"/devices/{device['id']}", "rpc-form", method="reboot", params="")
    starter.join()
    poller.join(30)
    assert got and got[0]["method"] == "reboot", got
    assert page.status == 200 and "answered 'reboot'" in page.flash_text, page.describe()
    assert json.loads(page.by_id("rpc-reply").text()) == {"rebooted": True}


def test_the_activity_badge_follows_readings_and_the_inactivity_timeout_without_a_reload(server, new_account, browser):
    """walk P1.3: a live reading turns the badge Active at once; when the profile's inactivity timeout (3 s here) passes
    without another, it turns Inactive, in the same document."""
    d, base, shot = browser, server.base_url, Camera(browser, "devices-badge-")
    admin = new_account(name="Iris Inactive")
    jwt = rest_login(server, admin.email, admin.password)
    profile = api(server, "POST", "/api/deviceProfile", jwt=jwt, json={"name": unique("quick"), "inactivityTimeout": 3})
    assert profile.status_code == 200, profile.text
    assert profile.json()["inactivityTimeout"] == 3, profile.text
    device = server.create_device(admin.tenant_id, name=unique("quiet-sensor"))
    device_id, token = device["id"], device["accessToken"]
    page = admin.client.submit(f"/devices/{device_id}/edit", "device-form", profile=profile.json()["id"]["id"], customer="", person="")
    assert page.status == 200 and profile.json()["name"] in page.by_id("device-page").text(), page.describe()
    d.delete_all_cookies()
    d.set_window_size(1280, 900)
    sign_in_browser(d, base, admin.email, admin.password)
    d.get(f"{base}/devices/{device_id}")
    badge = wait_for(d, "#device-state")
    assert badge.text == "Inactive" and d.find_element(By.ID, "last-activity").text == "never"
    until("the live channel", lambda: "Live" in d.find_element(By.ID, "chart-live").text)
    marker = d.find_element(By.TAG_NAME, "html")
    assert requests.post(f"{base}/api/v1/{token}/telemetry", json={"temperature": 20}, timeout=30).status_code == 200
    until("the badge turning Active", lambda: d.find_element(By.ID, "device-state").text == "Active")
    assert d.find_element(By.ID, "last-activity").text == "just now"
    shot("active-live")
    until("the badge turning Inactive after the 3 s timeout",
          lambda: d.find_element(By.ID, "device-state").text == "Inactive", timeout=20)
    assert marker.is_enabled()  # the same document: no reload
    assert "badge-inactive" in d.find_element(By.ID, "device-state").get_attribute("class")
    assert "ago" in d.find_element(By.ID, "last-activity").text  # no longer "just now" next to "Inactive"
    shot("inactive-live")
    d.set_window_size(390, 844)
    shot("inactive-live-phone")
    d.set_window_size(1280, 900)


def test_zoom_in_goes_to_the_readings_and_the_caption_counts_live_points(server, new_account, browser):
    """walk P1.4: three readings in the last three minutes sit at the right edge of "Last hour"; "Zoom in" shows them
    (not the empty middle of the hour), and a live reading raises the caption's count."""
    d, base, shot = browser, server.base_url, Camera(browser, "devices-zoom-")
    admin = new_account(name="Zed Zoom")
    device = server.create_device(admin.tenant_id, name=unique("sparse"))
    token = device["accessToken"]
    now = int(time.time() * 1000)
    for i, ago in enumerate((170_000, 100_000, 30_000)):
        r = requests.post(f"{base}/api/v1/{token}/telemetry", json={"ts": now - ago, "values": {"temperature": 20 + i}},
                          timeout=30)
        assert r.status_code == 200, r.text
    d.delete_all_cookies()
    d.set_window_size(1280, 900)
    sign_in_browser(d, base, admin.email, admin.password)
    d.get(f"{base}/devices/{device['id']}")
    until("the chart", lambda: d.find_element(By.ID, "chart-status").text.startswith("3 points"))
    span = "var s = Chart.getChart('chart').scales.x; return [s.min, s.max]"
    hour = d.execute_script(span)
    assert hour[1] - hour[0] >= 3_500_000
    d.find_element(By.ID, "zoom-in").send_keys(Keys.ENTER)
    until("the zoomed chart", lambda: d.find_element(By.ID, "zoom-reset").is_enabled()
          and d.find_element(By.ID, "chart-status").text.startswith("3 points"))
    low, high = d.execute_script(span)
    assert low <= now - 170_000 and high >= now - 30_000 and high - low < 600_000, (low, high, now)
    shot("zoomed")
    d.find_element(By.ID, "zoom-reset").send_keys(Keys.ENTER)
    until("the reset chart", lambda: not d.find_element(By.ID, "zoom-reset").is_enabled())
    until("the live channel", lambda: "Live" in d.find_element(By.ID, "chart-live").text)
    assert requests.post(f"{base}/api/v1/{token}/telemetry", json={"temperature": 24}, timeout=30).status_code == 200
    until("the caption counting the live point", lambda: d.find_element(By.ID, "chart-status").text.startswith("4 points"))


def test_custom_range_is_local_prefilled_and_kept_in_the_address_with_round_ticks(server, new_account, browser):
    """walk P2.16: in New York, "From…to" opens filled with the last hour in New York time and says so; keys and range
    are in the address, so a reload shows the same chart; the axis ticks fall on whole minutes."""
    d, base, shot = browser, server.base_url, Camera(browser, "devices-range-")
    admin = new_account(name="Ray Range")
    device = server.create_device(admin.tenant_id, name=unique("ranged"))
    assert requests.post(f"{base}/api/v1/{device['accessToken']}/telemetry", json={"temperature": 19, "humidity": 50},
                         timeout=30).status_code == 200
    d.delete_all_cookies()
    d.set_window_size(1280, 900)
    d.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    try:
        sign_in_browser(d, base, admin.email, admin.password)
        d.get(f"{base}/devices/{device['id']}")
        until("the chart", lambda: "averaged per" in d.find_element(By.ID, "chart-status").text)
        assert "(America/New_York)" in d.find_element(By.ID, "chart-status").text
        ticks = d.execute_script("return Chart.getChart('chart').scales.x.ticks.map(t => t.value)")
        assert len(ticks) >= 4 and all(t % 600_000 == 0 for t in ticks), ticks  # every 10 minutes, on the 10s
        assert len({b - a for a, b in zip(ticks, ticks[1:])}) == 1, ticks
        d.find_element(By.CSS_SELECTOR, "input[name=range][value=custom]").click()
        start, end = (d.find_element(By.ID, i).get_attribute("value") for i in ("range-from", "range-to"))
        assert start and end, (start, end)
        # The inputs hold New York wall-clock times: the page's own conversion gives back about the last hour.
        span = d.execute_script("return [new Date(arguments[0]).getTime(), new Date(arguments[1]).getTime(), Date.now()]",
                                start, end)
        assert 3_500_000 <= span[1] - span[0] <= 3_800_000 and abs(span[1] - span[2]) <= 180_000, span
        offset = d.execute_script("return new Date().getTimezoneOffset()")
        assert offset in (240, 300), offset  # the browser really is in New York
        assert "America/New_York" in d.find_element(By.ID, "range-zone").text
        until("the custom chart", lambda: "averaged per" in d.find_element(By.ID, "chart-status").text)
        shot("custom")
        d.find_element(By.CSS_SELECTOR, "input[name=key][value=temperature]").click()
        query = d.execute_script("return location.search")
        assert "range=custom" in query and "keys=humidity%2Ctemperature" in query and "from=" in query, query
        d.refresh()
        until("the restored chart", lambda: "averaged per" in d.find_element(By.ID, "chart-status").text)
        assert d.find_element(By.CSS_SELECTOR, "input[name=range][value=custom]").is_selected()
        assert d.find_element(By.ID, "range-from").get_attribute("value") == start
        labels = d.execute_script("return Chart.getChart('chart').data.datasets.map(s => s.label)")
        assert sorted(labels) == ["humidity", "temperature"], labels
        d.set_window_size(390, 844)
        d.execute_script("document.getElementById('chart-section').scrollIntoView()")
        shot("custom-phone")
        d.set_window_size(1280, 900)
    finally:
        d.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})


def test_copy_buttons_put_the_token_and_each_example_on_the_clipboard(server, new_account, browser):
    """walk P2.18: the access token and each connection example have a Copy button (JavaScript); what lands on the
    clipboard is exactly the text shown. Without JavaScript there is no button and the text is plain, selectable."""
    d, base, shot = browser, server.base_url, Camera(browser, "devices-copy-")
    admin = new_account(name="Cora Copy")
    device = server.create_device(admin.tenant_id, name=unique("copyable"))
    plain = admin.client.page(f"/devices/{device['id']}")
    assert 'class="secondary copy-button"' not in plain.html and device["accessToken"] in plain.by_id("access-token").text()
    d.delete_all_cookies()
    d.set_window_size(1280, 900)
    sign_in_browser(d, base, admin.email, admin.password)
    d.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    d.get(f"{base}/devices/{device['id']}?created=1")
    read_clipboard = "var done = arguments[0]; navigator.clipboard.readText().then(done, e => done('ERROR ' + e))"
    for target in ("access-token", "example-mqtt", "example-curl", "example-python"):
        d.find_element(By.ID, f"copy-{target}").click()
        expected = d.find_element(By.ID, target).get_attribute("textContent")
        until(f"the copy of {target}", lambda: d.execute_async_script(read_clipboard) == expected)
    assert d.find_element(By.ID, "access-token").text == device["accessToken"]
    assert "Copied." in d.find_element(By.ID, "connect").text
    # No numeric reading yet: a sentence instead of an empty chart box.
    assert not d.find_element(By.CSS_SELECTOR, "#chart-app .chart-box").is_displayed()
    assert "once the device has reported a number" in d.find_element(By.ID, "chart-status").text
    shot("copied")
    d.set_window_size(390, 844)
    d.get(f"{base}/devices/{device['id']}?created=1")
    wait_for(d, "#copy-example-mqtt")
    width, inner = no_sideways_scroll(d)
    assert width <= inner, (width, inner)
    shot("copy-phone")
    d.set_window_size(1280, 900)


def test_error_pages_say_it_once_in_words_and_the_console_has_an_icon(server, new_account):
    """walk P2.8, P2.9, P2.18: a missing device is "No such device…", said once, with no diagnostic reference; a
    refused page says its sentence once; the audit trail names roles in words; counts have real plurals; the
    console has an icon of its own (/favicon.svg, and /favicon.ico leads there)."""
    admin = new_account(name="Errol Errors")
    c = admin.client
    missing = c.page("/devices/nope")
    sentence = "No such device (it may have been deleted, or it is not yours to see)"
    assert missing.status == 404 and missing.html.count(sentence) == 1, missing.describe()
    assert "Device with id" not in missing.html and 'id="reference"' not in missing.html
    other = new_account(name="Otto Other")
    theirs = server.create_device(other.tenant_id, name=unique("theirs"))
    foreign = c.page(f"/devices/{theirs['id']}")
    assert foreign.status == 404 and foreign.html.count(sentence) == 1 and theirs["name"] not in foreign.html

    customer = server.create_customer(admin.tenant_id)
    email = f"{unique('cu')}@example.test"
    server.create_user(admin.tenant_id, email, GOOD_PASSWORD, role="customer-user", customer=customer["id"])
    user = ConsoleClient(server.base_url)
    try:
        assert sign_in(user, email, GOOD_PASSWORD).status == 200
        refused = user.page("/devices/new")
        assert refused.status == 403 and refused.flash_text, refused.describe()
        assert refused.html.count(refused.flash_text.strip()) == 1, refused.describe()
        assert 'id="reference"' not in refused.html
    finally:
        user.close()

    # A device with one reading: the confirmation says "1 reading", "0 attributes".
    device = server.create_device(admin.tenant_id, name=unique("single"))
    assert requests.post(f"{server.base_url}/api/v1/{device['accessToken']}/telemetry", json={"t": 1},
                         timeout=30).status_code == 200
    confirm = c.page(f"/devices/{device['id']}/delete")
    text = confirm.by_id("delete-counts").text()
    assert "1 reading (" in text and "0 attributes (" in text and "(s)" not in text, text

    icon = requests.get(server.base_url + "/favicon.svg", timeout=30)
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/svg+xml" and icon.text.startswith("<svg")
    old = requests.get(server.base_url + "/favicon.ico", allow_redirects=False, timeout=30)
    assert old.status_code == 301 and old.headers["Location"] == "/favicon.svg"
    assert '<link rel="icon" href="/favicon.svg"' in missing.html
