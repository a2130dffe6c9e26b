"""The sync log people read (calendar panel and the administrator's user page): quiet runs
fold into one line, runs with changes say what changed with plurals in both languages and
link to the events they wrote, a running run shows its progress, the admin's log is
paginated, and times are in the reader's zone."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User
from calsync.calendars import actions as calendar_actions
from calsync.outlook.connection import actions as outlook_actions
from calsync.outlook.models import OutlookAccount, SyncRecord, SyncRequest, SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> User:
    return do_create_user("alice@example.com", "pw-alice", name="Alice")


@pytest.fixture
def admin() -> User:
    return do_create_user("admin@example.com", "pw-admin", name="Ada", admin=True)


@pytest.fixture
def account(alice: User) -> OutlookAccount:
    outlook_actions.do_update_settings(
        enabled=True,
        client_id="0b8f6a52-3c1e-4e0f-9d5e-6f1a2b3c4d5e",
        client_secret="Qx8~abcDEF.ghiJKL_mnoPQR-stuVWX1234yz",
        base_url="http://testserver",
    )
    return outlook_actions.do_connect_account(
        alice,
        mailbox="alice@contoso.test",
        display_name="Alice",
        oid="oid-alice",
        tid="tid-1",
        home_account_id="oid-alice.tid-1",
        token_cache='{"RefreshToken": {}}',
    )


def run(account: OutlookAccount, minutes_ago: float, **fields: Any) -> SyncRun:
    started = timezone.now() - timedelta(minutes=minutes_ago)
    values = {
        "trigger": "schedule",
        "started_at": started,
        "finished_at": started + timedelta(seconds=2),
        "status": SyncRun.STATUS_OK,
        "ok": True,
        "graph_requests": 1,
        "seconds": 0.04,
        **fields,
    }
    return SyncRun.objects.create(account=account, **values)


def page_of(user: User, url: str, language: str = "en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    answer = client.get(url)
    assert answer.status_code == 200
    return unescape(answer.content.decode())


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_quiet_runs_fold_into_one_line_and_a_changed_run_names_its_events(
    alice: User, account: OutlookAccount
) -> None:
    for minute in range(40, 28, -1):  # 12 quiet runs, oldest first
        run(account, minute)
    event = calendar_actions.do_create_event(
        alice,
        {
            "title": "Dentist",
            "start": timezone.now() + timedelta(days=1),
            "end": timezone.now() + timedelta(days=1, hours=1),
        },
    )
    busy = run(account, 10, pulled_created=1, pushed_updated=2, graph_requests=3, invitations=1)
    SyncRecord.objects.create(
        account=account,
        uid=str(event.uid),
        event=event,
        local_id=str(event.pk),
        remote_id="AAMk-1",
        base={},
        local_version=1,
        remote_hash="h",
        synced_at=busy.started_at + timedelta(seconds=1),
    )
    for minute in (5, 4, 3):
        run(account, minute)
    html = page_of(alice, "/")
    log = text_of(html[html.index('id="outlook-log"') :])
    assert "3 syncs, no changes, last at" in log
    assert "12 syncs, no changes, last at" in log
    assert "From Outlook: 1 new. To Outlook: 2 changed." in log
    assert "Outlook sent 1 mail · 3 Graph requests · under 0.1 s" in log
    assert f'href="/?event={event.pk}"' in html and ">Dentist</a>" in html
    assert "mails by Outlook" not in log and "0 new" not in log


def test_plurals_in_both_languages(alice: User, account: OutlookAccount) -> None:
    run(account, 3, pushed_created=1, graph_requests=1, seconds=1.25)
    english = text_of(page_of(alice, "/"))
    assert "To Outlook: 1 new." in english and "1 Graph request ·" in english
    assert "1.2 s" in english or "1.3 s" in english
    vietnamese = text_of(page_of(alice, "/", "vi"))
    assert "Tới Outlook: 1 mới." in vietnamese and "1 yêu cầu Graph" in vietnamese


def test_a_running_run_shows_its_progress_not_seconds(alice: User, account: OutlookAccount) -> None:
    run(
        account,
        0.1,
        status=SyncRun.STATUS_RUNNING,
        finished_at=None,
        seconds=0,
        progress_done=3,
        progress_total=10,
    )
    log = text_of(page_of(alice, "/"))
    assert "Syncing now… 3 of 10" in log
    assert "0.00 s" not in log and "under 0.1 s" not in log


def test_the_admins_log_is_paginated(admin: User, alice: User, account: OutlookAccount) -> None:
    for n in range(50):
        run(account, 100 - n, pulled_updated=1)
    url = f"/users/{alice.pk}/calendar"
    first = page_of(admin, url)
    assert first.count('class="sync-run sync-ok"') == 20
    assert "Page 1 of 3" in first and 'href="?page=2"' in first
    last = page_of(admin, f"{url}?page=3")
    assert last.count('class="sync-run sync-ok"') == 10 and 'href="?page=2"' in last
    assert page_of(admin, f"{url}?page=nonsense").count('class="sync-run sync-ok"') == 20


def test_log_times_are_in_the_readers_zone(
    admin: User, alice: User, account: OutlookAccount
) -> None:
    done = run(account, 1, pushed_created=1)
    admin.time_zone = "Asia/Ho_Chi_Minh"
    admin.save()
    html = page_of(admin, f"/users/{alice.pk}/calendar", "vi")
    there = timezone.localtime(done.started_at, ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f">{there:%H:%M}</time>" in html


@pytest.mark.parametrize(
    ("minutes_ago", "asked"),
    [(None, True), (0.5, False), (2, True)],
    ids=["never-synced", "synced-30-s-ago", "synced-2-min-ago"],
)
def test_opening_the_calendar_asks_for_a_sync_unless_one_ran_in_the_last_minute(
    alice: User, account: OutlookAccount, minutes_ago: float | None, asked: bool
) -> None:
    if minutes_ago is not None:
        run(account, minutes_ago + 2 / 60)  # it ended minutes_ago (it took two seconds)
    page_of(alice, "/")
    assert SyncRequest.objects.filter(account=account, trigger="page").exists() is asked
