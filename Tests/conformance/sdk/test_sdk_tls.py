"""MQTT over TLS (official SDK, tls=True) and HTTPS, with a self-signed certificate."""
from __future__ import annotations

import shutil
import socket
import ssl
import tempfile
from pathlib import Path

import pytest
import requests

from sdk_support import assert_acked, sdk_client
from steward_harness import StewardServer, Tenant, make_self_signed_cert, series


@pytest.fixture(scope="module")
def tls_server():
    certdir = Path(tempfile.mkdtemp(prefix="steward-tls-"))
    cert, key = make_self_signed_cert(certdir)
    srv = StewardServer("test_sdk_tls", tls=(cert, key))
    srv.verify = str(cert)
    srv.cert_path = cert
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()
        shutil.rmtree(certdir, ignore_errors=True)


@pytest.fixture(scope="module")
def tls_tenant(tls_server):
    return Tenant(tls_server)


def presented_cert_der(port: int) -> bytes:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return tls.getpeercert(binary_form=True)


# promise: TM-10
def test_mqtts_serves_the_configured_certificate(tls_server):
    expected = ssl.PEM_cert_to_DER_cert(tls_server.cert_path.read_text())
    assert presented_cert_der(tls_server.mqtts_port) == expected


# promise: TM-10
def test_sdk_telemetry_over_mqtts(tls_server, tls_tenant):
    dev = tls_tenant.device()
    with sdk_client(tls_server, dev["accessToken"], port=tls_server.mqtts_port, tls=True,
                    ca_certs=str(tls_server.cert_path)) as client:
        assert_acked(client.send_telemetry({"secure": 1, "temp": 19.5}))
    latest = tls_server.wait_latest(dev["id"], ["secure", "temp"])
    assert series(latest, "secure")[0]["value"] == 1
    assert series(latest, "temp")[0]["value"] == 19.5


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_https_device_api_with_ca_verification(tls_server, tls_tenant, host):
    dev = tls_tenant.device()
    base = f"https://{host}:{tls_server.http_port}/api/v1/{dev['accessToken']}"
    cert = str(tls_server.cert_path)
    r = requests.post(f"{base}/attributes", json={"via": host}, verify=cert, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.get(f"{base}/attributes", params={"clientKeys": "via"}, verify=cert, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["client"] == {"via": host}


# promise: TM-10
def test_https_rest_login(tls_server, tls_tenant):
    r = requests.post(f"https://127.0.0.1:{tls_server.http_port}/api/auth/login",
                      json={"username": tls_tenant.admin_email, "password": tls_tenant.admin_password},
                      verify=str(tls_server.cert_path), timeout=10)
    assert r.status_code == 200 and r.json().get("token"), r.text


def test_https_port_does_not_speak_plain_http(tls_server):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{tls_server.http_port}/api/v1/x/attributes", timeout=5)
