"""TLS on the console's side: HTTPS with `Secure` session cookies, and mail over STARTTLS
(STEWARD_SMTP_SECURITY=starttls-required; the sink refuses mail sent without STARTTLS)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from console_support import (GOOD_PASSWORD, ConsoleClient, ConsoleServer, SMTPSink, confirm_link, link_from,
                             sign_in, sign_up)
from steward_harness import Tenant, make_self_signed_cert, serving, unique


@pytest.fixture(scope="module")
def certs():
    d = Path(tempfile.mkdtemp(prefix="steward-console-cert-"))
    yield make_self_signed_cert(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def smtp(certs):
    sink = SMTPSink(starttls=True, cert=certs).start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def server(smtp, certs):
    # The certificate is self-signed: the server's mail client must be told to trust it
    # (STEWARD_SMTP_CA_FILE: a PEM file of extra trust roots for the SMTP connection).
    srv = ConsoleServer("test_tls", smtp, security="starttls-required", tls=certs,
                        env={"STEWARD_SMTP_CA_FILE": str(certs[0])})
    srv.verify = str(certs[0])
    yield from serving(srv)


# promise: TM-10
def test_console_over_https_sets_secure_cookies(server):
    tenant = Tenant(server)
    c = ConsoleClient(server.base_url, verify=server.verify)
    page = c.page("/sign-in")
    assert page.status == 200 and server.base_url.startswith("https://"), page.describe()
    csrf_cookie = page.response.headers.get("Set-Cookie", "")
    assert csrf_cookie.startswith("steward_csrf=") and "secure" in csrf_cookie.lower(), csrf_cookie
    r = c.post_form("/sign-in", {"email": tenant.admin_email, "password": tenant.admin_password}, follow=False)
    cookie = r.response.headers.get("Set-Cookie", "")
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert r.status == 303 and cookie.startswith("steward_session="), (r.status, cookie)
    assert {"httponly", "secure", "samesite=lax"} <= set(attrs), cookie
    assert c.page("/account").status == 200


# promise: TM-10
def test_confirmation_mail_is_sent_over_starttls(server, smtp):
    email = f"{unique('tls')}@example.test"
    c = ConsoleClient(server.base_url, verify=server.verify)
    page = sign_up(c, email)
    assert page.status == 200 and page.has("check-email"), page.describe()
    mail = smtp.wait_for_mail(email, "Confirm your email", timeout=30)
    assert mail.tls, "the mail was not sent over TLS"
    link = link_from(mail, "/confirm-email")
    assert link.startswith(server.base_url), link
    done = confirm_link(c, link)
    assert done.status == 200 and done.has("confirmed"), done.describe()
    assert sign_in(ConsoleClient(server.base_url, verify=server.verify), email, GOOD_PASSWORD).path == "/"


def _connects(port: int) -> bool:
    import socket
    with socket.socket() as s:
        s.settimeout(3)
        return s.connect_ex(("127.0.0.1", port)) == 0


# promise: MS-6
def test_tls_only_serves_nothing_in_the_clear(smtp, certs):
    """Part of MS-6 (sensitive data travels only over TLS): with --tls-only the plain MQTT port is not opened,
    MQTT over TLS and HTTPS are, and HTTPS answers carry Strict-Transport-Security."""
    import ssl
    import socket
    import requests
    srv = ConsoleServer("test_tls_only", smtp, security="starttls-required", tls=certs,
                        env={"STEWARD_SMTP_CA_FILE": str(certs[0]), "STEWARD_TLS_ONLY": "true"})
    try:
        srv.start()
        assert not _connects(srv.mqtt_port), "the plain MQTT port must stay closed"
        context = ssl.create_default_context(cafile=str(certs[0]))
        context.check_hostname = False
        with socket.create_connection(("127.0.0.1", srv.mqtts_port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
        r = requests.get(f"{srv.base_url}/privacy", verify=str(certs[0]), timeout=10)
        assert r.status_code == 200 and r.headers.get("Strict-Transport-Security") == "max-age=31536000", r.headers
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{srv.http_port}/privacy", timeout=5)
    finally:
        srv.cleanup()


# promise: MS-6
def test_tls_only_refuses_mail_that_could_leave_in_the_clear(smtp, certs):
    """Under --tls-only mail to another machine must be encrypted (STARTTLS required or implicit TLS); a relay on
    loopback may take it in the clear (the test above runs with one)."""
    from console_support import start_refused
    # 127.example.com is somebody else's name, not this machine: only literal loopback addresses count.
    for security, host in (("none", "mail.example.test"), ("starttls", "mail.example.test"), ("none", "127.example.com")):
        srv = ConsoleServer(f"test_tls_only_mail_{security}", smtp, security=security, tls=certs,
                            env={"STEWARD_TLS_ONLY": "true", "STEWARD_SMTP_HOST": host})
        try:
            code, output = start_refused(srv)
            assert "STEWARD_SMTP_SECURITY" in output and host in output, output
        finally:
            srv.cleanup()


def test_tls_only_without_a_certificate_is_refused(smtp):
    from console_support import start_refused
    srv = ConsoleServer("test_tls_only_refused", smtp, env={"STEWARD_TLS_ONLY": "1"})
    try:
        code, output = start_refused(srv)
        assert "--tls-only" in output and "--tls-cert" in output, output
    finally:
        srv.cleanup()
