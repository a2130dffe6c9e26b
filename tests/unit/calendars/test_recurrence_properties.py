"""Property: the window expansion (with its move ahead to the window's period, COUNT reduced
by what it skips) yields exactly the occurrences a plain dateutil expansion from the series
start yields in that window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from calsync.calendars import recurrence
from calsync.calendars.recurrence import SeriesTimes

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ZONES = ["Europe/Paris", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]


@st.composite
def rules(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 5))}"]
    if freq in ("DAILY", "WEEKLY") and draw(st.booleans()):
        byday = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True))
        parts.append("BYDAY=" + ",".join(byday))
    if freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        parts.append("BYDAY=" + draw(st.sampled_from(["2TU", "-1FR", "MO,WE"])))
    if draw(st.integers(0, 3)) == 0:
        parts.append(f"BYMONTH={draw(st.integers(1, 12))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    if draw(st.booleans()):
        parts.append(f"COUNT={draw(st.integers(1, 400))}")
    return ";".join(parts)


@settings(max_examples=150, deadline=None)
@given(
    rule=rules(),
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)),
    minutes=st.integers(15, 60 * 30),
    offset_days=st.integers(-30, 365 * 15),
    span_days=st.integers(1, 60),
)
def test_window_expansion_matches_plain_expansion(
    rule: str, zone: str, start: datetime, minutes: int, offset_days: int, span_days: int
) -> None:
    tz = ZoneInfo(zone)
    start = start.replace(second=0, microsecond=0)
    series = SeriesTimes(rule, tz, False, start, timedelta(minutes=minutes))
    window_start = recurrence.localise(start, tz) + timedelta(days=offset_days)
    window_end = window_start + timedelta(days=span_days)
    got = [s.start for s in recurrence.iter_slots(series, window_start, window_end)]

    plain = rrulestr(rule, dtstart=start)
    low = recurrence.to_local(window_start, tz) - timedelta(days=3, minutes=minutes)
    high = recurrence.to_local(window_end, tz) + timedelta(days=3)
    expected = []
    for wall in plain.between(low, high, inc=True):
        begin = recurrence.localise(wall, tz)
        end = recurrence.localise(wall + series.local_duration, tz)
        if begin < window_end and end > window_start:
            expected.append(begin)
    assert got == expected
    for moment in got:
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
        assert recurrence.slot_at(series, moment.astimezone(UTC)) is not None
