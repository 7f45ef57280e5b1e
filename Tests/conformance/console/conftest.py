"""Fixtures for the console tests: a real SMTP sink and a Steward server that mails into it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from console_support import Account, ConsoleClient, ConsoleServer, SMTPSink, create_account  # noqa: E402
from steward_harness import serving  # noqa: E402


@pytest.fixture(scope="module")
def smtp():
    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def server(request, smtp):
    """One Steward server per module (fresh data dir) that mails into `smtp`; replaces the suite-wide
    `server` fixture so the failure hook still attaches its log."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    yield from serving(ConsoleServer(name, smtp))


@pytest.fixture
def client(server) -> ConsoleClient:
    c = ConsoleClient(server.base_url)
    yield c
    c.close()


@pytest.fixture
def new_account(server, smtp):
    """Factory: a confirmed, signed-in account made through the sign-up form."""
    made: list[Account] = []

    def make(**kw) -> Account:
        acct = create_account(server, smtp, **kw)
        made.append(acct)
        return acct

    yield make
    for a in made:
        a.client.close()

