"""ThingsBoard's synthesized SERVER_SCOPE attributes (walk P2.7, issue 15): `active`, `lastActivityTime` and
`inactivityTimeout` (ms) read through tb-rest-client and raw REST, computed from the same activity the console's device
list shows (a reading within the profile's inactivity timeout, or a live session). A device never heard from has none."""
from __future__ import annotations

import time

import requests
from tb_rest_client.models import DeviceId

from steward_harness import unique


def test_activity_attributes_follow_readings_and_the_profile_timeout(server, tenant, rc):
    dev = tenant.device()
    did = DeviceId(dev["id"], "DEVICE")
    assert rc.get_attributes_by_scope(did, "SERVER_SCOPE") == []  # never heard from
    rc.save_device_attributes(did, "SERVER_SCOPE", {"room": "attic"})
    before = int(time.time() * 1000)
    r = requests.post(f"{server.base_url}/api/v1/{dev['accessToken']}/telemetry", json={"temperature": 20}, timeout=30)
    assert r.status_code == 200, r.text
    got = {a.key: a.value for a in rc.get_attributes_by_scope(did, "SERVER_SCOPE")}
    assert got["room"] == "attic" and got["active"] is True and got["inactivityTimeout"] == 600_000, got
    assert before - 5_000 <= got["lastActivityTime"] <= int(time.time() * 1000) + 5_000, got
    # The same through the keys filter and the keys listing; "active" is computed, not the stored name of anything.
    only = rc.get_attributes(did, keys="active,lastActivityTime")
    assert {a.key for a in only} == {"active", "lastActivityTime"}
    keys = tenant.rest("GET", f"/api/plugins/telemetry/DEVICE/{dev['id']}/keys/attributes/SERVER_SCOPE").json()
    assert sorted(keys) == ["active", "inactivityTimeout", "lastActivityTime", "room"], keys

    # A device of a profile with a 1 s timeout: once it passes without a reading, the device is inactive.
    profile = tenant.rest("POST", "/api/deviceProfile", json={"name": unique("brief"), "inactivityTimeout": 1}).json()
    dev = tenant.device(profile=profile["name"])
    did = DeviceId(dev["id"], "DEVICE")
    r = requests.post(f"{server.base_url}/api/v1/{dev['accessToken']}/telemetry", json={"temperature": 21}, timeout=30)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 15
    while True:
        got = {a.key: a.value for a in rc.get_attributes_by_scope(did, "SERVER_SCOPE")}
        if got["active"] is False:
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.2)
    assert got["inactivityTimeout"] == 1_000, got


def test_another_tenants_device_has_no_activity_to_read(server, tenant):
    from steward_harness import Tenant
    other = Tenant(server)
    dev = tenant.device()
    requests.post(f"{server.base_url}/api/v1/{dev['accessToken']}/telemetry", json={"t": 1}, timeout=30)
    r = other.rest("GET", f"/api/plugins/telemetry/DEVICE/{dev['id']}/values/attributes/SERVER_SCOPE")
    assert r.status_code == 404, (r.status_code, r.text)
