"""The bounded search yields exactly what dateutil yields, in bounded time.

dateutil is the reference: a rule's occurrences are what ``dateutil.rrule`` expands. To
compare with rules that may never yield, the series start near the year 9999, where
dateutil stops by itself (the Gregorian calendar repeats every 400 years, so nothing is
special about that era).
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from calsync import rrules

DAYS = rrules.RFC_DAYS
LIMIT = datetime(9980, 1, 1)


def _weekday(draw: st.DrawFn, numbered: bool) -> str:
    day = draw(st.sampled_from(DAYS))
    if numbered and draw(st.booleans()):
        ordinal = draw(st.sampled_from([1, 2, 3, 4, 5, -1, -2, -5, 6]))
        return f"{ordinal}{day}"
    return day


@st.composite
def searched_rules(draw: st.DrawFn) -> str:
    """Rules of every frequency with the parts calsync accepts for it, often sparse."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 13))}")
    if draw(st.booleans()):
        numbered = freq in ("MONTHLY", "YEARLY")
        days = {_weekday(draw, numbered) for _ in range(draw(st.integers(1, 3)))}
        parts.append("BYDAY=" + ",".join(sorted(days)))
    if draw(st.booleans()):
        values = draw(st.lists(st.integers(1, 31) | st.integers(-31, -1), min_size=1, max_size=3))
        parts.append("BYMONTHDAY=" + ",".join(str(v) for v in sorted(set(values))))
    if draw(st.booleans()):
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=2, unique=True))
        parts.append("BYMONTH=" + ",".join(str(m) for m in months))
    if freq == "YEARLY" and draw(st.booleans()):
        parts.append(f"BYWEEKNO={draw(st.sampled_from([1, 2, 20, 52, 53, -1]))}")
    if freq == "YEARLY" and draw(st.booleans()):
        parts.append(f"BYYEARDAY={draw(st.sampled_from([1, 60, 100, 366, -1, -366]))}")
    if draw(st.booleans()):
        positions = draw(st.lists(st.sampled_from([1, 2, 3, -1, -2, 5]), min_size=1, max_size=2))
        parts.append("BYSETPOS=" + ",".join(str(p) for p in sorted(set(positions))))
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    return ";".join(parts)


@settings(max_examples=150, deadline=None)
@given(
    rule=searched_rules(),
    start=st.datetimes(min_value=datetime(9900, 1, 1), max_value=datetime(9960, 12, 31)),
)
def test_search_yields_what_dateutil_yields(rule: str, start: datetime) -> None:
    start = start.replace(second=0, microsecond=0)
    reference = rrulestr(rule, dtstart=start)
    expected = list(itertools.takewhile(lambda wall: wall <= LIMIT, reference))
    got = list(rrules.occurrences_until(rrules.parse(rule), start, LIMIT))
    assert got == expected


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=1",
        "FREQ=DAILY;BYSETPOS=2",
        "FREQ=DAILY;INTERVAL=7;BYDAY=MO,TU,WE,TH,FR,SA",
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYDAY=1MO,2MO,3MO,4MO,-1MO;BYMONTHDAY=31;BYMONTH=2",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=1",
        "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO;BYMONTH=1;BYSETPOS=-1",
    ],
)
def test_a_rule_that_never_yields_is_known_in_bounded_time(rule: str) -> None:
    """dateutil walks such rules to the year 9999 (seconds); the search stops at its limit."""
    start = datetime(2026, 3, 1, 9)
    elapsed = []
    for _attempt in range(3):
        began = time.thread_time()
        found = next(
            rrules.occurrences_until(rrules.parse(rule), start, datetime(2126, 3, 1)), None
        )
        elapsed.append(time.thread_time() - began)
        assert found is None
    assert min(elapsed) < 0.1, elapsed


def test_finer_frequencies_and_yearly_only_parts_are_not_searched() -> None:
    with pytest.raises(ValueError, match="HOURLY"):
        rrules.occurrences_until(rrules.parse("FREQ=HOURLY"), datetime(2026, 1, 1), LIMIT)
    with pytest.raises(ValueError, match="BYWEEKNO"):
        rrules.occurrences_until(
            rrules.parse("FREQ=MONTHLY;BYWEEKNO=2"), datetime(2026, 1, 1), LIMIT
        )
