"""How many occurrences of a series a window surely holds, counted before expanding it.

``GET /api/events`` refuses a window holding more than its item limit. To refuse a hostile
window (fifty daily series over five years: 91,000 occurrences) without first expanding
the limit's worth of occurrences, :func:`at_least` gives a lower bound on a series'
occurrences in the window:

* by arithmetic, without expanding anything, for the rules that are unions of arithmetic
  progressions of wall times (:mod:`calsync.rrules.progressions`): DAILY (with or without
  a BYDAY weekday filter) and WEEKLY (with or without BYDAY), with any INTERVAL, COUNT,
  UNTIL and WKST. Each progression is ``first + k * step`` (``k >= 0``); COUNT keeps the
  first COUNT of their merged order, so the number of occurrences before an instant is
  ``min(COUNT, sum over progressions)``;
* for any other rule, by walking the rule's wall times (dateutil, no localisation and no
  objects) from the window's period (:mod:`calsync.rrules.ahead`), at most ``budget`` of
  them: a walk cut short gives what it counted.

Only wall times that overlap the window whatever the zone's offsets do are counted (a day's
margin on each side), so the bound never exceeds what :func:`recurrence.iter_slots` yields.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from calsync import rrules
from calsync.calendars import recurrence
from calsync.rrules.progressions import ARITHMETIC_PARTS, Progression, before, progressions

MARGIN = timedelta(days=1)
"""More than any difference between two offsets of one zone."""
__all__ = ["ARITHMETIC_PARTS", "MARGIN", "Progression", "at_least", "progressions"]


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
    return before(found, high, rule.count) - before(found, low, rule.count)


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
