"""Helpers shared by the Steward conformance tests (both virtualenvs).

Starts/stops `steward serve` processes, wraps the admin CLI and offers small
REST/JWT helpers.  Only the standard library and `requests` are used here so
the module imports in both `.venv-sdk` and `.venv-paho`.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

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
# Server process
# --------------------------------------------------------------------------------------------

class StewardServer:
    """One `steward serve` process on a data dir; restartable (new ports on every start)."""

    verify: Any = True  # `verify` for requests to this server (TLS servers set the CA path)

    def __init__(self, name: str, data_dir: Path | None = None, tls: tuple[Path, Path] | None = None,
                 env: dict[str, str] | None = None):
        self.name = name
        self.binary = steward_binary()
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix=f"steward-{name}-"))
        self.tls = tls
        self.extra_env = dict(env or {})
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
        if self._own_dir and not os.environ.get("STEWARD_KEEP_DATA"):
            shutil.rmtree(self.data_dir, ignore_errors=True)

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


def running(name: str, env: dict[str, str] | None = None, **kwargs: Any):
    """A fixture body for a server with its own settings: `yield from running("name", env={...})` starts it,
    hands it to the tests and removes it afterwards, even when it fails to start."""
    srv = StewardServer(name, env=env, **kwargs)
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


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
