"""The demo of ``make run``: it starts the emulator in-process, registers an app with this
server's redirect URI, configures Outlook, creates mailboxes with a week of meetings, and a
demo user can then connect and read them. A restart keeps mailboxes and grants."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from calsync.core import demo
from calsync.outlook.connection.graph import graph_client_for
from calsync.outlook.models import OutlookAccount, OutlookSettings

from .conftest import Browser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def var_dir(tmp_path: Any, monkeypatch: Any, settings: Any) -> Any:
    monkeypatch.setenv("CALSYNC_VAR_DIR", str(tmp_path))
    yield tmp_path
    demo.stop()


def connect_alice(live_server: Any, ca_path: str) -> None:
    browser = Browser(live_server.url, ca_path)
    try:
        browser.log_in("alice@example.com", demo.DEMO_PASSWORD)
        authorize = browser.press_sync_with_outlook().headers["location"]
        redirect = browser.sign_in_at_microsoft(authorize, "alice@example.com", demo.DEMO_PASSWORD)
        assert browser.follow_to_calsync(redirect).headers["location"] == "/"
        assert "Connected as alice@example.com" in browser.web.get("/").text
    finally:
        browser.close()


def alices_week() -> list[dict[str, Any]]:
    account = OutlookAccount.objects.get(user__email="alice@example.com")
    now = datetime.now(UTC)
    with graph_client_for(account) as graph:
        page = graph.get_json(
            "/me/calendarView",
            params={
                "startDateTime": (now - timedelta(days=8)).isoformat(),
                "endDateTime": (now + timedelta(days=8)).isoformat(),
                "$top": "200",
            },
        )
    return page["value"]


def test_demo_wires_everything_and_alice_connects(var_dir: Any, live_server: Any) -> None:
    started = time.monotonic()
    lines = list(demo.start(live_server.url, emulator_port=0))
    elapsed = time.monotonic() - started
    print(f"demo start took {elapsed:.2f}s")
    assert elapsed < 8  # ~1 s on a quiet machine; generous for a shared CI box
    assert any("Demo logins (password demo)" in line for line in lines)
    assert any("Created 9 demo meetings" in line for line in lines), lines
    emulator = demo._running[0]
    assert (var_dir / "emulator-certs" / "ca.pem").exists()

    row = OutlookSettings.load()
    assert row.enabled is True
    assert row.base_url == live_server.url
    assert row.authority_host == emulator.url
    assert row.graph_url == f"{emulator.url}/v1.0"
    assert row.ca_bundle == str(emulator.ca_path)
    client_id = row.client_id

    connect_alice(live_server, str(emulator.ca_path))
    subjects = {event["subject"] for event in alices_week()}
    # Alice organises some, and Bob's and Ada's invitations landed in her mailbox.
    assert {
        "Weekly planning",
        "Lunch with Bob",
        "Dentist",
        "Daily stand-up",
        "Design review: calendar sync",
        "Customer call: Contoso",
        "Sprint demo",
    } <= subjects
    assert "1:1 Ada / Bob" not in subjects

    # A restart keeps the app, the mailboxes (no duplicate meetings) and Alice's grant.
    demo.stop()
    lines = list(demo.start(live_server.url, emulator_port=0))
    assert not any("Created" in line for line in lines)
    assert OutlookSettings.load().client_id == client_id
    week = alices_week()
    assert len([e for e in week if e["subject"] == "Lunch with Bob"]) == 1


def test_demo_leaves_a_real_microsoft_setup_alone(var_dir: Any, live_server: Any) -> None:
    from calsync.outlook.connection import actions

    actions.do_update_settings(
        enabled=True,
        client_id="0b8f6a52-3c1e-4e0f-9d5e-6f1a2b3c4d5e",
        client_secret="real~secret",
        base_url="https://cal.example.com",
    )
    lines = list(demo.start(live_server.url, emulator_port=0))
    assert demo._running == []
    assert any("emulator is not started" in line for line in lines)
    row = OutlookSettings.load()
    assert (row.authority_host, row.base_url) == ("", "https://cal.example.com")
