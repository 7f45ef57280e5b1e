"""paho-mqtt 2.x helpers for the protocol tests."""
from __future__ import annotations

import json
import queue
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

V311 = mqtt.MQTTv311
V5 = mqtt.MQTTv5


class PahoDevice:
    """A paho client authenticated with a device token (username), loop running in a thread."""

    def __init__(self, server, token: str, protocol=V311, client_id: str = ""):
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol)
        self.client.username_pw_set(token)
        self.messages: queue.Queue = queue.Queue()
        self._connected = threading.Event()
        self._subacks: dict[int, list] = {}
        self._suback_cv = threading.Condition()
        self.connect_rc = None
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self.client.on_subscribe = self._on_subscribe
        self.client.connect(server.host, server.mqtt_port, keepalive=60)
        self.client.loop_start()
        if not self._connected.wait(10):
            self.close()
            raise AssertionError("paho: no CONNACK within 10 s")
        if self.connect_rc != 0:
            self.close()
            raise AssertionError(f"paho: connection refused: {self.connect_rc}")

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self.connect_rc = reason_code.value if hasattr(reason_code, "value") else reason_code
        self._connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self._suback_cv:
            self._subacks[mid] = [rc.value if hasattr(rc, "value") else rc for rc in reason_codes]
            self._suback_cv.notify_all()

    def subscribe(self, topic: str, qos: int = 1) -> list[int]:
        rc, mid = self.client.subscribe(topic, qos)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        with self._suback_cv:
            ok = self._suback_cv.wait_for(lambda: mid in self._subacks, timeout=10)
            assert ok, f"no SUBACK for {topic}"
            return self._subacks.pop(mid)

    def publish(self, topic: str, payload, qos: int = 1) -> None:
        if not isinstance(payload, (bytes, str)):
            payload = json.dumps(payload)
        info = self.client.publish(topic, payload, qos=qos)
        info.wait_for_publish(10)
        assert info.is_published(), f"no PUBACK for {topic}"

    def next_message(self, timeout: float = 10.0, topic_prefix: str | None = None):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no message{' on ' + topic_prefix if topic_prefix else ''} "
                                     f"within {timeout}s")
            try:
                topic, payload = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if topic_prefix is None or topic.startswith(topic_prefix):
                return topic, payload

    def drain(self) -> list[tuple[str, bytes]]:
        out = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
