"""Reset Account in a real browser: an admin opens a user's calendar tab, answers the two
questions, reads the counts on the confirmation step, confirms, and sees the account reset
(events deleted here, Outlook untouched, the account disconnected)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User
from calsync.calendars.models import Event
from calsync.outlook.models import OutlookAccount, SyncRecord, SyncRun
from graph_emulator.testing import EmulatorServer

from .conftest import PASSWORD, pretend_connected, set_up_outlook, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def admin(transactional_db: None) -> User:
    return do_create_user("root@example.com", PASSWORD, name="Root Admin", admin=True)


@pytest.fixture
def synced(emulator: EmulatorServer, transactional_db: None) -> SyncWorld:
    """Chi, with two events synced both ways and a token cache (as if connected)."""
    emulator.reset()
    set_up_outlook()
    world = SyncWorld(emulator, "chi@contoso.test", "Chi Pham")
    world.create(title="Planning", start=at(2), end=at(2, 10))
    world.outlook_create(
        {"subject": "Dentist", "start": graph_time(at(3)), "end": graph_time(at(3, 10))}
    )
    assert world.sync().ok
    pretend_connected(world.account.pk, oid="chi-oid", tid="tid")
    return world


def test_admin_runs_the_wizard_in_chromium(
    context: BrowserContext, live_server: Any, admin: User, synced: SyncWorld
) -> None:
    signed = signed_in(context, live_server.url, admin.email)
    page = signed.page
    page.goto(f"{live_server.url}/users/{synced.user.pk}/calendar")
    wizard = page.locator("#reset-account")
    expect(wizard.get_by_role("heading", name="Reset Account")).to_be_visible()
    expect(page.locator("#user-health")).to_contain_text("Healthy")

    wizard.get_by_label("Delete from calsync").check()
    wizard.get_by_label("Synchronize all existing events").check()
    wizard.locator("#reset-button").click()

    confirm = page.locator("#reset-confirm")
    expect(confirm).to_be_visible()
    expect(page.locator("#reset-local-count")).to_contain_text("2 events deleted from calsync")
    expect(page.locator("#reset-outlook-count")).to_contain_text("0 events deleted from Outlook")
    expect(page.locator("#reset-mail-count")).to_contain_text("0 cancellation mails")
    assert len(synced.records()) == 2  # the confirmation step changed nothing

    page.locator("#reset-confirm-button").click()
    expect(page.locator("#user-calendar-message")).to_contain_text("Reset done")
    expect(page.locator("#user-health")).to_contain_text("Not connected")
    expect(page.locator(".sync-run").first).to_contain_text("Reset Account")

    assert not Event.objects.filter(owner=synced.user).exists()
    assert sorted(e["subject"] for e in synced.outlook_events()) == ["Dentist", "Planning"]
    account = OutlookAccount.objects.get(pk=synced.account.pk)
    assert not account.has_tokens and account.sync_created_after is None
    assert not SyncRecord.objects.filter(account=account).exists()
    assert SyncRun.objects.filter(account=account, trigger="reset").count() == 1
    signed.assert_no_errors()
