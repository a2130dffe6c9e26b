"""The administrator's Users page (/users/) and a user's page in Chromium: every user with
their Outlook health, mailbox, last sync and last error; adding a user, deactivating one and
setting a password; and a user's calendar, read-only, beside their sync log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User
from calsync.outlook.connection import actions as outlook_actions
from calsync.outlook.models import OutlookAccount, SyncRun

from .conftest import PASSWORD, TIMEZONE, Screen, log_in, set_up_outlook, signed_in

pytestmark = pytest.mark.browser

PARIS = ZoneInfo(TIMEZONE)


@pytest.fixture
def admin(transactional_db: None) -> User:
    return do_create_user("root@example.com", PASSWORD, name="Root Admin", admin=True)


@pytest.fixture
def connected(user: User) -> OutlookAccount:
    """Ana connected to Outlook with a run 3 minutes ago, and a failed one before."""
    set_up_outlook()
    account = outlook_actions.do_connect_account(
        user,
        mailbox="ana@contoso.test",
        display_name="Ana Lima",
        oid="oid-ana",
        tid="tid-1",
        home_account_id="oid-ana.tid-1",
        token_cache='{"RefreshToken": {}}',
    )
    now = timezone.now()
    SyncRun.objects.create(
        account=account,
        trigger="schedule",
        started_at=now - timedelta(minutes=3),
        finished_at=now - timedelta(minutes=3),
        status=SyncRun.STATUS_OK,
        ok=True,
        pushed_created=2,
    )
    OutlookAccount.objects.filter(pk=account.pk).update(last_sync=now - timedelta(minutes=3))
    return account


def test_the_users_page_lists_everyone_with_their_outlook_state(
    screen: Screen, live_server: Any, admin: User, user: User, other_user: User, connected: Any
) -> None:
    page = signed_in(screen.context, live_server.url, admin.email).page
    page.get_by_role("link", name=screen.text("Users", "Người dùng")).first.click()
    table = page.locator("#users-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    ana = table.locator('tr[data-user="ana@example.com"]')
    expect(ana).to_contain_text("ana@contoso.test")
    expect(ana.locator(".health")).to_have_attribute("data-health", "ok")
    last_sync = ana.locator("time")
    expect(last_sync).to_have_text(screen.text("3 minutes ago", "3 phút trước"))
    # the exact time on hover, in the reader's zone (Paris: their browser's at first login)
    synced = OutlookAccount.objects.get(pk=connected.pk).last_sync.astimezone(PARIS)
    hover = last_sync.get_attribute("title") or ""
    assert "T" not in hover and f"{synced:%M}" in hover and str(synced.day) in hover, hover
    hour = synced.hour if screen.language == "vi" else (synced.hour % 12 or 12)
    assert f"{hour}:{synced:%M}" in hover, hover
    bao = table.locator('tr[data-user="bao@example.com"]')
    expect(bao.locator(".health")).to_have_attribute("data-health", "not_connected")
    ana.get_by_role("link", name="Ana Lima").click()
    expect(page.locator("h1")).to_contain_text("Ana Lima")


def test_adding_deactivating_and_setting_a_password(
    context: BrowserContext, browser: Any, live_server: Any, admin: User, user: User
) -> None:
    page = signed_in(context, live_server.url, admin.email).page
    page.goto(f"{live_server.url}/users/")
    form = page.locator("#add-user-form")
    form.get_by_label("Email").fill("chi@example.com")
    form.get_by_label("Name").fill("Chi Pham")
    form.get_by_label("Password").fill("a long passphrase 42")
    form.get_by_role("button", name="Add").click()
    expect(page.locator("#users-message")).to_contain_text("chi@example.com can now log in")
    assert User.objects.get(email="chi@example.com").check_password("a long passphrase 42")

    row = page.locator('tr[data-user="ana@example.com"]')
    row.get_by_role("button", name="Deactivate").click()
    expect(page.locator("#users-message")).to_contain_text("can no longer log in")
    user.refresh_from_db()
    assert not user.is_active
    row = page.locator('tr[data-user="ana@example.com"]')
    row.get_by_role("button", name="Reactivate").click()
    row = page.locator('tr[data-user="ana@example.com"]')
    row.locator("summary").click()
    row.locator('input[name="password"]').fill("another passphrase 7")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#users-message")).to_contain_text("New password set")
    user.refresh_from_db()
    assert user.is_active and user.check_password("another passphrase 7")
    # the admin cannot lock themselves out
    mine = page.locator('tr[data-user="root@example.com"]')
    expect(mine.get_by_role("button", name="Deactivate")).to_be_disabled()


def test_the_user_page_shows_their_calendar_read_only_beside_the_log(
    context: BrowserContext,
    live_server: Any,
    admin: User,
    user: User,
    connected: Any,
    api_as: Callable[[str], httpx.Client],
) -> None:
    day = datetime.now(ZoneInfo(TIMEZONE)).replace(hour=10, minute=0, second=0, microsecond=0)
    api_as(user.email).post(
        "/api/events",
        json={
            "title": "Ana's planning",
            "start": day.isoformat(),
            "end": (day + timedelta(hours=1)).isoformat(),
            "timezone": TIMEZONE,
        },
    )
    page = context.new_page()
    log_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/users/{user.pk}/calendar")
    page.wait_for_selector("#readonly-calendar[data-ready=true]")
    event = page.locator("#readonly-calendar .fc-event", has_text="Ana's planning")
    expect(event).to_have_count(1)
    event.click()
    expect(page.locator("#readonly-event")).to_contain_text("Ana's planning")
    expect(page.locator("#event-dialog")).to_have_count(0)  # no editor on this page
    expect(page.locator("#user-calendar .sync-log")).to_contain_text("To Outlook: 2 new.")
    calendar_box = page.locator(".user-calendar-view").bounding_box()
    log_box = page.locator("#user-calendar").bounding_box()
    assert calendar_box and log_box and log_box["x"] > calendar_box["x"]  # side by side
