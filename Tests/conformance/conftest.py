"""Shared fixtures for the Steward conformance suite (loaded for sdk/ and protocol/)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from steward_harness import BACKEND, StewardServer, Tenant, serving  # noqa: E402


def pytest_report_header(config):
    if BACKEND == "postgres":
        return f"steward backend: postgres (a database per server on {os.environ.get('STEWARD_TEST_DATABASE_URL')})"
    return "steward backend: sqlite"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sqlite_only(reason): a test about SQLite's own files (WAL, file modes, byte scans of "
        "steward.sqlite*, the SQLite quota); skipped on the PostgreSQL pass (STEWARD_TEST_BACKEND=postgres) "
        "with its reason")


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is None:
            continue
        reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
        if not reason:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.sqlite_only needs reason=… (why not on PostgreSQL)")
        if BACKEND == "postgres":
            item.add_marker(pytest.mark.skip(reason=f"sqlite_only: {reason}"))


@pytest.fixture(scope="module")
def server(request):
    """One Steward server per test module, on a fresh temporary data dir."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    srv = StewardServer(name)
    request.node._steward_servers = [srv]
    yield from serving(srv)


@pytest.fixture(scope="module")
def tenant(server) -> Tenant:
    """A tenant (with a tenant-admin user) private to the test module."""
    return Tenant(server)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        servers = []
        for name in ("server", "tls_server", "durable_server"):
            srv = item.funcargs.get(name) if hasattr(item, "funcargs") else None
            if isinstance(srv, StewardServer):
                servers.append(srv)
        for srv in servers:
            rep.sections.append((f"steward log ({srv.name})", srv.log_tail(80)))
