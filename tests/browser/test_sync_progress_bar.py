"""The panel's progress bar in Chromium: a user opens the calendar before their first sync;
while a sync of 100 events runs, the panel shows how far it is, and when it ends the page
reloads with the run in the sync log. In English on a laptop and Vietnamese on a phone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.integration.sync_world import SyncWorld, at

from graph_emulator.testing import EmulatorServer

from .conftest import Screen, pretend_connected, set_up_outlook, signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def lan(emulator: EmulatorServer, transactional_db: None) -> SyncWorld:
    """Lan, connected (a token cache) but never synced, with 100 events to push."""
    emulator.reset()
    set_up_outlook()
    world = SyncWorld(emulator, "lan@contoso.test", "Lan Vo")
    for n in range(100):
        world.create(title=f"Visit {n}", start=at(1 + n % 25, 8), end=at(1 + n % 25, 9))
    pretend_connected(world.account.pk)
    return world


def test_the_panel_shows_a_running_sync_and_its_result(
    screen: Screen, live_server: Any, lan: SyncWorld, emulator: EmulatorServer
) -> None:
    signed = signed_in(screen.context, live_server.url, lan.email, "pw-calsync")
    page = signed.page
    panel = page.locator("#outlook-panel")
    expect(panel).to_have_attribute("data-first-sync", "true")
    expect(page.locator("#outlook-progress")).to_be_hidden()

    emulator.set_faults(processing_ms=60)  # 100 creates, 4 at a time: a few seconds
    outcome: dict[str, Any] = {}
    sync = threading.Thread(target=lambda: outcome.update(summary=lan.sync()))
    sync.start()
    try:
        bar = page.locator("#outlook-progress")
        expect(bar).to_be_visible()
        label = bar.locator(".progress-label")
        expect(label).to_contain_text(
            screen.text("Sending changes to Outlook", "Đang gửi các thay đổi tới Outlook")
        )
        expect(label).to_contain_text(screen.text("of 100", "/100"))
    finally:
        sync.join()
        emulator.set_faults()
    assert outcome["summary"].ok, outcome["summary"].errors
    # the run ended: the page reloads by itself and the log shows the run
    expect(page.locator("#outlook-log")).to_contain_text("100", timeout=15_000)
    expect(page.locator("#outlook-progress")).to_be_hidden()
    expect(panel).to_have_attribute("data-first-sync", "false")
    signed.assert_no_errors()
