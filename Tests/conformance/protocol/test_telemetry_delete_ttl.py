"""ThingsBoard's data-lifetime API (issue 14) through the official tb-rest-client: readings saved with a time to live,
the timeseries delete with every parameter, the attribute deletes (entity and v1 paths), and storage TTLs per tenant
and device profile. Bad input is refused with a message and deletes nothing."""
from __future__ import annotations

import time

import pytest
import requests
from tb_rest_client.models import DeviceId

from steward_harness import now_ms

DAY = 86_400_000


def readings(tenant, dev, keys, start=0, end=None):
    end = end if end is not None else now_ms() + 10 * DAY
    r = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{dev['id']}/values/timeseries",
                    params={"keys": ",".join(keys), "startTs": start, "endTs": end, "limit": 1000, "orderBy": "ASC"})
    assert r.status_code == 200, r.text
    return {k: [(p["ts"], p["value"]) for p in v] for k, v in r.json().items()}


def latest(tenant, dev, keys):
    r = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{dev['id']}/values/timeseries", params={"keys": ",".join(keys)})
    assert r.status_code == 200, r.text
    return {k: v[0]["ts"] if v and v[0]["value"] is not None else None for k, v in r.json().items()}


def device_with(tenant, series: dict[str, list[int]]):
    dev = tenant.device()
    body = [{"ts": ts, "values": {key: ts // 1000}} for key, stamps in series.items() for ts in stamps]
    r = tenant.rest("POST", f"/api/plugins/telemetry/DEVICE/{dev['id']}/timeseries/ANY", json=body)
    assert r.status_code == 200, r.text
    return dev


T = 1_700_000_000_000


def test_delete_a_range_keeps_the_rest_and_the_latest_outside_it(tenant, rc):
    dev = device_with(tenant, {"temp": [T, T + 1000, T + 2000, T + 3000], "hum": [T]})
    rc.delete_entity_timeseries(DeviceId(dev["id"], "DEVICE"), keys="temp", delete_all_data_for_keys=False,
                                start_ts=T + 1000, end_ts=T + 3000, delete_latest=True)
    assert [ts for ts, _ in readings(tenant, dev, ["temp"])["temp"]] == [T, T + 3000]
    assert latest(tenant, dev, ["temp"]) == {"temp": T + 3000}
    assert [ts for ts, _ in readings(tenant, dev, ["hum"])["hum"]] == [T]


def test_delete_the_latest_and_rewrite_it_to_the_newest_reading_left(tenant, rc):
    dev = device_with(tenant, {"temp": [T, T + 1000, T + 2000]})
    rc.delete_entity_timeseries(DeviceId(dev["id"], "DEVICE"), keys="temp", start_ts=T + 2000, end_ts=T + 5000,
                                delete_latest=True, rewrite_latest_if_deleted=True)
    assert latest(tenant, dev, ["temp"]) == {"temp": T + 1000}
    # Without the rewrite the latest value goes with its reading.
    rc.delete_entity_timeseries(DeviceId(dev["id"], "DEVICE"), keys="temp", start_ts=T + 1000, end_ts=T + 2000,
                                delete_latest=True, rewrite_latest_if_deleted=False)
    assert latest(tenant, dev, ["temp"]) == {"temp": None}
    assert [ts for ts, _ in readings(tenant, dev, ["temp"])["temp"]] == [T]


def test_delete_all_data_for_keys_including_future_readings_and_keeping_the_latest_when_asked(tenant, rc):
    future = now_ms() + 5 * DAY
    dev = device_with(tenant, {"a": [T, future], "b": [T]})
    rc.delete_entity_timeseries(DeviceId(dev["id"], "DEVICE"), key=["a", "b"], delete_all_data_for_keys=True,
                                delete_latest=False)
    got = readings(tenant, dev, ["a", "b"])
    assert got.get("a", []) == [] and got.get("b", []) == [], got
    assert latest(tenant, dev, ["a", "b"]) == {"a": future, "b": T}


@pytest.mark.parametrize("params, message", [
    ({"keys": "temp,nope", "deleteAllDataForKeys": "true"}, "Unknown telemetry key(s) for this device: nope"),
    ({"keys": "temp", "startTs": str(T + 5000), "endTs": str(T)}, "'startTs' must not be after 'endTs'"),
    ({"keys": "temp"}, "start and end timestamp values shouldn't be empty"),
    ({"keys": "temp", "startTs": "abc", "endTs": str(T)}, "startTs"),
    ({"keys": "temp", "deleteAllDataForKeys": "maybe"}, "'deleteAllDataForKeys' must be true or false"),
    ({"deleteAllDataForKeys": "true"}, "Parameter 'keys' is required"),
])
def test_bad_deletes_are_refused_and_delete_nothing(tenant, params, message):
    dev = device_with(tenant, {"temp": [T, T + 1000]})
    r = tenant.rest("DELETE", f"/api/plugins/telemetry/DEVICE/{dev['id']}/timeseries/delete", params=params)
    assert r.status_code == 400, (r.status_code, r.text)
    assert message in r.json()["message"], r.text
    assert [ts for ts, _ in readings(tenant, dev, ["temp"])["temp"]] == [T, T + 1000]


def test_another_tenants_device_is_not_found(server, tenant):
    from steward_harness import Tenant
    other = Tenant(server)
    dev = device_with(tenant, {"temp": [T]})
    r = other.rest("DELETE", f"/api/plugins/telemetry/DEVICE/{dev['id']}/timeseries/delete",
                   params={"keys": "temp", "deleteAllDataForKeys": "true"})
    assert r.status_code == 404, (r.status_code, r.text)
    assert [ts for ts, _ in readings(tenant, dev, ["temp"])["temp"]] == [T]


def test_attribute_deletes_on_the_entity_and_the_v1_paths(tenant, rc):
    dev = tenant.device()
    did = DeviceId(dev["id"], "DEVICE")
    rc.save_device_attributes(did, "SERVER_SCOPE", {"a": 1, "b": 2, "c": 3})
    rc.delete_entity_attributes(did, "SERVER_SCOPE", keys="a")
    rc.delete_device_attributes(did, "SERVER_SCOPE", keys="b")
    assert [a.key for a in rc.get_attributes_by_scope(did, "SERVER_SCOPE")] == ["c"]
    r = tenant.rest("DELETE", f"/api/plugins/telemetry/{dev['id']}/SERVER_SCOPE", params={"key": "c"})
    assert r.status_code == 200, r.text
    assert rc.get_attributes_by_scope(did, "SERVER_SCOPE") == []


# promise: MB-14
def test_readings_saved_with_a_ttl_expire_at_the_next_run(server, tenant, rc):
    dev = tenant.device()
    did = DeviceId(dev["id"], "DEVICE")
    now = now_ms()
    # A day's TTL: the reading from two days ago has expired, the one from now has not; a TTL of 0 means none.
    rc.save_entity_telemetry_with_ttl(did, "ANY", 86_400, {"ts": now - 2 * DAY, "values": {"level": 1}})
    rc.save_entity_telemetry_with_ttl(did, "ANY", 86_400, {"ts": now, "values": {"level": 2}})
    rc.save_entity_telemetry_with_ttl(did, "ANY", 0, {"ts": now - 3 * DAY, "values": {"level": 3}})
    assert len(readings(tenant, dev, ["level"])["level"]) == 3
    report = server.cli("retention", "run")
    ttl = [row for row in report["rows"] if row["category"] == "reading TTL"]
    assert len(ttl) == 1 and ttl[0]["affected"] >= 1, ttl
    assert [ts for ts, _ in readings(tenant, dev, ["level"])["level"]] == [now - 3 * DAY, now]
    assert server.db_sql(
        "SELECT COUNT(*) FROM ts_kv_expiry WHERE device_seq = (SELECT seq FROM device WHERE id = ?)", (dev["id"],))[0][0] == 1


@pytest.mark.parametrize("ttl", ["-1", "abc", "99999999999999"])
def test_a_bad_ttl_is_refused_and_nothing_is_stored(tenant, ttl):
    dev = tenant.device()
    r = tenant.rest("POST", f"/api/plugins/telemetry/DEVICE/{dev['id']}/timeseries/ANY/{ttl}", json={"level": 1})
    assert r.status_code == 400, (r.status_code, r.text)
    assert "ttl" in r.json()["message"], r.text
    assert readings(tenant, dev, ["level"]).get("level", []) == []


# promise: MB-14
def test_a_storage_ttl_per_profile_and_tenant_applies_at_the_next_run(server, tenant):
    now = now_ms()
    dev = device_with(tenant, {"flow": [now - 3 * DAY, now - 1000]})
    name = server.db_sql("SELECT name FROM tenant WHERE id = (SELECT tenant_id FROM device WHERE id = ?)", (dev["id"],))[0][0]
    assert server.cli("retention", "ttl") == []
    assert server.cli("retention", "ttl", "--tenant", name, "--days", "2")["seconds"] == 172_800
    listed = server.cli("retention", "ttl")
    assert [(t["kind"], t["name"], t["seconds"]) for t in listed] == [("tenant", name, 172_800)], listed
    server.cli("retention", "run")
    assert [ts for ts, _ in readings(tenant, dev, ["flow"])["flow"]] == [now - 1000]
    bad = server.cli("retention", "ttl", "--tenant", name, "--days", "0", check=False, json_out=False)
    assert bad.returncode != 0 and "--days must be from 1" in bad.stderr, bad
    missing = server.cli("retention", "ttl", "--tenant", name, "--profile", "no-such-profile", "--days", "1",
                         check=False, json_out=False)
    assert missing.returncode != 0 and "no device profile named 'no-such-profile'" in missing.stderr, missing
    assert server.cli("retention", "ttl", "--tenant", name, "--clear")["seconds"] is None
    assert server.cli("retention", "ttl") == []
