"""Shared fixtures for the Steward conformance suite (loaded for sdk/ and protocol/)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from steward_harness import StewardServer, Tenant  # noqa: E402


@pytest.fixture(scope="module")
def server(request):
    """One Steward server per test module, on a fresh temporary data dir."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    srv = StewardServer(name)
    request.node._steward_servers = [srv]
    try:
        srv.start()
    except Exception:
        srv.cleanup()
        raise
    yield srv
    srv.cleanup()


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
