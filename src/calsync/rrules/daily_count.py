"""How many occurrences a DAILY rule has before a day, counted month by month.

A DAILY rule with INTERVAL ``n`` takes the days ``dtstart + k * n`` that pass its filters
(BYMONTH, BYMONTHDAY, BYDAY, BYSETPOS). Within one calendar month, how many pass depends
only on the month's shape (:func:`~calsync.rrules.cycles.calendar_shape` of its first day)
and on which of its days is the first of the progression (the phase): each (shape, phase)
is walked once (:func:`~calsync.rrules.occurrences_until`, 31 days), and the months repeat
every 4,800 months times the phase's own period, so the count looks at no more months than
that, whatever the span (a day-by-day count would look at 146,097 days).
"""

from __future__ import annotations

import calendar
import math
from datetime import date, datetime, time, timedelta

from calsync.rrules.cycles import CYCLE_DAYS, CYCLE_MONTHS, calendar_shape, repeating_sum
from calsync.rrules.parse import RRule
from calsync.rrules.search import occurrences_until


def _month_after(first: date) -> date:
    return first + timedelta(days=calendar.monthrange(first.year, first.month)[1])


def _month(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)


def _between(rule: RRule, dtstart: datetime, low: date, high: date) -> int:
    """The occurrences on the days ``[low, high)`` (``low`` not before DTSTART's day)."""
    if high <= low:
        return 0
    step = rule.interval
    first = low + timedelta(days=-(low - dtstart.date()).days % step)
    limit = datetime.combine(high, time()) - timedelta(seconds=1)
    start = max(dtstart, datetime.combine(first, dtstart.time()))
    return sum(1 for _wall in occurrences_until(rule, start, limit))


def daily_before(rule: RRule, dtstart: datetime, day: date, enough: int) -> int:
    """The occurrences of the DAILY ``rule`` from ``dtstart`` on days before ``day``; it
    may stop counting once ``enough`` are found (then at least ``enough``). ValueError
    for a rule :func:`~calsync.rrules.occurrences_until` does not take."""
    head_end = min(_month_after(dtstart.date().replace(day=1)), day)
    total = _between(rule, dtstart, dtstart.date(), head_end)
    if head_end == day or total >= enough:
        return total
    tail_start = day.replace(day=1)
    first_index = head_end.year * 12 + head_end.month - 1
    months = tail_start.year * 12 + tail_start.month - 1 - first_index
    by_key: dict[tuple[tuple[int, ...], int], int] = {}

    def in_month(offset: int) -> int:
        first = _month(first_index + offset)
        key = (calendar_shape(first), (first - dtstart.date()).days % rule.interval)
        if key not in by_key:
            by_key[key] = _between(rule, dtstart, first, _month_after(first))
        return by_key[key]

    cycle = CYCLE_MONTHS * rule.interval // math.gcd(rule.interval, CYCLE_DAYS)
    total += repeating_sum(in_month, months, cycle, enough - total)
    return total + _between(rule, dtstart, tail_start, day)
