"""A tiny raw-socket MQTT 3.1.1 / 5 client for wire-level conformance checks.

paho hides exact reason codes, packet boundaries and protocol violations; these
helpers build packets byte by byte and read the server's answers verbatim.
"""
from __future__ import annotations

import json
import socket
import struct
import time
from dataclasses import dataclass, field

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14

V311, V5 = 4, 5
NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP",
         8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
         14: "DISCONNECT", 15: "AUTH"}


class Closed(Exception):
    """The server closed the connection."""


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        if n:
            b |= 0x80
        out.append(b)
        if not n:
            return bytes(out)


def mstr(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def packet(ptype: int, flags: int, body: bytes) -> bytes:
    return bytes([(ptype << 4) | flags]) + varint(len(body)) + body


def connect_packet(version: int = V311, client_id: str = "", username: str | None = None,
                   password: str | None = None, keepalive: int = 60, clean: bool = True) -> bytes:
    flags = 0x02 if clean else 0
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    vh = mstr("MQTT") + bytes([version, flags]) + struct.pack("!H", keepalive)
    if version == V5:
        vh += varint(0)
    payload = mstr(client_id)
    if username is not None:
        payload += mstr(username)
    if password is not None:
        payload += mstr(password)
    return packet(CONNECT, 0, vh + payload)


def publish_packet(topic: str, payload: bytes | str | dict | list, qos: int = 0, pid: int = 1,
                   version: int = V311, retain: bool = False, dup: bool = False) -> bytes:
    if isinstance(payload, (dict, list)):
        payload = json.dumps(payload)
    if isinstance(payload, str):
        payload = payload.encode()
    body = mstr(topic)
    if qos:
        body += struct.pack("!H", pid)
    if version == V5:
        body += varint(0)
    flags = (0x08 if dup else 0) | (qos << 1) | (1 if retain else 0)
    return packet(PUBLISH, flags, body + payload)


def subscribe_packet(pid: int, filters: list[tuple[str, int]], version: int = V311) -> bytes:
    body = struct.pack("!H", pid)
    if version == V5:
        body += varint(0)
    for f, qos in filters:
        body += mstr(f) + bytes([qos])
    return packet(SUBSCRIBE, 0x02, body)


def unsubscribe_packet(pid: int, filters: list[str], version: int = V311) -> bytes:
    body = struct.pack("!H", pid)
    if version == V5:
        body += varint(0)
    for f in filters:
        body += mstr(f)
    return packet(UNSUBSCRIBE, 0x02, body)


PINGREQ_PACKET = bytes([0xC0, 0x00])
DISCONNECT_PACKET = bytes([0xE0, 0x00])


@dataclass
class Packet:
    type: int
    flags: int
    body: bytes
    version: int = V311
    # decoded fields (filled by decode())
    pid: int | None = None
    reason: int | None = None
    codes: list[int] = field(default_factory=list)
    topic: str | None = None
    payload: bytes = b""
    properties: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return NAMES.get(self.type, f"type{self.type}")

    def json(self):
        return json.loads(self.payload)

    def __repr__(self) -> str:
        extra = []
        if self.pid is not None:
            extra.append(f"pid={self.pid}")
        if self.reason is not None:
            extra.append(f"reason=0x{self.reason:02x}")
        if self.codes:
            extra.append("codes=" + ",".join(f"0x{c:02x}" for c in self.codes))
        if self.topic is not None:
            extra.append(f"topic={self.topic!r} payload={self.payload[:200]!r}")
        return f"<{self.name} {' '.join(extra)}>"


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    mult, value = 1, 0
    while True:
        b = data[pos]
        pos += 1
        value += (b & 0x7F) * mult
        if not b & 0x80:
            return value, pos
        mult *= 128


_BYTE_PROPS = {0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A}
_U16_PROPS = {0x13, 0x21, 0x22, 0x23}
_U32_PROPS = {0x02, 0x11, 0x18, 0x27}
_STR_PROPS = {0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F}
_BIN_PROPS = {0x09, 0x16}


def parse_properties(b: bytes, pos: int) -> tuple[dict, int]:
    """MQTT 5 properties at `pos` -> ({id: value}, position after them). User properties are lists."""
    length, pos = _read_varint(b, pos)
    end, props = pos + length, {}
    while pos < end:
        pid = b[pos]
        pos += 1
        if pid in _BYTE_PROPS:
            props[pid] = b[pos]
            pos += 1
        elif pid in _U16_PROPS:
            props[pid] = struct.unpack("!H", b[pos:pos + 2])[0]
            pos += 2
        elif pid in _U32_PROPS:
            props[pid] = struct.unpack("!I", b[pos:pos + 4])[0]
            pos += 4
        elif pid == 0x0B:
            props[pid], pos = _read_varint(b, pos)
        elif pid in _STR_PROPS or pid in _BIN_PROPS:
            n = struct.unpack("!H", b[pos:pos + 2])[0]
            raw = b[pos + 2:pos + 2 + n]
            props[pid] = raw.decode() if pid in _STR_PROPS else raw
            pos += 2 + n
        elif pid == 0x26:
            n = struct.unpack("!H", b[pos:pos + 2])[0]
            k = b[pos + 2:pos + 2 + n].decode()
            pos += 2 + n
            m = struct.unpack("!H", b[pos:pos + 2])[0]
            v = b[pos + 2:pos + 2 + m].decode()
            pos += 2 + m
            props.setdefault(pid, []).append((k, v))
        else:
            raise AssertionError(f"unknown MQTT 5 property 0x{pid:02x}")
    return props, end


MAXIMUM_QOS = 0x24
MAXIMUM_PACKET_SIZE = 0x27


def decode(p: Packet) -> Packet:
    b, v5 = p.body, p.version == V5
    if p.type == CONNACK:
        p.reason = b[1]
        if v5 and len(b) > 2:
            p.properties, _ = parse_properties(b, 2)
    elif p.type in (PUBACK, PUBREC, PUBREL, PUBCOMP):
        p.pid = struct.unpack("!H", b[:2])[0]
        p.reason = b[2] if (v5 and len(b) >= 3) else 0
        if v5 and len(b) > 3:
            p.properties, _ = parse_properties(b, 3)
    elif p.type in (SUBACK, UNSUBACK):
        p.pid = struct.unpack("!H", b[:2])[0]
        pos = 2
        if v5:
            plen, pos = _read_varint(b, pos)
            pos += plen
        p.codes = list(b[pos:])
    elif p.type == PUBLISH:
        tlen = struct.unpack("!H", b[:2])[0]
        p.topic = b[2:2 + tlen].decode()
        pos = 2 + tlen
        if (p.flags >> 1) & 3:
            p.pid = struct.unpack("!H", b[pos:pos + 2])[0]
            pos += 2
        if v5:
            plen, pos = _read_varint(b, pos)
            pos += plen
        p.payload = b[pos:]
    elif p.type == DISCONNECT:
        p.reason = b[0] if b else 0
    return p


class RawMqtt:
    """Blocking raw MQTT connection with explicit reads."""

    def __init__(self, host: str, port: int, version: int = V311, timeout: float = 10.0):
        self.version = version
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = b""
        self.received: list[Packet] = []

    # -- io --------------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, n: int, deadline: float) -> None:
        while len(self._buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete packet from server")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout as e:
                raise TimeoutError("no complete packet from server") from e
            except (ConnectionResetError, BrokenPipeError) as e:
                raise Closed(str(e)) from e
            if not chunk:
                raise Closed("EOF")
            self._buf += chunk

    def read(self, timeout: float = 10.0) -> Packet:
        deadline = time.monotonic() + timeout
        self._fill(2, deadline)
        # fixed header + varint length (up to 4 bytes)
        i, mult, length = 1, 1, 0
        while True:
            self._fill(i + 1, deadline)
            byte = self._buf[i]
            length += (byte & 0x7F) * mult
            mult *= 128
            i += 1
            if not byte & 0x80:
                break
            if i > 4:
                raise AssertionError("malformed remaining length from server")
        self._fill(i + length, deadline)
        first = self._buf[0]
        body = self._buf[i:i + length]
        self._buf = self._buf[i + length:]
        p = decode(Packet(first >> 4, first & 0x0F, body, self.version))
        self.received.append(p)
        return p

    def expect(self, ptype: int, timeout: float = 10.0, skip: tuple[int, ...] = ()) -> Packet:
        """Read until a packet of `ptype` arrives (packets of types in `skip` are ignored)."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.read(max(0.01, deadline - time.monotonic()))
            if p.type == ptype:
                return p
            if p.type not in skip:
                raise AssertionError(f"expected {NAMES[ptype]}, got {p!r}")

    def wait_closed(self, timeout: float = 5.0) -> list[Packet]:
        """Return the packets received before the server closed the socket; fail on timeout."""
        deadline = time.monotonic() + timeout
        got: list[Packet] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"server did not close the connection within {timeout}s "
                                     f"(received {got})")
            try:
                got.append(self.read(remaining))
            except Closed:
                return got
            except TimeoutError:
                continue

    def is_open(self, probe_timeout: float = 3.0) -> bool:
        """PINGREQ/PINGRESP round trip (skipping other packets) proves the session is alive."""
        try:
            self.send(PINGREQ_PACKET)
            self.expect(PINGRESP, timeout=probe_timeout, skip=(PUBLISH, PUBACK, SUBACK))
            return True
        except (Closed, TimeoutError, OSError):
            return False

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    # -- protocol helpers ------------------------------------------------------------------
    def connect(self, username: str | None = None, password: str | None = None, client_id: str = "",
                keepalive: int = 60, timeout: float = 10.0) -> Packet:
        self.send(connect_packet(self.version, client_id, username, password, keepalive))
        return self.expect(CONNACK, timeout=timeout)

    def publish(self, topic: str, payload, qos: int = 1, pid: int = 1) -> Packet | None:
        self.send(publish_packet(topic, payload, qos, pid, self.version))
        if qos == 0:
            return None
        return self.expect(PUBACK, skip=(PUBLISH,))

    def subscribe(self, filters: list[tuple[str, int]], pid: int = 1) -> Packet:
        self.send(subscribe_packet(pid, filters, self.version))
        return self.expect(SUBACK, skip=(PUBLISH,))

    def __enter__(self) -> "RawMqtt":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connected(host: str, port: int, token: str, version: int = V311, keepalive: int = 60) -> RawMqtt:
    c = RawMqtt(host, port, version)
    ack = c.connect(username=token, keepalive=keepalive)
    assert ack.reason == 0, f"CONNACK for a valid token was 0x{ack.reason:02x}"
    return c
