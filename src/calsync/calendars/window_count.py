"""How many occurrences of a series a window surely holds, counted before expanding it.

``GET /api/events`` refuses a window holding more than its item limit. To refuse a hostile
window (fifty daily series over five years: 91,000 occurrences) without first expanding
the limit's worth of occurrences, :func:`at_least` gives a lower bound on a series'
occurrences in the window:

* by arithmetic, without expanding anything, for the rules that are unions of arithmetic
  progressions of wall times: DAILY (with or without a BYDAY weekday filter) and WEEKLY
  (with or without BYDAY), with any INTERVAL, COUNT, UNTIL and WKST. Each progression is
  ``first + k * step`` (``k >= 0``); COUNT keeps the first COUNT of their merged order, so
  the number of occurrences before an instant is ``min(COUNT, sum over progressions)``;
* for any other rule, by walking the rule's wall times (dateutil, no localisation and no
  objects), at most ``budget`` of them: a walk cut short gives what it counted.

Only wall times that overlap the window whatever the zone's offsets do are counted (a day's
margin on each side), so the bound never exceeds what :func:`recurrence.iter_slots` yields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from calsync import rrules
from calsync.calendars import recurrence

MARGIN = timedelta(days=1)
"""More than any difference between two offsets of one zone."""
ARITHMETIC_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY"})
"""The parts of a rule counted by arithmetic (DAILY or WEEKLY only)."""


@dataclass(frozen=True)
class Progression:
    """Wall times ``first + k * step`` for ``k = 0, 1, 2, …``."""

    first: datetime
    step: timedelta

    def before(self, instant: datetime) -> int:
        """How many of its wall times are earlier than ``instant``."""
        if instant <= self.first:
            return 0
        return -((self.first - instant) // self.step)  # ceil, in whole microseconds


def progressions(rule: rrules.RRule, start: datetime) -> list[Progression] | None:
    """The occurrences of ``rule`` from the wall time ``start`` (its DTSTART) as arithmetic
    progressions (before COUNT and UNTIL), or None when the rule is not one of those
    counted by arithmetic."""
    if rule.freq not in ("DAILY", "WEEKLY") or not rule.names <= ARITHMETIC_PARTS:
        return None
    if any(ordinal is not None for ordinal, _day in rule.byday):
        return None
    weekdays = {day for _ordinal, day in rule.byday}
    if rule.freq == "WEEKLY":
        step = timedelta(weeks=rule.interval)
        if not weekdays:
            return [Progression(start, step)]
        week_start = start - timedelta(days=(start.weekday() - rule.wkst) % 7)
        found = []
        for day in sorted(weekdays):
            first = week_start + timedelta(days=(day - rule.wkst) % 7)
            found.append(Progression(first if first >= start else first + step, step))
        return found
    if not weekdays:
        return [Progression(start, timedelta(days=rule.interval))]
    # every INTERVAL days, on the listed weekdays: the weekdays repeat every `cycle` steps
    cycle = 7 // math.gcd(rule.interval, 7)
    step = timedelta(days=rule.interval * cycle)
    candidates = (start + timedelta(days=rule.interval * k) for k in range(cycle))
    return [Progression(first, step) for first in candidates if first.weekday() in weekdays]


def _before(found: list[Progression], instant: datetime, count: int | None) -> int:
    total = sum(progression.before(instant) for progression in found)
    return total if count is None else min(total, count)


def _counted(
    rule: rrules.RRule, series: recurrence.SeriesTimes, low: datetime, high: datetime
) -> int | None:
    """The occurrences with wall times in ``[low, high)``, by arithmetic, or None."""
    found = progressions(rule, series.local_start)
    if found is None:
        return None
    if rule.until is not None:  # UNTIL is inclusive
        until = rrules.until_wall(rule.until, series.tz, all_day=series.all_day)
        high = min(high, until + timedelta(microseconds=1))
    if high <= low:
        return 0
    return _before(found, high, rule.count) - _before(found, low, rule.count)


def _walked(
    series: recurrence.SeriesTimes, low: datetime, high: datetime, budget: int
) -> tuple[int, int]:
    """``(wall times in [low, high), wall times walked)`` in a walk of at most ``budget``."""
    counted = walked = 0
    for wall in recurrence.wall_times(series, not_before=low):
        if wall >= high or walked >= budget:
            break
        walked += 1
        if wall >= low:
            counted += 1
    return counted, walked


def at_least(
    series: recurrence.SeriesTimes, window_start: datetime, window_end: datetime, budget: int
) -> tuple[int, int]:
    """``(n, walked)``: ``n`` is a lower bound on the occurrences of ``series`` overlapping
    ``[window_start, window_end)`` (aware instants), exact by arithmetic where the rule
    allows (see the module, ``walked`` is then 0), else counted in a walk of ``walked``
    wall times, at most ``budget``."""
    low = recurrence.to_local(window_start, series.tz) - series.local_duration + MARGIN
    high = recurrence.to_local(window_end, series.tz) - MARGIN
    if high <= low:
        return 0, 0
    counted = _counted(rrules.parse(series.rule), series, low, high)
    if counted is None:
        return _walked(series, low, high, budget)
    return counted, 0
