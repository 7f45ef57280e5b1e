"""Adversarial: server-side RPCs whose callers went away must not pile up, arrive late, or block shutdown (issue 11).

A dedicated server allows 3 pending RPCs per device and 5 per caller. Callers that "go away" are raw sockets that
send the request and close; callers that stay are raw sockets kept open. Waiting bounds are generous and only
bound how long a test waits for behaviour (a refusal, a delivery, the process exiting), never its speed.
"""
from __future__ import annotations

import json
import select
import signal
import socket
import time

import pytest

import adversarial
import mqtt_wire
from steward_harness import StewardServer, Tenant, running, unique

PER_DEVICE = 3
PER_CALLER = 5
RPC_TIMEOUT_MS = 120_000
PATIENCE_S = 20


@pytest.fixture(scope="module")
def server():
    yield from running("adv_rpc", env={
        "STEWARD_RPC_MAX_PENDING_PER_DEVICE": str(PER_DEVICE),
        "STEWARD_RPC_MAX_PENDING_PER_CALLER": str(PER_CALLER),
    })


@pytest.fixture(scope="module")
def tenant(server) -> Tenant:
    return Tenant(server)


def rpc_request(server: StewardServer, jwt: str, device_id: str, method: str, two_way: bool = True) -> bytes:
    body = json.dumps({"method": method, "params": {"n": 1}, "timeout": RPC_TIMEOUT_MS}).encode()
    kind = "twoway" if two_way else "oneway"
    head = (f"POST /api/plugins/rpc/{kind}/{device_id} HTTP/1.1\r\nHost: {server.host}\r\n"
            f"X-Authorization: Bearer {jwt}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


def send_rpc(server: StewardServer, jwt: str, device_id: str, method: str, two_way: bool = True) -> socket.socket:
    """Sends an RPC request on a new connection and returns the socket without reading the answer."""
    sock = socket.create_connection((server.host, server.http_port), timeout=30)
    sock.sendall(rpc_request(server, jwt, device_id, method, two_way))
    return sock


def read_status(sock: socket.socket, timeout: float = PATIENCE_S) -> tuple[int, str]:
    """Reads one HTTP answer's status and (short) body."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        rest += chunk
    return status, rest.decode(errors="replace")


def answered(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def probe_until_refused(probe, waiting: list[socket.socket], resend) -> "requests.Response | None":
    """Probes until the server refuses with 429. A probe can win a slot before a waiting request is registered,
    which is then refused itself; such answered requests are sent again so the queue fills up for real."""
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        r = probe()
        if r.status_code == 429:
            return r
        for i, sock in enumerate(waiting):
            if answered(sock):
                sock.close()
                waiting[i] = resend(i)
    return None


def rest_rpc(tenant: Tenant, device_id: str, method: str, timeout_ms: int = RPC_TIMEOUT_MS):
    return tenant.rest("POST", f"/api/plugins/rpc/twoway/{device_id}",
                       json={"method": method, "params": {}, "timeout": timeout_ms}, timeout=PATIENCE_S)


def wait_pending_count_allows(tenant: Tenant, device_id: str) -> int:
    """Asks until a new RPC is no longer refused with 429; returns the last status (a timeout answer is fine)."""
    deadline = time.monotonic() + PATIENCE_S
    status = 0
    while time.monotonic() < deadline:
        status = rest_rpc(tenant, device_id, "probe", timeout_ms=5_000).status_code
        if status != 429:
            return status
        time.sleep(0.2)
    return status


def first_rpc_seen_by_device(server: StewardServer, token: str) -> dict:
    """Connects the device over MQTT, subscribes to RPC requests and returns the first one it gets."""
    with mqtt_wire.connected(server.host, server.mqtt_port, token) as client:
        client.subscribe([("v1/devices/me/rpc/request/+", 1)])
        publish = client.expect(mqtt_wire.PUBLISH, timeout=PATIENCE_S)
        return json.loads(publish.payload)


def test_per_device_cap_answers_429_with_a_message(server, tenant):
    device = tenant.device(unique("offline"))
    waiting = [send_rpc(server, tenant.jwt, device["id"], f"m{n}") for n in range(PER_DEVICE)]
    try:
        refused = probe_until_refused(
            lambda: rest_rpc(tenant, device["id"], "one-too-many", timeout_ms=5_000), waiting,
            lambda i: send_rpc(server, tenant.jwt, device["id"], f"m{i}"))
        assert refused is not None, "the device's RPC queue had no limit"
        message = refused.json()["message"]
        assert "STEWARD_RPC_MAX_PENDING_PER_DEVICE" in message and str(PER_DEVICE) in message, message
    finally:
        for sock in waiting:
            sock.close()
    adversarial.assert_still_serving(server, tenant=tenant.id)


def test_per_caller_cap_spans_devices_and_is_freed_when_callers_hang_up(server, tenant):
    caller = Tenant(server)
    devices = [caller.device(unique("offline")) for _ in range(PER_CALLER)]
    waiting = [send_rpc(server, caller.jwt, d["id"], "hold") for d in devices]
    try:
        spare = caller.device(unique("spare"))
        refused = probe_until_refused(
            lambda: rest_rpc(caller, spare["id"], "sixth", timeout_ms=5_000), waiting,
            lambda i: send_rpc(server, caller.jwt, devices[i]["id"], "hold"))
        assert refused is not None, f"a caller could leave more than {PER_CALLER} RPCs waiting"
        assert "STEWARD_RPC_MAX_PENDING_PER_CALLER" in refused.json()["message"], refused.text
        # Another caller is not affected.
        other = rest_rpc(tenant, tenant.device(unique("other"))["id"], "other-caller", timeout_ms=5_000)
        assert other.status_code == 408, f"another caller was refused: {other.status_code} {other.text}"
    finally:
        for sock in waiting:
            sock.close()  # the callers hang up: their requests must go, and with them the count
    assert wait_pending_count_allows(caller, spare["id"]) == 408, "hung-up RPCs still counted against their caller"
    adversarial.assert_still_serving(server, tenant=tenant.id)


def test_abandoned_rpc_is_not_delivered_to_a_device_that_connects_later(server, tenant):
    device = tenant.device(unique("sleepy"))
    for method in ("stale-1", "stale-2"):
        # The caller gives up at once: its FIN may reach the server before the request is even routed.
        send_rpc(server, tenant.jwt, device["id"], method).close()
    # An RPC that times out meanwhile gives the server time to notice the hang-ups; after it, a fresh request
    # must be the first thing the device gets.
    assert rest_rpc(tenant, device["id"], "probe", timeout_ms=5_000).status_code == 408
    fresh = send_rpc(server, tenant.jwt, device["id"], "fresh")
    try:
        request = first_rpc_seen_by_device(server, device["accessToken"])
        assert request["method"] == "fresh", f"the device got an abandoned request first: {request}"
    finally:
        fresh.close()
    adversarial.assert_still_serving(server, device["accessToken"])


def test_sigterm_with_pending_rpcs_and_open_long_polls_ends_the_process(tenant):
    srv = StewardServer("adv_rpc_shutdown", env={"STEWARD_RPC_MAX_PENDING_PER_DEVICE": str(PER_DEVICE)})
    try:
        srv.start()
        owner = Tenant(srv)
        offline = owner.device(unique("offline"))
        poller = owner.device(unique("poller"))
        adversarial.assert_still_serving(srv, tenant=owner.id)
        poll = socket.create_connection((srv.host, srv.http_port), timeout=30)
        poll.sendall(f"GET /api/v1/{poller['accessToken']}/rpc?timeout=120000 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        idle_device = mqtt_wire.connected(srv.host, srv.mqtt_port, poller["accessToken"])
        rpcs = [send_rpc(srv, owner.jwt, offline["id"], f"wait{n}") for n in range(PER_DEVICE)]
        # Proof that the server registered them before SIGTERM (else the test would pass vacuously): the device's
        # queue is full, so a probe is refused.
        refused = probe_until_refused(
            lambda: rest_rpc(owner, offline["id"], "probe", timeout_ms=5_000), rpcs,
            lambda i: send_rpc(srv, owner.jwt, offline["id"], f"wait{i}"))
        assert refused is not None, f"the {PER_DEVICE} RPCs were never all registered\n{srv.log_tail()}"
        assert srv.alive()

        srv.proc.send_signal(signal.SIGTERM)
        try:
            code = srv.proc.wait(PATIENCE_S)
        except Exception:
            pytest.fail(f"steward serve ignored SIGTERM for {PATIENCE_S}s with RPCs pending\n{srv.log_tail()}")
        assert code == 0, f"steward serve exited with {code}\n{srv.log_tail()}"
        # The waiting callers were answered (503: retry later) rather than cut off, and the long poll got 408.
        statuses = [read_status(s, timeout=5)[0] for s in rpcs]
        assert statuses == [503, 503, 503], statuses
        assert read_status(poll, timeout=5)[0] == 408
        for s in rpcs + [poll]:
            s.close()
        idle_device.close()
        srv.start()  # and it starts again and serves
        adversarial.assert_still_serving(srv, offline["accessToken"])
    finally:
        srv.cleanup()
