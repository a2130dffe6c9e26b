"""How many occurrences a DAILY rule has before a day, counted block by block.

A DAILY rule with INTERVAL ``n`` takes the days ``dtstart + k * n`` that pass its filters
(BYMONTH, BYMONTHDAY, BYDAY, BYSETPOS). Within one calendar block (a month, or a year when
``n`` is large and a month holds few of its days), how many pass depends only on the
block's shape (:func:`~calsync.rrules.cycles.calendar_shape` of its first day) and on
which of its days is the first of the progression (the phase): each (shape, phase) is
walked once (:func:`~calsync.rrules.occurrences_until`), and the blocks repeat every 400
years times the phase's own period, so the count looks at no more blocks than that,
whatever the span (a day-by-day count would look at 146,097 days).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from calsync.rrules.cycles import CYCLE_DAYS, calendar_shape, repeating_sum
from calsync.rrules.parse import RRule
from calsync.rrules.search import occurrences_until

YEAR_BLOCKS_FROM = 8
"""From this INTERVAL on, years are the blocks (fewer blocks; each walk is still short)."""


def _block(index: int, yearly: bool) -> date:
    if yearly:
        return date(index, 1, 1)
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)


def _index(day: date, yearly: bool) -> int:
    return day.year if yearly else day.year * 12 + day.month - 1


def _between(rule: RRule, dtstart: datetime, low: date, high: date) -> int:
    """The occurrences on the days ``[low, high)`` (``low`` not before DTSTART's day)."""
    if high <= low:
        return 0
    first = low + timedelta(days=-(low - dtstart.date()).days % rule.interval)
    limit = datetime.combine(high, time()) - timedelta(seconds=1)
    start = max(dtstart, datetime.combine(first, dtstart.time()))
    return sum(1 for _wall in occurrences_until(rule, start, limit))


def daily_before(rule: RRule, dtstart: datetime, day: date, enough: int) -> int:
    """The occurrences of the DAILY ``rule`` from ``dtstart`` on days before ``day``; it
    may stop counting once ``enough`` are found (then at least ``enough``). ValueError
    for a rule :func:`~calsync.rrules.occurrences_until` does not take."""
    yearly = rule.interval >= YEAR_BLOCKS_FROM
    first_index = _index(dtstart.date(), yearly) + 1
    head_end = min(_block(first_index, yearly), day)
    total = _between(rule, dtstart, dtstart.date(), head_end)
    if head_end == day or total >= enough:
        return total
    tail_index = _index(day, yearly)
    by_key: dict[tuple[tuple[int, ...], int], int] = {}

    def in_block(offset: int) -> int:
        first = _block(first_index + offset, yearly)
        key = (calendar_shape(first), (first - dtstart.date()).days % rule.interval)
        if key not in by_key:
            after = _block(first_index + offset + 1, yearly)
            by_key[key] = _between(rule, dtstart, first, after)
        return by_key[key]

    blocks_per_cycle = 400 if yearly else 4800
    cycle = blocks_per_cycle * rule.interval // math.gcd(rule.interval, CYCLE_DAYS)
    total += repeating_sum(in_block, tail_index - first_index, cycle, enough - total)
    return total + _between(rule, dtstart, _block(tail_index, yearly), day)
