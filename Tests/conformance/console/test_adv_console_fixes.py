"""Console edges found by the attack in issue 11: forms without a body, open redirects, a download that wrote.

- Every console POST route, sent no body at all or a form without its CSRF field, answers 4xx or a redirect,
  never a 5xx.
- `return_to` after the cookie choice only ever leads to a path on this site.
- The personal-data download is a POST with the session's CSRF token: GET (a link, an <img>, another site's
  page) shows the button and records nothing.
"""
from __future__ import annotations

import pytest
import requests

from adversarial import assert_still_serving
from console_support import ConsoleClient

POST_ROUTES = [
    "/sign-up", "/confirm-email", "/parent-consent", "/sign-in", "/sign-in/factor", "/sign-in/factor/resend",
    "/sign-out", "/forgot-password", "/reset-password", "/cookies", "/unsubscribe", "/privacy/request",
    "/privacy/request/verify", "/privacy/complaint",
    "/account/profile", "/account/picture", "/account/password", "/account/consents", "/account/policy-update",
    "/account/privacy/export", "/account/privacy/restrict", "/account/privacy/object", "/account/privacy/deactivate",
    "/account/privacy/delete", "/account/sessions/revoke", "/account/keys", "/account/keys/revoke",
    "/account/lost-credentials", "/account/two-factor/totp", "/account/two-factor/email",
    "/account/two-factor/disable", "/admin/disclosures", "/admin/requests/extend", "/admin/requests/close",
]


def post_variants(client: requests.Session, base: str, path: str) -> list[tuple[str, requests.Response]]:
    url = base + path
    return [
        ("no body", client.post(url, allow_redirects=False, timeout=30)),
        ("empty form", client.post(url, data=b"", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                   allow_redirects=False, timeout=30)),
        ("form without csrf", client.post(url, data={"name": "x", "email": "x@example.test"},
                                          allow_redirects=False, timeout=30)),
        ("multipart without csrf", client.post(url, files={"picture": ("a.png", b"\x89PNG")},
                                               allow_redirects=False, timeout=30)),
    ]


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
def test_no_console_post_answers_a_server_error(server, new_account, signed_in):
    client = new_account().client if signed_in else ConsoleClient(server.base_url)
    failures = []
    for path in POST_ROUTES:
        for variant, r in post_variants(client, server.base_url, path):
            if r.status_code >= 500:
                failures.append(f"{path} ({variant}): {r.status_code} {r.text[:120]!r}")
            elif r.status_code in (400, 403, 413, 415):
                assert "text/html" in r.headers.get("Content-Type", ""), (path, variant, r.headers)
    assert not failures, "\n".join(failures)
    # A refused form changed nothing: the signed-in person is still signed in.
    if signed_in:
        assert client.get(server.base_url + "/account", allow_redirects=False, timeout=30).status_code == 200
    assert_still_serving(server)


def test_a_form_without_a_body_reads_what_was_wrong(server):
    client = ConsoleClient(server.base_url)
    r = client.post(server.base_url + "/sign-in", allow_redirects=False, timeout=30)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert "unexpected encoding" in r.text and "reload the page" in r.text, r.text[:500]
    assert_still_serving(server)


@pytest.mark.parametrize("target,expected", [
    ("/account/consents?tab=1", "/account/consents?tab=1"),
    ("/\\evil.example", "/"),
    ("/\\/evil.example", "/"),
    ("//evil.example", "/"),
    ("///evil.example", "/"),
    ("/\t/evil.example", "/"),
    ("/\r\nSet-Cookie: x=1", "/"),
    ("https://evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("evil.example", "/"),
    ("", "/"),
])
def test_return_to_never_leaves_the_site(server, target, expected):
    client = ConsoleClient(server.base_url)
    _, values = client.get_form("/cookies", action="/cookies")
    values.update({"choice": "reject-all", "return_to": target})
    r = client.post(server.base_url + "/cookies", data=values, allow_redirects=False, timeout=30)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    assert r.headers["Location"] == expected, (target, r.headers["Location"])
    assert_still_serving(server)


def test_the_data_download_is_a_post_with_csrf_and_a_get_records_nothing(server, new_account):
    acct = new_account()
    client = acct.client
    url = server.base_url + "/account/privacy/export"

    def exports() -> int:
        return server.sql("SELECT count(*) FROM audit_log WHERE event = 'personal-data.exported' AND subject_id = ?",
                          (acct.user_id,))[0][0]

    before = exports()
    # What a link or an <img> on another site can do: a GET. It shows the button and records nothing.
    for _ in range(3):
        r = client.get(url, allow_redirects=False, timeout=30)
        assert r.status_code == 200 and "text/html" in r.headers["Content-Type"], (r.status_code, r.headers)
        assert 'id="export-form"' in r.text and 'method="post"' in r.text
    # A cross-site form post carries the cookie but not the token.
    forged = client.post(url, data={"csrf": "0" * 64}, allow_redirects=False, timeout=30)
    assert forged.status_code == 403 and "application/zip" not in forged.headers.get("Content-Type", ""), forged.status_code
    bare = client.post(url, allow_redirects=False, timeout=30)
    assert 400 <= bare.status_code < 500, bare.status_code
    assert exports() == before

    _, values = client.get_form("/account/privacy/export", "export-form")
    r = client.post(url, data=values, allow_redirects=False, timeout=120)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip", (r.status_code, r.headers)
    assert exports() == before + 1
    # Not signed in: no download either way.
    anonymous = requests.post(url, data=values, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 303 and "application/zip" not in anonymous.headers.get("Content-Type", "")
    assert_still_serving(server)
