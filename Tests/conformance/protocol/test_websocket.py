"""ThingsBoard's WebSocket API (issue 15): `/api/ws/plugins/telemetry?token=` and `/api/ws` with `authCmd`, driven with
websocket-client. Readings published over MQTT (paho, QoS 1) reach subscribers after their PUBACK, that is after the
commit; tenant and customer scoping as in REST; bad input gets ThingsBoard's error frames and the session goes on."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import sys
import time
from pathlib import Path

import pytest
import websocket

from proto_support import PahoDevice
from steward_harness import Tenant, jwt_payload, make_self_signed_cert, now_ms, running, unique

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "console"))
from console_support import ConsoleClient, sign_in, sign_out  # noqa: E402

PLUGIN = "/api/ws/plugins/telemetry"
GENERAL = "/api/ws"


def ws_url(server, path: str) -> str:
    return server.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + path


class Socket:
    """A websocket-client connection that reads JSON frames with a deadline."""

    def __init__(self, server, path: str, **kw):
        self.ws = websocket.create_connection(ws_url(server, path), timeout=10, **kw)

    def send(self, message) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def recv(self, timeout: float = 10.0) -> dict:
        self.ws.settimeout(timeout)
        opcode, data = self.ws.recv_data()
        assert opcode == websocket.ABNF.OPCODE_TEXT, (opcode, data)
        return json.loads(data)

    def recv_for(self, subscription: int, timeout: float = 10.0, where=lambda frame: True) -> dict:
        """The next frame of `subscription` that satisfies `where`, skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no frame for subscription {subscription} within {timeout}s"
            frame = self.recv(remaining)
            if frame.get("subscriptionId") == subscription and where(frame):
                return frame

    def silent_for(self, seconds: float) -> list[dict]:
        """Every frame that arrives within `seconds` (none expected, usually)."""
        frames = []
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                frames.append(self.recv(remaining))
            except websocket.WebSocketTimeoutException:
                break
        return frames

    def closed_with(self, timeout: float = 15.0) -> tuple[int, str]:
        """Reads until the server's close frame; its code and reason. The close is not answered: the server may have
        dropped the connection already (it waits 15 s for the answer)."""
        self.ws.send_close = lambda *args, **kwargs: None
        self.ws.settimeout(timeout)
        while True:
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                return code, data[2:].decode("utf-8", "replace")

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass


@pytest.fixture()
def sockets():
    opened: list[Socket] = []

    def open_socket(server, path: str, **kw) -> Socket:
        sock = Socket(server, path, **kw)
        opened.append(sock)
        return sock

    yield open_socket
    for sock in opened:
        sock.close()


def make_device(tenant, prefix: str = "ws-dev") -> dict:
    token = unique(f"{prefix}-token")
    return {**tenant.device(name=unique(prefix), token=token), "token": token}


@pytest.fixture(scope="module")
def device(tenant):
    return make_device(tenant)


def publish(server, token: str, values: dict, ts: int | None = None) -> int:
    """Publishes one reading with QoS 1 and returns once it is acknowledged (PUBACK: committed)."""
    ts = ts or now_ms()
    with PahoDevice(server, token) as dev:
        dev.publish("v1/devices/me/telemetry", {"ts": ts, "values": values})
    return ts


def ts_cmd(cmd_id: int, device_id: str, **extra) -> dict:
    return {"cmdId": cmd_id, "entityType": "DEVICE", "entityId": device_id, "scope": "LATEST_TELEMETRY", **extra}


def test_plugin_endpoint_answers_the_current_state_then_committed_readings(server, tenant, device, sockets):
    first = publish(server, device["token"], {"temperature": 20.5}, ts=now_ms() - 1000)
    sock = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    sock.send({"tsSubCmds": [ts_cmd(1, device["id"], keys="temperature")]})
    snapshot = sock.recv_for(1)
    assert snapshot["errorCode"] == 0 and snapshot["errorMsg"] is None
    assert snapshot["data"] == {"temperature": [[first, "20.5"]]}
    assert snapshot["latestValues"] == {"temperature": first}
    second = publish(server, device["token"], {"temperature": 21.0, "humidity": 40})
    update = sock.recv_for(1)
    assert update["data"] == {"temperature": [[second, "21.0"]]}, "only the subscribed key"


def test_general_endpoint_with_auth_cmd(server, tenant, device, sockets):
    sock = sockets(server, GENERAL)
    sock.send({"authCmd": {"cmdId": 0, "token": tenant.jwt},
               "cmds": [{"type": "TIMESERIES", **ts_cmd(5, device["id"], keys="pressure")}]})
    snapshot = sock.recv_for(5)
    assert snapshot["errorCode"] == 0 and snapshot["data"] == {}
    ts = publish(server, device["token"], {"pressure": 1013})
    assert sock.recv_for(5)["data"] == {"pressure": [[ts, "1013"]]}


def test_attribute_subscription_sees_a_shared_attribute_set_through_rest(server, tenant, device, sockets):
    sock = sockets(server, GENERAL)
    sock.send({"authCmd": {"cmdId": 0, "token": tenant.jwt},
               "cmds": [{"type": "ATTRIBUTES", "cmdId": 2, "entityType": "DEVICE", "entityId": device["id"],
                         "scope": "SHARED_SCOPE"}]})
    assert sock.recv_for(2)["errorCode"] == 0
    tenant.set_shared(device["id"], {"targetTemperature": 22})
    update = sock.recv_for(2)
    assert list(update["data"]) == ["targetTemperature"] and update["data"]["targetTemperature"][0][1] == "22"
    # The plugin endpoint's attrSubCmds answers the current value first.
    plugin = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    plugin.send({"attrSubCmds": [{"cmdId": 3, "entityType": "DEVICE", "entityId": device["id"], "scope": "SHARED_SCOPE",
                                  "keys": "targetTemperature"}]})
    assert plugin.recv_for(3)["data"]["targetTemperature"][0][1] == "22"


def test_history_command_uses_the_rest_aggregation(server, tenant, device, sockets):
    base = now_ms() - 60_000
    with PahoDevice(server, device["token"]) as dev:
        for i in range(6):
            dev.publish("v1/devices/me/telemetry", {"ts": base + i * 1000, "values": {"level": i * 10}})
    sock = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    sock.send({"historyCmds": [{"cmdId": 4, "entityType": "DEVICE", "entityId": device["id"], "keys": "level",
                                "startTs": base, "endTs": base + 6000, "interval": 3000, "agg": "AVG", "limit": 100}]})
    history = sock.recv_for(4)
    rest = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{device['id']}/values/timeseries",
                       params={"keys": "level", "startTs": base, "endTs": base + 6000, "interval": 3000, "agg": "AVG"})
    assert rest.status_code == 200, rest.text
    assert history["errorCode"] == 0
    assert [[p["ts"], p["value"]] for p in rest.json()["level"]] == history["data"]["level"]
    assert sorted(float(v) for _, v in history["data"]["level"]) == [10.0, 40.0]


def test_unsubscribe_stops_updates(server, tenant, device, sockets):
    sock = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    sock.send({"tsSubCmds": [ts_cmd(7, device["id"], keys="counter"), ts_cmd(8, device["id"], keys="counter")]})
    sock.recv_for(7)
    sock.recv_for(8)
    sock.send({"tsSubCmds": [{"cmdId": 7, "unsubscribe": True}]})
    ts = publish(server, device["token"], {"counter": 1})
    assert sock.recv_for(8)["data"] == {"counter": [[ts, "1"]]}
    ts = publish(server, device["token"], {"counter": 2})
    assert sock.recv_for(8)["data"] == {"counter": [[ts, "2"]]}
    # Subscription 8's second update came after both publishes were committed; 7 sent nothing.
    assert [f for f in sock.silent_for(0.5) if f.get("subscriptionId") == 7] == []


def test_another_tenants_device_gets_an_error_and_never_data(server, tenant, sockets):
    other = Tenant(server)
    foreign = make_device(other, "foreign")
    publish(server, foreign["token"], {"secret": 1})
    sock = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    sock.send({"tsSubCmds": [ts_cmd(9, foreign["id"])],
               "attrSubCmds": [{"cmdId": 10, "entityType": "DEVICE", "entityId": foreign["id"]}],
               "historyCmds": [{"cmdId": 11, "entityType": "DEVICE", "entityId": foreign["id"], "keys": "secret",
                                "startTs": 0, "endTs": now_ms()}]})
    for cmd in (9, 10, 11):
        refusal = sock.recv_for(cmd)
        assert refusal["errorCode"] == 3 and refusal["data"] is None, refusal
        assert refusal["errorMsg"] == f"Device with id [{foreign['id']}] is not found"
    publish(server, foreign["token"], {"secret": 2})
    leaked = [f for f in sock.silent_for(1.0) if f.get("data")]
    assert leaked == []


def test_customer_user_sees_only_its_customers_devices(server, tenant, sockets):
    customer = server.create_customer(tenant.id)
    mine = make_device(tenant, "cust-dev")
    theirs = make_device(tenant, "tenant-dev")
    r = tenant.rest("POST", f"/api/customer/{customer['id']}/device/{mine['id']}")
    assert r.status_code == 200, r.text
    email = f"{unique('cust')}@steward.test"
    server.create_user(tenant.id, email, "customer-pass-1", role="customer-user", customer=customer["id"])
    jwt = server.login(email, "customer-pass-1")["token"]
    sock = sockets(server, f"{PLUGIN}?token={jwt}")
    sock.send({"tsSubCmds": [ts_cmd(1, mine["id"]), ts_cmd(2, theirs["id"])]})
    assert sock.recv_for(1)["errorCode"] == 0
    assert sock.recv_for(2)["errorCode"] == 3
    ts = publish(server, mine["token"], {"t": 1})
    publish(server, theirs["token"], {"t": 2})
    assert sock.recv_for(1)["data"] == {"t": [[ts, "1"]]}
    assert [f for f in sock.silent_for(0.5) if f.get("subscriptionId") == 2 and f.get("data")] == []


def test_console_cookie_authenticates_only_from_the_same_origin(server, tenant, device, sockets):
    client = ConsoleClient(server.base_url)
    page = sign_in(client, tenant.admin_email, tenant.admin_password)
    cookie = client.session_cookie
    assert cookie, f"no session cookie after sign-in: {page.path}"
    host = server.base_url.split("://", 1)[1]
    same = sockets(server, GENERAL, cookie=f"steward_session={cookie}", origin=f"http://{host}")
    same.send({"cmds": [{"type": "TIMESERIES", **ts_cmd(1, device["id"], keys="temperature")}]})
    assert same.recv_for(1)["errorCode"] == 0
    # From another site the cookie counts for nothing: the session still needs authCmd.
    cross = sockets(server, GENERAL, cookie=f"steward_session={cookie}", origin="http://evil.example")
    cross.send({"cmds": [{"type": "TIMESERIES", **ts_cmd(1, device["id"])}]})
    code, reason = cross.closed_with()
    assert code == 1008 and "Auth cmd is missing" in reason


def test_unassigning_a_device_and_signing_out_end_what_they_allowed(server, tenant, sockets):
    """A customer user's subscription ends as soon as the device leaves the customer (nothing committed afterwards
    reaches it), and a console session's socket closes when that sign-in ends (checked again every 30 s)."""
    customer = server.create_customer(tenant.id)
    dev = make_device(tenant, "leaving")
    assert tenant.rest("POST", f"/api/customer/{customer['id']}/device/{dev['id']}").status_code == 200
    email = f"{unique('leaving')}@steward.test"
    server.create_user(tenant.id, email, "customer-pass-1", role="customer-user", customer=customer["id"])
    customer_socket = sockets(server, f"{PLUGIN}?token={server.login(email, 'customer-pass-1')['token']}")
    customer_socket.send({"tsSubCmds": [ts_cmd(1, dev["id"])]})
    assert customer_socket.recv_for(1)["errorCode"] == 0
    client = ConsoleClient(server.base_url)
    sign_in(client, tenant.admin_email, tenant.admin_password)
    host = server.base_url.split("://", 1)[1]
    console_socket = sockets(server, GENERAL, cookie=f"steward_session={client.session_cookie}", origin=f"http://{host}")
    console_socket.send({"cmds": [{"type": "TIMESERIES", **ts_cmd(2, dev["id"])}]})
    assert console_socket.recv_for(2)["errorCode"] == 0

    assert tenant.rest("DELETE", f"/api/customer/device/{dev['id']}").status_code == 200
    # Published right after the unassignment, before the session's own check: it must not reach the customer.
    publish(server, dev["token"], {"after": 1})
    seen = []
    ended = customer_socket.recv_for(1, timeout=5, where=lambda f: seen.append(f) or f["errorCode"] != 0)
    assert not [f for f in seen if "after" in (f.get("data") or {})], seen
    assert ended["errorCode"] == 3 and ended["errorMsg"] == f"Device with id [{dev['id']}] is not found"
    assert [f for f in customer_socket.silent_for(0.5) if f.get("data")] == []
    sign_out(client)
    code, reason = console_socket.closed_with(timeout=40)
    assert code == 1008 and reason.startswith("Signed out"), (code, reason)


def test_a_live_view_of_a_persons_position_is_in_their_access_log(server, tenant, sockets):
    email = f"{unique('wearer')}@steward.test"
    person = server.create_user(tenant.id, email, "wearer-pass-1", "tenant-admin")
    dev = make_device(tenant, "tracker")
    assert tenant.rest("POST", f"/api/privacy/device/{dev['id']}/person/{person['id']}").status_code == 200
    publish(server, dev["token"], {"latitude": 52.52, "longitude": 13.405, "speed": 4})
    person_jwt = server.login(email, "wearer-pass-1")["token"]

    def reads() -> list[dict]:
        r = server.rest("GET", "/api/audit/me", jwt=person_jwt)
        assert r.status_code == 200, r.text
        return [e for e in r.json() if e["event"] == "personal-data.read" and "WebSocket" in e["detail"]]

    assert reads() == []
    own = sockets(server, f"{PLUGIN}?token={person_jwt}")
    own.send({"tsSubCmds": [ts_cmd(1, dev["id"])]})
    assert "latitude" in own.recv_for(1)["data"]
    assert reads() == [], "the person's own view is not a read by someone else"
    admin = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    admin.send({"tsSubCmds": [ts_cmd(2, dev["id"])], "historyCmds": [{"cmdId": 3, "entityType": "DEVICE", "entityId": dev["id"],
                "keys": "speed", "startTs": 0, "endTs": now_ms()}]})
    assert "latitude" in admin.recv_for(2)["data"]
    admin.recv_for(3)
    logged = reads()
    assert len(logged) == 1 and logged[0]["actorId"] == tenant.admin["id"], logged
    assert "latitude" in logged[0]["detail"] and "longitude" in logged[0]["detail"] and dev["name"] in logged[0]["detail"]
    assert "speed" not in logged[0]["detail"], "speed is not a sensitive key"


def test_bad_input_gets_clear_errors_and_the_session_survives(server, tenant, device, sockets):
    sock = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    sock.send("{not json")
    refusal = sock.recv_for(0)
    assert refusal["errorCode"] == 2 and refusal["errorMsg"].startswith("Failed to parse the payload")
    sock.send({"fooCmds": []})
    assert "Unknown command 'fooCmds'" in sock.recv_for(0)["errorMsg"]
    sock.send({"tsSubCmds": [{"cmdId": 3, "entityType": "ASSET", "entityId": device["id"]}]})
    assert sock.recv_for(3)["errorMsg"] == "Entity type ASSET is not supported; Steward serves DEVICE"
    sock.send({"tsSubCmds": [{"cmdId": 4, "entityType": "DEVICE"}]})
    assert sock.recv_for(4)["errorMsg"] == "entityId is missing"
    sock.send({"historyCmds": [{"cmdId": 5, "entityType": "DEVICE", "entityId": device["id"], "keys": "t"}]})
    assert "startTs and endTs are required" in sock.recv_for(5)["errorMsg"]
    # Still serving.
    sock.send({"tsSubCmds": [ts_cmd(6, device["id"], keys="temperature")]})
    assert sock.recv_for(6)["errorCode"] == 0
    general = sockets(server, GENERAL)
    general.send({"authCmd": {"cmdId": 0, "token": tenant.jwt}, "cmds": [{"type": "FOO", "cmdId": 7}]})
    assert "Unknown command 'FOO'" in general.recv_for(7)["errorMsg"]


def test_an_oversize_message_closes_with_1009(server, tenant, sockets):
    sock = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    sock.send(json.dumps({"tsSubCmds": [], "pad": "x" * 40_000}))
    code, reason = sock.closed_with()
    assert code == 1009 and "32768-byte limit" in reason, (code, reason)


def test_without_auth_cmd_the_session_closes_after_10_seconds(server, sockets):
    sock = sockets(server, GENERAL)
    started = time.monotonic()
    code, reason = sock.closed_with(timeout=20)
    assert code == 1008 and "Auth cmd is missing" in reason, (code, reason)
    assert time.monotonic() - started >= 9


def test_bad_tokens_are_refused_with_a_reason(server, tenant, sockets):
    sock = sockets(server, f"{PLUGIN}?token=not-a-jwt")
    code, reason = sock.closed_with()
    assert code == 1008 and reason.startswith("Authentication failed"), (code, reason)
    bare = sockets(server, PLUGIN)
    code, reason = bare.closed_with()
    assert code == 1008 and "?token=" in reason
    general = sockets(server, GENERAL)
    general.send({"authCmd": {"cmdId": 0, "token": "not-a-jwt"}})
    code, reason = general.closed_with()
    assert code == 1008 and reason.startswith("Authentication failed")


def short_lived(server, token: str, seconds: int) -> str:
    """The same access token re-signed with the server's own key (jwt-signing.key in its data directory) to expire in
    `seconds`: what the server would issue with a shorter lifetime."""
    header = token.split(".")[0]
    claims = {**jwt_payload(token), "exp": int(time.time()) + seconds}
    payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    key = (Path(server.data_dir) / "jwt-signing.key").read_bytes()
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha512).digest()
    return f"{header}.{payload}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def test_a_token_that_expires_mid_session_ends_it_with_a_reason(server, tenant, device, sockets):
    token = short_lived(server, tenant.jwt, 3)
    assert server.rest("GET", "/api/auth/user", jwt=token).status_code == 200, "the re-signed token is valid"
    sock = sockets(server, f"{PLUGIN}?token={token}")
    sock.send({"tsSubCmds": [ts_cmd(1, device["id"], keys="temperature")]})
    assert sock.recv_for(1)["errorCode"] == 0
    code, reason = sock.closed_with(timeout=15)
    assert code == 1008 and reason.startswith("Token has expired"), (code, reason)
    # The same through authCmd on /api/ws.
    general = sockets(server, GENERAL)
    general.send({"authCmd": {"cmdId": 0, "token": short_lived(server, tenant.jwt, 2)}})
    code, reason = general.closed_with(timeout=15)
    assert code == 1008 and reason.startswith("Token has expired"), (code, reason)


def test_other_paths_are_not_upgraded(server):
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(ws_url(server, "/api/ws/other"), timeout=10)
    # Plain HTTP on the same server still works.
    assert server.rest("GET", "/api/health").status_code == 200


@pytest.fixture(scope="module")
def impatient_server():
    """HTTP read and idle timeouts of 2 s: an upgraded connection must outlive both."""
    yield from running("test_websocket_idle", env={"STEWARD_HTTP_READ_TIMEOUT": "2", "STEWARD_HTTP_IDLE_TIMEOUT": "2"})


def test_a_quiet_session_outlives_the_http_timeouts(impatient_server, sockets):
    server = impatient_server
    tenant = Tenant(server)
    dev = make_device(tenant)
    sock = sockets(server, f"{PLUGIN}?token={tenant.jwt}")
    assert sock.silent_for(5) == []
    sock.send({"tsSubCmds": [ts_cmd(1, dev["id"], keys="t")]})
    assert sock.recv_for(1)["errorCode"] == 0
    ts = publish(server, dev["token"], {"t": 3})
    assert sock.recv_for(1)["data"] == {"t": [[ts, "3"]]}


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    yield from running("test_websocket_tls", tls=make_self_signed_cert(tmp_path_factory.mktemp("ws-tls")))


def test_wss_under_tls(tls_server, sockets):
    server = tls_server
    tenant = Tenant(server)
    dev = make_device(tenant)
    jwt = server.login(tenant.admin_email, tenant.admin_password, verify=False)["token"]
    sock = sockets(server, f"{PLUGIN}?token={jwt}", sslopt={"cert_reqs": ssl.CERT_NONE})
    sock.send({"tsSubCmds": [ts_cmd(1, dev["id"], keys="t")]})
    assert sock.recv_for(1)["errorCode"] == 0
    ts = publish(server, dev["token"], {"t": 7})
    assert sock.recv_for(1)["data"] == {"t": [[ts, "7"]]}
