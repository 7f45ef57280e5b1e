"""Helpers shared by the Steward conformance tests (all virtualenvs).

Starts/stops `steward serve` processes, wraps the admin CLI and offers small
REST/JWT helpers.  Only the standard library and `requests` are used here so
the module imports in both `.venv-sdk` and `.venv-paho` (psycopg, in `.venv-console`, is used when present).

Backends: `STEWARD_TEST_BACKEND=sqlite` (default) keeps each server's data in its data directory;
`STEWARD_TEST_BACKEND=postgres` gives each server its own database `steward_<name>_<hex>` on the test cluster
(`STEWARD_TEST_DATABASE_URL`, `STEWARD_TEST_DATABASE_PASSWORD_FILE`, `STEWARD_PG_SOCKET`, `STEWARD_PG_PORT`, as
`scripts/pg-cluster.sh start` prints them), created with the server and dropped by `cleanup()`.
"""
from __future__ import annotations

import atexit
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = Path(os.environ.get("STEWARD_TEST_OUTPUT", REPO_ROOT / "test-output"))

ADMIN_EMAIL = "sysadmin@steward.test"
ADMIN_PASSWORD = "sysadmin-pass"
READY_MARKER = "Steward is ready"
START_TIMEOUT_S = float(os.environ.get("STEWARD_START_TIMEOUT", "90"))
CLI_TIMEOUT_S = 60


class HarnessError(AssertionError):
    """Raised when the harness itself cannot do its job (server won't start...)."""


def steward_binary() -> Path:
    path = Path(os.environ.get("STEWARD_BIN", REPO_ROOT / ".build" / "debug" / "steward"))
    if not path.is_file() or not os.access(path, os.X_OK):
        raise HarnessError(
            f"Steward binary not found at {path} (build it with `swift build` or set STEWARD_BIN)"
        )
    return path


def now_ms() -> int:
    return int(time.time() * 1000)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def free_ports(count: int) -> list[int]:
    """Pick `count` distinct free TCP ports on 127.0.0.1 (bind-tested)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        ports = [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
    for p in ports:  # double check they can be bound again right now
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p))
    return ports


# --------------------------------------------------------------------------------------------
# Backends: SQLite (files in the data dir) or a PostgreSQL database per server
# --------------------------------------------------------------------------------------------

BACKEND = os.environ.get("STEWARD_TEST_BACKEND", "sqlite").strip().lower() or "sqlite"
if BACKEND not in ("sqlite", "postgres"):
    raise HarnessError(f"STEWARD_TEST_BACKEND={BACKEND!r}: expected sqlite or postgres")
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _pg_setting(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise HarnessError(f"STEWARD_TEST_BACKEND=postgres needs {name} (eval \"$(scripts/pg-cluster.sh start)\")")
    return value


def pg_password() -> str:
    return Path(_pg_setting("STEWARD_TEST_DATABASE_PASSWORD_FILE")).read_text().strip()


def pg_env() -> dict[str, str]:
    """libpq settings for psql/pg_dump: the cluster's Unix socket, its port, user steward and the test password."""
    env = dict(os.environ)
    env.update(PGHOST=_pg_setting("STEWARD_PG_SOCKET"), PGPORT=_pg_setting("STEWARD_PG_PORT"), PGUSER="steward",
               PGPASSWORD=pg_password(), PGCONNECT_TIMEOUT="10")
    for name in ("PGDATABASE", "PGSERVICE", "PGSSLMODE", "PGOPTIONS"):
        env.pop(name, None)
    return env


def _pg_tool(name: str) -> str:
    tool = PG_BIN / name
    return str(tool) if tool.is_file() else name


# A cluster that is restarting (pg-cluster.sh restart, or a crash test) refuses connections for a few seconds; the
# harness's own setup and inspection wait for it rather than fail a test for it. Steward's connections do not.
PG_UNREACHABLE = re.compile(r"connection to server .* failed|the database system is (starting up|shutting down|in "
                            r"recovery mode)|terminating connection due to (administrator|immediate shutdown) "
                            r"command|server closed the connection unexpectedly", re.S)
PG_WAIT_S = 60.0


def _pg_run(args: list[str], input: str | bytes | None, timeout: float, text: bool) -> subprocess.CompletedProcess:
    """Runs a PostgreSQL client program, again while the cluster cannot be reached, for up to PG_WAIT_S."""
    deadline = time.monotonic() + PG_WAIT_S
    while True:
        res = subprocess.run(args, input=input, capture_output=True, text=text, timeout=timeout, env=pg_env())
        err = res.stderr if text else res.stderr.decode(errors="replace")
        if res.returncode == 0 or not PG_UNREACHABLE.search(err) or time.monotonic() > deadline:
            return res
        time.sleep(0.5)


def psql(sql: str, database: str = "postgres", variables: dict[str, str] | None = None,
         timeout: float = 60) -> str:
    """Runs `sql` with psql (unaligned, tuples only) against `database` and returns what it printed; fails on the
    first error. `variables` are psql variables, quoted into the text as `:'name'` (a literal) or `:"name"`."""
    args = [_pg_tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", database]
    for k, v in (variables or {}).items():
        args += ["-v", f"{k}={v}"]
    res = _pg_run(args, sql, timeout, text=True)
    if res.returncode != 0:
        raise HarnessError(f"psql on {database} failed ({res.returncode}): {res.stderr.strip()}\n{sql}")
    return res.stdout


def pg_database_url(database: str) -> str:
    """STEWARD_TEST_DATABASE_URL with `database` in place of its database (same host, port, TLS settings)."""
    parts = urlsplit(_pg_setting("STEWARD_TEST_DATABASE_URL"))
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def pg_create_database(name: str) -> str:
    """Creates database `name` (owned by steward) and returns `name`. (`name` is new, see `pg_database_name`: when the
    cluster went away after creating it and the retry finds it, it is ours.)"""
    psql('SELECT format(\'CREATE DATABASE %I\', :\'db\') WHERE NOT EXISTS '
         '(SELECT 1 FROM pg_database WHERE datname = :\'db\')\n\\gexec', variables={"db": name})
    return name


def pg_drop_database(name: str) -> None:
    psql('DROP DATABASE IF EXISTS :"db" WITH (FORCE)', variables={"db": name})


def pg_copy_database(source: str, target: str) -> None:
    """A copy of `source` as new database `target`, taken with pg_dump while the server may be writing to
    `source` (CREATE DATABASE … TEMPLATE needs a database nobody is connected to)."""
    pg_create_database(target)
    dump = pg_dump(source)
    psql(dump.decode(), database=target, timeout=180)


def pg_dump(database: str, timeout: float = 180) -> bytes:
    """`pg_dump` (plain SQL, data and schema) of `database`, as bytes."""
    res = _pg_run([_pg_tool("pg_dump"), "--no-owner", "--no-privileges", "-d", database], None, timeout, text=False)
    if res.returncode != 0:
        raise HarnessError(f"pg_dump {database} failed ({res.returncode}): {res.stderr.decode(errors='replace')}")
    return res.stdout


def pg_database_name(server_name: str) -> str:
    """steward_<name>_<hex>: the server's name folded to [a-z0-9_] so the whole stays within 63 bytes."""
    folded = re.sub(r"[^a-z0-9]+", "_", server_name.lower()).strip("_")[:40] or "server"
    return f"steward_{folded}_{uuid.uuid4().hex[:12]}"


# The databases of data directories: a server started on another's data dir uses that server's database too.
_DATABASE_OF_DIR: dict[str, str] = {}
_OWNED_DATABASES: set[str] = set()


@atexit.register
def _drop_leftover_databases() -> None:
    """Databases of servers whose test never called cleanup() (STEWARD_KEEP_DATA keeps them)."""
    if os.environ.get("STEWARD_KEEP_DATA"):
        return
    for name in list(_OWNED_DATABASES):
        try:
            pg_drop_database(name)
        except Exception:  # noqa: BLE001 (the cluster may be gone already at exit)
            pass
        _OWNED_DATABASES.discard(name)


_PLACEHOLDER = re.compile(r"\?")
_USER_TABLE = re.compile(r"\b(FROM|JOIN|UPDATE|INTO)\s+user\b", re.I)


def postgres_sql(query: str) -> str:
    """A query written for SQLite (`?` placeholders, the table `user`) in PostgreSQL's spelling for psycopg:
    `%s` placeholders (a literal `%` doubled) and `"user"`, a reserved word there."""
    return _PLACEHOLDER.sub("%s", _USER_TABLE.sub(r'\1 "user"', query.replace("%", "%%")))


# --------------------------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------------------------

class StewardServer:
    """One `steward serve` process on a data dir (and, on PostgreSQL, its own database); restartable (new ports on
    every start, same data dir and database)."""

    verify: Any = True  # `verify` for requests to this server (TLS servers set the CA path)

    def __init__(self, name: str, data_dir: Path | None = None, tls: tuple[Path, Path] | None = None,
                 env: dict[str, str] | None = None):
        self.name = name
        self.binary = steward_binary()
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix=f"steward-{name}-"))
        self.tls = tls
        self.extra_env = dict(env or {})
        self.backend = BACKEND
        self.database: str | None = None  # the PostgreSQL database's name
        self._own_database = False
        if self.backend == "postgres":
            # A server on another server's data dir shares its database: the two belong together (the key files).
            shared = _DATABASE_OF_DIR.get(str(self.data_dir.resolve()))
            if shared is None:
                shared = pg_create_database(pg_database_name(name))
                _OWNED_DATABASES.add(shared)
                _DATABASE_OF_DIR[str(self.data_dir.resolve())] = shared
                self._own_database = True
            self.database = shared
            self.extra_env.setdefault("STEWARD_DATABASE_URL", pg_database_url(shared))
            self.extra_env.setdefault("STEWARD_DATABASE_PASSWORD_FILE",
                                      _pg_setting("STEWARD_TEST_DATABASE_PASSWORD_FILE"))
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = OUTPUT_DIR / f"steward-{name}.log"
        self.log_path.write_text("")
        self.proc: subprocess.Popen | None = None
        self.host = "127.0.0.1"
        self.http_port = self.mqtt_port = self.mqtts_port = 0
        self.admin_email = ADMIN_EMAIL
        self.admin_password = ADMIN_PASSWORD
        self._log_file = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "STEWARD_ADMIN_EMAIL": ADMIN_EMAIL,
            "STEWARD_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "STEWARD_BCRYPT_COST": "4",
        })
        env.update(self.extra_env)
        return env

    def start(self) -> "StewardServer":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        if self.tls:
            self.http_port, self.mqtt_port, self.mqtts_port = free_ports(3)
        else:
            self.http_port, self.mqtt_port = free_ports(2)
        args = [str(self.binary), "serve", "--data-dir", str(self.data_dir), "--host", self.host,
                "--http-port", str(self.http_port), "--mqtt-port", str(self.mqtt_port)]
        if self.tls:
            cert, key = self.tls
            args += ["--tls-cert", str(cert), "--tls-key", str(key), "--mqtts-port", str(self.mqtts_port)]
        start_offset = self.log_path.stat().st_size
        self._log_file = open(self.log_path, "ab", buffering=0)
        self._log_file.write(f"\n===== {time.strftime('%H:%M:%S')} $ {' '.join(args)}\n".encode())
        self.proc = subprocess.Popen(args, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=self.env, cwd=str(self.data_dir))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(start_offset)
                if READY_MARKER.encode() in f.read():
                    return self
            if self.proc.poll() is not None:
                raise HarnessError(f"steward serve exited with {self.proc.returncode} before ready\n"
                                   + self.log_tail())
            time.sleep(0.05)
        self.stop()
        raise HarnessError(f"steward serve did not print {READY_MARKER!r} in {START_TIMEOUT_S}s\n"
                           + self.log_tail())

    def stop(self, timeout: float = 15) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._close_log()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._close_log()

    def restart(self) -> "StewardServer":
        self.stop()
        return self.start()

    def cleanup(self) -> None:
        self.stop()
        keep = os.environ.get("STEWARD_KEEP_DATA")
        if self._own_dir and not keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if self._own_database and not keep:
            _DATABASE_OF_DIR.pop(str(self.data_dir.resolve()), None)
            pg_drop_database(self.database)
            _OWNED_DATABASES.discard(self.database)
            self._own_database = False

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}"

    # -- the database ------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        """The SQLite database file (SQLite backend)."""
        return self.data_dir / "steward.sqlite"

    def db_sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Runs one SQL statement against the server's database beside the running server and returns its rows as
        tuples (committed). Written as for SQLite (`?` placeholders, table `user`); on PostgreSQL it is rewritten
        (`postgres_sql`) and run with psycopg when installed (typed values: bytea as bytes, booleans as bool), else
        with psql (then values come back as JSON gives them; parameters as text literals)."""
        if self.backend == "sqlite":
            import sqlite3

            con = sqlite3.connect(str(self.db_path), timeout=30)
            try:
                rows = con.execute(query, params).fetchall()
                con.commit()
                return rows
            finally:
                con.close()
        try:
            import psycopg
        except ImportError:
            return self._psql_rows(query, params)
        deadline = time.monotonic() + PG_WAIT_S
        while True:
            try:
                con = psycopg.connect(host=_pg_setting("STEWARD_PG_SOCKET"), port=int(_pg_setting("STEWARD_PG_PORT")),
                                      user="steward", password=pg_password(), dbname=self.database, connect_timeout=10)
                break
            except psycopg.OperationalError as e:
                if not PG_UNREACHABLE.search(str(e)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        with con:
            cur = con.execute(postgres_sql(query), params)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []

    def _psql_rows(self, query: str, params: tuple) -> list[tuple]:
        names = iter(range(len(params)))
        variables: dict[str, str] = {}

        def placeholder(_m: re.Match) -> str:
            i = next(names)
            if params[i] is None:
                return "NULL"
            variables[f"p{i}"] = str(params[i])
            return f":'p{i}'"

        text = _PLACEHOLDER.sub(placeholder, _USER_TABLE.sub(r'\1 "user"', query)).rstrip().rstrip(";")
        if re.match(r"\s*(SELECT|WITH|VALUES)\b", text, re.I):
            out = psql(f"SELECT coalesce(json_agg(q), '[]') FROM ({text}) q", self.database, variables)
            return json.loads(out or "[]", object_pairs_hook=lambda pairs: tuple(v for _k, v in pairs))
        psql(text, self.database, variables)
        return []

    def stored_bytes(self) -> list[tuple[str, bytes]]:
        """What the server has stored, as (name, bytes) to scan: the SQLite database and its WAL files, or on
        PostgreSQL a pg_dump of the server's database (bytea values appear there in hex)."""
        if self.backend == "sqlite":
            return [(f.name, f.read_bytes()) for f in sorted(self.data_dir.glob("steward.sqlite*"))]
        return [(f"pg_dump {self.database}", pg_dump(self.database))]

    def stored_containing(self, needles: Iterable[str]) -> list[tuple[str, str]]:
        """(stored name, needle) for every needle found in `stored_bytes()`: as UTF-8, and on PostgreSQL also as
        the hex a dump writes bytea values in (a clear value in a bytea column would hide from a text scan)."""
        found = []
        for name, data in self.stored_bytes():
            for needle in needles:
                if not needle:
                    continue
                raw = needle.encode()
                if raw in data or (self.backend == "postgres" and raw.hex().encode() in data):
                    found.append((name, needle))
        return found

    # -- URLs ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.http_port}"

    # -- admin CLI -------------------------------------------------------------------------
    def cli(self, *args: str, json_out: bool = True, check: bool = True) -> Any:
        cmd = [str(self.binary), *args, "--data-dir", str(self.data_dir)]
        if json_out:
            cmd.append("--json")
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, env=self.env)
        if check and res.returncode != 0:
            raise HarnessError(f"CLI failed ({res.returncode}): {' '.join(cmd)}\n"
                               f"stdout: {res.stdout}\nstderr: {res.stderr}")
        if not json_out:
            return res
        try:
            return json.loads(res.stdout)
        except json.JSONDecodeError as e:
            raise HarnessError(f"CLI printed no JSON: {' '.join(cmd)}\nstdout: {res.stdout!r}\n"
                               f"stderr: {res.stderr}") from e

    def create_tenant(self, name: str | None = None) -> dict:
        return self.cli("tenant", "create", "--name", name or unique("tenant"))

    def create_customer(self, tenant: str, name: str | None = None) -> dict:
        return self.cli("customer", "create", "--tenant", tenant, "--name", name or unique("customer"))

    def create_user(self, tenant: str, email: str, password: str, role: str = "tenant-admin",
                    customer: str | None = None) -> dict:
        args = ["user", "create", "--tenant", tenant, "--email", email, "--password", password,
                "--role", role]
        if customer:
            args += ["--customer", customer]
        return self.cli(*args)

    def create_device(self, tenant: str, name: str | None = None, token: str | None = None,
                      type_: str | None = None, gateway: bool = False, profile: str | None = None) -> dict:
        args = ["device", "create", "--tenant", tenant, "--name", name or unique("dev")]
        if token:
            args += ["--token", token]
        if type_:
            args += ["--type", type_]
        if gateway:
            args.append("--gateway")
        if profile:
            args += ["--profile", profile]
        return self.cli(*args)

    def list_devices(self, tenant: str | None = None) -> list:
        args = ["device", "list"]
        if tenant:
            args += ["--tenant", tenant]
        return self.cli(*args)

    def create_profile(self, tenant: str, name: str, key: str, secret: str,
                       strategy: str | None = None) -> dict:
        args = ["profile", "create", "--tenant", tenant, "--name", name, "--provision-key", key,
                "--provision-secret", secret]
        if strategy:
            args += ["--strategy", strategy]
        return self.cli(*args)

    def telemetry_latest(self, device: str, tenant: str | None = None,
                         keys: Iterable[str] | None = None) -> dict:
        args = ["telemetry", "latest", "--device", device]
        if tenant:
            args += ["--tenant", tenant]
        if keys:
            args += ["--keys", ",".join(keys)]
        return self.cli(*args)

    def telemetry_query(self, device: str, keys: Iterable[str], start: int, end: int,
                        tenant: str | None = None, limit: int | None = None, agg: str | None = None,
                        interval: int | None = None, order: str | None = None) -> dict:
        args = ["telemetry", "query", "--device", device, "--keys", ",".join(keys),
                "--start", str(start), "--end", str(end)]
        if tenant:
            args += ["--tenant", tenant]
        if limit is not None:
            args += ["--limit", str(limit)]
        if agg:
            args += ["--agg", agg]
        if interval is not None:
            args += ["--interval", str(interval)]
        if order:
            args += ["--order", order]
        return self.cli(*args)

    def wait_latest(self, device: str, expected_keys: Iterable[str], tenant: str | None = None,
                    timeout: float = 5.0) -> dict:
        """Poll `telemetry latest` until all expected keys are present (or timeout)."""
        expected = set(expected_keys)
        deadline = time.monotonic() + timeout
        latest: dict = {}
        while True:
            latest = self.telemetry_latest(device, tenant=tenant)
            if expected <= set(k for k, v in latest.items() if v):
                return latest
            if time.monotonic() > deadline:
                return latest
            time.sleep(0.1)

    # -- REST ------------------------------------------------------------------------------
    def login(self, email: str, password: str, verify: Any = None) -> dict:
        verify = self.verify if verify is None else verify
        r = requests.post(f"{self.base_url}/api/auth/login", json={"username": email, "password": password},
                          timeout=30, verify=verify)
        assert r.status_code == 200, f"login {email}: {r.status_code} {r.text}"
        return r.json()

    def rest(self, method: str, path: str, jwt: str | None = None, verify: Any = None,
             timeout: float = 30, **kw) -> requests.Response:
        verify = self.verify if verify is None else verify
        headers = kw.pop("headers", {})
        if jwt:
            headers["X-Authorization"] = f"Bearer {jwt}"
        return requests.request(method, f"{self.base_url}{path}", headers=headers, timeout=timeout,
                                verify=verify, **kw)


def serving(srv: "StewardServer"):
    """A fixture body for a server made by the caller: `yield from serving(srv)` starts it, hands it to the tests and
    removes it afterwards, even when it fails to start."""
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


def running(name: str, env: dict[str, str] | None = None, **kwargs: Any):
    """A fixture body for a server with its own settings: `yield from running("name", env={...})`."""
    yield from serving(StewardServer(name, env=env, **kwargs))


class Tenant:
    """A tenant with one tenant-admin user (created through the CLI)."""

    def __init__(self, server: StewardServer, name: str | None = None):
        self.server = server
        info = server.create_tenant(name)
        self.id: str = info["id"]
        self.name: str = info["name"]
        self.admin_email = f"{unique('admin')}@steward.test"
        self.admin_password = "tenant-pass-1"
        self.admin = server.create_user(self.id, self.admin_email, self.admin_password, "tenant-admin")
        self._jwt: str | None = None

    @property
    def jwt(self) -> str:
        if self._jwt is None:
            self._jwt = self.server.login(self.admin_email, self.admin_password)["token"]
        return self._jwt

    def device(self, name: str | None = None, **kw) -> dict:
        return self.server.create_device(self.id, name=name, **kw)

    def rest(self, method: str, path: str, **kw) -> requests.Response:
        return self.server.rest(method, path, jwt=self.jwt, **kw)

    def set_shared(self, device_id: str, attrs: dict) -> None:
        r = self.rest("POST", f"/api/plugins/telemetry/DEVICE/{device_id}/SHARED_SCOPE", json=attrs)
        assert r.status_code == 200, f"set shared attributes: {r.status_code} {r.text}"


# --------------------------------------------------------------------------------------------
# JWT / misc
# --------------------------------------------------------------------------------------------

def jwt_part(token: str, index: int) -> dict:
    seg = token.split(".")[index]
    seg += "=" * (-len(seg) % 4)
    return json.loads(base64.urlsafe_b64decode(seg.encode()))


def jwt_payload(token: str) -> dict:
    return jwt_part(token, 1)


def jwt_header(token: str) -> dict:
    return jwt_part(token, 0)


def series(result: dict, key: str) -> list[dict]:
    """Points of one key from a CLI/REST telemetry result ([] when the key is absent/null)."""
    return list(result.get(key) or [])


def wait_until(pred, timeout: float, interval: float = 0.05):
    """Poll `pred` until it returns a truthy value; return that value (or the last falsy one)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """Self-signed cert valid for 127.0.0.1 and localhost, made with the openssl CLI."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=digitalSignature,keyEncipherment,keyCertSign"],
        check=True, capture_output=True, timeout=60)
    return cert, key
