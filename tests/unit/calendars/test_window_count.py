"""The count of a series' occurrences in a window, made before expanding it
(:mod:`calsync.calendars.window_count`): exact by arithmetic for DAILY and WEEKLY rules,
a bounded walk for the others, and never more than the expansion yields."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from calsync import rrules
from calsync.calendars import recurrence, window_count
from calsync.calendars.recurrence import SeriesTimes

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ZONES = ["Europe/Paris", "America/New_York", "Australia/Sydney", "UTC"]
PARIS = ZoneInfo("Europe/Paris")


@st.composite
def arithmetic_rules(draw: st.DrawFn) -> str:
    """DAILY or WEEKLY rules with any INTERVAL, BYDAY, WKST, COUNT or UNTIL."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 9))}"]
    if draw(st.booleans()):
        byday = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=5, unique=True))
        parts.append("BYDAY=" + ",".join(byday))
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    end = draw(st.sampled_from(["", "COUNT", "UNTIL"]))
    if end == "COUNT":
        parts.append(f"COUNT={draw(st.integers(1, 400))}")
    elif end == "UNTIL":
        parts.append(f"UNTIL={draw(st.sampled_from(['20270315', '20261231T235959Z']))}")
    return ";".join(parts)


def _walls(rule: str, start: datetime, tz: ZoneInfo, low: datetime, high: datetime) -> int:
    """dateutil's own count of the rule's wall times in ``[low, high)``."""
    parsed = rrules.wall_rrule(rrules.parse(rule), start, tz, all_day=False)
    walls = itertools.takewhile(lambda wall: wall < high, iter(parsed))
    return sum(1 for wall in walls if wall >= low)


def _terms(progression: window_count.Progression) -> Iterator[datetime]:
    return (progression.first + progression.step * k for k in itertools.count())


@settings(max_examples=150, deadline=None)
@given(
    rule=arithmetic_rules(),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)),
)
def test_the_progressions_are_the_rules_occurrences(rule: str, start: datetime) -> None:
    start = start.replace(second=0, microsecond=0)
    parsed = rrules.parse(rule.split(";COUNT")[0].split(";UNTIL")[0])
    found = window_count.progressions(parsed, start)
    assert found is not None
    merged = heapq.merge(*(_terms(progression) for progression in found))
    expected = list(itertools.islice(iter(rrulestr(parsed.text, dtstart=start)), 60))
    assert list(itertools.islice(merged, 60)) == expected


@settings(max_examples=150, deadline=None)
@given(
    rule=arithmetic_rules(),
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)),
    minutes=st.integers(15, 60 * 30),
    offset_days=st.integers(-60, 900),
    span_days=st.integers(1, 400),
)
def test_arithmetic_counts_exactly_the_walls_surely_in_the_window(
    rule: str, zone: str, start: datetime, minutes: int, offset_days: int, span_days: int
) -> None:
    tz = ZoneInfo(zone)
    start = start.replace(second=0, microsecond=0)
    series = SeriesTimes(rule, tz, False, start, timedelta(minutes=minutes))
    window_start = recurrence.localise(start, tz) + timedelta(days=offset_days)
    window_end = window_start + timedelta(days=span_days)
    counted, walked = window_count.at_least(series, window_start, window_end, budget=0)
    assert walked == 0  # arithmetic: nothing expanded
    low = recurrence.to_local(window_start, tz) - series.local_duration + window_count.MARGIN
    high = recurrence.to_local(window_end, tz) - window_count.MARGIN
    assert counted == (_walls(rule, start, tz, low, high) if high > low else 0)
    assert counted <= sum(1 for _slot in recurrence.iter_slots(series, window_start, window_end))


def test_fifty_years_of_a_daily_series_are_counted_without_expanding() -> None:
    series = SeriesTimes("FREQ=DAILY", PARIS, False, datetime(2026, 1, 1, 9), timedelta(hours=1))
    window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2076, 1, 1, tzinfo=UTC))
    counted, walked = window_count.at_least(series, *window, budget=0)
    days = (window[1] - window[0]).days
    assert walked == 0
    assert days - 2 <= counted <= days  # a day's margin at each end


def test_count_and_until_end_the_arithmetic() -> None:
    window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC))
    start = datetime(2026, 1, 5, 9)  # a Monday
    weekly = SeriesTimes(
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=100", PARIS, False, start, timedelta(hours=1)
    )
    assert window_count.at_least(weekly, *window, budget=0) == (100, 0)
    until = SeriesTimes(
        "FREQ=DAILY;INTERVAL=2;UNTIL=20260114", PARIS, False, start, timedelta(hours=1)
    )
    assert window_count.at_least(until, *window, budget=0) == (5, 0)  # 5, 7, 9, 11, 13


def test_other_rules_are_counted_by_a_walk_of_at_most_the_budget() -> None:
    monthly = SeriesTimes(
        "FREQ=MONTHLY;BYMONTHDAY=1,15", PARIS, False, datetime(2026, 1, 1, 9), timedelta(hours=1)
    )
    window = (datetime(2026, 1, 10, tzinfo=UTC), datetime(2027, 1, 10, tzinfo=UTC))
    expanded = sum(1 for _slot in recurrence.iter_slots(monthly, *window))
    assert window_count.at_least(monthly, *window, budget=1000) == (expanded, expanded + 1)
    counted, walked = window_count.at_least(monthly, *window, budget=5)
    assert walked == 5
    assert counted == 4  # 1 January is before the window: walked, not counted


def test_a_window_shorter_than_the_margins_counts_nothing() -> None:
    daily = SeriesTimes("FREQ=DAILY", PARIS, False, datetime(2026, 1, 1, 9), timedelta(hours=1))
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    assert window_count.at_least(daily, *window, budget=100) == (0, 0)


def test_ordinal_weekdays_are_not_arithmetic() -> None:
    assert (
        window_count.progressions(rrules.parse("FREQ=MONTHLY;BYDAY=1MO"), datetime(2026, 1, 1))
        is None
    )
    assert (
        window_count.progressions(rrules.parse("FREQ=DAILY;BYMONTH=2"), datetime(2026, 1, 1))
        is None
    )
