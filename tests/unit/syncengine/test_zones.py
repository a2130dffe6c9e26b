"""Zones compared by their offsets over an event's span (syncengine.zones), and plan()
taking Outlook's spelling of our zone as ours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from tests.unit.syncengine.builders import (
    event,
    kinds,
    linked,
    local_item,
    local_snapshot,
    policy,
    remote_item,
    remote_snapshot,
)

from calsync.syncengine import Conflict, UpdateLocal, UpdateRemote, plan, zones
from calsync.syncengine.status import Status

WINTER = datetime(2026, 1, 12, 8, tzinfo=UTC)
SUMMER = datetime(2026, 7, 13, 8, tzinfo=UTC)


def hour_at(moment: datetime) -> tuple[datetime, datetime]:
    return zones.span(moment, moment + timedelta(hours=1))


def test_zones_with_the_same_offsets_are_the_same_zone() -> None:
    assert zones.same_zone("Asia/Ho_Chi_Minh", "Asia/Bangkok", hour_at(WINTER))
    assert zones.same_zone("Europe/Berlin", "Europe/Amsterdam", zones.span(WINTER, SUMMER))
    assert not zones.same_zone("Asia/Ho_Chi_Minh", "Asia/Tokyo", hour_at(WINTER))
    assert not zones.same_zone("Europe/Paris", "No/Such_Zone", hour_at(WINTER))


def test_the_span_decides_whether_two_zones_agree() -> None:
    """Paris and Lagos share winter's offset, not summer's; Almaty left Tashkent's offset
    on 1 March 2024."""
    assert zones.same_zone("Europe/Paris", "Africa/Lagos", hour_at(WINTER))
    assert not zones.same_zone("Europe/Paris", "Africa/Lagos", hour_at(SUMMER))
    assert not zones.same_zone("Europe/Paris", "Africa/Lagos", zones.span(WINTER, SUMMER))
    almaty_winter = hour_at(datetime(2024, 1, 10, 6, tzinfo=UTC))
    almaty_spring = hour_at(datetime(2024, 5, 10, 6, tzinfo=UTC))
    assert not zones.same_zone("Asia/Almaty", "Asia/Tashkent", almaty_winter)
    assert zones.same_zone("Asia/Almaty", "Asia/Tashkent", almaty_spring)


def test_changes_at_another_hour_of_the_same_day_are_told_apart() -> None:
    """London and Lisbon change together (01:00 UTC); a zone changing an hour later does
    not agree with them on that day."""
    later = _shifted_europe_london(hours=1)
    change_day = zones.span(datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC))
    london = ZoneInfo("Europe/London")
    assert zones.agree(london, ZoneInfo("Europe/Lisbon"), *change_day)
    assert not zones.agree(london, later, *change_day)
    assert zones.agree(london, later, *hour_at(datetime(2026, 4, 2, tzinfo=UTC)))


def test_any_tzinfo_with_fromutc_can_be_compared() -> None:
    plus_seven = timezone(timedelta(hours=7))
    assert zones.agree(plus_seven, ZoneInfo("Asia/Bangkok"), *zones.span(WINTER, SUMMER))
    assert zones.offset_at(plus_seven, WINTER) == 7 * 3600


def test_spans_of_all_day_events_and_series() -> None:
    first, last = zones.span(date(2026, 5, 1), date(2026, 5, 2))
    assert (first, last) == (datetime(2026, 4, 30, tzinfo=UTC), datetime(2026, 5, 3, tzinfo=UTC))
    end = WINTER + timedelta(hours=1)
    assert zones.span(WINTER, end, "FREQ=WEEKLY;UNTIL=20260301T080000Z")[1] == datetime(
        2026, 3, 3, 1, tzinfo=UTC
    )
    counted = zones.span(WINTER, end, "FREQ=MONTHLY;INTERVAL=2;COUNT=3")[1]
    assert counted == WINTER + timedelta(days=31 * 6 + 1, hours=1)
    assert zones.span(WINTER, end, "FREQ=DAILY")[1].year == zones.HORIZON_YEAR + 1
    far = datetime(2090, 1, 1, tzinfo=UTC)
    assert zones.agree(
        ZoneInfo("Europe/Paris"), ZoneInfo("Europe/Berlin"), far, datetime.max.replace(tzinfo=UTC)
    )


def test_a_comparison_is_cheap_once_the_years_are_known() -> None:
    import time

    series = zones.span(WINTER, WINTER + timedelta(hours=1), "FREQ=WEEKLY")
    zones.same_zone("Asia/Ho_Chi_Minh", "Asia/Bangkok", series)
    began = time.perf_counter()
    for _ in range(1000):
        zones.same_zone("Asia/Ho_Chi_Minh", "Asia/Bangkok", series)
    assert time.perf_counter() - began < 1.0


# -- plan() ------------------------------------------------------------------------------------

HANOI = "Asia/Ho_Chi_Minh"
BANGKOK = "Asia/Bangkok"


def test_a_relink_with_outlooks_spelling_of_our_zone_is_no_conflict() -> None:
    """After a reset, Outlook's Asia/Bangkok for our Asia/Ho_Chi_Minh: linked, nothing written."""
    data = event("Giao ban", timezone=HANOI, recurrence="FREQ=WEEKLY;COUNT=10")
    mine = local_item(data, uid="uid-1")
    theirs = remote_item(data.with_fields({"timezone": BANGKOK}), uid="uid-1")
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status(), policy())
    assert kinds(decided) == ["Link"]
    (item,) = decided.items
    assert item.entry is not None and item.entry.base.timezone == HANOI
    adopted = replace(theirs, data=theirs.data.with_fields({"timezone": HANOI}))
    assert item.entry.remote_hash == adopted.state_hash()


def test_a_change_in_outlook_spelled_with_another_name_of_our_zone_changes_only_itself() -> None:
    data = event("Hop", timezone=HANOI)
    _mine, theirs, entry = linked(data)
    edited = data.with_fields({"title": "Hop moi", "timezone": BANGKOK})
    theirs = replace(theirs, data=edited, change_key="ck2")
    decided = plan(local_snapshot(), remote_snapshot(theirs), Status([entry]), policy())
    (update,) = decided.items[0].actions
    assert isinstance(update, UpdateLocal) and update.fields == {"title": "Hop moi"}
    assert decided.items[0].entry is not None
    assert decided.items[0].entry.base.timezone == HANOI


def test_a_real_change_of_zone_in_outlook_comes_here() -> None:
    data = event("Hop", timezone=HANOI)
    _mine, theirs, entry = linked(data)
    theirs = replace(theirs, data=data.with_fields({"timezone": "Asia/Tokyo"}), change_key="c2")
    decided = plan(local_snapshot(), remote_snapshot(theirs), Status([entry]), policy())
    (update,) = decided.items[0].actions
    assert isinstance(update, UpdateLocal) and update.fields == {"timezone": "Asia/Tokyo"}


def test_renaming_our_zone_to_one_with_the_same_offsets_writes_nothing_to_outlook() -> None:
    data = event("Hop", timezone=BANGKOK)
    mine, _theirs, entry = linked(data)
    mine = replace(mine, data=data.with_fields({"timezone": HANOI}), version=2)
    decided = plan(local_snapshot(mine), remote_snapshot(), Status([entry]), policy())
    assert not any(isinstance(a, UpdateRemote) for a in decided.actions)
    (item,) = decided.items
    assert item.entry is not None and item.entry.base.timezone == HANOI


@pytest.mark.parametrize(("recurrence", "conflicts"), [(None, 0), ("FREQ=WEEKLY;COUNT=30", 1)])
def test_zones_that_part_ways_within_a_series_differ(
    recurrence: str | None, conflicts: int
) -> None:
    """Paris and Lagos agree for a January hour, not for a series running into summer."""
    start = WINTER
    data = event("Jour", timezone="Europe/Paris", recurrence=recurrence).with_fields(
        {"start": start, "end": start + timedelta(hours=1)}
    )
    mine = local_item(data)
    theirs = remote_item(data.with_fields({"timezone": "Africa/Lagos"}), uid="uid-1")
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status(), policy())
    found = [a for a in decided.items[0].actions if isinstance(a, Conflict)]
    assert len(found) == conflicts


def _shifted_europe_london(hours: int) -> tzinfo:
    """A tzinfo like Europe/London whose changes come ``hours`` later (UTC)."""
    london = ZoneInfo("Europe/London")
    shift = timedelta(hours=hours)

    class Later(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta | None:
            raise NotImplementedError("zones reads offsets through fromutc only")

        def dst(self, dt: datetime | None) -> timedelta | None:
            return None

        def fromutc(self, dt: datetime) -> datetime:
            offset = (dt.replace(tzinfo=UTC) - shift).astimezone(london).utcoffset()
            assert offset is not None
            return dt + offset

    return Later()


def test_a_repeated_wall_time_is_told_from_others() -> None:
    """Paris, 2026-10-25: 02:00-03:00 happens twice (00:00-01:00 and 01:00-02:00 UTC); the
    skipped 02:30 of 2026-03-29 has no instant; a date is never ambiguous."""
    first, second = (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    assert zones.repeated_wall_time(first, "Europe/Paris") and zones.repeated_wall_time(
        second, "Europe/Paris"
    )
    assert not zones.repeated_wall_time(datetime(2026, 10, 25, 2, 0, tzinfo=UTC), "Europe/Paris")
    assert not zones.repeated_wall_time(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Europe/Paris")
    assert not zones.repeated_wall_time(second, "UTC") and not zones.repeated_wall_time(
        second, "Asia/Tokyo"
    )
    assert not zones.repeated_wall_time(date(2026, 10, 25), "Europe/Paris")
    assert zones.ambiguous(datetime(2026, 10, 24, 23, 0, tzinfo=UTC), first, "Europe/Paris")
