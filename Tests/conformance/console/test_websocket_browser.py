"""The console's own pages can use the WebSocket API with the session cookie alone (issue 15): in Chromium, under the
console's Content-Security-Policy (`default-src 'self'`), a signed-in page opens `/api/ws` without a token, subscribes
and receives a reading committed afterwards. A page of another origin gets nothing with the same cookie."""
from __future__ import annotations

import http.server
import json
import threading
import time

import pytest
import requests

from browser_support import chrome, fill, submit, wait_for
from steward_harness import Tenant, free_ports, unique


@pytest.fixture(scope="module")
def browser():
    driver = chrome("websocket-")
    yield driver
    driver.quit()


OPEN = """
window.__frames = [];
window.__closed = null;
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/ws');
ws.onopen = () => ws.send(arguments[0]);
ws.onmessage = (event) => window.__frames.push(JSON.parse(event.data));
ws.onclose = (event) => { window.__closed = [event.code, event.reason]; };
window.__ws = ws;
"""


def frames(driver, count: int, timeout: float = 15) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = driver.execute_script("return window.__frames")
        if len(got) >= count:
            return got
        closed = driver.execute_script("return window.__closed")
        assert closed is None, f"the socket closed: {closed}"
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} frames within {timeout}s: {driver.execute_script('return window.__frames')}")


def test_a_signed_in_page_streams_readings_over_the_session_cookie(server, browser):
    tenant = Tenant(server)
    token = unique("browser-token")
    dev = tenant.device(name=unique("browser-dev"), token=token)
    d, base = browser, server.base_url
    d.get(f"{base}/sign-in")
    submit(d, wait_for(d, "#cookie-banner form"))
    form = wait_for(d, "form[action='/sign-in']")
    fill(form, "email", tenant.admin_email)
    fill(form, "password", tenant.admin_password)
    submit(d, form)
    wait_for(d, "main")

    command = {"cmds": [{"type": "TIMESERIES", "cmdId": 1, "entityType": "DEVICE", "entityId": dev["id"], "keys": "temperature"}]}
    d.execute_script(OPEN, json.dumps(command))
    snapshot = frames(d, 1)[0]
    assert snapshot["subscriptionId"] == 1 and snapshot["errorCode"] == 0, snapshot
    r = requests.post(f"{base}/api/v1/{token}/telemetry", json={"ts": 1_700_000_000_000, "values": {"temperature": 21.5}}, timeout=30)
    assert r.status_code == 200, r.text
    update = frames(d, 2)[1]
    assert update["data"] == {"temperature": [[1_700_000_000_000, "21.5"]]}, update


class BlankPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><title>elsewhere</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_page_of_another_origin_gets_nothing_with_the_cookie(server, browser):
    """The same browser, signed in above, on a page of another origin (another port of the same host: the same site,
    so the browser sends Steward's cookie along): the socket carries the cookie but not Steward's Origin, so it must
    authenticate like a stranger's."""
    d = browser
    port = free_ports(1)[0]
    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", port), BlankPage)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    try:
        d.get(f"http://127.0.0.1:{port}/")  # another origin: another port
        closed_frames = open_elsewhere(d, server)
    finally:
        elsewhere.shutdown()
    closed, got = closed_frames
    assert closed[0] == 1008 and "Auth cmd is missing" in closed[1], closed
    assert got == []


def open_elsewhere(d, server) -> tuple[list, list]:
    host = server.base_url.split("://", 1)[1]
    d.execute_script(OPEN.replace("location.host", json.dumps(host)).replace(
        "(location.protocol === 'https:' ? 'wss://' : 'ws://')", "'ws://'"), json.dumps({"cmds": []}))
    deadline = time.monotonic() + 15
    while (closed := d.execute_script("return window.__closed")) is None:
        assert time.monotonic() < deadline, "the socket stayed open"
        time.sleep(0.1)
    return closed, d.execute_script("return window.__frames")
