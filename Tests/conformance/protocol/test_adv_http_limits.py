"""HTTP connection limits under attack (issue 11): slow-loris, idle keep-alive, too many sockets, huge bodies.

The server under test runs with short limits (read timeout 2 s, idle timeout 3 s, 40 connections) so the
attacks resolve quickly; the connection-slot tests use a server of their own whose read timeout is far away, so
only a connection limit can close their sockets in time. The assertions are about behaviour (a socket is closed by the server although it
kept sending, a 503 / 413 arrives, health and MQTT answer during the attack), never about how long it took.
"""
from __future__ import annotations

import json
import select
import socket
import threading
import time

import pytest
import requests

from adversarial import assert_still_serving
from mqtt_wire import RawMqtt
from steward_harness import StewardServer, running, unique

MAX_CONNECTIONS = 40
#: How long the test waits for something the server must do within a few seconds; only a bound, not a measure.
PATIENCE_S = 30


@pytest.fixture(scope="module")
def server():
    yield from running("adv_http_limits", env={
        "STEWARD_HTTP_READ_TIMEOUT": "2",
        "STEWARD_HTTP_IDLE_TIMEOUT": "3",
        "STEWARD_HTTP_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    })


def open_socket(server) -> socket.socket:
    s = socket.create_connection((server.host, server.http_port), timeout=10)
    s.settimeout(PATIENCE_S)
    return s


def closed_by_server(s: socket.socket, timeout: float = PATIENCE_S) -> bytes | None:
    """Reads until the server closes `s`; returns what it sent, or None if it was still open at `timeout`."""
    s.settimeout(timeout)
    received = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                return received
            received += chunk
    except (ConnectionResetError, BrokenPipeError):
        return received
    except socket.timeout:
        return None
    return None


def good_device_publishes(server, token: str) -> bool:
    with RawMqtt(server.host, server.mqtt_port) as client:
        if client.connect(username=token, keepalive=30).reason != 0:
            return False
        ack = client.publish("v1/devices/me/telemetry", json.dumps({"duringAttack": 1}).encode(), qos=1, pid=3)
        return ack is not None and ack.pid == 3


def test_slow_loris_sockets_are_closed_while_http_and_mqtt_keep_serving(server):
    token = server.create_device(server.create_tenant()["id"], unique("loris-good"))["accessToken"]
    silent = [open_socket(server) for _ in range(10)]
    trickling = [open_socket(server) for _ in range(10)]
    header = b"GET /api/health HTTP/1.1\r\nHost: steward\r\nX-Slow: " + b"a" * 200
    stop = threading.Event()
    still_sending = {id(s): True for s in trickling}

    def trickle(s: socket.socket) -> None:
        # One byte every 0.2 s, never finishing the header: activity that must not keep the socket alive.
        for byte in header:
            if stop.is_set():
                return
            try:
                s.send(bytes([byte]))
            except OSError:
                still_sending[id(s)] = False
                return
            time.sleep(0.2)

    threads = [threading.Thread(target=trickle, args=(s,), daemon=True) for s in trickling]
    for t in threads:
        t.start()
    try:
        # During the attack: HTTP answers and a device publishes.
        health = requests.get(f"{server.base_url}/api/health", timeout=10)
        assert health.status_code == 200, health.text
        assert good_device_publishes(server, token), "a good device was not served during the slow-loris attack"

        for s in silent + trickling:
            answer = closed_by_server(s)
            assert answer is not None, "a slow-loris socket was still open long after the read timeout"
            assert b"200 OK" not in answer, answer  # no request ever completed on it
        # The trickling sockets were closed by the server while they were still sending their header (it
        # would have taken 48 s): activity alone does not keep a request alive.
        for t in threads:
            t.join(timeout=10)
        assert not any(still_sending.values()), "a trickling socket could finish sending its header"
    finally:
        stop.set()
        for s in silent + trickling:
            s.close()
    assert_still_serving(server, token)


def test_an_idle_keep_alive_connection_is_closed_but_serves_while_in_use(server):
    s = open_socket(server)
    try:
        for _ in range(2):  # two requests on one connection: keep-alive works
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: steward\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                assert chunk, "the server closed a keep-alive connection in the middle of use"
                head += chunk
            assert head.startswith(b"HTTP/1.1 200"), head
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            body = head.split(b"\r\n\r\n", 1)[1]
            while len(body) < length:
                body += s.recv(4096)
            assert json.loads(body)["status"] == "UP"
        # Now idle: the server closes it.
        assert closed_by_server(s) == b"", "an idle keep-alive connection was never closed"
    finally:
        s.close()
    assert_still_serving(server)


# -- connection slots ----------------------------------------------------------------------------
# A server of its own per test (so no test sees another's sockets still being closed), with read and idle timeouts
# far above every wait here: a socket the server closes within PATIENCE_S was closed by a connection limit, never
# by a timeout.

CROWDED_MAX = 40
CROWDED_PER_ADDRESS = 10


@pytest.fixture
def crowded():
    yield from running("adv_http_crowded", env={
        "STEWARD_HTTP_READ_TIMEOUT": "600",
        "STEWARD_HTTP_IDLE_TIMEOUT": "600",
        "STEWARD_HTTP_MAX_CONNECTIONS": str(CROWDED_MAX),
        "STEWARD_HTTP_MAX_CONNECTIONS_PER_ADDRESS": str(CROWDED_PER_ADDRESS),
    })


def socket_from(server, address: str) -> socket.socket:
    """A connection from another local address (all of 127.0.0.0/8 is this machine), to act as another client."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((address, 0))
    s.connect((server.host, server.http_port))
    s.settimeout(PATIENCE_S)
    return s


def used_socket_from(server, address: str) -> socket.socket:
    """A keep-alive connection that has been answered one request: the server has certainly seen it send one, so
    it is never closed to make room (only silent sockets are)."""
    s = socket_from(server, address)
    s.sendall(b"GET /api/health HTTP/1.1\r\nHost: steward\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        assert chunk, f"the server closed a connection from {address} instead of answering it: {head!r}"
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head[:300]
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    body = head.split(b"\r\n\r\n", 1)[1]
    while len(body) < length:
        body += s.recv(4096)
    return s


def served(server) -> bool:
    try:
        return requests.get(f"{server.base_url}/api/health", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def assert_refused_with_503(s: socket.socket, what: str) -> None:
    answer = closed_by_server(s)
    assert answer is not None, f"{what} was kept open (no 503 within {PATIENCE_S} s)"
    assert answer.startswith(b"HTTP/1.1 503"), f"{what} was not answered 503: {answer[:300]!r}"
    assert b"too many HTTP connections" in answer, answer


def test_connections_over_the_limit_are_refused_with_503_and_the_server_recovers(crowded):
    # Every slot is taken by a keep-alive connection that has sent a request (4 addresses, 10 each): none may be
    # closed to make room.
    addresses = [f"127.0.0.{n}" for n in range(2, 2 + CROWDED_MAX // CROWDED_PER_ADDRESS)]
    held = [used_socket_from(crowded, a) for a in addresses for _ in range(CROWDED_PER_ADDRESS)]
    try:
        extra = socket_from(crowded, "127.0.0.20")
        try:
            assert_refused_with_503(extra, "a connection over the limit")
        finally:
            extra.close()
    finally:
        for s in held:
            s.close()
    # The held sockets are gone: new connections are served again.
    deadline = time.monotonic() + PATIENCE_S
    while not served(crowded):
        assert time.monotonic() < deadline, "HTTP did not recover after the sockets over the limit were closed"
        time.sleep(0.2)
    assert_still_serving(crowded)


def test_silent_sockets_are_closed_to_make_room_for_a_real_client(crowded):
    # Every slot is taken by sockets that never send a request (4 addresses, 10 each).
    addresses = [f"127.0.0.{n}" for n in range(2, 2 + CROWDED_MAX // CROWDED_PER_ADDRESS)]
    silent = [socket_from(crowded, a) for a in addresses for _ in range(CROWDED_PER_ADDRESS)]
    try:
        # A real client (and a device posting telemetry) is served: a silent socket was closed for each.
        r = requests.get(f"{crowded.base_url}/api/health", timeout=PATIENCE_S)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        token = crowded.create_device(crowded.create_tenant()["id"], unique("crowded"))["accessToken"]
        r = requests.post(f"{crowded.base_url}/api/v1/{token}/telemetry", json={"t": 1}, timeout=PATIENCE_S)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        # The room was made by closing silent sockets (the read timeout is far away): at least one is closed.
        readable, _, _ = select.select(silent, [], [], PATIENCE_S)
        assert readable, "no silent socket was closed, yet the real client was served"
        for s in readable:
            assert closed_by_server(s) == b"", "a silent socket got an answer instead of being closed"
    finally:
        for s in silent:
            s.close()
    assert_still_serving(crowded, token)


def test_one_address_cannot_take_every_slot(crowded):
    # One address holds its share (keep-alive connections that have each been answered once)…
    mine = [used_socket_from(crowded, "127.0.0.2") for _ in range(CROWDED_PER_ADDRESS)]
    try:
        # … and one more from it is refused with a 503, though the server has slots left…
        extra = socket_from(crowded, "127.0.0.2")
        try:
            assert_refused_with_503(extra, "a connection over the per-address limit")
        finally:
            extra.close()
        # … which every other client still gets.
        other = socket_from(crowded, "127.0.0.3")
        try:
            other.sendall(b"GET /api/health HTTP/1.1\r\nHost: steward\r\nConnection: close\r\n\r\n")
            answer = closed_by_server(other)
            assert answer is not None and answer.startswith(b"HTTP/1.1 200"), answer
        finally:
            other.close()
        assert served(crowded), "a client from another address was refused"
    finally:
        for s in mine:
            s.close()
    assert_still_serving(crowded)


@pytest.mark.parametrize("path,rest", [("/api/v1/{token}/telemetry", False), ("/api/device", True)])
def test_a_huge_content_length_is_refused_before_the_body_is_read(server, path, rest):
    token = server.create_device(server.create_tenant()["id"], unique("big"))["accessToken"]
    s = open_socket(server)
    try:
        s.sendall((f"POST {path.format(token=token)} HTTP/1.1\r\nHost: steward\r\nContent-Type: application/json\r\n"
                   "Content-Length: 10737418240\r\n\r\n{\"a\":").encode())
        answer = closed_by_server(s)
    finally:
        s.close()
    assert answer is not None, "the connection stayed open waiting for 10 GB"
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"connection: close" in head.lower(), head
    if rest:
        error = json.loads(body)
        assert error["status"] == 413 and "10737418240" in error["message"], error
    else:
        assert b"larger than" in body, body
    assert_still_serving(server, token)


def test_a_route_refuses_a_body_over_its_own_limit_without_waiting_for_it(server):
    # /api/auth/login reads at most 16 KiB; 100 KB is declared but never sent: the 413 comes anyway.
    s = open_socket(server)
    try:
        s.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: steward\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n")
        answer = closed_by_server(s)
    finally:
        s.close()
    assert answer is not None and answer.startswith(b"HTTP/1.1 413"), answer
    assert b"larger than 16384 bytes" in answer, answer
    assert_still_serving(server)


def test_an_unknown_api_path_says_so(server, tenant):
    # As ThingsBoard: a caller without credentials is told to authenticate first, whatever the path.
    r = requests.get(f"{server.base_url}/api/no-such-thing", timeout=10)
    assert r.status_code == 401 and r.json()["errorCode"] == 10, r.text
    # Signed in, the path itself is the problem: 404 in ThingsBoard's shape, naming method and path, never a 403.
    for path in ("/api/no-such-thing", "/api/tenant/deviceInfos-that-is-not-here", "/api/customer/not-an-id"):
        r = tenant.rest("GET", path)
        assert r.status_code == 404, (path, r.status_code, r.text)
        error = r.json()
        assert error["status"] == 404 and error["errorCode"] == 32, error
        assert f"No API path GET {path}" in error["message"], error
    # The device API is open in ThingsBoard too: an unknown path there is a 404 without credentials.
    r = requests.get(f"{server.base_url}/api/v1/some-token/no-such-thing", timeout=10)
    assert r.status_code == 404 and "No API path GET /api/v1/some-token/no-such-thing" in r.json()["message"], r.text
    assert_still_serving(server)


# -- small REST fixes ---------------------------------------------------------------------------

@pytest.mark.parametrize("limit", ["-1", "0", "1001", str(-(2**63)), "abc"])
def test_the_audit_limit_must_be_1_to_1000(server, limit):
    jwt = server.login(server.admin_email, server.admin_password)["token"]
    r = server.rest("GET", "/api/audit", jwt=jwt, params={"limit": limit})
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert "'limit'" in r.json()["message"] and "1000" in r.json()["message"], r.text
    ok = server.rest("GET", "/api/audit", jwt=jwt, params={"limit": "1000"})
    assert ok.status_code == 200 and len(ok.json()) <= 1000
    assert_still_serving(server)


def test_a_token_in_use_anywhere_is_refused_the_same_way_without_a_server_error(server):
    from steward_harness import Tenant

    mine, theirs = Tenant(server), Tenant(server)
    taken_elsewhere = theirs.device(unique("theirs"))["accessToken"]
    taken_here = mine.device(unique("mine"))["accessToken"]
    answers = []
    for token in (taken_elsewhere, taken_here):
        # Create with a taken token.
        r = mine.rest("POST", "/api/device", params={"accessToken": token}, json={"name": unique("new"), "type": "default"})
        answers.append((r.status_code, r.json()["message"]))
        # Change an existing device's token to a taken one.
        own = mine.rest("POST", "/api/device", json={"name": unique("own"), "type": "default"}).json()
        r = mine.rest("POST", "/api/device", params={"accessToken": token},
                      json={"id": own["id"], "name": own["name"], "type": "default"})
        answers.append((r.status_code, r.json()["message"]))
    assert set(answers) == {(400, "This access token is not available; choose another")}, answers
    cli = server.cli("device", "create", "--tenant", mine.id, "--name", unique("cli"), "--token", taken_elsewhere,
                     json_out=False, check=False)
    assert cli.returncode != 0 and "This access token is not available; choose another" in cli.stderr + cli.stdout, cli
    assert_still_serving(server, taken_elsewhere)


def test_a_tls_handshake_that_never_finishes_is_closed(tmp_path):
    from steward_harness import make_self_signed_cert

    cert, key = make_self_signed_cert(tmp_path)
    srv = StewardServer("adv_http_limits_tls", tls=(cert, key), env={"STEWARD_HTTP_READ_TIMEOUT": "2"})
    srv.verify = str(cert)
    try:
        srv.start()
        silent = open_socket(srv)
        half_hello = open_socket(srv)
        half_hello.sendall(bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))  # a ClientHello record header, then nothing
        for s in (silent, half_hello):
            assert closed_by_server(s) is not None, "a TLS connection that never finished its handshake stayed open"
            s.close()
        r = requests.get(f"{srv.base_url}/api/health", timeout=10, verify=srv.verify)
        assert r.status_code == 200 and r.json()["status"] == "UP"
        assert_still_serving(srv)
    finally:
        srv.cleanup()
