"""PostgreSQL helpers for the conformance tests that run Steward on PostgreSQL (issue 13).

The cluster is the throwaway one `scripts/pg-cluster.sh start` makes (`source /tmp/pgenv.sh` on a dev machine,
`scripts/test.sh` on CI). Its URL and password file come from the environment:

- `STEWARD_TEST_DATABASE_URL`: `postgres://steward@127.0.0.1:PORT/postgres?sslmode=verify-full&sslrootcert=…`
- `STEWARD_TEST_DATABASE_PASSWORD_FILE`: the password of that user (or a password in the URL)
- `STEWARD_PG_BASE`: the cluster's folder (`data/`, `server.log`), for stopping and starting it

`require_postgres()` skips a test when there is no cluster, but fails it when `CI=true`: on CI a PostgreSQL test
that silently skips proves nothing. Only the standard library and the `psql` / `pg_dump` / `pg_ctl` programs are
used, so every virtualenv can import this module.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

PG_BIN = Path(os.environ.get("STEWARD_PG_BIN", "/usr/lib/postgresql/15/bin"))
RESTART_LOCK = Path(os.environ.get("STEWARD_PG_RESTART_LOCK", "/tmp/pg-restart.lock"))
PSQL_TIMEOUT_S = 60


class PostgresUnavailable(Exception):
    """No test cluster is configured."""


def _tool(name: str) -> str:
    path = PG_BIN / name
    if path.is_file():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise PostgresUnavailable(f"{name} not found in {PG_BIN} or on PATH (install postgresql-15)")
    return found


def require_postgres() -> "Cluster":
    """The test cluster; skips the calling test without one, fails it on CI (`CI=true`). On run.sh's SQLite pass
    (`STEWARD_TEST_BACKEND=sqlite`) it skips: these tests run once, on the PostgreSQL pass."""
    import pytest

    if os.environ.get("STEWARD_TEST_BACKEND") == "sqlite":
        pytest.skip("a PostgreSQL test: it runs on the PostgreSQL pass")
    try:
        return Cluster.from_env()
    except PostgresUnavailable as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but no PostgreSQL test cluster: {e}", pytrace=False)
        pytest.skip(f"no PostgreSQL test cluster: {e}")


class Cluster:
    """The test cluster: its URL parts, the admin password, and psql / pg_dump / pg_ctl around it."""

    def __init__(self, url: str, password: str, base: Path | None):
        parts = urlsplit(url)
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 5432
        self.user = parts.username or "steward"
        self.admin_database = parts.path.lstrip("/") or "postgres"
        self.query = dict(parse_qsl(parts.query))
        self.password = password
        self.base = base
        self.password_file = os.environ.get("STEWARD_TEST_DATABASE_PASSWORD_FILE") or None

    @classmethod
    def from_env(cls) -> "Cluster":
        url = os.environ.get("STEWARD_TEST_DATABASE_URL")
        if not url:
            raise PostgresUnavailable("STEWARD_TEST_DATABASE_URL is not set (source /tmp/pgenv.sh or run "
                                      "eval \"$(scripts/pg-cluster.sh start)\")")
        password = urlsplit(url).password
        file = os.environ.get("STEWARD_TEST_DATABASE_PASSWORD_FILE")
        if not password and file:
            try:
                password = Path(file).read_text().splitlines()[0].strip()
            except (OSError, IndexError) as e:
                raise PostgresUnavailable(f"cannot read STEWARD_TEST_DATABASE_PASSWORD_FILE {file}: {e}") from e
        if not password:
            raise PostgresUnavailable("no password: set STEWARD_TEST_DATABASE_PASSWORD_FILE")
        base = os.environ.get("STEWARD_PG_BASE")
        return cls(url, password, Path(base) if base else None)

    # -- URLs --------------------------------------------------------------------------------------------------------
    def database_url(self, database: str, user: str | None = None, password: str | None = None,
                     host: str | None = None, port: int | None = None, **query: str) -> str:
        """A URL for `database` on this cluster (or on `host`/`port`), TLS settings as the test URL's unless given.
        The password goes into the URL only when given."""
        params = dict(self.query)
        params.update(query)
        auth = quote(user or self.user, safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        q = urlencode(params, safe="/")
        return f"postgres://{auth}@{host or self.host}:{port or self.port}/{database}" + (f"?{q}" if q else "")

    def server_env(self, database: str) -> dict[str, str]:
        """What `StewardServer(env=…)` needs to run on `database`: the URL without a password, the password file."""
        env = {"STEWARD_DATABASE_URL": self.database_url(database)}
        if self.password_file:
            env["STEWARD_DATABASE_PASSWORD_FILE"] = self.password_file
        else:
            env["STEWARD_DATABASE_PASSWORD"] = self.password
        return env

    # -- psql ------------------------------------------------------------------------------------------------------
    def psql(self, sql: str, database: str | None = None, user: str | None = None, password: str | None = None,
             check: bool = True) -> subprocess.CompletedProcess:
        """Runs `sql` with psql (tuples only, unaligned, `|` between columns, stops at the first error)."""
        env = dict(os.environ, PGPASSWORD=password if password is not None else self.password, PGCONNECT_TIMEOUT="10")
        cmd = [_tool("psql"), self.database_url(database or self.admin_database, user=user), "-X", "-q",
               "-v", "ON_ERROR_STOP=1", "-At", "-F", "|", "-c", sql]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=PSQL_TIMEOUT_S, env=env)
        if check and res.returncode != 0:
            raise AssertionError(f"psql failed ({res.returncode}) on {database}: {sql}\n{res.stderr}")
        return res

    def rows(self, sql: str, database: str | None = None) -> list[list[str]]:
        out = self.psql(sql, database).stdout
        return [line.split("|") for line in out.splitlines() if line]

    def value(self, sql: str, database: str | None = None) -> str | None:
        rows = self.rows(sql, database)
        return rows[0][0] if rows else None

    def create_database(self, prefix: str, owner: str | None = None) -> str:
        name = f"stw_{''.join(c for c in prefix.lower() if c.isalnum())[:20]}_{uuid.uuid4().hex[:12]}"
        self.psql(f'CREATE DATABASE "{name}"' + (f' OWNER "{owner}"' if owner else ""))
        return name

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)

    def pg_dump(self, database: str, out: Path, schema_only: bool = False) -> Path:
        """A plain-format dump of `database` (what an operator's nightly `pg_dump` would keep)."""
        env = dict(os.environ, PGPASSWORD=self.password, PGCONNECT_TIMEOUT="10")
        args = [_tool("pg_dump"), "--format=plain", "--no-owner", "--file", str(out)]
        if schema_only:
            args.append("--schema-only")
        res = subprocess.run([*args, self.database_url(database)], capture_output=True, text=True, timeout=300,
                             env=env)
        if res.returncode != 0:
            raise AssertionError(f"pg_dump of {database} failed ({res.returncode}): {res.stderr}")
        return out

    def load(self, database: str, sql_file: Path) -> None:
        """Runs a plain-format dump (or any SQL file) into `database` with psql, stopping at the first error."""
        env = dict(os.environ, PGPASSWORD=self.password, PGCONNECT_TIMEOUT="10")
        res = subprocess.run([_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(sql_file),
                              self.database_url(database)], capture_output=True, text=True, timeout=300, env=env)
        if res.returncode != 0:
            raise AssertionError(f"loading {sql_file} into {database} failed ({res.returncode}): {res.stderr}")

    def is_ready(self) -> bool:
        res = subprocess.run([_tool("pg_isready"), "-h", self.host, "-p", str(self.port), "-t", "2"],
                             capture_output=True, text=True, timeout=30)
        return res.returncode == 0

    # -- stopping and starting the cluster ------------------------------------------------------------------------------
    def _pg_ctl(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
        if self.base is None:
            raise PostgresUnavailable("STEWARD_PG_BASE is not set: the cluster cannot be stopped and started")
        cmd = [_tool("pg_ctl"), "-D", str(self.base / "data"), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse root; pg-cluster.sh runs the cluster as `postgres`
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def stop(self, mode: str = "immediate") -> None:
        """`pg_ctl stop -m <mode>`: with `immediate`, every backend dies at once, as in a crash."""
        res = self._pg_ctl("-m", mode, "-w", "-t", "60", "stop")
        if res.returncode != 0:
            raise AssertionError(f"pg_ctl stop -m {mode} failed: {res.stdout}{res.stderr}")

    def start(self) -> None:
        res = self._pg_ctl("-l", str(self.base / "server.log"), "-w", "-t", "60", "start")
        if res.returncode != 0:
            raise AssertionError(f"pg_ctl start failed: {res.stdout}{res.stderr}")

    def ensure_running(self) -> None:
        """Starts the cluster if a failed test left it stopped."""
        if self.is_ready():
            return
        status = self._pg_ctl("status", timeout=30)
        if status.returncode == 3:  # no server running
            self.start()


@contextlib.contextmanager
def restart_lock(timeout: float = 600) -> Iterator[None]:
    """Holds `/tmp/pg-restart.lock` (flock) while a test stops the shared cluster; waits at most `timeout` s."""
    RESTART_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(RESTART_LOCK, "a+") as f:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{RESTART_LOCK} stayed locked for {timeout} s")
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def postgres_server(name: str, cluster: Cluster | None = None, **kwargs):
    """A fixture body: `yield from postgres_server("name")` makes a database of its own on the test cluster, starts a
    `StewardServer` on it (the data directory still holds the key files), hands it to the tests, then stops it and
    drops the database. `server.pg_database` is the database's name, `server.pg_cluster` the cluster (named apart from
    the harness's own `database`, which `STEWARD_TEST_BACKEND=postgres` sets: the URL given here wins)."""
    from steward_harness import StewardServer

    cluster = cluster or require_postgres()
    database = cluster.create_database(name)
    env = {**cluster.server_env(database), **kwargs.pop("env", {})}
    srv = StewardServer(name, env=env, **kwargs)
    srv.pg_database = database
    srv.pg_cluster = cluster
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()
        if not os.environ.get("STEWARD_KEEP_DATA"):
            cluster.drop_database(database)
