"""The official ThingsBoard HTTP device SDK (tb_device_http.TBHTTPDevice) against Steward."""
from __future__ import annotations

import threading
import time

import pytest
import requests
from tb_device_http import TBHTTPDevice, TBProvisionFailure

from sdk_support import Inbox
from steward_harness import now_ms, series, unique


@pytest.fixture
def http_device(server, tenant):
    dev = tenant.device()
    client = TBHTTPDevice(server.base_url, dev["accessToken"])
    yield dev, client
    client.stop_publish_worker()


def test_connect_and_send_telemetry(server, http_device):
    dev, client = http_device
    assert client.connect() is True
    client.send_telemetry({"h": 40.5, "n": 3, "s": "ok"}, queued=False)
    latest = server.wait_latest(dev["id"], ["h", "n", "s"])
    assert series(latest, "h")[0]["value"] == 40.5
    n = series(latest, "n")[0]["value"]
    assert n == 3 and isinstance(n, int) and not isinstance(n, bool)
    assert series(latest, "s")[0]["value"] == "ok"


def test_connect_with_unknown_token_fails(server):
    client = TBHTTPDevice(server.base_url, unique("no-such-token"))
    assert client.test_connection() is False


def test_attributes_send_and_request(server, tenant, http_device):
    dev, client = http_device
    client.send_attributes({"fw": "v2.0", "serial": "SN-2"})
    tenant.set_shared(dev["id"], {"target": 5})
    got = client.request_attributes(client_keys=["fw"], shared_keys=["target"])
    assert got["client"]["fw"] == "v2.0", got
    assert got["shared"]["target"] == 5, got


def test_client_rpc_get_current_time(server, http_device):
    _, client = http_device
    before = now_ms()
    reply = client.send_rpc("getCurrentTime")
    after = now_ms()
    assert isinstance(reply.get("time"), int), reply
    assert before - 5_000 <= reply["time"] <= after + 5_000


def test_server_rpc_delivered_over_long_poll(server, tenant, http_device):
    dev, client = http_device
    received = Inbox()

    def on_rpc(req):
        received(req)
        requests.post(f"{server.base_url}/api/v1/{dev['accessToken']}/rpc/{req['id']}",
                      json={"echo": req["params"]}, timeout=10)

    client.subscribe("rpc", on_rpc)
    # the SDK's long poll may not be registered yet: retry a few times on timeout/offline
    deadline = time.monotonic() + 25
    while True:
        r = tenant.rest("POST", f"/api/plugins/rpc/twoway/{dev['id']}",
                        json={"method": "setGpio", "params": {"pin": 7}, "timeout": 5000})
        if r.status_code == 200 or time.monotonic() > deadline or r.status_code not in (408, 409, 504):
            break
    client.unsubscribe("rpc")
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    assert r.json() == {"echo": {"pin": 7}}
    (req,) = received.get(1, "RPC callback")
    assert req["method"] == "setGpio" and req["params"] == {"pin": 7} and "id" in req, req


def test_shared_attribute_update_over_long_poll(server, tenant, http_device):
    dev, client = http_device
    received = Inbox()
    client.subscribe("attributes", received)
    deadline = time.monotonic() + 20
    i = 0
    while received.empty() and time.monotonic() < deadline:
        i += 1
        tenant.set_shared(dev["id"], {"setpoint": i})
        time.sleep(0.5)
    (update,) = received.get(1, "attribute update callback")
    client.unsubscribe("attributes")
    assert set(update) == {"setpoint"} and 1 <= update["setpoint"] <= i, update


def test_provision(server, tenant):
    key, secret = unique("pkey"), unique("psecret")
    server.create_profile(tenant.id, unique("profile"), key, secret, strategy="allow-create")
    name = unique("http-prov")
    device = TBHTTPDevice.provision(server.base_url, name, key, secret)
    assert device.token
    assert device.connect() is True
    device.send_telemetry({"provisioned": True}, queued=False)
    device.stop_publish_worker()
    ids = {d["name"]: d["id"] for d in server.list_devices(tenant.id)}
    latest = server.wait_latest(ids[name], ["provisioned"])
    assert series(latest, "provisioned")[0]["value"] is True

    with pytest.raises(TBProvisionFailure):
        TBHTTPDevice.provision(server.base_url, unique("http-prov"), key, "wrong-secret")
