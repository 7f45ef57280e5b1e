"""`GET /api/privacy/device/{deviceId}/categories`: the data category each key a device sent falls in under the
declaration (profile rules, then key patterns, then the default), with sensitivity, purposes and retention."""
from __future__ import annotations

import requests

from console_support import api, rest_login
from steward_harness import Tenant, unique

READING = {"lat": 52.52, "lon": 13.405, "temperature": 21.5, "heartRate": 72}


def post_telemetry(server, token: str, values: dict) -> None:
    r = requests.post(f"{server.base_url}/api/v1/{token}/telemetry", json=values, timeout=30)
    assert r.status_code == 200, (r.status_code, r.text)


def categories(server, device_id: str, **cred) -> requests.Response:
    return api(server, "GET", f"/api/privacy/device/{device_id}/categories", **cred)


def test_each_key_a_device_sends_is_mapped_to_its_declared_category(server):
    tenant = Tenant(server)
    device = tenant.device(unique("tracker"))
    post_telemetry(server, device["accessToken"], READING)
    r = requests.post(f"{server.base_url}/api/v1/{device['accessToken']}/attributes", json={"firmware": "1.2.0"},
                      timeout=30)
    assert r.status_code == 200, r.text

    r = categories(server, device["id"], jwt=tenant.jwt)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), (r.status_code, r.text)
    got = r.json()
    assert set(got) == {"lat", "lon", "temperature", "heartRate", "firmware"}, got
    for key in ("lat", "lon"):
        assert got[key]["category"] == "user.location.precise" and got[key]["sensitive"] is True, got[key]
        assert got[key]["name"] == "Precise location"
        assert got[key]["retention"] == "P90D" and got[key]["then"] == "delete", got[key]
        assert "devices" in got[key]["purposes"], got[key]
    assert got["temperature"] == {"category": "user.telemetry", "name": "Device readings and attributes",
                                  "sensitive": False, "purposes": ["devices"], "retention": "P1Y",
                                  "then": "aggregate"}, got["temperature"]
    assert got["heartRate"]["category"] == "user.health_and_medical" and got["heartRate"]["sensitive"] is True
    assert got["firmware"]["category"] == "user.telemetry"  # attributes are mapped like readings

    # Another tenant cannot even learn that the device exists; no credential, no answer.
    other = Tenant(server)
    denied = categories(server, device["id"], jwt=other.jwt)
    assert denied.status_code == 404, (denied.status_code, denied.text)
    assert "lat" not in denied.text
    assert categories(server, device["id"]).status_code == 401


def test_a_profile_rule_wins_over_the_key_patterns(server):
    tenant = Tenant(server)
    server.create_profile(tenant.id, "wearable", unique("key"), unique("secret"))
    watch = tenant.device(unique("watch"), profile="wearable")
    post_telemetry(server, watch["accessToken"], READING)
    got = categories(server, watch["id"], jwt=tenant.jwt).json()
    assert got["temperature"]["category"] == "user.health_and_medical", got["temperature"]
    assert got["temperature"]["sensitive"] is True and got["temperature"]["retention"] == "P90D"
    assert got["lat"]["category"] == "user.location.precise"


def test_an_application_key_may_read_the_categories(server, new_account):
    acct = new_account()
    jwt = rest_login(server, acct.email, acct.password)
    made = api(server, "POST", "/api/device", jwt=jwt, json={"name": unique("meter"), "type": "meter"})
    assert made.status_code == 200, made.text
    device_id = made.json()["id"]["id"]
    creds = api(server, "GET", f"/api/device/{device_id}/credentials", jwt=jwt)
    assert creds.status_code == 200, creds.text
    post_telemetry(server, creds.json()["credentialsId"], {"powerW": 1200, "gpsFix": 1})

    page, values = acct.client.get_form("/account/security", "api-key-form")
    done = acct.client.post_form("/account/keys", {**values, "key_name": unique("categories"), "key_role": "read-only"},
                                 csrf=False)
    key = done.by_id("new-api-key")
    assert done.status == 200 and key is not None, done.describe()

    r = categories(server, device_id, key=key.text())
    assert r.status_code == 200, (r.status_code, r.text)
    got = r.json()
    assert got["powerW"]["category"] == "user.sensor.energy" and got["powerW"]["then"] == "aggregate", got
    assert got["gpsFix"]["category"] == "user.location.precise", got
