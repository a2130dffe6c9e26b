"""Property: a rule moved ahead (:mod:`calsync.rrules.ahead`) yields, from its start on,
exactly what the plain dateutil rule yields from there on, whatever the rule, COUNT, start
(back to the year 1000) and point it is moved to; and it starts in the asked-for period."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr
from hypothesis import event, given, settings
from hypothesis import strategies as st

from calsync import rrules

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FREQS = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
COMPARED = 40
"""How many occurrences from the moved start are compared."""


def _days(draw: st.DrawFn, numbered: bool) -> str:
    days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
    if numbered:
        ordinal = draw(st.sampled_from(["", "1", "2", "-1", "3"]))
        return ",".join(ordinal + day for day in days)
    return ",".join(days)


@st.composite
def rules(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(FREQS))
    intervals = [1, 1, 2, 3, 5, 7, 8, 12, 37]
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.sampled_from(intervals))}"]
    if draw(st.booleans()):
        parts.append("BYDAY=" + _days(draw, numbered=freq in ("MONTHLY", "YEARLY")))
    if freq != "WEEKLY" and draw(st.integers(0, 3)) == 0:
        days = draw(st.lists(st.sampled_from([1, 13, 28, 29, 30, 31, -1]), min_size=1, max_size=3))
        parts.append("BYMONTHDAY=" + ",".join(map(str, sorted(set(days)))))
    if draw(st.integers(0, 3)) == 0:
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True))
        parts.append("BYMONTH=" + ",".join(map(str, sorted(months))))
    if freq != "DAILY" and draw(st.integers(0, 3)) == 0:
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, -1]))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    ending = draw(st.sampled_from(["COUNT", "UNTIL", None]))
    if ending == "COUNT":
        parts.append(f"COUNT={draw(st.integers(1, 20_000))}")
    elif ending == "UNTIL":
        until = draw(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(2400, 1, 1)))
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}")
    return ";".join(parts)


def _yields_soon(rule: str, start: datetime) -> bool:
    """The rule yields within its first 40 years (stored rules must: see SEARCH_YEARS)."""
    parsed = rrules.parse(rule)
    return (
        next(rrules.occurrences_until(parsed, start, start.replace(year=start.year + 40)), None)
        is not None
    )


@settings(max_examples=500, deadline=None)
@given(
    rule=rules(),
    start=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(2030, 1, 1)),
    ahead_days=st.one_of(st.integers(0, 800), st.integers(800, 365 * 300)),
    walk=st.sampled_from([None, 0]),
)
def test_moved_rule_yields_what_the_plain_rule_yields_from_its_start(
    rule: str, start: datetime, ahead_days: int, walk: int | None
) -> None:
    """``walk=0``: COUNT is counted without dateutil's walk however few periods are
    skipped (arithmetic, month or year blocks, calendar shapes)."""
    start = start.replace(second=0, microsecond=0)
    if not _yields_soon(rule, start):
        event("yields no occurrence in 40 years")
        return
    not_before = start + timedelta(days=ahead_days, hours=5)
    parsed = rrules.parse(rule)
    plain = rrulestr(rule, dtstart=start)
    plain_built = rrulestr(rule, dtstart=start)
    moved = rrules.moved_ahead(parsed, plain_built, start, not_before, walk=walk)
    got = list(itertools.islice(moved, COMPARED))
    counted = "COUNT" if parsed.count else "no COUNT"
    event(f"{parsed.freq}, {counted}, {'moved' if moved is not plain_built else 'not moved'}")
    if not got:  # COUNT ran out, or UNTIL passed, before the moved start
        event("COUNT ran out or UNTIL passed")
        assert parsed.count is not None or parsed.until is not None
        assert plain.after(not_before, inc=True) is None
        return
    origin = datetime.combine(moved._dtstart.date(), time())  # dateutil keeps DTSTART there
    assert origin <= not_before
    assert origin >= not_before - timedelta(days=366 * parsed.interval + 1)
    expected = list(itertools.islice(plain.xafter(origin, inc=True), COMPARED))
    assert got == expected


@pytest.mark.parametrize(
    ("rule", "start"),
    [
        ("FREQ=YEARLY;BYMONTH=2;BYDAY=-1MO;COUNT=5000", datetime(1000, 3, 5, 9)),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=400", datetime(1004, 2, 29, 9)),
        ("FREQ=YEARLY;INTERVAL=3;COUNT=900", datetime(1000, 12, 31, 23, 30)),
        ("FREQ=MONTHLY;INTERVAL=4;BYDAY=MO,FR;BYSETPOS=-1;COUNT=100000", datetime(1000, 1, 9)),
        ("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=20000", datetime(1000, 1, 31, 8)),
        ("FREQ=WEEKLY;INTERVAL=3;BYMONTH=1,7;BYDAY=TU;COUNT=100000", datetime(1000, 1, 1, 10)),
        ("FREQ=WEEKLY;BYDAY=MO,WE;BYSETPOS=2;WKST=SU;COUNT=100000", datetime(1500, 5, 5, 7)),
        ("FREQ=WEEKLY;BYMONTHDAY=13,-1;COUNT=100000", datetime(1000, 2, 1, 7)),
        ("FREQ=DAILY;BYMONTHDAY=1,15,-1;COUNT=1000000", datetime(1600, 1, 1, 12)),
        ("FREQ=DAILY;INTERVAL=3;BYDAY=SA,SU;COUNT=1000000", datetime(1000, 1, 1, 12)),
        ("FREQ=DAILY;INTERVAL=37;BYMONTH=2,3;BYMONTHDAY=1,5,29;COUNT=100000", datetime(1000, 1, 1)),
        ("FREQ=DAILY;INTERVAL=9;BYMONTHDAY=-1,28;COUNT=100000", datetime(1000, 2, 28, 6)),
    ],
)
def test_far_past_series_with_count_moves_to_the_window_and_keeps_its_occurrences(
    rule: str, start: datetime
) -> None:
    """More periods skipped than dateutil walks (WALKED_PERIODS), most of them more than
    one Gregorian cycle (the repeating sums are used)."""
    assert rrules.ahead.WALKED_PERIODS == {
        "DAILY": 10_000,
        "WEEKLY": 20_000,
        "MONTHLY": 2_400,
        "YEARLY": 200,
    }
    not_before = datetime(2026, 6, 1)
    parsed = rrules.parse(rule)
    plain = rrulestr(rule, dtstart=start)
    moved = rrules.moved_ahead(parsed, rrulestr(rule, dtstart=start), start, not_before)
    assert moved._dtstart.year >= 2023
    origin = datetime.combine(moved._dtstart.date(), time())  # dateutil keeps DTSTART there
    expected = list(itertools.islice(plain.xafter(origin, inc=True), COMPARED))
    assert expected  # the COUNT reaches the window: the skipped ones were counted
    assert list(itertools.islice(moved, COMPARED)) == expected


def test_a_count_that_ends_before_the_window_leaves_nothing() -> None:
    rule = "FREQ=MONTHLY;BYDAY=2TU;COUNT=12"
    start = datetime(1900, 1, 1, 9)
    moved = rrules.moved_ahead(
        rrules.parse(rule), rrulestr(rule, dtstart=start), start, datetime(2026, 1, 1)
    )
    assert list(moved) == []
