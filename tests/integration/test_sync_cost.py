"""A no-change sync costs what its account holds, not what the database holds: the snapshot
reads the account's own events, sync records and links through indexes (the database's
own plan, EXPLAINed), and its number of queries does not grow with the calendar or with
other accounts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.accounts.actions import do_create_user
from calsync.calendars.calendar_list import default_calendar
from calsync.calendars.models import Attendee, Event
from calsync.outlook.models import OutlookAccount, OutlookLink, SyncRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABLES = ("calendars_event", "outlook_syncrecord", "outlook_outlooklink", "calendars_attendee")


def fill_other_account(email: str, count: int) -> None:
    """``count`` synced events of another user (events, attendees, sync records, links),
    in bulk."""
    user = do_create_user(email, "pw-calsync", name=email)
    account = OutlookAccount.objects.create(user=user, mailbox=email, display_name=email)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    calendar = default_calendar(user)
    made = Event.objects.bulk_create(
        Event(owner=user, calendar=calendar, title=f"Other {n}", start=start + timedelta(hours=n),
              end=start + timedelta(hours=n, minutes=30))
        for n in range(count)
    )  # fmt: skip
    SyncRecord.objects.bulk_create(
        SyncRecord(account=account, uid=str(e.uid), event=e, local_id=str(e.pk),
                   remote_id=f"AAMk-{email}-{e.pk}", base={}, local_version=1,
                   remote_hash="0" * 64, synced_at=start)
        for e in made
    )  # fmt: skip
    OutlookLink.objects.bulk_create(
        OutlookLink(event=e, account=account, remote_id=f"AAMk-{email}-{e.pk}") for e in made
    )
    Attendee.objects.bulk_create(
        Attendee(event=e, email=f"guest{n % 500}@fabrikam.test") for n, e in enumerate(made)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def full_scans(sql: str) -> list[str]:
    """The database's plan for ``sql`` when it reads a whole table of ours, else []."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}")
            lines = [row[0] for row in cursor.fetchall()]
            found = [line for line in lines for t in TABLES if f"Seq Scan on {t}" in line]
            return lines if found else []
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        lines = [str(row[-1]) for row in cursor.fetchall()]
        # SQLite: "SCAN t" reads the table; "SEARCH t USING ..." goes through an index
        found = [line for line in lines for t in TABLES if line.startswith(f"SCAN {t}")]
        return lines if found else []


def quiet_sync_queries(world: SyncWorld) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        summary = world.sync()
    assert summary.ok and summary.graph_requests == 1, summary.errors  # the delta, no more
    assert summary.pulled == summary.pushed == {"created": 0, "updated": 0, "deleted": 0}
    return [q["sql"] for q in queries.captured_queries]


def test_a_quiet_sync_reads_its_own_rows_through_indexes(emulator: Any) -> None:
    world = SyncWorld(emulator, "pat@contoso.test", "Pat Quinn")
    for n in range(5):
        world.create(title=f"Mine {n}", start=at(1 + n, 9), end=at(1 + n, 10))
    world.outlook_create(
        {"subject": "From Outlook", "start": graph_time(at(9, 9)), "end": graph_time(at(9, 10))}
    )
    assert world.sync().ok
    fill_other_account("other@contoso.test", 20_000)
    scans = {}
    for sql in quiet_sync_queries(world):
        if sql.lstrip().upper().startswith("SELECT") and any(t in sql for t in TABLES):
            found = full_scans(sql)
            if found:
                scans[sql] = found
    assert not scans, "\n\n".join(f"{sql}\n" + "\n".join(plan) for sql, plan in scans.items())


def test_a_quiet_sync_makes_as_many_queries_whatever_the_sizes(emulator: Any) -> None:
    small = SyncWorld(emulator, "pat@contoso.test", "Pat Quinn")
    small.create(title="Mine", start=at(1, 9), end=at(1, 10))
    big = SyncWorld(emulator, "sam@contoso.test", "Sam Lee")
    for n in range(60):
        big.create(title=f"Mine {n}", start=at(1 + n % 20, 8 + n % 8), end=at(2 + n % 20, 9))
    for world in (small, big):  # the push, then its echo in the next delta
        assert world.sync().ok and world.sync().ok
    few = len(quiet_sync_queries(small))
    assert len(quiet_sync_queries(big)) == few
    fill_other_account(f"other-{uuid.uuid4().hex[:6]}@contoso.test", 3_000)
    assert len(quiet_sync_queries(small)) == few
    assert len(quiet_sync_queries(big)) == few


def test_the_mailbox_addresses_are_read_once_a_day_not_every_run(emulator: Any) -> None:
    world = SyncWorld(emulator, "pat@contoso.test", "Pat Quinn")  # no alias: no address row
    emulator.clear_stats()
    assert world.sync().graph_requests == 2  # GET /me, then the delta
    assert world.sync().graph_requests == 1
    a_day_ago = timezone.now() - timedelta(days=1, minutes=1)
    OutlookAccount.objects.filter(pk=world.account.pk).update(addresses_checked_at=a_day_ago)
    assert world.sync().graph_requests == 2
    assert emulator.stats()["by_route"]["GET /me"] == 2
