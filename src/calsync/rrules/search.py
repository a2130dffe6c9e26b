"""The occurrences of a rule up to a limit, found in bounded time.

dateutil checks UNTIL only when a period yields an occurrence, so a rule that never yields
(``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``) makes it walk every period up to the year 9999:
seconds of CPU. :func:`occurrences_until` never does that:

* DAILY, WEEKLY and MONTHLY rules are walked here, period by period, and the walk stops at
  the first period that starts after the limit. Each period is read as dateutil reads it
  (so the results are the instants dateutil yields): a DAILY period is one day, a WEEKLY
  one runs to the day before the next ``WKST`` (the first from the start's own day), a
  MONTHLY one is the whole month; days pass ``BYMONTH``, ``BYMONTHDAY``, ``BYDAY``
  (numbered week days count in the month, and only in MONTHLY rules) and the defaults
  dateutil takes from the start; ``BYSETPOS`` then picks among a period's days. These
  frequencies take no ``BYYEARDAY`` or ``BYWEEKNO`` here (RFC 5545 allows them only in
  YEARLY rules).
* YEARLY rules are run by dateutil, whose yearly periods are cheap. The Gregorian calendar
  repeats every 400 years to the weekday, so a yearly rule repeats every
  ``lcm(INTERVAL, 400)`` years counted from its start: first a probe of one such cycle,
  moved by whole cycles to end near the year 9999 where dateutil stops by itself, tells
  whether the rule ever yields; only then is it run from its real start.

COUNT is not applied here (callers count what they need).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import MAXYEAR, date, datetime, timedelta

from dateutil.rrule import rrule, rrulestr

from calsync.rrules.parse import RRule

GREGORIAN_CYCLE_YEARS = 400
"""The Gregorian calendar repeats (dates and weekdays) every 400 years."""
WALKED = ("DAILY", "WEEKLY", "MONTHLY")


@dataclass(frozen=True)
class _DayFilter:
    """Which days of a period pass the BY* parts (as dateutil reads them)."""

    months: frozenset[int]
    weekdays: frozenset[int]
    numbered: frozenset[tuple[int, int]]
    monthdays: frozenset[int]
    last_monthdays: frozenset[int]

    @classmethod
    def of(cls, rule: RRule, start: date) -> _DayFilter:
        if rule.byyearday or rule.byweekno:
            raise ValueError("BYYEARDAY and BYWEEKNO are searched in YEARLY rules only")
        plain = {day for ordinal, day in rule.byday if ordinal is None or rule.freq != "MONTHLY"}
        numbered = {(day, n) for n, day in rule.byday if n is not None and rule.freq == "MONTHLY"}
        monthdays = set(rule.bymonthday)
        if not rule.byday and not rule.bymonthday:  # dateutil's defaults from the start
            if rule.freq == "MONTHLY":
                monthdays = {start.day}
            elif rule.freq == "WEEKLY":
                plain = {start.weekday()}
        return cls(
            months=frozenset(rule.bymonth),
            weekdays=frozenset(plain),
            numbered=frozenset(numbered),
            monthdays=frozenset(day for day in monthdays if day > 0),
            last_monthdays=frozenset(day for day in monthdays if day < 0),
        )

    def passes(self, day: date) -> bool:
        if self.months and day.month not in self.months:
            return False
        if self.weekdays and day.weekday() not in self.weekdays:
            return False
        if not (self.numbered or self.monthdays or self.last_monthdays):
            return True
        length = calendar.monthrange(day.year, day.month)[1]
        if self.numbered:
            first = (day.day - 1) // 7 + 1
            last = -((length - day.day) // 7 + 1)
            weekday = day.weekday()
            if (weekday, first) not in self.numbered and (weekday, last) not in self.numbered:
                return False
        if self.monthdays or self.last_monthdays:
            return day.day in self.monthdays or day.day - length - 1 in self.last_monthdays
        return True


def _periods(rule: RRule, start: date) -> Iterator[list[date]]:
    """The days of each period of ``rule`` from ``start``, in order (before filtering)."""
    if rule.freq == "DAILY":
        step, day = timedelta(days=rule.interval), start
        while True:
            yield [day]
            day += step
    elif rule.freq == "WEEKLY":
        week = start - timedelta(days=(start.weekday() - rule.wkst) % 7)
        yield [week + timedelta(days=n) for n in range(7) if week + timedelta(days=n) >= start]
        while True:
            week += timedelta(weeks=rule.interval)
            yield [week + timedelta(days=n) for n in range(7)]
    else:
        index = start.year * 12 + start.month - 1
        while True:
            year, month = divmod(index, 12)
            length = calendar.monthrange(year, month + 1)[1]
            yield [date(year, month + 1, n) for n in range(1, length + 1)]
            index += rule.interval


def _picked(days: list[date], positions: tuple[int, ...]) -> list[date]:
    """BYSETPOS: the days at ``positions`` (1-based, negative from the end), sorted."""
    if not positions:
        return days
    picked = {days[p - 1 if p > 0 else p] for p in positions if 0 < abs(p) <= len(days)}
    return sorted(picked)


def _walk(
    rule: RRule, day_filter: _DayFilter, dtstart: datetime, limit: datetime
) -> Iterator[datetime]:
    start, months = dtstart.date(), day_filter.months
    try:
        for days in _periods(rule, start):
            if days and days[0] > limit.date():
                return
            if months and days and days[0].month not in months and days[-1].month not in months:
                continue
            chosen = _picked([day for day in days if day_filter.passes(day)], rule.bysetpos)
            for day in chosen:
                wall = datetime.combine(day, dtstart.time())
                if wall > limit:
                    return
                if day >= start:
                    yield wall
    except (OverflowError, ValueError):  # past the year 9999
        return


def _dateutil_rule(rule: RRule, dtstart: datetime) -> rrule:
    text = ";".join(f"{k}={v}" for k, v in rule.parts if k not in ("COUNT", "UNTIL"))
    result = rrulestr(text, dtstart=dtstart)
    assert isinstance(result, rrule)
    return result


def _yearly(rule: RRule, dtstart: datetime, limit: datetime) -> Iterator[datetime]:
    cycle = math.lcm(rule.interval, GREGORIAN_CYCLE_YEARS)
    shifts = max(0, (MAXYEAR + 1 - cycle - dtstart.year) // cycle)
    try:
        if shifts:
            probe = _dateutil_rule(rule, dtstart.replace(year=dtstart.year + shifts * cycle))
            if next(iter(probe), None) is None:
                return
        for wall in _dateutil_rule(rule, dtstart):
            if wall > limit:
                return
            yield wall
    except (OverflowError, ValueError):  # past the year 9999
        return


def occurrences_until(rule: RRule, dtstart: datetime, limit: datetime) -> Iterator[datetime]:
    """The occurrences of ``rule`` from the naive ``dtstart`` up to the naive ``limit``
    (inclusive), as dateutil yields them (UNTIL and COUNT aside: pass UNTIL's wall time as
    ``limit`` if it is earlier; COUNT is the caller's). The work is bounded by the span
    from ``dtstart`` to ``limit`` (DAILY, WEEKLY, MONTHLY) or by 400 periods (YEARLY),
    never by the distance to the year 9999. ValueError for finer frequencies, and for
    BYYEARDAY or BYWEEKNO outside YEARLY rules."""
    dtstart = dtstart.replace(microsecond=0)
    if rule.freq == "YEARLY":
        return _yearly(rule, dtstart, limit)
    if rule.freq in WALKED:
        return _walk(rule, _DayFilter.of(rule, dtstart.date()), dtstart, limit)
    raise ValueError(f"FREQ={rule.freq} is not searched")
