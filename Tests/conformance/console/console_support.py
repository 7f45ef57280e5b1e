"""Helpers for the console, accounts and audit tests (.venv-console).

- `SMTPSink`: a real SMTP server (aiosmtpd) on loopback that keeps every message it receives, optionally
  requiring STARTTLS, with `wait_for_mail` and `link_from`.
- `Doc`: a tiny DOM built with the standard library's `html.parser` (ids, tags, forms, text).
- `ConsoleClient`: a `requests.Session` that knows the console's forms and CSRF tokens.
- `totp` / `TotpDevice`: RFC 6238 (HMAC-SHA1, 30 s steps) written out here, independent of the server's code.
- `ConsoleServer`: `StewardServer` with the SMTP and public-URL settings the console needs.
"""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import re
import sqlite3
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urljoin, urlparse

import requests

from steward_harness import REPO_ROOT, HarnessError, StewardServer, free_ports, steward_binary, unique

TEST_UA = "steward-console-tests/1.0"
GOOD_PASSWORD = "Wander-Quietly-7-Lanterns"
OTHER_PASSWORD = "Orbit-Saffron-42-Meadows"
MAIL_FROM = "steward@steward.test"


# --------------------------------------------------------------------------------------------
# SMTP sink
# --------------------------------------------------------------------------------------------

@dataclass
class Mail:
    """One received message: envelope recipients, headers, the decoded text body."""
    rcpt_tos: list[str]
    mail_from: str
    to: str
    subject: str
    text: str
    html: str | None
    raw: bytes
    tls: bool
    received: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        """The (unfolded) value of a header of the received message, or None."""
        value = email.message_from_bytes(self.raw, policy=email.policy.default).get(name)
        return None if value is None else str(value)

    def addressed_to(self, address: str) -> bool:
        address = address.lower()
        return address in (r.lower() for r in self.rcpt_tos) or address in self.to.lower()

    def __repr__(self) -> str:
        return f"Mail(to={self.to!r}, subject={self.subject!r})"


class _Handler:
    def __init__(self, sink: "SMTPSink"):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text_part = msg.get_body(preferencelist=("plain",))
        html_part = msg.get_body(preferencelist=("html",))
        text = text_part.get_content() if text_part is not None else ""
        html = html_part.get_content() if html_part is not None else None
        tls = getattr(session, "ssl", None) is not None
        self.sink._add(Mail(rcpt_tos=list(envelope.rcpt_tos), mail_from=envelope.mail_from or "",
                            to=str(msg.get("To", "")), subject=str(msg.get("Subject", "")), text=text,
                            html=html, raw=raw, tls=tls))
        return "250 OK"


class SMTPSink:
    """aiosmtpd on 127.0.0.1:<free port>. With `starttls=True` it offers STARTTLS and refuses mail sent
    without it (certificate from `steward_harness.make_self_signed_cert`)."""

    def __init__(self, starttls: bool = False, cert: tuple[Path, Path] | None = None):
        from aiosmtpd.controller import Controller

        self.mails: list[Mail] = []
        self._taken: set[int] = set()
        self._cond = threading.Condition()
        self.port = free_ports(1)[0]
        self.cert = cert
        kwargs: dict[str, Any] = {}
        if starttls:
            assert cert, "a STARTTLS sink needs a certificate"
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(cert[0]), str(cert[1]))
            kwargs.update(tls_context=ctx, require_starttls=True)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     ready_timeout=10, **kwargs)

    def start(self) -> "SMTPSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def _add(self, mail: Mail) -> None:
        with self._cond:
            self.mails.append(mail)
            self._cond.notify_all()

    def all_to(self, to: str) -> list[Mail]:
        with self._cond:
            return [m for m in self.mails if m.addressed_to(to)]

    def wait_for_mail(self, to: str, subject_contains: str = "", timeout: float = 20) -> Mail:
        """The oldest not-yet-taken mail to `to` whose subject contains `subject_contains` (case-insensitive);
        marks it taken so the next call waits for a newer one."""
        deadline = time.monotonic() + timeout
        want = subject_contains.lower()
        with self._cond:
            while True:
                for i, m in enumerate(self.mails):
                    if i not in self._taken and m.addressed_to(to) and want in m.subject.lower():
                        self._taken.add(i)
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(m.to, m.subject) for m in self.mails if m.addressed_to(to)]
                    raise AssertionError(f"no mail to {to!r} with subject containing {subject_contains!r} "
                                         f"within {timeout}s; mails to that address: {seen}")
                self._cond.wait(min(left, 0.5))

    def no_mail(self, to: str, subject_contains: str = "", wait: float = 2.0) -> bool:
        """True when no untaken mail matching arrives within `wait` seconds."""
        try:
            self.wait_for_mail(to, subject_contains, timeout=wait)
        except AssertionError:
            return True
        return False


def link_from(mail: Mail, path: str) -> str:
    """The first `http(s)://…{path}?token=…` link in the text body of `mail`."""
    pattern = re.compile(r"https?://[^\s<>\"']*" + re.escape(path) + r"\?token=[A-Za-z0-9_\-.~%]+")
    m = pattern.search(mail.text)
    assert m, f"no {path}?token= link in mail {mail.subject!r}:\n{mail.text}"
    return m.group(0)


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


# --------------------------------------------------------------------------------------------
# A small DOM
# --------------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Node | None"):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    def get(self, name: str, default: str | None = None) -> str | None:
        v = self.attrs.get(name, default)
        return default if v is None and name not in self.attrs else (v if v is not None else "")

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self) -> Iterable["Node"]:
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, *tags: str) -> list["Node"]:
        return [n for n in self.iter() if n.tag in tags]

    def find(self, tag: str) -> "Node | None":
        return next((n for n in self.iter() if n.tag == tag), None)

    def by_id(self, ident: str) -> "Node | None":
        return next((n for n in self.iter() if n.attrs.get("id") == ident), None)

    def text(self) -> str:
        parts: list[str] = []
        for c in self.children:
            parts.append(c if isinstance(c, str) else c.text())
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def fields(self) -> list["Node"]:
        return self.find_all("input", "select", "textarea")

    def rows(self) -> list[list[str]]:
        """Cell texts of the body rows of a table."""
        out = []
        for tr in self.find_all("tr"):
            cells = [c for c in tr.children if isinstance(c, Node) and c.tag in ("td",)]
            if cells:
                out.append([c.text() for c in cells])
        return out

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


class Doc(Node):
    @staticmethod
    def parse(html: str) -> "Doc":
        b = _TreeBuilder()
        b.feed(html)
        b.close()
        doc = Doc("#document", {}, None)
        doc.children = b.root.children
        return doc

    def form(self, ident: str | None = None, action: str | None = None) -> "Node | None":
        for f in self.find_all("form"):
            if ident is not None and f.attrs.get("id") != ident:
                continue
            if action is not None and f.attrs.get("action") != action:
                continue
            return f
        return None

    @property
    def csrf(self) -> str | None:
        for i in self.find_all("input"):
            if i.attrs.get("name") == "csrf":
                return i.attrs.get("value")
        return None

    @property
    def flash(self) -> tuple[str, str] | None:
        """(kind, text) of `#flash`: kind is "error" or "notice" (from class flash-error/flash-notice)."""
        n = self.by_id("flash")
        if n is None:
            return None
        kind = next((c[len("flash-"):] for c in n.classes if c.startswith("flash-")), "")
        return kind, n.text()


def form_values(form: Node) -> dict[str, str]:
    """The values a browser would send for a form untouched (hidden inputs, defaults, selected options)."""
    out: dict[str, str] = {}
    for f in form.fields():
        name = f.attrs.get("name")
        if not name:
            continue
        if f.tag == "select":
            opts = f.find_all("option")
            sel = next((o for o in opts if "selected" in o.attrs), opts[0] if opts else None)
            if sel is not None:
                out[name] = sel.attrs.get("value") or sel.text()
        elif f.tag == "textarea":
            out[name] = f.text()
        elif f.attrs.get("type") in ("checkbox", "radio"):
            if "checked" in f.attrs:
                out[name] = f.attrs.get("value") or "on"
        elif f.attrs.get("type") in ("submit", "button", "reset", "image"):
            continue
        else:
            out[name] = f.attrs.get("value") or ""
    return out


# --------------------------------------------------------------------------------------------
# Console client
# --------------------------------------------------------------------------------------------

class Page:
    """A response with its parsed document."""

    def __init__(self, response: requests.Response):
        self.response = response
        self.status = response.status_code
        self.url = response.url
        self.html = response.text
        self.doc = Doc.parse(self.html) if "html" in response.headers.get("Content-Type", "html") else Doc("#document", {}, None)

    @property
    def path(self) -> str:
        return urlparse(self.url).path

    @property
    def flash(self) -> tuple[str, str] | None:
        return self.doc.flash

    @property
    def flash_text(self) -> str:
        return self.flash[1] if self.flash else ""

    def by_id(self, ident: str) -> Node | None:
        return self.doc.by_id(ident)

    def has(self, ident: str) -> bool:
        return self.doc.by_id(ident) is not None

    def describe(self) -> str:
        main = self.doc.find("main")
        body = main.text() if main is not None else self.html
        return f"{self.response.request.method} {self.url} -> {self.status}: {body[:600]}"

    def __repr__(self) -> str:
        return f"Page({self.describe()})"


class ConsoleClient(requests.Session):
    """A browser-like client of the console: cookies, the current page's CSRF token, redirects."""

    def __init__(self, base_url: str, user_agent: str = TEST_UA, verify: Any = True):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.headers["User-Agent"] = user_agent
        self.verify = verify
        self.csrf: str | None = None
        self.last: Page | None = None

    def request(self, method, url, *args, **kwargs):
        # An explicit verify: with trust_env, REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE would override Session.verify.
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, *args, **kwargs)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else urljoin(self.base_url + "/", path.lstrip("/"))

    def _page(self, r: requests.Response) -> Page:
        page = Page(r)
        token = page.doc.csrf
        if token:
            self.csrf = token
        self.last = page
        return page

    def page(self, path: str, follow: bool = True, **kw) -> Page:
        r = self.get(self.url(path), allow_redirects=follow, timeout=kw.pop("timeout", 60), **kw)
        return self._page(r)

    def get_form(self, path: str, form_id: str | None = None, action: str | None = None) -> tuple[Page, dict[str, str]]:
        """GET a page and the default values of one of its forms (by id or action; else the first form in
        <main>), including its `csrf`."""
        page = self.page(path)
        form = page.doc.form(form_id, action) if (form_id or action) else None
        if form is None and not (form_id or action):
            main = page.doc.find("main") or page.doc
            form = main.find("form")
        assert form is not None, f"no form {form_id or action or ''} on {page.describe()}"
        return page, form_values(form)

    def post_form(self, path: str, fields: dict[str, Any] | None = None, csrf: str | None | bool = True,
                  follow: bool = True, **kw) -> Page:
        """POST form fields (url-encoded) with the CSRF token of the last page seen (csrf=True), a given
        token (str) or none at all (csrf=None/False)."""
        data = dict(fields or {})
        if csrf is True:
            if self.csrf is None:
                self.page("/sign-in")
            data.setdefault("csrf", self.csrf)
        elif isinstance(csrf, str):
            data["csrf"] = csrf
        r = self.post(self.url(path), data=data, allow_redirects=follow, timeout=kw.pop("timeout", 90), **kw)
        return self._page(r)

    def submit(self, path: str, form_id: str | None = None, action: str | None = None,
               follow: bool = True, **changes: Any) -> Page:
        """GET `path`, fill its form's defaults with `changes`, POST to the form's action."""
        page, values = self.get_form(path, form_id, action)
        form = page.doc.form(form_id, action) if (form_id or action) else (page.doc.find("main") or page.doc).find("form")
        values.update({k: v for k, v in changes.items() if v is not None})
        target = form.attrs.get("action") or path
        return self.post_form(target, values, csrf=False, follow=follow)

    @property
    def session_cookie(self) -> str | None:
        return self.cookies.get("steward_session")


# --------------------------------------------------------------------------------------------
# Account flows
# --------------------------------------------------------------------------------------------

def sign_up(client: ConsoleClient, email: str, password: str = GOOD_PASSWORD, name: str = "Test Person",
            jurisdiction: str = "DE", birth_year: int | str | None = 1990, parent_email: str | None = None,
            agree: bool = True, extra: dict | None = None, csrf: Any = True) -> Page:
    page, values = client.get_form("/sign-up", action="/sign-up")
    fields = {"name": name, "email": email, "password": password, "jurisdiction": jurisdiction,
              "birth_year": "" if birth_year is None else str(birth_year), "parent_email": parent_email or ""}
    if agree:
        policy = page.doc.form(action="/sign-up")
        box = next((i for i in policy.find_all("input") if i.attrs.get("name") == "agree_policy"), None)
        assert box is not None, "sign-up form has no agree_policy checkbox"
        fields["agree_policy"] = box.attrs.get("value") or "on"
    fields.update(extra or {})
    return client.post_form("/sign-up", fields, csrf=values.get("csrf") if csrf is True else csrf)


def confirm_link(client: ConsoleClient, link: str) -> Page:
    """Open a confirmation link and press the button on the page it shows (form #confirm-form)."""
    page = client.page(link)
    form = page.doc.form("confirm-form")
    assert form is not None, f"no #confirm-form at {page.describe()}"
    values = form_values(form)
    return client.post_form(form.attrs.get("action") or "/confirm-email", values, csrf=False)


def sign_in(client: ConsoleClient, email: str, password: str, code: str | None = None) -> Page:
    """Sign in through /sign-in (and /sign-in/factor when `code` is given and a factor is asked for)."""
    client.page("/sign-in")
    page = client.post_form("/sign-in", {"email": email, "password": password})
    if code is not None and page.path == "/sign-in/factor":
        page = client.post_form("/sign-in/factor", {"code": code})
    return page


def sign_out(client: ConsoleClient) -> Page:
    """Press "Sign out" in the header of a signed-in page."""
    page = client.page("/account")
    form = page.doc.form(action="/sign-out")
    assert form is not None, f"no sign-out form: {page.describe()}"
    return client.post_form("/sign-out", form_values(form), csrf=False)


@dataclass
class Account:
    email: str
    password: str
    name: str
    client: ConsoleClient
    user_id: str | None = None
    tenant_id: str | None = None
    totp: "TotpDevice | None" = None
    recovery_codes: list[str] = field(default_factory=list)


def create_account(server: StewardServer, smtp: SMTPSink, email: str | None = None, name: str = "Test Person",
                   password: str = GOOD_PASSWORD, signed_in: bool = True, **kw) -> Account:
    """Sign up, confirm by the mailed link and (by default) sign in."""
    email = email or f"{unique('person')}@example.test"
    client = ConsoleClient(server.base_url)
    page = sign_up(client, email, password, name=name, **kw)
    assert page.status == 200 and page.has("check-email"), page.describe()
    mail = smtp.wait_for_mail(email, "Confirm your email")
    page = confirm_link(client, link_from(mail, "/confirm-email"))
    assert page.status == 200 and page.has("confirmed"), page.describe()
    acct = Account(email, password, name, client)
    if signed_in:
        page = sign_in(client, email, password)
        assert page.status == 200 and page.path == "/", page.describe()
        me = rest_me(server, rest_login(server, email, password))
        acct.user_id = me["id"]["id"]
        acct.tenant_id = (me.get("tenantId") or {}).get("id")
    return acct


def rest_login(server: StewardServer, email: str, password: str) -> str:
    r = requests.post(f"{server.base_url}/api/auth/login", json={"username": email, "password": password},
                      timeout=60, headers={"User-Agent": TEST_UA})
    assert r.status_code == 200, f"POST /api/auth/login {email}: {r.status_code} {r.text}"
    return r.json()["token"]


def rest_me(server: StewardServer, jwt: str) -> dict:
    """`GET /api/auth/user` with a JWT."""
    r = api(server, "GET", "/api/auth/user", jwt=jwt)
    assert r.status_code == 200, f"GET /api/auth/user: {r.status_code} {r.text}"
    return r.json()


def api(server: StewardServer, method: str, path: str, jwt: str | None = None, key: str | None = None,
        **kw) -> requests.Response:
    headers = kw.pop("headers", {})
    headers.setdefault("User-Agent", TEST_UA)
    if jwt:
        headers["X-Authorization"] = f"Bearer {jwt}"
    if key:
        headers["X-Authorization"] = f"ApiKey {key}"
    return requests.request(method, f"{server.base_url}{path}", headers=headers, timeout=kw.pop("timeout", 60), **kw)


# --------------------------------------------------------------------------------------------
# TOTP (RFC 6238 / RFC 4226), written here so the tests do not trust the server's implementation
# --------------------------------------------------------------------------------------------

def b32decode(secret: str) -> bytes:
    s = secret.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def hotp(key: bytes, counter: int, digits: int = 6, digest=hashlib.sha1) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % (10 ** digits)).zfill(digits)


def totp_step(t: float | None = None, period: int = 30) -> int:
    return int((time.time() if t is None else t) // period)


def totp(secret: str | bytes, t: float | None = None, digits: int = 6, period: int = 30, step: int | None = None) -> str:
    key = secret if isinstance(secret, bytes) else b32decode(secret)
    return hotp(key, totp_step(t, period) if step is None else step, digits)


class TotpDevice:
    """An authenticator app: hands out codes for steps never used before (the server refuses replays and
    accepts one step of drift either way), waiting for the clock only when it has to."""

    def __init__(self, secret: str):
        self.secret = secret
        self.last_step = -1

    def code(self) -> str:
        now = totp_step()
        step = max(now, self.last_step + 1)
        while step > totp_step() + 1:
            time.sleep(0.5)
        self.last_step = step
        return totp(self.secret, step=step)

    def replay(self) -> str:
        """The code of the last step used."""
        return totp(self.secret, step=self.last_step)


def setup_totp(acct) -> TotpDevice:
    """Turns on TOTP for a signed-in account and returns its authenticator; keeps the recovery codes."""
    c = acct.client
    page = c.page("/account/two-factor")
    assert page.status == 200, page.describe()
    secret_node = page.by_id("totp-secret")
    assert secret_node is not None and secret_node.tag == "code", page.describe()
    assert page.doc.find("svg") is not None, "no QR code (<svg>) on the TOTP setup page"
    form = page.doc.form("totp-form")
    assert form is not None and form.attrs.get("action") == "/account/two-factor/totp", page.describe()
    values = form_values(form)
    assert values.get("secret") == secret_node.text(), (values, secret_node.text())
    device = TotpDevice(secret_node.text())
    done = c.post_form("/account/two-factor/totp", {**values, "code": device.code()}, csrf=False)
    assert done.status == 200, done.describe()
    codes_list = done.by_id("recovery-codes")
    assert codes_list is not None and codes_list.tag == "ul", done.describe()
    acct.recovery_codes = [li.text() for li in codes_list.find_all("li")]
    assert len(acct.recovery_codes) >= 5, acct.recovery_codes
    assert all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", rc) for rc in acct.recovery_codes), acct.recovery_codes
    acct.totp = device
    return device


# --------------------------------------------------------------------------------------------
# Server with mail
# --------------------------------------------------------------------------------------------

class ConsoleServer(StewardServer):
    """A Steward server that mails through `sink` and puts its own URL into links."""

    def __init__(self, name: str, sink: SMTPSink, security: str = "none", env: dict | None = None, **kw):
        extra = {
            "STEWARD_SMTP_HOST": "127.0.0.1",
            "STEWARD_SMTP_PORT": str(sink.port),
            "STEWARD_SMTP_SECURITY": security,
            "STEWARD_BCRYPT_COST": "4",
            "STEWARD_MAIL_FROM": MAIL_FROM,
            # Every test of a module signs up and asks for mail from the same loopback address, which Steward counts
            # as one client; the tests of those per-client limits set their own.
            "STEWARD_ACCOUNT_MAIL_PER_CLIENT": "1000",
            "STEWARD_SIGN_UPS_PER_CLIENT": "1000",
        }
        extra.update(env or {})
        super().__init__(name, env=extra, **kw)
        self.sink = sink

    @property
    def env(self) -> dict[str, str]:
        env = super().env
        if "STEWARD_PUBLIC_URL" not in self.extra_env:
            env["STEWARD_PUBLIC_URL"] = self.base_url  # the port is only known once start() picked it
        return env

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Run SQL against the server's database beside the running server: the SQLite file (WAL mode lets this run
        beside the server) or, on PostgreSQL, its database through psycopg (`?` → `%s`, `user` → `"user"`; there
        flags come back as bool, which compares equal to SQLite's 0/1, and sealed columns as bytes on both)."""
        return self.db_sql(query, params)

    def email_hash(self, email: str) -> str:
        """The keyed hash Steward stores contact addresses under and finds rows by (they are sealed themselves):
        HMAC-SHA256 of the lower-cased address, keyed by HMAC-SHA256(master key, "steward contact lookup v1")."""
        master = (self.data_dir / "master.key").read_bytes()[:32]
        lookup = hmac.new(master, b"steward contact lookup v1", hashlib.sha256).digest()
        return hmac.new(lookup, email.strip().lower().encode(), hashlib.sha256).hexdigest()

    def user_row(self, email: str) -> dict:
        """The account's raw row (its contact details sealed), found by the address's lookup hash."""
        if self.backend == "postgres":
            rows = self.sql("SELECT * FROM user WHERE email_hash = ?", (self.email_hash(email),))
            columns = [c for (c,) in self.sql("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_schema = current_schema() AND table_name = 'user' "
                                              "ORDER BY ordinal_position")]
            return dict(zip(columns, rows[0], strict=True)) if rows else {}
        con = sqlite3.connect(str(self.db_path), timeout=30)
        con.row_factory = sqlite3.Row
        try:
            row = con.execute("SELECT * FROM user WHERE email_hash = ?", (self.email_hash(email),)).fetchone()
            return dict(row) if row else {}
        finally:
            con.close()


# --------------------------------------------------------------------------------------------
# Privacy declarations and restarts on the same data directory
# --------------------------------------------------------------------------------------------

def _bundled_privacy_yaml() -> str:
    """The declaration the Steward binary under test bundles (its resource bundle next to it), else the source."""
    source = REPO_ROOT / "Sources" / "StewardPrivacy" / "Resources" / "default-privacy.yaml"
    try:
        built = (steward_binary().resolve().parent / "steward_StewardPrivacy.resources" / "Resources"
                 / "default-privacy.yaml")
    except HarnessError:
        built = source
    return (built if built.is_file() else source).read_text()


DEFAULT_PRIVACY_YAML = _bundled_privacy_yaml()
DEFAULT_POLICY_VERSION = re.search(r'^version: "([^"]+)"', DEFAULT_PRIVACY_YAML, re.M).group(1)


def privacy_yaml(version: str | None = None, *, material: bool = True, summary: str = "",
                 narrows_rights: bool | None = None, accepted_by_explicit_consent: bool | None = None,
                 replace: Iterable[tuple[str, str]] = (), base: str = DEFAULT_PRIVACY_YAML) -> str:
    """The bundled declaration with each (old, new) of `replace` applied (each `old` must occur) and, when
    `version` is given, that version and effective date plus a change-log entry for it (newest first)."""
    text = base
    for old, new in replace:
        assert old in text, f"{old!r} is not in the declaration"
        text = text.replace(old, new, 1)
    if version is not None:
        text = re.sub(r'^version: "[^"]*"', f'version: "{version}"', text, count=1, flags=re.M)
        text = re.sub(r'^effectiveDate: "[^"]*"', f'effectiveDate: "{version}"', text, count=1, flags=re.M)
        entry = (f'  - version: "{version}"\n    date: "{version}"\n    material: {str(material).lower()}\n'
                 f'    summary: "{summary or "Changes of version " + version}"\n')
        if narrows_rights is not None:
            entry += f"    narrowsRights: {str(narrows_rights).lower()}\n"
        if accepted_by_explicit_consent is not None:
            entry += f"    acceptedByExplicitConsent: {str(accepted_by_explicit_consent).lower()}\n"
        text, n = re.subn(r"^changeLog:\n", "changeLog:\n" + entry, text, count=1, flags=re.M)
        assert n == 1, "the declaration has no changeLog"
    return text


def write_privacy(server: StewardServer, text: str) -> None:
    """Puts `text` as privacy.yaml into the server's data directory (read at the next start)."""
    (server.data_dir / "privacy.yaml").write_text(text)


def start_refused(server: StewardServer) -> tuple[int, str]:
    """Starts `server` expecting it to refuse: returns (exit status, what it printed on this attempt). Fails when
    the server becomes ready instead."""
    offset = server.log_path.stat().st_size
    try:
        server.start()
    except HarnessError:
        server.stop()  # the process has exited; this closes the log file
        code = server.proc.returncode if server.proc is not None else None
        with open(server.log_path, "rb") as f:
            f.seek(offset)
            output = f.read().decode(errors="replace")
        assert code not in (None, 0), f"steward serve exited with {code}:\n{output}"
        return code, output
    server.stop()
    raise AssertionError(f"steward serve started although it should have refused:\n{server.log_tail()}")


# --------------------------------------------------------------------------------------------
# Personal data rights: export, API keys, Delete Account, byte scans
# --------------------------------------------------------------------------------------------

def create_api_key(client: ConsoleClient, name: str, role: str = "full") -> str:
    """Makes an application key on My Account → Security and returns the secret shown once."""
    page, values = client.get_form("/account/security", "api-key-form")
    made = client.post_form("/account/keys", {**values, "key_name": name, "key_role": role}, csrf=False)
    code = made.by_id("new-api-key")
    assert made.status == 200 and code is not None, made.describe()
    return code.text()


def export_response(client: "ConsoleClient", path: str = "/account/privacy/export") -> requests.Response:
    """Downloads the personal-data export as a person does: the page's form, POSTed with its CSRF token."""
    _, values = client.get_form(path, "export-form")
    return client.post(client.url(path), data=values, allow_redirects=False, timeout=180)


def download_export(client: "ConsoleClient", path: str = "/account/privacy/export") -> "zipfile.ZipFile":
    """Downloads the personal-data export and opens it with `zipfile`, checking every member's CRC."""
    import io
    import zipfile

    r = export_response(client, path)
    assert r.status_code == 200, f"POST {path}: {r.status_code} {r.headers} {r.text[:300]}"
    assert r.headers.get("Content-Type", "").startswith("application/zip"), r.headers
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None, "a member of the export fails its CRC check"
    return archive


def zip_csv(archive, name: str) -> list[dict[str, str]]:
    """The rows of a CSV member of a ZIP (header row → dict keys), read with the csv module."""
    import csv
    import io

    with archive.open(name) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        return list(csv.DictReader(text))


def zip_csv_header(archive, name: str) -> list[str]:
    import csv
    import io

    with archive.open(name) as raw:
        return next(csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))


def delete_account(client: ConsoleClient, password: str | None, confirm: bool = True, follow: bool = True) -> Page:
    """Fills in and sends the Delete Account form (`#delete-account-form`): the password and the confirmation box."""
    page, values = client.get_form("/account/privacy/delete", "delete-account-form")
    values.pop("confirm", None)
    if password is not None:
        values["password"] = password
    if confirm:
        values["confirm"] = "yes"
    return client.post_form("/account/privacy/delete", values, csrf=False, follow=follow)


def tiny_png() -> bytes:
    """A valid 1×1 PNG."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
