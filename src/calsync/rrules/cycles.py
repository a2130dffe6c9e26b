"""The 400-year Gregorian cycle: dates, weekdays and leap years repeat every 146,097 days,
so whatever a rule picks in a span of days repeats too. Counting over many periods then
looks at one cycle of them at most (:func:`repeating_sum`)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date

CYCLE_DAYS = 146_097
CYCLE_MONTHS = 4_800
CYCLE_PERIODS = {
    "DAILY": CYCLE_DAYS,
    "WEEKLY": CYCLE_DAYS // 7,
    "MONTHLY": CYCLE_MONTHS,
    "YEARLY": 400,
}
"""Periods of one unit (INTERVAL=1) in the cycle."""


def calendar_shape(day: date) -> tuple[int, ...]:
    """What decides which days a rule picks in a period beginning on ``day``: the date,
    its weekday and the leap years around it (equal 400 years apart)."""
    year = day.year
    leaps = (calendar.isleap(year - 1), calendar.isleap(year), calendar.isleap(year + 1))
    return (day.month, day.day, day.weekday(), *leaps)


def repeating_sum(value: Callable[[int], int], terms: int, cycle: int, enough: int) -> int:
    """``sum(value(j) for j in range(terms))`` where ``value(j + cycle) == value(j)``,
    looking at most at ``cycle`` terms; it may stop early once the sum reaches
    ``enough`` (then it is at least ``enough``)."""
    seen: list[int] = []
    total = 0
    for term in range(min(terms, cycle)):
        if total >= enough:
            return total
        seen.append(value(term))
        total += seen[-1]
    if terms <= cycle:
        return total
    rest = terms - cycle  # term `cycle + k` repeats term `k % cycle`
    return total + rest // cycle * total + sum(seen[: rest % cycle])
