"""Reaching Microsoft through a company's outbound proxy: with ``CALSYNC_HTTPS_PROXY`` (or
``HTTPS_PROXY``) set, the consent (MSAL's sign-in and token calls), ``GET /me`` and every sync
go through a real CONNECT proxy (proxy.py, a separate process), which logs each tunnel, and so
do the change-notification subscription's calls (created, renewed, deleted); with the
emulator's host in ``NO_PROXY`` nothing goes through it."""

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
from calsync.outlook.connection import actions as outlook_actions
from calsync.outlook.models import OutlookSubscription
from calsync.outlook.sync.run import run_sync
from calsync.outlook.triggers import subscriptions

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


def emulator_subscriptions(emulator: Any) -> list[dict[str, Any]]:
    with emulator.client() as http:
        return http.get(f"{emulator.url}/_emulator/subscriptions").json()


def _through_the_proxy(log: Path, emulator: Any, step: Any) -> Any:
    """Run ``step`` (calls to Graph) and check the proxy opened a tunnel to the emulator
    meanwhile (each step makes its own Graph client, so its own tunnel); returns its result."""
    before = tunnels(log, emulator)
    result = step()
    gc.collect()  # a client left to the collector closes its tunnel (logged when closed)
    assert wait_for(lambda: tunnels(log, emulator) > before, 10), "no tunnel: not proxied"
    return result


def test_subscription_calls_go_through_the_outbound_proxy(
    connect_proxy: tuple[str, Path],
    connect_by_consent: Any,
    emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    """Change notifications' subscription: created (POST), renewed (PATCH) and deleted at
    disconnection (DELETE), each through the proxy."""
    proxy, log = connect_proxy
    monkeypatch.setenv("CALSYNC_HTTPS_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    lan = connect_by_consent("lan@example.com", "Lan")
    settings.CALSYNC_NOTIFICATIONS = True
    keep = lambda: subscriptions.keep_alive(lan.account.pk)  # noqa: E731
    assert _through_the_proxy(log, emulator, keep) == subscriptions.CREATED
    row = OutlookSubscription.objects.get(account=lan.account)
    assert [s["id"] for s in emulator_subscriptions(emulator)] == [row.subscription_id]
    subscriptions.request_renewal(row.pk)
    assert _through_the_proxy(log, emulator, keep) == subscriptions.RENEWED
    disconnect = lambda: outlook_actions.do_disconnect(lan.user)  # noqa: E731
    _through_the_proxy(log, emulator, disconnect)
    assert emulator_subscriptions(emulator) == []
    assert not OutlookSubscription.objects.exists()


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
