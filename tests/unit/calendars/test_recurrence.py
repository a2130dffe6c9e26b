"""Series expansion in the event's time zone (no database: plain values)."""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calsync.calendars import recurrence
from calsync.calendars.recurrence import RuleError, SeriesTimes

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


@dataclass
class FakeSeries:
    recurrence: str
    timezone: str
    start: datetime
    end: datetime
    all_day: bool = False
    start_date: date | None = None
    end_date: date | None = None


def timed(rule: str, local_start: datetime, minutes: int, tz: ZoneInfo = PARIS) -> SeriesTimes:
    start = local_start.replace(tzinfo=tz).astimezone(UTC)
    end = (local_start + timedelta(minutes=minutes)).replace(tzinfo=tz).astimezone(UTC)
    return SeriesTimes.of(FakeSeries(rule, str(tz), start, end))


def all_day(rule: str, first: date, days: int, tz: ZoneInfo = PARIS) -> SeriesTimes:
    start = datetime.combine(first, datetime.min.time()).replace(tzinfo=tz)
    return SeriesTimes.of(
        FakeSeries(
            rule,
            str(tz),
            start,
            start + timedelta(days=days),
            True,
            first,
            first + timedelta(days=days),
        )
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_times(slots: list[recurrence.Slot], tz: ZoneInfo) -> list[str]:
    return [s.start.astimezone(tz).strftime("%Y-%m-%d %H:%M %z") for s in slots]


def test_weekly_series_stays_at_nine_local_across_spring_forward() -> None:
    series = timed("FREQ=WEEKLY;BYDAY=MO", datetime(2026, 3, 16, 9), 60)
    slots = list(recurrence.iter_slots(series, utc(2026, 3, 1), utc(2026, 4, 15)))
    assert local_times(slots, PARIS) == [
        "2026-03-16 09:00 +0100",
        "2026-03-23 09:00 +0100",
        "2026-03-30 09:00 +0200",
        "2026-04-06 09:00 +0200",
        "2026-04-13 09:00 +0200",
    ]
    assert slots[1].start == utc(2026, 3, 23, 8)
    assert slots[2].start == utc(2026, 3, 30, 7)
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


def test_weekly_series_stays_at_nine_local_across_fall_back() -> None:
    series = timed("FREQ=WEEKLY;BYDAY=FR", datetime(2026, 10, 23, 9), 30, NEW_YORK)
    slots = list(recurrence.iter_slots(series, utc(2026, 10, 20), utc(2026, 11, 14)))
    assert local_times(slots, NEW_YORK) == [
        "2026-10-23 09:00 -0400",
        "2026-10-30 09:00 -0400",
        "2026-11-06 09:00 -0500",
        "2026-11-13 09:00 -0500",
    ]


def test_occurrence_in_the_spring_gap_uses_the_offset_before_the_gap() -> None:
    series = timed("FREQ=DAILY;COUNT=3", datetime(2026, 3, 28, 2, 30), 30)
    slots = list(recurrence.iter_slots(series, utc(2026, 3, 27), utc(2026, 4, 1)))
    assert [s.start for s in slots] == [
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),  # 02:30 does not exist on the 29th: 03:30 CEST
        utc(2026, 3, 30, 0, 30),
    ]


def test_all_day_series_keeps_dates_and_local_midnights() -> None:
    series = all_day("FREQ=WEEKLY;COUNT=3", date(2026, 3, 21), 2)
    slots = list(recurrence.iter_slots(series, utc(2026, 3, 1), utc(2026, 5, 1)))
    assert [(s.start_date, s.end_date) for s in slots] == [
        (date(2026, 3, 21), date(2026, 3, 23)),
        (date(2026, 3, 28), date(2026, 3, 30)),
        (date(2026, 4, 4), date(2026, 4, 6)),
    ]
    assert slots[0].start == utc(2026, 3, 20, 23)  # midnight CET
    assert slots[2].start == utc(2026, 4, 3, 22)  # midnight CEST


def test_window_is_half_open_and_catches_overlapping_occurrences() -> None:
    series = timed("FREQ=DAILY", datetime(2026, 1, 1, 23), 120, ZoneInfo("UTC"))
    slots = list(recurrence.iter_slots(series, utc(2026, 1, 5), utc(2026, 1, 6)))
    # the one of the 4th runs past midnight into the window; the one of the 5th starts in it
    assert [s.start for s in slots] == [utc(2026, 1, 4, 23), utc(2026, 1, 5, 23)]
    assert list(recurrence.iter_slots(series, utc(2026, 1, 5, 1), utc(2026, 1, 5, 23))) == []


def test_open_ended_daily_series_far_in_the_future_is_fast_and_bounded() -> None:
    """CPU time of this thread: the work done, whatever else the machine runs."""
    series = timed("FREQ=DAILY", datetime(2020, 1, 1, 8), 15)
    began = clock.thread_time()
    slots = list(recurrence.iter_slots(series, utc(2399, 6, 1), utc(2399, 6, 8)))
    elapsed = clock.thread_time() - began
    assert len(slots) == 7
    assert slots[0].start.astimezone(PARIS).hour == 8
    assert elapsed < 0.5, elapsed


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=YEARLY;BYMONTH=3,4;BYDAY=TU",
        "FREQ=MONTHLY;BYDAY=2TU;COUNT=100000",
        "FREQ=DAILY;BYMONTHDAY=1,15;COUNT=1000000",
    ],
)
def test_a_series_begun_in_the_year_1000_is_walked_from_the_window(rule: str) -> None:
    """The walk starts in the window's period (at most a year before it here), not in the
    year 1000; COUNT is reduced by what it skips, so the window's occurrences are there."""
    series = timed(rule, datetime(1000, 3, 10, 9), 60)
    not_before = datetime(2026, 3, 1)
    first_walked = next(recurrence.wall_times(series, not_before=not_before))
    assert datetime(2025, 1, 1) <= first_walked < datetime(2026, 6, 1)
    slots = list(recurrence.iter_slots(series, utc(2026, 3, 1), utc(2026, 4, 1)))
    assert slots and all(slot.start.year == 2026 for slot in slots)


def test_open_ended_weekly_interval_keeps_its_phase_after_the_jump() -> None:
    series = timed("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH", datetime(2026, 1, 6, 10), 60)
    far = list(recurrence.iter_slots(series, utc(2100, 1, 1), utc(2100, 3, 1)))
    assert far
    # every occurrence is a whole number of 3-week cycles after the first week
    first_week_monday = date(2026, 1, 5)
    for slot in far:
        weeks = (slot.start.astimezone(PARIS).date() - first_week_monday).days // 7
        assert weeks % 3 == 0
        assert slot.start.astimezone(PARIS).strftime("%a %H:%M") in {"Tue 10:00", "Thu 10:00"}


def test_count_and_until_end_the_series() -> None:
    counted = timed("FREQ=DAILY;COUNT=5", datetime(2026, 6, 1, 9), 60)
    assert len(list(recurrence.iter_slots(counted, utc(2026, 1, 1), utc(2027, 1, 1)))) == 5
    assert recurrence.last_end(counted) == utc(2026, 6, 5, 8)
    until = timed("FREQ=DAILY;UNTIL=20260603T070000Z", datetime(2026, 6, 1, 9), 60)
    assert len(list(recurrence.iter_slots(until, utc(2026, 1, 1), utc(2027, 1, 1)))) == 3
    assert recurrence.last_end(until) == utc(2026, 6, 3, 8)
    by_date = timed("FREQ=DAILY;UNTIL=20260603", datetime(2026, 6, 1, 9), 60)
    assert len(list(recurrence.iter_slots(by_date, utc(2026, 1, 1), utc(2027, 1, 1)))) == 3
    assert recurrence.last_end(timed("FREQ=DAILY", datetime(2026, 6, 1, 9), 60)) is None


def test_slot_at_recognises_occurrences_only() -> None:
    series = timed("FREQ=WEEKLY;BYDAY=MO", datetime(2026, 3, 16, 9), 60)
    assert recurrence.slot_at(series, utc(2026, 3, 30, 7)) is not None
    assert recurrence.slot_at(series, utc(2026, 3, 30, 8)) is None  # 10:00 local
    assert recurrence.slot_at(series, utc(2026, 3, 31, 7)) is None  # a Tuesday
    assert recurrence.slot_at(series, utc(2090, 3, 27, 7)) is not None  # far future Monday


def test_start_that_does_not_match_the_rule_is_not_an_occurrence() -> None:
    series = timed("FREQ=WEEKLY;BYDAY=MO", datetime(2026, 3, 18, 9), 60)  # a Wednesday
    first = recurrence.first_slot(series)
    assert first is not None
    assert first.start.astimezone(PARIS).date() == date(2026, 3, 23)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("RRULE:freq=weekly;byday=mo,we", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270101T000000Z", None),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", None),
    ],
)
def test_good_rules_are_normalised(rule: str, expected: str | None) -> None:
    assert recurrence.normalise_rule(rule) == (expected or rule)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "empty"),
        ("FREQ=HOURLY", "FREQ must be one of"),
        ("FREQ=MINUTELY;COUNT=3", "FREQ must be one of"),
        ("BYDAY=MO", "FREQ is required"),
        ("FREQ=DAILY;BYHOUR=9", "Unsupported rule part: BYHOUR"),
        ("FREQ=DAILY;COUNT=0", "COUNT must be a positive integer"),
        ("FREQ=DAILY;INTERVAL=x", "INTERVAL must be a positive integer"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20270101", "COUNT and UNTIL"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL must look like"),
        ("FREQ=WEEKLY;BYDAY=XX", "not valid RFC 5545"),
        ("DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY", "without DTSTART"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ appears twice"),
        ("FREQ=DAILY;COUNT", "is not a NAME=VALUE part"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        recurrence.normalise_rule(rule)


def test_rule_that_yields_nothing_has_no_first_slot() -> None:
    series = timed("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", datetime(2026, 1, 1, 9), 60)
    assert recurrence.first_slot(series) is None
    ended = timed("FREQ=DAILY;UNTIL=20250101T000000Z", datetime(2026, 1, 1, 9), 60)
    assert recurrence.first_slot(ended) is None


def test_occurrence_keys_round_trip() -> None:
    instant = utc(2026, 11, 24, 8)
    assert recurrence.occurrence_key(instant) == "20261124T080000Z"
    assert recurrence.parse_occurrence_key("20261124T080000Z") == instant


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=1",
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=1",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_a_rule_that_never_yields_is_found_out_in_bounded_time(rule: str) -> None:
    """dateutil alone walks such a rule day by day to the year 9999 (4-7 s here). CPU time of
    this thread: what the search costs, whatever else the machine runs."""
    series = timed(recurrence.normalise_rule(rule), datetime(2026, 1, 1, 9), 60)
    elapsed = []
    for _attempt in range(3):
        began = clock.thread_time()
        assert recurrence.first_slot(series) is None
        elapsed.append(clock.thread_time() - began)
    assert min(elapsed) < 0.1, elapsed


def test_first_occurrence_must_come_within_the_search_years() -> None:
    # 29 February on a Monday: 2044 is within a hundred years of 2026
    series = timed("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", datetime(2026, 1, 1, 9), 60)
    first = recurrence.first_slot(series)
    assert first is not None and first.start.date() == date(2044, 2, 29)
    # every 999 years in January, from February: the first is 999 years away
    far = timed("FREQ=YEARLY;INTERVAL=999;BYMONTH=1", datetime(2026, 2, 1, 9), 60)
    assert recurrence.first_slot(far) is None
    assert recurrence.SEARCH_YEARS == 100


def test_count_of_a_sparse_rule_is_bounded_in_time_too() -> None:
    """The COUNT-th occurrence of a rule yielding every four years lies past the search
    years: the series counts as open-ended for window queries, found out quickly."""
    sparse = timed("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;COUNT=3000", datetime(2026, 1, 1, 9), 60)
    began = clock.thread_time()
    assert recurrence.last_end(sparse) is None
    assert clock.thread_time() - began < 0.5
    dense = timed("FREQ=DAILY;COUNT=20000", datetime(2026, 1, 1, 9), 60)
    # the 20000th starts 19999 days on, 09:00 Paris summer time; it ends at 10:00 (08:00 UTC)
    assert recurrence.last_end(dense) == utc(2080, 10, 3, 8)


@pytest.mark.parametrize("freq", ["DAILY", "WEEKLY", "MONTHLY"])
@pytest.mark.parametrize("part", ["BYYEARDAY=100", "BYWEEKNO=20"])
def test_yearly_only_parts_are_refused_in_other_rules(freq: str, part: str) -> None:
    with pytest.raises(RuleError, match="allowed in YEARLY rules only"):
        recurrence.normalise_rule(f"FREQ={freq};{part}")
    assert recurrence.normalise_rule(f"FREQ=YEARLY;{part}") == f"FREQ=YEARLY;{part}"
