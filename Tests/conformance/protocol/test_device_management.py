"""Device management through one service: the same rules for names and tokens on every transport, and changes made by
another process (the CLI) reach the server that holds the device's live sessions.
"""
from __future__ import annotations

import pytest
import requests

from mqtt_wire import V311, V5, RawMqtt, connected
from steward_harness import unique

VERSIONS = [pytest.param(V311, id="v311"), pytest.param(V5, id="v5")]
REFUSED = {V311: 0x05, V5: 0x86}
TELEMETRY = "v1/devices/me/telemetry"
# Generous bounds for "soon"; the tests assert what happens, never how long it took.
CLOSE_BOUND_S = 15


def refused(server, token: str, version: int) -> bool:
    with RawMqtt(server.host, server.mqtt_port, version) as c:
        return c.connect(username=token).reason == REFUSED[version]


def http_status(server, token: str) -> int:
    return requests.post(f"{server.base_url}/api/v1/{token}/telemetry", json={"t": 1}, timeout=30).status_code


@pytest.mark.parametrize("version", VERSIONS)
def test_cli_delete_closes_the_live_session_and_the_token_is_refused(server, tenant, version):
    dev = tenant.device(name=unique("cli-delete"))
    token = dev["accessToken"]
    with connected(server.host, server.mqtt_port, token, version) as c:
        ack = c.publish(TELEMETRY, {"before": 1}, qos=1, pid=1)
        assert ack.reason == 0
        server.cli("device", "delete", "--device", dev["id"], "--tenant", tenant.id)  # another process
        c.wait_closed(CLOSE_BOUND_S)
    assert refused(server, token, version)
    assert http_status(server, token) == 401


def test_cli_delete_leaves_other_devices_connected(server, tenant):
    doomed = tenant.device(name=unique("doomed"))
    kept = tenant.device(name=unique("kept"))
    with connected(server.host, server.mqtt_port, kept["accessToken"]) as bystander, \
            connected(server.host, server.mqtt_port, doomed["accessToken"]) as victim:
        server.cli("device", "delete", "--device", doomed["id"], "--tenant", tenant.id)
        victim.wait_closed(CLOSE_BOUND_S)
        assert bystander.is_open()
        assert bystander.publish(TELEMETRY, {"still": 1}, qos=1, pid=2).reason == 0


def test_rest_delete_closes_the_live_session(server, tenant):
    dev = tenant.device(name=unique("rest-delete"))
    with connected(server.host, server.mqtt_port, dev["accessToken"]) as c:
        r = tenant.rest("DELETE", f"/api/device/{dev['id']}")
        assert r.status_code == 200, r.text
        c.wait_closed(CLOSE_BOUND_S)
    assert refused(server, dev["accessToken"], V311)


def test_rest_create_with_a_300_character_token_is_refused_with_the_rule(tenant):
    name = unique("long-token")
    r = tenant.rest("POST", "/api/device", params={"accessToken": "t" * 300}, json={"name": name})
    assert r.status_code == 400, r.text
    assert "1 to 256 bytes" in r.json()["message"]
    assert tenant.rest("GET", "/api/tenant/device", params={"deviceName": name}).status_code == 404


@pytest.mark.parametrize("token", ["no\u00a0break", "tab\there", ""], ids=["no-break-space", "tab", "empty"])
def test_rest_create_refuses_tokens_a_device_could_not_use(tenant, token):
    r = tenant.rest("POST", "/api/device", params={"accessToken": token}, json={"name": unique("bad-token")})
    assert r.status_code == 400, r.text


def test_a_token_of_256_bytes_is_accepted_and_connects(server, tenant):
    token = unique("max")[:20] + "x" * (256 - 20)
    r = tenant.rest("POST", "/api/device", params={"accessToken": token}, json={"name": unique("max-token")})
    assert r.status_code == 200, r.text
    with connected(server.host, server.mqtt_port, token) as c:
        assert c.publish(TELEMETRY, {"ok": 1}, qos=1, pid=3).reason == 0


def test_the_cli_applies_the_same_token_rule(server, tenant):
    res = server.cli("device", "create", "--tenant", tenant.id, "--name", unique("cli-long"), "--token", "t" * 300,
                     json_out=False, check=False)
    assert res.returncode != 0
    assert "1 to 256 bytes" in res.stderr + res.stdout


def test_names_are_trimmed_and_unique_per_tenant_on_every_transport(server, tenant):
    name = unique("same-name")
    r = tenant.rest("POST", "/api/device", json={"name": f"  {name}  "})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == name
    again = tenant.rest("POST", "/api/device", json={"name": name})
    assert again.status_code == 400
    assert again.json()["message"] == "Device with such name already exists!"
    res = server.cli("device", "create", "--tenant", tenant.id, "--name", name, json_out=False, check=False)
    assert res.returncode != 0
    assert "already exists" in res.stderr + res.stdout


def test_provisioning_applies_the_same_token_rule(server, tenant):
    key, secret = unique("pk"), unique("ps")
    server.create_profile(tenant.id, unique("prov-profile"), key, secret, strategy="allow-create")
    r = requests.post(f"{server.base_url}/api/v1/provision", timeout=30, json={
        "provisionDeviceKey": key, "provisionDeviceSecret": secret, "deviceName": unique("prov"), "token": "t" * 300})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "FAILURE"
    assert "1 to 256 bytes" in body["errorMsg"]


def test_a_new_token_over_rest_closes_sessions_opened_with_the_old_one(server, tenant):
    dev = tenant.device(name=unique("rekey"))
    old = dev["accessToken"]
    new = unique("new-token")
    with connected(server.host, server.mqtt_port, old) as c:
        r = tenant.rest("POST", "/api/device", params={"accessToken": new},
                        json={"id": {"entityType": "DEVICE", "id": dev["id"]}, "name": dev["name"]})
        assert r.status_code == 200, r.text
        c.wait_closed(CLOSE_BOUND_S)
    assert refused(server, old, V311)
    with connected(server.host, server.mqtt_port, new) as c:
        assert c.publish(TELEMETRY, {"rekeyed": 1}, qos=1, pid=4).reason == 0


def test_erasing_a_person_from_the_cli_disconnects_their_device(server, tenant):
    email = f"{unique('wearer')}@steward.test"
    person = server.create_user(tenant.id, email, "wearer-pass-1", "tenant-admin")
    dev = tenant.device(name=unique("wearable"))
    r = tenant.rest("POST", f"/api/privacy/device/{dev['id']}/person/{person['id']}")
    assert r.status_code == 200, r.text
    with connected(server.host, server.mqtt_port, dev["accessToken"]) as c:
        assert c.publish(TELEMETRY, {"pulse": 61}, qos=1, pid=5).reason == 0
        server.cli("dsr", "erase", "--email", email, "--yes", json_out=False)  # another process
        c.wait_closed(CLOSE_BOUND_S)
