"""Crypto-shredding on PostgreSQL (issue 13's proof): "a `pg_dump` of the data database taken before an erasure,
scanned byte by byte after the erasure, yields none of the erased person's sealed data in the clear or openable with
the remaining keys".

A person gets an account (`steward user create`, the only member of their workspace, so its devices concern them),
signs in to the console and saves a phone number, and a device of theirs sends sensitive readings (heart rate, a
heart note, a location) and a sensitive attribute. Another person in another workspace does the same and stays. A
plain `pg_dump` of the server's database is taken, then the person is erased with `steward dsr erase --database …`.

The scan of the old dump, after the erasure:
- the person's address, phone number and sensitive values appear nowhere in it in the clear (as text, or as the hex
  of a `bytea`);
- every sealed value (`STW1`, the subject's id, AES-GCM; `Sources/StewardVault/Sealing.swift`) that names the person
  opens with none of the keys that remain: each key left in `keys.sqlite` (unwrapped with `master.key`, as
  `PersonKeyStore` does) and the service key (derived from `master.key`), under every context Steward seals with;
- no sealed value that the remaining keys do open holds the person's address, phone number or sensitive values.

That the scan can open values at all is checked first: before the erasure the same code opens the person's sealed
values in the dump with their key and finds every detail given, and afterwards still opens the other person's.
Through Steward's own files: `keys.sqlite` no longer holds the person's key, and neither the key nor its wrapped
form is left in any file of the data directory or in a dump of the database taken after the erasure.

AES-GCM comes from the system's libcrypto (OpenSSL 3) through ctypes: the paho environment has no crypto package,
and this keeps the check independent of Steward's own code.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import hmac
import json
import random
import re
import sqlite3
import struct
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
CONSOLE = HERE.parent / "console"
if str(CONSOLE) not in sys.path:
    sys.path.append(str(CONSOLE))

from console_support import ConsoleClient, sign_in  # noqa: E402
from pg_support import Cluster, postgres_server, require_postgres  # noqa: E402
from steward_harness import unique  # noqa: E402

MAGIC = b"STW1"
SUBJECT_LEN = 36
SERVICE_SUBJECT_LABEL = b"steward contact service key v1"  # VaultSubject.serviceKeyLabel
# Every context Steward seals with: readings and attributes, and each contact field (ContactField.swift).
CONTEXTS = ["reading", "user.email", "user.phone", "user.parent_email", "sign_in.email", "mail_outbox.recipient",
            "mail_outbox.text_body", "mail_outbox.html_body", "dsr_request.email", "complaint.email"]
PASSWORD = "Wander-Quietly-7-Lanterns"


# -- AES-256-GCM through libcrypto ------------------------------------------------------------------------------------

class _GCM:
    EVP_CTRL_GCM_SET_IVLEN = 0x9
    EVP_CTRL_GCM_SET_TAG = 0x11

    def __init__(self):
        name = ctypes.util.find_library("crypto")
        if not name:
            pytest.fail("libcrypto (OpenSSL) not found: needed to try the remaining keys on the sealed values")
        lib = ctypes.CDLL(name)
        lib.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
        lib.EVP_CIPHER_CTX_free.argtypes = [ctypes.c_void_p]
        lib.EVP_aes_256_gcm.restype = ctypes.c_void_p
        lib.EVP_DecryptInit_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                                           ctypes.c_char_p]
        lib.EVP_DecryptUpdate.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                                          ctypes.c_char_p, ctypes.c_int]
        lib.EVP_DecryptFinal_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
        lib.EVP_CIPHER_CTX_ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
        self.lib = lib

    def open(self, key: bytes, combined: bytes, aad: bytes) -> bytes | None:
        """The plaintext of CryptoKit's `combined` form (12-byte nonce, ciphertext, 16-byte tag), or None when the
        key or the authenticated data is not the one it was sealed with."""
        if len(key) != 32 or len(combined) < 28:
            return None
        nonce, body, tag = combined[:12], combined[12:-16], combined[-16:]
        lib = self.lib
        ctx = lib.EVP_CIPHER_CTX_new()
        try:
            if lib.EVP_DecryptInit_ex(ctx, lib.EVP_aes_256_gcm(), None, None, None) != 1:
                return None
            lib.EVP_CIPHER_CTX_ctrl(ctx, self.EVP_CTRL_GCM_SET_IVLEN, len(nonce), None)
            if lib.EVP_DecryptInit_ex(ctx, None, None, key, nonce) != 1:
                return None
            n = ctypes.c_int(0)
            if aad and lib.EVP_DecryptUpdate(ctx, None, ctypes.byref(n), aad, len(aad)) != 1:
                return None
            out = ctypes.create_string_buffer(len(body) + 16)
            if lib.EVP_DecryptUpdate(ctx, out, ctypes.byref(n), body, len(body)) != 1:
                return None
            written = n.value
            tag_buf = ctypes.create_string_buffer(tag, len(tag))
            lib.EVP_CIPHER_CTX_ctrl(ctx, self.EVP_CTRL_GCM_SET_TAG, len(tag), tag_buf)
            if lib.EVP_DecryptFinal_ex(ctx, ctypes.byref(out, written), ctypes.byref(n)) != 1:
                return None
            return out.raw[:written + n.value]
        finally:
            lib.EVP_CIPHER_CTX_free(ctx)


GCM = _GCM()


# -- the keys ----------------------------------------------------------------------------------------------------------

def master_key(data_dir: Path) -> bytes:
    data = (data_dir / "master.key").read_bytes()
    assert len(data) >= 32, "master.key is shorter than 32 bytes"
    return data[:32]


def wrapped_keys(data_dir: Path) -> dict[str, bytes]:
    """subject -> wrapped key, as `keys.sqlite` holds them now."""
    con = sqlite3.connect(f"file:{data_dir / 'keys.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        return {s: bytes(w) for s, w in con.execute("SELECT subject, wrapped FROM person_key")}
    finally:
        con.close()


def remaining_keys(data_dir: Path) -> dict[str, bytes]:
    """Every key Steward still has: each person's (unwrapped with the master key, authenticated with the subject, as
    PersonKeyStore does) and the service key (HMAC-SHA256 of its label under the master key)."""
    master = master_key(data_dir)
    keys = {"(service)": hmac.new(master, SERVICE_SUBJECT_LABEL, hashlib.sha256).digest()}
    for subject, wrapped in wrapped_keys(data_dir).items():
        key = GCM.open(master, wrapped, subject.encode())
        assert key is not None and len(key) == 32, f"keys.sqlite holds a key for {subject} the master key does not open"
        keys[subject] = key
    return keys


# -- the dump ----------------------------------------------------------------------------------------------------------

@dataclass
class Sealed:
    table: str
    column: str
    blob: bytes

    @property
    def subject(self) -> str:
        return self.blob[len(MAGIC):len(MAGIC) + SUBJECT_LEN].decode(errors="replace")

    @property
    def box(self) -> bytes:
        return self.blob[len(MAGIC) + SUBJECT_LEN:]


_BYTEA = re.compile(r"\\\\x([0-9a-fA-F]*)")


def sealed_values(dump: bytes) -> list[Sealed]:
    """Every sealed value in a plain-format dump: the `bytea` fields of its COPY blocks (hex, `\\\\x…` in COPY's
    text format) that start with STW1, with their table and column. A bytea anywhere else (an INSERT) is found too,
    with table and column unknown."""
    found: list[Sealed] = []
    seen_spans: set[tuple[int, int]] = set()
    text = dump.decode("utf-8", errors="replace")
    table, columns = "", []
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.startswith("COPY "):
            m = re.match(r'COPY ([^ ]+) \((.*)\) FROM stdin;', line)
            table, columns = (m.group(1), [c.strip().strip('"') for c in m.group(2).split(",")]) if m else ("", [])
        elif line.startswith("\\."):
            table, columns = "", []
        elif table:
            for i, cell in enumerate(line.rstrip("\n").split("\t")):
                m = re.fullmatch(r"\\\\x([0-9a-fA-F]*)", cell)
                if m:
                    blob = bytes.fromhex(m.group(1))
                    if blob.startswith(MAGIC) and len(blob) > len(MAGIC) + SUBJECT_LEN:
                        found.append(Sealed(table, columns[i] if i < len(columns) else "?", blob))
                    start = offset + line.index(cell)
                    seen_spans.add((start, start + len(cell)))
        offset += len(line)
    for m in _BYTEA.finditer(text):
        if any(a <= m.start() < b for a, b in seen_spans):
            continue
        blob = bytes.fromhex(m.group(1)) if len(m.group(1)) % 2 == 0 else b""
        if blob.startswith(MAGIC) and len(blob) > len(MAGIC) + SUBJECT_LEN:
            found.append(Sealed("?", "?", blob))
    return found


def open_sealed(value: Sealed, keys: dict[str, bytes]) -> tuple[str, str, bytes] | None:
    """(key name, context, plaintext) for the first remaining key and context that opens `value`, else None."""
    for name, key in keys.items():
        for context in CONTEXTS:
            plain = GCM.open(key, value.box, context.encode())
            if plain is not None:
                return name, context, plain
    return None


def plain_forms(plain: bytes) -> list[bytes]:
    """What a sealed plaintext may show: a type byte then the value (1 integer, 2 real, 3 text, 4 bytes, as
    Sealing.swift writes them). Text and bytes as they are; numbers also as the text a reading was sent with."""
    if not plain:
        return [b""]
    tag, payload = plain[0], plain[1:]
    forms = [payload]
    if tag == 1 and len(payload) == 8:
        forms.append(str(int.from_bytes(payload, "little", signed=True)).encode())
    if tag == 2 and len(payload) == 8:
        forms.append(repr(struct.unpack("<d", payload)[0]).encode())
    return forms


def in_clear(data: bytes, needle: str) -> bool:
    """`needle` in the bytes as text, or as the hex a dump writes a bytea in."""
    raw = needle.encode()
    return raw in data or raw.hex().encode() in data.lower()


# -- the scenario ------------------------------------------------------------------------------------------------------

@dataclass
class Person:
    email: str
    phone: str
    user_id: str
    tenant_id: str
    device_id: str
    token: str
    sensitive: list[str] = field(default_factory=list)  # the values as sent, as text

    def needles(self) -> list[str]:
        return [self.email, self.phone, *self.sensitive]


def make_person(server, label: str) -> Person:
    tenant = server.create_tenant(unique(f"{label}-home"))
    email = f"{unique(label)}@example.test"
    user = server.create_user(tenant["id"], email, PASSWORD, "tenant-admin")
    phone = "+49 30 " + str(random.randrange(10**8, 10**9))
    # Signs in to the console and gives a phone number.
    client = ConsoleClient(server.base_url)
    page = sign_in(client, email, PASSWORD)
    assert page.status == 200 and page.path != "/sign-in", page.describe()
    _, values = client.get_form("/account", "profile-form")
    saved = client.post_form("/account/profile", {**values, "phone": phone, "name": f"{label.title()} Person"},
                             csrf=False)
    assert saved.status == 200 and saved.flash and saved.flash[0] == "notice", saved.describe()
    # A device of theirs (the workspace has no other member) sends sensitive readings and a sensitive attribute.
    device = server.create_device(tenant["id"], name=unique(f"{label}-wearable"))
    token = device["accessToken"]
    heart_rate = round(random.uniform(55, 95), 6)
    note = f"heart-{uuid.uuid4().hex[:16]}"
    location = f"52.{random.randrange(10**6, 10**7)},13.{random.randrange(10**6, 10**7)}"
    gps = f"gps-{uuid.uuid4().hex[:16]}"
    base = 1_700_000_000_000 + random.randrange(10**9)
    for i, body in enumerate([{"heartRate": heart_rate, "heartNote": note},
                              {"location": location, "power": 120}]):
        r = requests.post(f"{server.base_url}/api/v1/{token}/telemetry", json={"ts": base + i, "values": body},
                          timeout=30)
        assert r.status_code == 200, (r.status_code, r.text)
    r = requests.post(f"{server.base_url}/api/v1/{token}/attributes", json={"gpsFix": gps}, timeout=30)
    assert r.status_code == 200, (r.status_code, r.text)
    return Person(email=email, phone=phone, user_id=user["id"], tenant_id=tenant["id"], device_id=device["id"],
                  token=token, sensitive=[repr(heart_rate), note, location, gps])


@dataclass
class Scenario:
    server: object
    cluster: Cluster
    person: Person
    other: Person
    dump_before: bytes
    dump_after: bytes
    key_before: bytes
    wrapped_before: bytes
    receipt: dict


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return require_postgres()


@pytest.fixture(scope="module")
def scenario(cluster, tmp_path_factory) -> Scenario:
    gen = postgres_server("test_postgres_crypto_shredding", cluster)
    srv = next(gen)
    try:
        person = make_person(srv, "erased")
        other = make_person(srv, "stays")
        out = tmp_path_factory.mktemp("dumps")
        before = cluster.pg_dump(srv.pg_database, out / "before.sql").read_bytes()
        wrapped = wrapped_keys(srv.data_dir)
        assert person.user_id in wrapped, f"keys.sqlite holds no key for the person ({sorted(wrapped)})"
        key_before = remaining_keys(srv.data_dir)[person.user_id]

        res = srv.cli("dsr", "erase", "--email", person.email, "--yes", json_out=False, check=False)
        assert res.returncode == 0, f"dsr erase failed ({res.returncode}): {res.stdout}\n{res.stderr}"
        receipt = json.loads(res.stdout)
        after = cluster.pg_dump(srv.pg_database, out / "after.sql").read_bytes()
        yield Scenario(srv, cluster, person, other, before, after, key_before, wrapped[person.user_id], receipt)
    finally:
        try:
            next(gen)
        except StopIteration:
            pass


# -- the checks --------------------------------------------------------------------------------------------------------

def test_the_erasure_erased_the_account(scenario):
    s = scenario
    erased = {e["what"]: int(e["rows"]) for e in s.receipt["erased"]}
    assert erased.get("account") == 1, s.receipt
    assert s.person.email not in json.dumps(s.receipt)
    assert s.cluster.value(f"SELECT count(*) FROM \"user\" WHERE id = '{s.person.user_id}'", s.server.pg_database) == "0"
    assert s.cluster.value(f"SELECT count(*) FROM \"user\" WHERE id = '{s.other.user_id}'", s.server.pg_database) == "1"


def test_the_scan_opens_the_persons_sealed_values_in_the_dump_taken_before(scenario):
    """The control: the dump holds the person's details sealed under their key, and this scan opens them with it."""
    s = scenario
    mine = [v for v in sealed_values(s.dump_before) if v.subject == s.person.user_id]
    assert mine, "the dump taken before the erasure holds no sealed value naming the person"
    opened: list[bytes] = []
    for v in mine:
        got = open_sealed(v, {"person": s.key_before})
        assert got is not None, f"a sealed value of the person in {v.table}.{v.column} does not open with their key"
        opened.extend(plain_forms(got[2]))
    blob = b"\n".join(opened)
    missing = [n for n in s.person.needles() if n.encode() not in blob]
    assert not missing, (f"the person's sealed values in the dump do not hold {missing} "
                         f"(sealed in {sorted({(v.table, v.column) for v in mine})})")


def test_the_old_dump_holds_none_of_the_persons_details_in_the_clear(scenario):
    s = scenario
    found = [n for n in s.person.needles() if in_clear(s.dump_before, n)]
    assert not found, f"the dump taken before the erasure holds these in the clear: {found}"


def test_no_sealed_value_of_the_person_opens_with_the_remaining_keys(scenario):
    s = scenario
    keys = remaining_keys(s.server.data_dir)
    assert s.person.user_id not in keys
    mine = [v for v in sealed_values(s.dump_before) if v.subject == s.person.user_id]
    assert mine
    opened = [(v.table, v.column, got[0], got[1]) for v in mine if (got := open_sealed(v, keys)) is not None]
    assert not opened, f"sealed values of the erased person open with the remaining keys: {opened}"
    # The same keys still open the person who stays: the check can succeed.
    theirs = [v for v in sealed_values(s.dump_before) if v.subject == s.other.user_id]
    assert theirs and all(open_sealed(v, keys) is not None for v in theirs), \
        "the other person's sealed values no longer open: the scan proves nothing"


def test_no_value_the_remaining_keys_open_holds_the_persons_details(scenario):
    """Whoever a sealed value names, what the remaining keys open from the old dump must not be the erased person's
    address, phone number or sensitive readings (a copy sealed with the service key would survive the erasure)."""
    s = scenario
    keys = remaining_keys(s.server.data_dir)
    leaks = []
    for v in sealed_values(s.dump_before):
        got = open_sealed(v, keys)
        if got is None:
            continue
        forms = b"\n".join(plain_forms(got[2])).lower()
        for needle in s.person.needles():
            if needle.lower().encode() in forms:
                leaks.append(f"{v.table}.{v.column} (names {v.subject}, opens with the {got[0]} key as "
                             f"{got[1]}): {needle}")
    assert not leaks, "the old dump still yields the erased person's details with the remaining keys:\n" + "\n".join(leaks)


def test_the_persons_key_is_gone_from_every_file_and_the_database(scenario):
    s = scenario
    assert s.person.user_id not in wrapped_keys(s.server.data_dir), "keys.sqlite still holds the person's key"
    assert s.other.user_id in wrapped_keys(s.server.data_dir), "keys.sqlite lost the key of the person who stays"
    needles = {"the key": s.key_before, "the wrapped key": s.wrapped_before}
    leftovers = []
    for path in sorted(p for p in Path(s.server.data_dir).rglob("*") if p.is_file()):
        data = path.read_bytes()
        for what, needle in needles.items():
            if needle in data or needle.hex().encode() in data.lower():
                leftovers.append(f"{what} in {path.name}")
    for what, needle in needles.items():
        if needle.hex().encode() in s.dump_after.lower() or needle in s.dump_after:
            leftovers.append(f"{what} in the database (pg_dump after the erasure)")
    assert not leftovers, f"the erased person's key survives: {leftovers}"


def test_the_database_after_the_erasure_holds_nothing_of_the_person(scenario):
    s = scenario
    found = [n for n in s.person.needles() if in_clear(s.dump_after, n)]
    assert not found, f"the dump taken after the erasure still holds {found}"
    assert not [v for v in sealed_values(s.dump_after) if v.subject == s.person.user_id], \
        "the database still holds sealed values naming the erased person"
