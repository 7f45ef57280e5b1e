"""The test helpers themselves, without a Steward server: TOTP against RFC 6238's vectors, the SMTP sink
(plain and STARTTLS) with the standard library's smtplib, and the HTML helpers."""
from __future__ import annotations

import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from console_support import Doc, SMTPSink, form_values, link_from, totp
from steward_harness import make_self_signed_cert

RFC_SECRET = b"12345678901234567890"


@pytest.mark.parametrize("t,code", [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
    (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130"),
])
def test_totp_matches_rfc6238_sha1_vectors(t, code):
    assert totp(RFC_SECRET, t=t, digits=8) == code
    assert totp(RFC_SECRET, t=t) == code[-6:]


def _message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "steward@steward.test", to, subject
    msg.set_content(body)
    return msg


def test_smtp_sink_receives_and_extracts_link():
    sink = SMTPSink().start()
    try:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as s:
            s.send_message(_message("a@example.test", "Confirm your email",
                                    "Open http://127.0.0.1:1234/confirm-email?token=abc_DEF-123 to confirm.\n"))
        mail = sink.wait_for_mail("a@example.test", "confirm your", timeout=5)
        assert link_from(mail, "/confirm-email") == "http://127.0.0.1:1234/confirm-email?token=abc_DEF-123"
        assert not mail.tls
        assert sink.no_mail("a@example.test", wait=0.2)
    finally:
        sink.stop()


def test_smtp_sink_with_starttls_refuses_plain_mail():
    d = Path(tempfile.mkdtemp(prefix="steward-smtp-tls-"))
    cert = make_self_signed_cert(d)
    sink = SMTPSink(starttls=True, cert=cert).start()
    try:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as s:
            s.ehlo()
            with pytest.raises(smtplib.SMTPException):
                s.send_message(_message("b@example.test", "plain", "x"))
        ctx = ssl.create_default_context(cafile=str(cert[0]))
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as s:
            s.starttls(context=ctx)
            s.send_message(_message("b@example.test", "Secure", "over TLS"))
        mail = sink.wait_for_mail("b@example.test", "secure", timeout=5)
        assert mail.tls and "over TLS" in mail.text
    finally:
        sink.stop()


def test_doc_helpers():
    doc = Doc.parse("""<main><p id="flash" class="flash-error">Bad <b>input</b></p>
      <form id="f" action="/x" method="post"><input type="hidden" name="csrf" value="c1">
      <input name="a" value="1"><input type="checkbox" name="b" value="v"><select name="s">
      <option value="1">one</option><option value="2" selected>two</option></select><br>
      <textarea name="t">hi</textarea></form></main>""")
    assert doc.flash == ("error", "Bad input")
    assert form_values(doc.form("f")) == {"csrf": "c1", "a": "1", "s": "2", "t": "hi"}
    assert doc.csrf == "c1"
