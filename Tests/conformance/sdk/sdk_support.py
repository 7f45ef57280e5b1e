"""Helpers around the official ThingsBoard Python SDK (tb-mqtt-client)."""
from __future__ import annotations

import contextlib
import logging
import queue
import time

from tb_device_mqtt import TBDeviceMqttClient

logging.getLogger("tb_connection").setLevel(logging.INFO)


@contextlib.contextmanager
def sdk_client(server, token: str, port: int | None = None, tls: bool = False, ca_certs=None,
               rpc_handler=None):
    """A connected TBDeviceMqttClient (MQTT 5, as the SDK always uses).

    Waits for CONNACK and for the answer to the SDK's own `getSessionLimits` call: the
    SDK sends it after its four SUBSCRIBEs, so once it is answered the server has
    processed the subscriptions (needed before server-side RPC / attribute pushes).
    """
    client = TBDeviceMqttClient(server.host, port=port or server.mqtt_port, username=token)
    if rpc_handler is not None:
        client.set_server_side_rpc_request_handler(rpc_handler)
    try:
        client.connect(tls=tls, ca_certs=ca_certs)
        deadline = time.monotonic() + 15
        while not client.is_connected():
            assert time.monotonic() < deadline, "SDK client did not get CONNACK 0 within 15 s"
            time.sleep(0.05)
        deadline = time.monotonic() + 10
        while not client.rate_limits_received and time.monotonic() < deadline:
            time.sleep(0.05)
        yield client
    finally:
        client.stop()
        client.disconnect()


def assert_acked(info, timeout: float = 10.0) -> None:
    """Every MQTT publish behind a TBPublishInfo got its PUBACK."""
    infos = info.message_info if isinstance(info.message_info, list) else [info.message_info]
    assert infos, "the SDK published nothing"
    for mi in infos:
        mi.wait_for_publish(timeout)
        assert mi.is_published(), f"no PUBACK for mid {mi.mid} within {timeout}s"


class Inbox:
    """Collects callback invocations in a thread-safe queue."""

    def __init__(self):
        self.q: queue.Queue = queue.Queue()

    def __call__(self, *args):
        self.q.put(args)

    def get(self, timeout: float = 10.0, what: str = "callback"):
        try:
            return self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {what} within {timeout}s") from None

    def empty(self) -> bool:
        return self.q.empty()


def rpc_call(client, method: str, params, timeout: float = 10.0):
    """Client-side RPC through the SDK; returns the decoded response body."""
    inbox = Inbox()
    client.send_rpc_call(method, params, inbox)
    request_id, content, exc = inbox.get(timeout, f"reply to client RPC {method!r}")
    assert exc is None, exc
    return content
