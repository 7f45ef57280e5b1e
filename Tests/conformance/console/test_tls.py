"""TLS on the console's side: HTTPS with `Secure` session cookies, and mail over STARTTLS
(STEWARD_SMTP_SECURITY=starttls-required; the sink refuses mail sent without STARTTLS)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from console_support import (GOOD_PASSWORD, ConsoleClient, ConsoleServer, SMTPSink, confirm_link, link_from,
                             sign_in, sign_up)
from steward_harness import Tenant, make_self_signed_cert, unique


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
    try:
        srv.start()
    except Exception:
        srv.cleanup()
        raise
    yield srv
    srv.cleanup()


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
