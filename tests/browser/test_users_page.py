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
from playwright.sync_api import expect

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User
from calsync.outlook.connection import actions as outlook_actions
from calsync.outlook.models import OutlookAccount, SyncRun

from .conftest import PASSWORD, TIMEZONE, Screen, set_up_outlook, signed_in

pytestmark = pytest.mark.browser

PARIS = ZoneInfo(TIMEZONE)
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"
"""The page is no wider than the screen (a phone never scrolls it sideways)."""


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
        graph_requests=1,
    )
    OutlookAccount.objects.filter(pk=account.pk).update(last_sync=now - timedelta(minutes=3))
    return account


def quiet_and_old_runs(account: OutlookAccount) -> datetime:
    """12 runs that changed nothing, 29–40 minutes ago (the last one's start returned), and
    25 older runs with changes, so the admin's log has two pages."""
    now = timezone.now()
    for hours in range(2, 27):
        started = now - timedelta(hours=hours)
        SyncRun.objects.create(
            account=account,
            trigger="schedule",
            started_at=started,
            finished_at=started + timedelta(seconds=2),
            status=SyncRun.STATUS_OK,
            ok=True,
            pulled_updated=1,
            graph_requests=2,
        )
    for minutes in range(40, 28, -1):
        started = now - timedelta(minutes=minutes)
        SyncRun.objects.create(
            account=account,
            trigger="schedule",
            started_at=started,
            finished_at=started + timedelta(seconds=2),
            status=SyncRun.STATUS_OK,
            ok=True,
            graph_requests=1,
        )
    return started


def clock(screen: Screen, moment: datetime) -> str:
    """``moment``'s hours and minutes as the page writes them (Paris: the reader's zone)."""
    here = moment.astimezone(PARIS)
    hour = here.hour if screen.language == "vi" else (here.hour % 12 or 12)
    return f"{hour:02d}:{here:%M}" if screen.language == "vi" else f"{hour}:{here:%M}"


def test_the_users_page_and_a_users_page_in_every_screen(
    every_screen: Screen,
    live_server: Any,
    admin: User,
    user: User,
    other_user: User,
    connected: OutlookAccount,
    api_as: Callable[[str], httpx.Client],
) -> None:
    """Item 5 of the page's issue, in one scenario per language and screen: the list with
    each user's Outlook state and last sync (in words, the exact time on hover); adding a
    user, deactivating and reactivating one, setting a password; then a user's page: their
    calendar read-only beside their sync log, quiet runs folded, plurals in the page's
    language, times in the reader's zone, two pages of log."""
    screen, text = every_screen, every_screen.text
    day = datetime.now(PARIS).replace(hour=10, minute=0, second=0, microsecond=0)
    api_as(user.email).post(
        "/api/events",
        json={
            "title": "Ana's planning",
            "start": day.isoformat(),
            "end": (day + timedelta(hours=1)).isoformat(),
            "timezone": TIMEZONE,
        },
    )
    last_quiet = quiet_and_old_runs(connected)
    page = signed_in(screen.context, live_server.url, admin.email).page
    page.get_by_role("link", name=text("Users", "Người dùng")).first.click()
    page.wait_for_url("**/users/")

    # the list
    table = page.locator("#users-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    ana = table.locator('tr[data-user="ana@example.com"]')
    expect(ana).to_contain_text("ana@contoso.test")
    expect(ana.locator(".health")).to_have_attribute("data-health", "ok")
    last_sync = ana.locator("time")
    expect(last_sync).to_have_text(text("3 minutes ago", "3 phút trước"))
    # the exact time on hover, in the reader's zone (Paris: their browser's at first login)
    synced = OutlookAccount.objects.get(pk=connected.pk).last_sync
    assert synced is not None
    hover = last_sync.get_attribute("title") or ""
    assert "T" not in hover and clock(screen, synced) in hover, hover
    assert str(synced.astimezone(PARIS).day) in hover, hover
    bao = table.locator('tr[data-user="bao@example.com"]')
    expect(bao.locator(".health")).to_have_attribute("data-health", "not_connected")
    # the table scrolls within the page: the page is never wider than the screen
    page.wait_for_function(FITS)

    # add a user
    form = page.locator("#add-user-form")
    form.locator("input[name=email]").fill("chi@example.com")
    form.locator("input[name=name]").fill("Chi Pham")
    form.locator("input[name=password]").fill("a long passphrase 42")
    form.get_by_role("button", name=text("Add", "Thêm")).click()
    message = page.locator("#users-message")
    expect(message).to_contain_text(
        text("chi@example.com can now log in", "chi@example.com giờ đã có thể đăng nhập")
    )
    assert User.objects.get(email="chi@example.com").check_password("a long passphrase 42")
    expect(table.locator("tbody tr")).to_have_count(4)

    # deactivate, reactivate, set a password
    deactivate, reactivate = text("Deactivate", "Vô hiệu hóa"), text("Reactivate", "Kích hoạt lại")
    ana.get_by_role("button", name=deactivate).click()
    expect(message).to_contain_text(text("can no longer log in", "không thể đăng nhập nữa"))
    user.refresh_from_db()
    assert not user.is_active
    ana.get_by_role("button", name=reactivate).click()
    expect(ana.get_by_role("button", name=deactivate)).to_be_visible()
    ana.locator("details.password-reset summary").click()
    ana.locator('input[name="password"]').fill("another passphrase 7")
    ana.locator("details.password-reset").get_by_role("button", name=text("Save", "Lưu")).click()
    expect(message).to_contain_text(text("New password set", "Đã đặt mật khẩu mới"))
    user.refresh_from_db()
    assert user.is_active and user.check_password("another passphrase 7")
    # the admin cannot lock themselves out
    mine = table.locator('tr[data-user="root@example.com"]')
    expect(mine.get_by_role("button", name=deactivate)).to_be_disabled()

    # Ana's page: her calendar, read-only, beside (on a phone: above) her log
    ana.get_by_role("link", name="Ana Lima").click()
    expect(page.locator("h1")).to_contain_text("Ana Lima")
    page.wait_for_selector("#readonly-calendar[data-ready=true]")
    expect(page.locator(".user-calendar-view")).to_contain_text(text("Read-only", "Chỉ xem"))
    event = page.locator("#readonly-calendar .fc-event", has_text="Ana's planning")
    expect(event).to_have_count(1)
    event.click()
    expect(page.locator("#readonly-event")).to_contain_text("Ana's planning")
    expect(page.locator("#event-dialog")).to_have_count(0)  # no editor on this page
    calendar_box = page.locator(".user-calendar-view").bounding_box()
    log_box = page.locator("#user-calendar").bounding_box()
    assert calendar_box and log_box
    if screen.phone:
        assert log_box["y"] >= calendar_box["y"] + calendar_box["height"] - 1
        page.wait_for_function(FITS)  # never wider than the screen
    else:
        assert log_box["x"] > calendar_box["x"] + calendar_box["width"] - 1  # side by side

    # the log: the run with changes in words, the 12 quiet ones as one line at Paris' clock
    log = page.locator("#user-calendar .sync-log")
    expect(log.locator(".sync-run").first).to_contain_text(
        text("To Outlook: 2 new.", "Tới Outlook: 2 mới.")
    )
    expect(log.locator(".sync-run").first).to_contain_text(
        text("1 Graph request", "1 yêu cầu Graph")
    )
    folded = log.locator(".sync-quiet")
    expect(folded).to_have_count(1)
    expect(folded).to_have_attribute("data-runs", "12")
    expect(folded).to_contain_text(
        text("12 syncs, no changes, last at", "12 lần đồng bộ hóa, không có thay đổi, lần cuối lúc")
    )
    expect(folded).to_contain_text(clock(screen, last_quiet))
    # paginated: 27 entries, 20 a page
    pager = page.locator("nav.pager")
    expect(pager).to_contain_text(text("Page 1 of 2", "Trang 1/2"))
    expect(log.locator(".sync-run")).to_have_count(20)
    pager.get_by_role("link", name=text("Older", "Cũ hơn")).click()
    expect(pager).to_contain_text(text("Page 2 of 2", "Trang 2/2"))
    older = page.locator("#user-calendar .sync-log .sync-run")
    expect(older).to_have_count(7)
    expect(older.first).to_contain_text(
        text("From Outlook: 1 changed.", "Từ Outlook: 1 đã thay đổi.")
    )
    expect(older.first).to_contain_text(text("2 Graph requests", "2 yêu cầu Graph"))
