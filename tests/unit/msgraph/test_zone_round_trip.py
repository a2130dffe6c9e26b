"""Every IANA zone Windows maps (CLDR windowsZones, as ``tzlocal.windows_tz`` has it) goes
to Outlook and back (the emulator's calendar model: POST /me/events, then the event as Graph
shows it) with no change of instant, no conflict and no write, with or without a zone hint
(a reset drops the hints: then the engine's relink must see no change either)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.graph_emulator.calendar_helpers import make_store
from tzlocal.windows_tz import tz_win

from calsync.msgraph import mapping, zones
from calsync.syncengine import (
    Conflict,
    EventData,
    LocalItem,
    LocalSnapshot,
    Person,
    Policy,
    RemoteSnapshot,
    UpdateLocal,
    UpdateRemote,
    plan,
)
from calsync.syncengine import zones as engine_zones
from calsync.syncengine.status import Status
from graph_emulator.calendar.serialize import View, event_json

MAILBOX = "an@contoso.test"
ME = Person(MAILBOX, "An")
ZONES = sorted(zone for zone in tz_win if zone)
RULES = [
    None,
    "FREQ=DAILY;COUNT=5",
    "FREQ=WEEKLY;COUNT=20",
    "FREQ=WEEKLY;INTERVAL=2",
    "FREQ=MONTHLY;COUNT=12",
    "FREQ=YEARLY;COUNT=3",
]
STORE = make_store(MAILBOX)
FAITHFUL: Counter[bool] = Counter()
"""How many events checked had a Windows zone with their offsets all along (True) or not."""
NUMBERS = count()


@st.composite
def events(draw: st.DrawFn, zone: st.SearchStrategy[str]) -> EventData:
    """An event in ``zone``: timed (any length up to three days) or all-day, maybe a series
    (monthly and yearly ones start by the 28th: Outlook cannot repeat a later day of the
    month as calsync's rule does, a refusal tested elsewhere)."""
    name = draw(zone)
    rule = draw(st.sampled_from(RULES))
    last_day = 28 if rule and ("MONTHLY" in rule or "YEARLY" in rule) else 31  # see below
    if draw(st.booleans()):
        first = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 1)))
        first = first.replace(day=min(first.day, last_day))
        days = draw(st.integers(1, 3))
        data = EventData("x", first, first + timedelta(days=days), name, all_day=True, organizer=ME)
    else:
        naive = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 1)))
        naive = naive.replace(day=min(naive.day, last_day), second=0, microsecond=0)
        start = naive.replace(tzinfo=ZoneInfo(name)).astimezone(UTC)
        end = start + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
        data = EventData("x", start, end, name, organizer=ME)
    if rule is None:
        return data
    return data.with_fields(
        {"recurrence": mapping.canonical_rrule(data.with_fields({"recurrence": rule}))}
    )


def through_outlook(data: EventData, hint: str | None) -> EventData:
    """``data`` created in Outlook by calsync, read back as calsync reads it."""
    body = mapping.create_body(data, f"uid-{next(NUMBERS)}", "planned")
    instance, _created = STORE.create_event(MAILBOX, body)
    read = event_json(instance, View(select=frozenset(mapping.MASTER_SELECT.split(","))))
    return mapping.remote_item(read, mailbox=MAILBOX, zone_hint=hint).data


def check(data: EventData) -> None:
    """Linked (with the hint) the event comes back equal; relinked after a reset (no hint)
    its instants are equal and plan() writes nothing and reports nothing. Outlook cannot
    hold a zone no Windows zone has all along a series (one whose rules changed over it,
    from 2000 to 2038 for a series with no end): then only the zone may differ."""
    span = engine_zones.span(data.start, data.end, data.recurrence)
    windows = zones.writable_zone(data.timezone, *span)
    faithful = engine_zones.same_zone(data.timezone, zones.named_zone(windows) or "", span)
    FAITHFUL[faithful] += 1
    linked = through_outlook(data, data.timezone)
    relinked = through_outlook(data, None)
    for back in (linked, relinked):
        assert (back.start, back.end, back.all_day) == (data.start, data.end, data.all_day)
    assert linked.timezone == data.timezone
    if faithful:
        assert linked == data, (data, linked)
        assert relinked.recurrence == data.recurrence
        assert not relink_writes(data, relinked)
    else:
        assert {name for write in relink_writes(data, relinked) for name in _fields(write)} <= {
            "timezone"
        }


def graph_can_say(data: EventData) -> bool:
    """False for the two things Graph's ``dateTimeTimeZone`` (a wall time and a zone)
    cannot carry in the zone calsync writes, whatever its name: an instant in the repeated
    hour when clocks go back (the wall time means its first pass), and an all-day event on
    a day whose midnight the zone skips (the Azores, Chile, Cuba...: the emulator refuses
    an all-day event that is not midnight to midnight)."""
    span = engine_zones.span(data.start, data.end, data.recurrence)
    tz = ZoneInfo(zones.named_zone(zones.writable_zone(data.timezone, *span)) or "UTC")
    for value in (data.start, data.end):
        if isinstance(value, datetime):
            if value.astimezone(tz).fold:
                return False
            continue
        midnight = datetime.combine(value, datetime.min.time())
        if midnight.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != (
            midnight
        ):
            return False
    return True


def _fields(action: object) -> set[str]:
    if isinstance(action, Conflict):
        return {action.field}
    return set(getattr(action, "fields", {}))


def relink_writes(ours: EventData, theirs: EventData) -> list[object]:
    """What plan() does when it links the two copies again with no status (a reset)."""
    from calsync.syncengine import RemoteItem

    now = datetime(2026, 1, 1, tzinfo=UTC)
    local = LocalItem("uid-1", "L1", 1, ours, True, now)
    remote = RemoteItem("R1", "ical", "ck", theirs, now, uid="uid-1")
    decided = plan(
        LocalSnapshot((local,), frozenset(), True),
        RemoteSnapshot((remote,), frozenset(), True, None),
        Status(),
        Policy(now=now),
    )
    written = (Conflict, UpdateLocal, UpdateRemote)
    return [
        action for item in decided.items for action in item.actions if isinstance(action, written)
    ]


@settings(max_examples=300, deadline=None)
@given(events(st.sampled_from(ZONES)))
def test_any_windows_mapped_zone_round_trips(data: EventData) -> None:
    assume(graph_can_say(data))
    check(data)


@settings(deadline=None)  # a long series' zone check is slow on a loaded machine, not wrong
@given(
    events(
        st.sampled_from(
            ["Asia/Ho_Chi_Minh", "Asia/Saigon", "Europe/Amsterdam", "America/Ciudad_Juarez"]
        )
    )
)
def test_zones_that_are_not_their_windows_zones_own_round_trip(data: EventData) -> None:
    assume(graph_can_say(data))
    check(data)


def test_every_windows_mapped_zone_round_trips_once() -> None:
    """Each of CLDR's zones, for a weekly series across this year's changes of offset."""
    start = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    for zone in ZONES:
        data = EventData("x", start, start + timedelta(hours=1), zone, organizer=ME)
        rule = mapping.canonical_rrule(data.with_fields({"recurrence": "FREQ=WEEKLY;COUNT=52"}))
        check(data.with_fields({"recurrence": rule}))
