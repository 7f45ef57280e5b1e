"""Bad PostgreSQL settings stop Steward at once with one clear line and exit status 1, never the password (issue 13).

Each case runs `steward serve --database …` (and, where the database is reached, a CLI command with `--database`):
a URL that is not PostgreSQL's or lacks a database or has an unknown sslmode, a wrong password, a database that does
not exist, a role that may not create tables, a server that is not PostgreSQL (a listener that answers something
else, and Steward's own MQTT port), a server without TLS when TLS is required, and a schema newer than the binary.
Every case asserts exit status 1, exactly one line on stderr that is not a log line, that line naming host, port and
database (a URL that cannot be parsed says what is wrong with it instead), and that the password given appears in
no output and in no file of the data directory.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from pg_support import Cluster, postgres_server, require_postgres
from steward_harness import free_ports, steward_binary

RUN_TIMEOUT_S = 60
# A log line as swift-log's stream handler prints it: `2026-12-07T06:22:23+0000 info steward: …`.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (trace|debug|info|notice|warning|error|critical) ")


_DATA_DIRS: list[Path] = []


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    yield require_postgres()
    if not os.environ.get("STEWARD_KEEP_DATA"):
        for d in _DATA_DIRS:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def steward_db(cluster):
    """A Steward that ran once on its own database (the schema exists), still running: its MQTT port is a server
    that is not PostgreSQL."""
    yield from postgres_server("test_postgres_startup_errors", cluster)


def secret() -> str:
    return "pw-" + uuid.uuid4().hex


class Outcome:
    def __init__(self, args: list[str], res: subprocess.CompletedProcess, data_dir: Path):
        self.args = args
        self.returncode = res.returncode
        self.stdout = res.stdout
        self.stderr = res.stderr
        self.data_dir = data_dir
        self.log_lines = [line for line in res.stderr.splitlines() if LOG_LINE.match(line)]
        self.error_lines = [line for line in res.stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]

    def describe(self) -> str:
        return (f"$ {' '.join(self.args)}\nexit {self.returncode}\nstdout: {self.stdout[-2000:]!r}\n"
                f"stderr: {self.stderr[-2000:]!r}")


def run_steward(url: str, command: str = "serve", env: dict[str, str] | None = None) -> Outcome:
    """`steward serve` (or a CLI command) on `url`, with a fresh data directory and none of the test's database
    settings in the environment."""
    data_dir = Path(tempfile.mkdtemp(prefix="steward-pgerr-"))
    _DATA_DIRS.append(data_dir)
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith("STEWARD_DATABASE_") and k not in ("PGPASSWORD", "PGPASSFILE")}
    base_env.update({"STEWARD_ADMIN_EMAIL": "sysadmin@steward.test", "STEWARD_ADMIN_PASSWORD": "sysadmin-pass",
                     "STEWARD_BCRYPT_COST": "4"})
    base_env.update(env or {})
    binary = str(steward_binary())
    if command == "serve":
        http_port, mqtt_port = free_ports(2)
        args = [binary, "serve", "--data-dir", str(data_dir), "--database", url, "--host", "127.0.0.1",
                "--http-port", str(http_port), "--mqtt-port", str(mqtt_port)]
    else:
        args = [binary, *command.split(), "--data-dir", str(data_dir), "--database", url]
    try:
        res = subprocess.run(args, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=base_env,
                             stdin=subprocess.DEVNULL, cwd=str(data_dir))
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"steward {command} did not stop within {RUN_TIMEOUT_S} s on {redact(url)}: "
                    f"stdout {e.stdout!r} stderr {e.stderr!r}")
    return Outcome(args, res, data_dir)


def redact(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def files_containing(directory: Path, needle: str) -> list[str]:
    found = []
    for path in directory.rglob("*"):
        if path.is_file() and needle.encode() in path.read_bytes():
            found.append(str(path))
    return found


def assert_refused(out: Outcome, password: str | None, names: list[str], says: list[str]) -> str:
    """Exit 1, one non-log line on stderr naming each of `names` and saying one of `says` (case-insensitive), the
    password nowhere. Returns the line."""
    assert out.returncode == 1, f"expected exit status 1\n{out.describe()}"
    assert len(out.error_lines) == 1, f"expected exactly one error line on stderr\n{out.describe()}"
    line = out.error_lines[0]
    print(f"steward {out.args[1]}: {line}")
    for name in names:
        assert name in line, f"the error line does not name {name!r}: {line!r}"
    assert any(s.lower() in line.lower() for s in says), f"the error line does not say any of {says}: {line!r}"
    assert not [l for l in out.log_lines if re.search(r" (error|critical) ", l)], \
        f"besides the one line, errors were logged\n{out.describe()}"
    if password:
        assert password not in out.stdout and password not in out.stderr, f"the password was printed\n{out.describe()}"
        leaked = files_containing(out.data_dir, password)
        assert not leaked, f"the password was written to {leaked}"
    return line


def where(host: str, port: int, database: str) -> list[str]:
    """What an error line must name: host, port and database (as `host:port/database`)."""
    return [f"{host}:{port}/{database}"]


# -- URLs that are not right ------------------------------------------------------------------------------------------

def test_a_url_that_is_not_postgres_is_refused(cluster):
    pw = secret()
    out = run_steward(f"mysql://steward:{pw}@{cluster.host}:{cluster.port}/steward")
    line = assert_refused(out, pw, [], ["postgres://"])
    assert "mysql" in line, line


def test_a_url_without_a_database_is_refused(cluster):
    pw = secret()
    out = run_steward(f"postgres://steward:{pw}@{cluster.host}:{cluster.port}/?sslmode=require")
    assert_refused(out, pw, [], ["names no database", "database"])


def test_an_unknown_sslmode_is_refused(cluster):
    pw = secret()
    out = run_steward(f"postgres://steward:{pw}@{cluster.host}:{cluster.port}/steward?sslmode=sometimes")
    line = assert_refused(out, pw, [], ["sslmode"])
    assert "sometimes" in line, line


# -- the server says no -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["serve", "device list"])
def test_a_wrong_password_is_refused_without_printing_it(cluster, command):
    pw = secret()
    out = run_steward(cluster.database_url(cluster.admin_database, password=pw), command)
    assert_refused(out, pw, where(cluster.host, cluster.port, cluster.admin_database),
                   ["password authentication failed"])


def test_a_wrong_password_from_the_environment_or_a_file_is_not_printed(cluster, tmp_path):
    pw = secret()
    url = cluster.database_url(cluster.admin_database)
    out = run_steward(url, env={"STEWARD_DATABASE_PASSWORD": pw})
    assert_refused(out, pw, where(cluster.host, cluster.port, cluster.admin_database), ["password authentication failed"])
    file = tmp_path / "pw"
    file.write_text(pw + "\n")
    out = run_steward(url, env={"STEWARD_DATABASE_PASSWORD_FILE": str(file)})
    assert_refused(out, pw, where(cluster.host, cluster.port, cluster.admin_database), ["password authentication failed"])


@pytest.mark.parametrize("command", ["serve", "tenant list"])
def test_a_database_that_does_not_exist_is_named(cluster, command):
    missing = f"stw_missing_{uuid.uuid4().hex[:10]}"
    out = run_steward(cluster.database_url(missing, password=cluster.password), command)
    assert_refused(out, cluster.password, where(cluster.host, cluster.port, missing), ["does not exist"])


def test_a_role_that_may_not_create_tables_is_refused(cluster):
    """PostgreSQL 15 gives no CREATE on schema `public` to anyone but its owner: a role that may connect to a
    database owned by someone else cannot make Steward's tables (SQLSTATE 42501)."""
    role = f"nopriv_{uuid.uuid4().hex[:10]}"
    pw = secret()
    database = cluster.create_database("nopriv")
    cluster.psql(f"CREATE ROLE {role} LOGIN PASSWORD '{pw}'")
    try:
        out = run_steward(cluster.database_url(database, user=role, password=pw))
        line = assert_refused(out, pw, where(cluster.host, cluster.port, database), ["42501", "permission denied"])
        assert role in line or "permission" in line.lower(), line
        assert cluster.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database) == "0", \
            "a refused start-up left tables behind"
    finally:
        cluster.drop_database(database)
        cluster.psql(f"DROP ROLE IF EXISTS {role}", check=False)


def test_a_schema_newer_than_the_binary_is_refused_naming_both_versions(cluster, steward_db):
    """A database a newer Steward wrote (`steward_schema` at version 999) is not touched by an older binary."""
    source = steward_db.pg_database
    database = cluster.create_database("newer")
    try:
        # The same schema as Steward made it, then a version from the future.
        scratch = Path(tempfile.mkdtemp(prefix="steward-pgerr-"))
        _DATA_DIRS.append(scratch)
        dump = cluster.pg_dump(source, scratch / "schema.sql", schema_only=True)
        cluster.load(database, dump)
        current = cluster.value("SELECT max(version) FROM steward_schema", source)
        assert current and int(current) >= 1, current
        cluster.psql(f"INSERT INTO steward_schema(version, name, applied_time) VALUES ({current}, 'steward', 0), "
                     "(999, 'from the future', 0)", database)
        tables_before = cluster.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database)
        out = run_steward(cluster.database_url(database, password=cluster.password))
        line = assert_refused(out, cluster.password, where(cluster.host, cluster.port, database), ["newer", "version"])
        assert "999" in line and re.search(rf"\b{current}\b", line), f"the line does not name both versions: {line!r}"
        assert cluster.value("SELECT max(version) FROM steward_schema", database) == "999"
        assert cluster.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database) == tables_before
    finally:
        cluster.drop_database(database)


# -- the server is not PostgreSQL, or not with TLS ------------------------------------------------------------------------

class FakeServer:
    """A TCP listener on 127.0.0.1 that is not PostgreSQL: `garbage` answers whatever comes with an HTTP error;
    `no-tls` answers PostgreSQL's SSLRequest with 'N' (no TLS here) and then waits for a plain start-up."""

    def __init__(self, mode: str):
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.closed = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket):
        conn.settimeout(10)
        try:
            first = conn.recv(1024)
            self.received.append(first)
            if self.mode == "no-tls" and len(first) >= 8 and first[4:8] == bytes.fromhex("04d2162f"):
                conn.sendall(b"N")
                self.received.append(conn.recv(4096))  # a client that gives up on TLS must not go on
            else:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.closed = True
        self.sock.close()


@pytest.mark.parametrize("sslmode", ["disable", "require"])
def test_a_server_that_is_not_postgres_is_named(cluster, sslmode):
    fake = FakeServer("garbage")
    pw = secret()
    try:
        out = run_steward(cluster.database_url("steward", password=pw, host="127.0.0.1", port=fake.port,
                                               sslmode=sslmode, sslrootcert=""))
    finally:
        fake.close()
    assert fake.received, "Steward never connected to the listener"
    # The line must say the server does not speak PostgreSQL's protocol (or, when TLS was asked for, that the answer
    # to the TLS request was not one); "serverClosedConnection" alone is postgres-nio's name for what happened.
    says = ["PostgreSQL", "protocol", "unexpected"] + (["TLS", "SSL"] if sslmode != "disable" else [])
    assert_refused(out, pw, where("127.0.0.1", fake.port, "steward"), says)


def test_stewards_own_mqtt_port_is_not_postgres(cluster, steward_db):
    pw = secret()
    port = steward_db.mqtt_port
    out = run_steward(cluster.database_url("steward", password=pw, host="127.0.0.1", port=port, sslmode="disable",
                                           sslrootcert=""))
    # "serverClosedConnection" alone is postgres-nio's name for what happened, not a reason an operator can act on.
    assert_refused(out, pw, where("127.0.0.1", port, "steward"), ["PostgreSQL", "protocol", "unexpected"])
    assert steward_db.alive(), "Steward's MQTT listener fell over from a PostgreSQL client"


@pytest.mark.parametrize("sslmode", ["require", "verify-full"])
def test_a_server_without_tls_is_refused_when_tls_is_required(cluster, sslmode):
    fake = FakeServer("no-tls")
    pw = secret()
    query = {"sslmode": sslmode}
    if sslmode == "require":
        query["sslrootcert"] = ""
    try:
        out = run_steward(cluster.database_url("steward", password=pw, host="127.0.0.1", port=fake.port, **query))
    finally:
        fake.close()
    assert fake.received and fake.received[0][4:8] == bytes.fromhex("04d2162f"), \
        f"Steward did not ask for TLS first: {fake.received[:1]}"
    assert all(not chunk for chunk in fake.received[1:]), \
        f"Steward went on without TLS after the server refused it: {fake.received[1:]}"
    line = assert_refused(out, pw, where("127.0.0.1", fake.port, "steward"), ["TLS", "SSL"])
    assert sslmode in line or "TLS" in line, line
