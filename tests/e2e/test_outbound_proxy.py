"""Reaching Microsoft through a company's outbound proxy: with ``CALSYNC_HTTPS_PROXY`` (or
``HTTPS_PROXY``) set, the consent (MSAL's sign-in and token calls), ``GET /me`` and every sync
go through a real CONNECT proxy (proxy.py, a separate process), which logs each tunnel; with
the emulator's host in ``NO_PROXY`` nothing goes through it."""

from __future__ import annotations

import gc
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.integration.sync_world import at

from calsync.calendars import actions
from calsync.outlook.sync.run import run_sync

from .conftest import outlook_subjects
from .processes import wait_for
from .servers import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def connect_proxy(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A CONNECT proxy on loopback; yields its URL and its access log."""
    port, log = free_port(), tmp_path / "proxy.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", str(port),
         "--num-workers", "1", "--num-acceptors", "1", "--log-file", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=10)


def tunnels(log: Path, emulator: Any) -> int:
    """CONNECT tunnels the proxy opened to the emulator."""
    netloc = urlsplit(emulator.url).netloc
    text = log.read_text() if log.exists() else ""
    return text.count(f"CONNECT {netloc}")


def test_consent_and_sync_go_through_the_outbound_proxy(
    connect_proxy: tuple[str, Path],
    connect_by_consent: Any,
    emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy, log = connect_proxy
    monkeypatch.setenv("CALSYNC_HTTPS_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    lan = connect_by_consent("lan@example.com", "Lan")
    gc.collect()  # MSAL's session, unreferenced now, closes its tunnel (logged when closed)
    assert wait_for(lambda: tunnels(log, emulator) >= 2, 10)  # MSAL's token call, GET /me
    after_consent = tunnels(log, emulator)
    actions.do_create_event(lan.user, {"title": "Via the proxy", "start": at(2), "end": at(2, 10)})
    assert run_sync(lan.account, "test").ok
    assert outlook_subjects(emulator, lan.user.email) == ["Via the proxy"]
    assert wait_for(lambda: tunnels(log, emulator) > after_consent, 10)  # and Graph's calls


def test_no_proxy_names_hosts_that_go_straight(
    connect_proxy: tuple[str, Path],
    connect_by_consent: Any,
    emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy, log = connect_proxy
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    lan = connect_by_consent("lan@example.com", "Lan")
    actions.do_create_event(lan.user, {"title": "Straight", "start": at(2), "end": at(2, 10)})
    assert run_sync(lan.account, "test").ok
    assert tunnels(log, emulator) == 0
