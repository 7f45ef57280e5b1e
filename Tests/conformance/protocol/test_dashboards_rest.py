"""ThingsBoard's dashboard API over Steward's dashboards (issue 15), through tb-rest-client and raw REST: save, read,
page, change and delete; the configuration is Steward's widget layout (not ThingsBoard's widget bundle), checked as a
whole, so an unknown widget kind or another tenant's device is a 400 naming the widget. Customer users cannot list,
save or open a dashboard not shared with them; another tenant's dashboard is not found."""
from __future__ import annotations

from tb_rest_client.models import Dashboard, DashboardId

from steward_harness import Tenant, unique


def test_save_read_page_change_and_delete_through_tb_rest_client(rc, tenant):
    device = tenant.device(name=unique("meter"))
    layout = {"widgets": [{"kind": "latest", "title": "Now", "devices": [device["id"]], "keys": ["temperature"],
                           "x": 0, "y": 0, "w": 6, "h": 3}]}
    title = unique("Basement")
    saved = rc.save_dashboard(Dashboard(title=title, configuration=layout))
    assert saved.title == title and saved.id.entity_type == "DASHBOARD"
    assert saved.configuration["widgets"][0]["devices"] == [device["id"]]
    read = rc.get_dashboard_by_id(DashboardId(saved.id.id, "DASHBOARD"))
    assert read.title == title and read.configuration["widgets"][0]["kind"] == "latest"

    second = rc.save_dashboard(Dashboard(title=unique("Attic")))
    page = rc.get_tenant_dashboards(page_size=1, page=0)
    assert page.total_elements == 2 and len(page.data) == 1 and page.has_next is True
    raw = tenant.rest("GET", "/api/tenant/dashboards", params={"pageSize": 10, "page": 0, "textSearch": "basement"}).json()
    assert [d["title"] for d in raw["data"]] == [title] and "configuration" not in raw["data"][0]

    # A change keeps the id; an empty configuration means no widgets.
    changed = tenant.rest("POST", "/api/dashboard", json={"id": {"entityType": "DASHBOARD", "id": saved.id.id},
                                                          "title": title + " (2)", "configuration": {"widgets": []}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["id"]["id"] == saved.id.id and changed.json()["configuration"] == {"widgets": []}

    rc.delete_dashboard(DashboardId(second.id.id, "DASHBOARD"))
    assert tenant.rest("GET", f"/api/dashboard/{second.id.id}").status_code == 404
    assert tenant.rest("DELETE", f"/api/dashboard/{second.id.id}").status_code == 404


def test_bad_layouts_are_refused_naming_the_widget(tenant):
    device = tenant.device(name=unique("meter"))
    other = Tenant(tenant.server)
    theirs = other.device(name=unique("theirs"))
    r = tenant.rest("POST", "/api/dashboard", json={"title": unique("D"), "configuration": {
        "widgets": [{"kind": "gauge", "title": "Dial", "devices": [device["id"]]}]}})
    assert r.status_code == 400 and "Widget 1 (“Dial”): unknown kind 'gauge'" in r.json()["message"], r.text
    r = tenant.rest("POST", "/api/dashboard", json={"title": unique("D"), "configuration": {
        "widgets": [{"kind": "map", "devices": [theirs["id"]]}]}})
    assert r.status_code == 400 and "is not one of your devices" in r.json()["message"], r.text
    r = tenant.rest("POST", "/api/dashboard", json={"title": unique("D"), "configuration": "[{\"widgets\":1}]"})
    assert r.status_code == 400 and "widget bundles are not supported" in r.json()["message"], r.text
    r = tenant.rest("POST", "/api/dashboard", json={"configuration": {"widgets": []}})
    assert r.status_code == 400 and "title" in r.json()["message"], r.text
    # The server keeps serving.
    assert tenant.rest("GET", "/api/tenant/dashboards", params={"pageSize": 5}).status_code == 200


def test_customer_users_and_other_tenants(server, tenant):
    mine = tenant.rest("POST", "/api/dashboard", json={"title": unique("Mine")}).json()
    customer = server.create_customer(tenant.id)
    email, password = f"{unique('cu')}@steward.test", "customer-pass-1"
    server.create_user(tenant.id, email, password, role="customer-user", customer=customer["id"])
    jwt = server.login(email, password)["token"]
    assert server.rest("GET", f"/api/dashboard/{mine['id']['id']}", jwt=jwt).status_code == 404  # not shared
    assert server.rest("GET", "/api/tenant/dashboards", jwt=jwt, params={"pageSize": 5}).status_code == 403
    assert server.rest("POST", "/api/dashboard", jwt=jwt, json={"title": unique("nope")}).status_code == 403
    assert server.rest("DELETE", f"/api/dashboard/{mine['id']['id']}", jwt=jwt).status_code == 403

    other = Tenant(server)
    assert other.rest("GET", f"/api/dashboard/{mine['id']['id']}").status_code == 404
    assert other.rest("DELETE", f"/api/dashboard/{mine['id']['id']}").status_code == 404
    r = other.rest("POST", "/api/dashboard", json={"id": mine["id"], "title": "taken over"})
    assert r.status_code == 404, r.text
    assert tenant.rest("GET", f"/api/dashboard/{mine['id']['id']}").json()["title"] == mine["title"]
