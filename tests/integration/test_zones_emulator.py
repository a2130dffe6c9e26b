"""Every IANA zone Windows maps, through Outlook over real HTTPS with calsync's own write and
read paths (``OutlookCalendar.apply_remote``: $batch creates; ``collect``: a delta round,
series masters read): linked again after a reset, plan() finds nothing to write and no
conflict; with the zone hints of a linked calendar, every event comes back equal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.integration.sync_world import StaticToken
from tzlocal.windows_tz import tz_win

from calsync.msgraph import GraphClient, mapping
from calsync.msgraph.calendar import Linked, OutlookCalendar
from calsync.syncengine import (
    CreateRemote,
    EventData,
    LocalItem,
    LocalSnapshot,
    Person,
    Policy,
    RemoteItem,
    RemoteSnapshot,
    plan,
)
from calsync.syncengine.status import Status

pytestmark = [pytest.mark.e2e]

MAILBOX = "zones@example.com"
ZONES = sorted(zone for zone in tz_win if zone)


@pytest.fixture
def calendar(emulator: Any) -> Iterator[OutlookCalendar]:
    emulator.add_user(MAILBOX, "Zones", "pw")
    token = StaticToken(emulator.token_for(MAILBOX))
    with GraphClient(emulator.graph_url, token, verify=emulator.ca_path) as client:
        yield OutlookCalendar(client, MAILBOX)


def local_events(now: datetime) -> list[LocalItem]:
    """One event per zone: a weekly series through this year's changes of offset for every
    other zone, a single event of 90 minutes for the others, at varied hours."""
    items = []
    for number, zone in enumerate(ZONES):
        start = (now + timedelta(days=3 + number % 40)).replace(
            hour=number % 24, minute=15 * (number % 4), second=0, microsecond=0
        )
        data = EventData(
            f"E{number}",
            start,
            start + timedelta(minutes=90),
            zone,
            organizer=Person(MAILBOX, "Zones"),
        )
        if number % 2:
            rule = data.with_fields({"recurrence": "FREQ=WEEKLY;COUNT=40"})
            data = data.with_fields({"recurrence": mapping.canonical_rrule(rule)})
        items.append(LocalItem(f"uid-{number}", f"L{number}", 1, data, True, now))
    return items


def test_every_windows_mapped_zone_round_trips_over_https(calendar: OutlookCalendar) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    mine = local_events(now)
    creates = [CreateRemote(item.uid, item.data, item.local_id, f"t{item.uid}") for item in mine]
    outcomes = calendar.apply_remote(creates)
    assert all(isinstance(outcome, RemoteItem) for outcome in outcomes), outcomes[:3]
    made = {item.uid: outcome for item, outcome in zip(mine, outcomes, strict=True)}
    assert [made[item.uid].data for item in mine] == [item.data for item in mine]  # type: ignore[union-attr]

    after_reset = calendar.collect(None, now, Linked())
    assert not after_reset.invalid
    assert len(after_reset.items) == len(ZONES)
    decided = plan(
        LocalSnapshot(tuple(mine), frozenset(), True),
        RemoteSnapshot(after_reset.items, frozenset(), True, after_reset.window),
        Status(),
        Policy(now=now),
    )
    assert decided.conflicts == ()
    assert {type(action).__name__ for action in decided.actions} == {"Link"}
    by_uid = {item.uid: item for item in after_reset.items}
    for item in mine:
        back = by_uid[item.uid].data
        assert (back.start, back.end, back.recurrence) == (
            item.data.start,
            item.data.end,
            item.data.recurrence,
        )

    hints = {
        outcome.remote_id: item.data.timezone for item, outcome in zip(mine, outcomes, strict=True)
    }  # type: ignore[union-attr]
    linked = calendar.collect(None, now, Linked(zones=hints))
    assert {item.uid: item.data for item in linked.items} == {i.uid: i.data for i in mine}
