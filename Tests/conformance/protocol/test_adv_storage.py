"""Files and space (issue 11): the data directory is private, and a full database says "storage full".

A full disk is simulated with the database quota `STEWARD_MAX_DATABASE_SIZE` (SQLite's `max_page_count`), which
makes SQLite fail with SQLITE_FULL exactly as a full disk does, without filling the machine's disk. On PostgreSQL the
data directory still holds the key files (and nothing of the database), which must be just as private.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import requests

from adversarial import assert_still_serving
from mqtt_wire import PUBACK, V5, Closed, RawMqtt
from steward_harness import BACKEND, StewardServer, Tenant, running, unique

KEY_FILES = ["keys.sqlite", "master.key", "audit-chain.key", "jwt-signing.key"]
SQLITE_FILES = ["steward.sqlite", "steward.sqlite-wal", "steward.sqlite-shm"]
PRIVATE_FILES = (SQLITE_FILES if BACKEND == "sqlite" else []) + KEY_FILES


def shared_bits(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode) & 0o077


def assert_private(data_dir: Path) -> None:
    assert shared_bits(data_dir) == 0, f"{data_dir} is {oct(os.lstat(data_dir).st_mode)}"
    names = {p.name for p in data_dir.iterdir()}
    assert set(PRIVATE_FILES) <= names, names
    if BACKEND == "postgres":  # the readings and accounts are in the database, not beside the keys
        assert not names & set(SQLITE_FILES), names
    for path in data_dir.rglob("*"):
        assert shared_bits(path) == 0, f"{path} is readable by others: {oct(os.lstat(path).st_mode)}"


def test_the_data_directory_and_every_file_in_it_are_owner_only():
    srv = StewardServer("adv_storage_modes")
    try:
        srv.start()
        tenant = srv.create_tenant()["id"]
        token = srv.create_device(tenant, unique("modes"))["accessToken"]
        r = requests.post(f"{srv.base_url}/api/v1/{token}/telemetry", json={"t": 1}, timeout=30)
        assert r.status_code == 200, r.text
        backup = srv.data_dir / "backup.sqlite"
        srv.cli("backup", "--out", str(backup), json_out=False)
        assert backup.exists()
        assert_private(srv.data_dir)
        assert_still_serving(srv, token)
    finally:
        srv.cleanup()


def test_a_shared_data_directory_is_made_private_at_start():
    srv = StewardServer("adv_storage_fix")
    try:
        srv.start()
        srv.stop()
        # As an older Steward (or a careless copy) left it: directory 0755, database and keys 0644.
        os.chmod(srv.data_dir, 0o755)
        for path in srv.data_dir.iterdir():
            os.chmod(path, 0o644)
        (srv.data_dir / "notes.txt").write_text("left here by someone")
        os.chmod(srv.data_dir / "notes.txt", 0o666)
        srv.start()
        assert_private(srv.data_dir)
        log = srv.log_path.read_text(errors="replace")
        assert "owner-only" in log and PRIVATE_FILES[0] in log, srv.log_tail()
        assert_still_serving(srv)
    finally:
        srv.cleanup()


# -- storage full ------------------------------------------------------------------------------

QUOTA = 4 << 20


@pytest.fixture(scope="module")
def full_server():
    yield from running("adv_storage_full", env={"STEWARD_MAX_DATABASE_SIZE": str(QUOTA)})


def publish_v5(server, token: str, payload: dict, topic: str = "v1/devices/me/telemetry"):
    """The PUBACK for one QoS 1 message, or None when the server closed the connection instead."""
    with RawMqtt(server.host, server.mqtt_port, version=V5) as client:
        assert client.connect(username=token, keepalive=30).reason == 0
        try:
            return client.publish(topic, json.dumps(payload).encode(), qos=1, pid=11)
        except Closed:
            return None


def health_of(server) -> requests.Response:
    return requests.get(f"{server.base_url}/api/health", timeout=10)


@pytest.mark.sqlite_only(reason="STEWARD_MAX_DATABASE_SIZE is SQLite's page quota (max_page_count); PostgreSQL "
                          "has no per-database quota to fill, so there is no full database to provoke")
def test_a_full_database_says_storage_full_and_recovers(full_server):
    srv = full_server
    tenant = Tenant(srv)
    filler = tenant.device(unique("filler"))
    other = tenant.device(unique("other"))
    jwt = tenant.jwt  # signed in before the disk fills: reading needs no new space
    blob = os.urandom(12_000).hex()  # 24 KB of incompressible text per reading

    answer = None
    for i in range(2 * QUOTA // len(blob)):
        r = requests.post(f"{srv.base_url}/api/v1/{filler['accessToken']}/telemetry",
                          json={"ts": 1_700_000_000_000 + i, "values": {"blob": blob}}, timeout=60)
        if r.status_code != 200:
            answer = r
            break
    assert answer is not None, "the database never filled up under its quota"
    assert answer.status_code == 507, (answer.status_code, answer.text[:300])
    assert "Storage full" in answer.text, answer.text

    health = requests.get(f"{srv.base_url}/api/health", timeout=10)
    assert health.status_code == 503, health.text
    assert health.json()["status"] == "DOWN" and health.json()["storage"] == "full", health.text
    assert "Storage full" in health.json()["message"]

    # MQTT 5: the reading is refused with "quota exceeded" (0x97), never acknowledged as stored.
    ack = publish_v5(srv, other["accessToken"], {"blob": blob})
    assert ack is None or (ack.type == PUBACK and ack.reason == 0x97), ack

    # An attribute publish writes through the store, not the telemetry writer: it is refused the same way, in a
    # PUBACK 0x97 whose reason string says why (not a DISCONNECT 0x83 without one), and the session goes on.
    ack = publish_v5(srv, other["accessToken"], {"blobAttribute": blob}, topic="v1/devices/me/attributes")
    assert ack is not None, "an attribute publish on a full database closed the connection instead of a PUBACK"
    assert ack.type == PUBACK and ack.reason == 0x97, ack
    assert "Storage full" in ack.properties.get(0x1F, ""), ack.properties

    # A request that wrote nothing (a device's answer to an RPC nobody waits for: 200, no database write) does not
    # make the server look healthy again: only a commit clears "storage full".
    r = requests.post(f"{srv.base_url}/api/v1/{other['accessToken']}/rpc/12345", json={"ok": True}, timeout=30)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    down = health_of(srv)
    assert down.status_code == 503 and down.json()["status"] == "DOWN", down.text

    # REST writes say so too, and reads still work.
    r = tenant.rest("POST", "/api/device", json={"name": unique("nospace"), "type": "default", "label": blob})
    assert r.status_code == 507 and r.json()["message"].startswith("Storage full"), (r.status_code, r.text[:300])
    r = requests.get(f"{srv.base_url}/api/plugins/telemetry/DEVICE/{filler['id']}/values/timeseries",
                     params={"keys": "blob", "startTs": 0, "endTs": 2_000_000_000_000, "limit": 5},
                     headers={"X-Authorization": f"Bearer {jwt}"}, timeout=30)
    assert r.status_code == 200 and r.json()["blob"], (r.status_code, r.text[:300])
    assert "Storage full" in srv.log_path.read_text(errors="replace"), srv.log_tail()

    # Space is freed (the filler and its readings deleted): writes succeed and health is UP again.
    r = tenant.rest("DELETE", f"/api/device/{filler['id']}")
    assert r.status_code == 200, (r.status_code, r.text[:300])
    r = requests.post(f"{srv.base_url}/api/v1/{other['accessToken']}/telemetry", json={"after": 1}, timeout=30)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    health = requests.get(f"{srv.base_url}/api/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "UP", health.text
    assert_still_serving(srv, other["accessToken"])


def test_an_unusable_quota_is_refused_at_start_and_a_usable_one_serves():
    srv = StewardServer("adv_storage_bad_quota", env={"STEWARD_MAX_DATABASE_SIZE": "12"})
    try:
        with pytest.raises(AssertionError) as failure:
            srv.start()
        assert "STEWARD_MAX_DATABASE_SIZE=12" in str(failure.value), str(failure.value)[-800:]
        srv.extra_env["STEWARD_MAX_DATABASE_SIZE"] = "64M"
        srv.start()
        assert_still_serving(srv)
    finally:
        srv.cleanup()
