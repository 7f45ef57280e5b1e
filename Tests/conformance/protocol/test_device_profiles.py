"""ThingsBoard's device profile API (issue 15) through tb-rest-client and raw REST: the default profile, create,
read, change, page, search and sort, make default, delete, and the refusals (empty or taken name, a rename, a
profile in use or the default deleted, a bad timeout). Customer users read only the infos; another tenant's
profile is not found.
"""
from __future__ import annotations

import pytest
from tb_rest_client.models import DeviceProfile

from steward_harness import Tenant, unique


def profile_body(name: str, **extra) -> dict:
    return {"name": name, **extra}


def create(tenant, name: str, **extra) -> dict:
    r = tenant.rest("POST", "/api/deviceProfile", json=profile_body(name, **extra))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_new_tenant_has_a_default_profile(rc):
    info = rc.get_default_device_profile_info()
    assert info.name == "default"
    page = rc.get_device_profiles(page_size=10, page=0)
    defaults = [p for p in page.data if p.default]
    assert [p.name for p in defaults] == ["default"]
    assert defaults[0].id.id == info.id.id


def test_create_read_and_change_through_tb_rest_client(rc, tenant):
    name = unique("meters")
    saved = rc.save_device_profile(DeviceProfile(
        name=name, description="Water meters in the basement", type="DEFAULT", transport_type="DEFAULT",
        provision_type="DISABLED"))
    assert saved.name == name and saved.description == "Water meters in the basement"
    assert saved.default is False
    read = rc.get_device_profile_by_id(saved.id)
    assert read.name == name and read.id.id == saved.id.id

    # Steward's own settings, set over raw REST, survive a change made by a client that does not know them.
    r = tenant.rest("POST", "/api/deviceProfile", json={
        "id": saved.id.id, "name": name, "description": "Water meters", "inactivityTimeout": 3600, "defaultTtl": 86400})
    assert r.status_code == 200, r.text
    assert r.json()["inactivityTimeout"] == 3600 and r.json()["defaultTtl"] == 86400
    read.description = "Water meters, floor 2"
    changed = rc.save_device_profile(read)
    assert changed.description == "Water meters, floor 2"
    raw = tenant.rest("GET", f"/api/deviceProfile/{saved.id.id}").json()
    assert raw["inactivityTimeout"] == 3600 and raw["defaultTtl"] == 86400
    assert raw["description"] == "Water meters, floor 2"

    # defaultTtl null clears the TTL; the inactivity timeout starts at ThingsBoard's 600 s.
    cleared = tenant.rest("POST", "/api/deviceProfile", json={"id": saved.id.id, "name": name, "defaultTtl": None}).json()
    assert cleared["defaultTtl"] is None and cleared["inactivityTimeout"] == 3600
    assert create(tenant, unique("fresh"))["inactivityTimeout"] == 600


def test_provisioning_settings_round_trip(tenant):
    key, secret = unique("key"), unique("secret")
    made = create(tenant, unique("provisioned"), provisionType="ALLOW_CREATE_NEW_DEVICES", provisionDeviceKey=key,
                  profileData={"provisionConfiguration": {"type": "ALLOW_CREATE_NEW_DEVICES", "provisionDeviceSecret": secret}})
    assert made["provisionType"] == "ALLOW_CREATE_NEW_DEVICES" and made["provisionDeviceKey"] == key
    assert made["profileData"]["provisionConfiguration"]["provisionDeviceSecret"] == secret
    # A device provisions itself with the key and secret.
    r = tenant.server.rest("POST", "/api/v1/provision", json={
        "deviceName": unique("self-made"), "provisionDeviceKey": key, "provisionDeviceSecret": secret})
    assert r.status_code == 200 and r.json()["status"] == "SUCCESS", r.text
    # Half of the pair is refused.
    r = tenant.rest("POST", "/api/deviceProfile", json={
        "name": unique("half"), "provisionType": "CHECK_PRE_PROVISIONED_DEVICES", "provisionDeviceKey": unique("k")})
    assert r.status_code == 400 and "provisionDeviceSecret" in r.json()["message"], r.text


def test_pages_search_and_sort(rc, tenant):
    prefix = unique("pg")
    for suffix in ("b", "a", "c"):
        create(tenant, f"{prefix}-{suffix}")
    first = rc.get_device_profiles(page_size=2, page=0, text_search=prefix.upper(), sort_property="name", sort_order="DESC")
    assert [p.name for p in first.data] == [f"{prefix}-c", f"{prefix}-b"]
    assert first.total_elements == 3 and first.total_pages == 2 and first.has_next is True
    second = rc.get_device_profiles(page_size=2, page=1, text_search=prefix, sort_property="name", sort_order="DESC")
    assert [p.name for p in second.data] == [f"{prefix}-a"] and second.has_next is False
    infos = rc.get_device_profile_infos(page_size=10, page=0, text_search=prefix, sort_property="createdTime")
    assert [p.name for p in infos.data] == [f"{prefix}-b", f"{prefix}-a", f"{prefix}-c"]
    r = tenant.rest("GET", "/api/deviceProfiles", params={"pageSize": 5, "sortProperty": "color"})
    assert r.status_code == 400 and "createdTime, name" in r.json()["message"], r.text


def test_make_default_and_devices_created_without_a_profile_get_it(rc, tenant):
    made = create(tenant, unique("new-default"))
    r = tenant.rest("POST", f"/api/deviceProfile/{made['id']['id']}/default")
    assert r.status_code == 200 and r.json()["default"] is True, r.text
    assert rc.get_default_device_profile_info().id.id == made["id"]["id"]
    device = tenant.rest("POST", "/api/device", json={"name": unique("dev")}).json()
    assert device["deviceProfileId"]["id"] == made["id"]["id"]
    defaults = [p for p in rc.get_device_profiles(page_size=100, page=0).data if p.default]
    assert [p.id.id for p in defaults] == [made["id"]["id"]]
    # Put the original default back, so other tests see the tenant as created.
    original = next(p for p in rc.get_device_profiles(page_size=100, page=0).data if p.name == "default")
    rc.set_default_device_profile(original.id)
    assert rc.get_default_device_profile_info().name == "default"


def test_deleting_refuses_the_default_and_a_profile_in_use(rc, tenant):
    used = create(tenant, unique("used"))
    device = tenant.server.create_device(tenant.id, name=unique("user-of"), profile=used["name"])
    assert tenant.rest("GET", f"/api/device/{device['id']}").json()["deviceProfileId"]["id"] == used["id"]["id"]
    r = tenant.rest("DELETE", f"/api/deviceProfile/{used['id']['id']}")
    assert r.status_code == 400 and "used by 1 device" in r.json()["message"], r.text
    default = rc.get_default_device_profile_info()
    r = tenant.rest("DELETE", f"/api/deviceProfile/{default.id.id}")
    assert r.status_code == 400 and "default profile" in r.json()["message"], r.text

    spare = create(tenant, unique("spare"))
    assert tenant.rest("DELETE", f"/api/deviceProfile/{spare['id']['id']}").status_code == 200
    r = tenant.rest("GET", f"/api/deviceProfile/{spare['id']['id']}")
    assert r.status_code == 404, r.text
    assert tenant.rest("GET", f"/api/deviceProfile/{used['id']['id']}").status_code == 200


@pytest.mark.parametrize("body, message", [
    ({"name": ""}, "name should be specified"),
    ({"name": "   "}, "name should be specified"),
    ({}, "name should be specified"),
    ({"name": "x", "inactivityTimeout": 0}, "inactivity timeout must be from 1"),
    ({"name": "x", "inactivityTimeout": "soon"}, "inactivityTimeout must be a whole number"),
    ({"name": "x", "defaultTtl": -5}, "storage TTL must be from 1"),
    ({"name": "x", "provisionType": "SOMETIMES"}, "Unknown provisionType"),
], ids=["empty", "blank", "missing", "zero-timeout", "text-timeout", "negative-ttl", "provision-type"])
def test_bad_input_is_refused_with_the_reason(tenant, body, message):
    r = tenant.rest("POST", "/api/deviceProfile", json=body)
    assert r.status_code == 400, r.text
    assert message in r.json()["message"], r.text
    assert tenant.rest("GET", "/api/deviceProfileInfo/default").status_code == 200  # still serving


def test_a_taken_name_and_a_rename_are_refused(tenant):
    name = unique("taken")
    made = create(tenant, name)
    r = tenant.rest("POST", "/api/deviceProfile", json={"name": name})
    assert r.status_code == 400 and "already exists" in r.json()["message"], r.text
    r = tenant.rest("POST", "/api/deviceProfile", json={"id": made["id"]["id"], "name": name + "-renamed"})
    assert r.status_code == 400 and "cannot change" in r.json()["message"], r.text
    assert tenant.rest("GET", f"/api/deviceProfile/{made['id']['id']}").json()["name"] == name


def test_customer_users_read_infos_only(server, tenant):
    customer = server.create_customer(tenant.id)
    email, password = f"{unique('cu')}@steward.test", "customer-pass-1"
    server.create_user(tenant.id, email, password, role="customer-user", customer=customer["id"])
    jwt = server.login(email, password)["token"]
    infos = server.rest("GET", "/api/deviceProfileInfos", jwt=jwt, params={"pageSize": 50})
    assert infos.status_code == 200, infos.text
    assert "default" in [p["name"] for p in infos.json()["data"]]
    assert all("provisionDeviceKey" not in p for p in infos.json()["data"])
    default = server.rest("GET", "/api/deviceProfileInfo/default", jwt=jwt)
    assert default.status_code == 200 and default.json()["name"] == "default"
    assert server.rest("GET", "/api/deviceProfiles", jwt=jwt, params={"pageSize": 5}).status_code == 403
    assert server.rest("GET", f"/api/deviceProfile/{default.json()['id']['id']}", jwt=jwt).status_code == 403
    assert server.rest("POST", "/api/deviceProfile", jwt=jwt, json={"name": unique("nope")}).status_code == 403


def test_another_tenants_profile_is_not_found(server, tenant):
    other = Tenant(server)
    theirs = create(other, unique("theirs"))
    pid = theirs["id"]["id"]
    assert tenant.rest("GET", f"/api/deviceProfile/{pid}").status_code == 404
    assert tenant.rest("GET", f"/api/deviceProfileInfo/{pid}").status_code == 404
    assert tenant.rest("POST", f"/api/deviceProfile/{pid}/default").status_code == 404
    assert tenant.rest("DELETE", f"/api/deviceProfile/{pid}").status_code == 404
    r = tenant.rest("POST", "/api/deviceProfile", json={"id": pid, "name": theirs["name"]})
    assert r.status_code == 404, r.text
    assert other.rest("GET", f"/api/deviceProfile/{pid}").status_code == 200
    names = [p["name"] for p in tenant.rest("GET", "/api/deviceProfiles", params={"pageSize": 100}).json()["data"]]
    assert theirs["name"] not in names
