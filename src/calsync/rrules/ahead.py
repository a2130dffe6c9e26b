"""A dateutil rule moved ahead to a window, so expanding a window costs what the window
holds, not what the series walked through since its start.

dateutil yields a rule's occurrences from its DTSTART on; a series begun in 1900 and asked
for a week of 2026 would walk 126 years of periods first. :func:`moved_ahead` starts the
rule instead at the **period** (a day, a week from WKST, a month or a year, every INTERVAL)
holding the asked-for point, at DTSTART's time of day:

* the periods are those of the original rule (whole INTERVALs from DTSTART's period), and
  the parts dateutil takes from DTSTART when none is given (the month day of MONTHLY, the
  month and day of YEARLY, the weekday of WEEKLY) are given explicitly, so the moved rule
  yields, from its start on, exactly the original's occurrences;
* COUNT is reduced by the occurrences skipped (nothing left: ``COUNT=0``, no occurrence).
  Up to :data:`WALKED_PERIODS` periods, dateutil's own walk counts them. Beyond, rules
  that are unions of arithmetic progressions (:mod:`calsync.rrules.progressions`)
  count them by arithmetic; other DAILY rules month by month, or year by year for large
  INTERVALs (:mod:`calsync.rrules.daily_count`). Any other rule counts them period by period: a
  period's occurrences depend only on the calendar around its first day (month, day,
  weekday, leap years), so each such shape is expanded once
  (:func:`calsync.rrules.occurrences_until`, bounded by the period) and the shapes repeat
  with the 400-year Gregorian cycle (:mod:`calsync.rrules.cycles`): at most one cycle of
  periods is looked at (20,871 weeks, 4,800 months or 400 years), fewer when COUNT runs
  out first.

Rules stored before BYYEARDAY and BYWEEKNO were refused outside YEARLY rules are moved with
COUNT only as far as dateutil's walk counts (:data:`WALKED_PERIODS`); farther, they are
walked from DTSTART, as before.
"""

from __future__ import annotations

import calendar
import functools
import math
from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrule, rrulestr

from calsync.rrules.cycles import CYCLE_PERIODS, calendar_shape, repeating_sum
from calsync.rrules.daily_count import daily_before
from calsync.rrules.parse import RFC_DAYS, RRule, parse
from calsync.rrules.progressions import before, progressions
from calsync.rrules.search import occurrences_until

WALKED_PERIODS = {"DAILY": 10_000, "WEEKLY": 20_000, "MONTHLY": 2_400, "YEARLY": 200}
"""Up to this many periods skipped, dateutil's own walk counts them: there it costs no more
than counting by calendar shapes (10 to 50 ms at most, bench/recurrence_bench.py)."""
_DATEUTIL_NAMES = {"BYDAY": "byweekday", "BYMONTHDAY": "bymonthday", "BYMONTH": "bymonth"}


def pinned_defaults(rule: RRule, start: date) -> dict[str, tuple[int, ...]]:
    """The parts dateutil would take from a DTSTART on ``start`` (none is given that
    selects days), as ``{NAME: values}``."""
    if rule.byday or rule.bymonthday or rule.byyearday or rule.byweekno:
        return {}
    if rule.freq == "YEARLY":
        return {"BYMONTH": rule.bymonth or (start.month,), "BYMONTHDAY": (start.day,)}
    if rule.freq == "MONTHLY":
        return {"BYMONTHDAY": (start.day,)}
    if rule.freq == "WEEKLY":
        return {"BYDAY": (start.weekday(),)}
    return {}


def _period_start(rule: RRule, first: date, index: int) -> date:
    """The first day of period ``index`` (0 holds DTSTART, whose period begins on ``first``:
    see :func:`_first_period_day`)."""
    if rule.freq in ("DAILY", "WEEKLY"):
        days = 7 if rule.freq == "WEEKLY" else 1
        return first + timedelta(days=days * rule.interval * index)
    if rule.freq == "MONTHLY":
        year, month = divmod(first.year * 12 + first.month - 1 + rule.interval * index, 12)
        return date(year, month + 1, 1)
    return date(first.year + rule.interval * index, 1, 1)


def _next_unit(rule: RRule, day: date) -> date:
    """The first day after the period beginning on ``day``."""
    if rule.freq in ("DAILY", "WEEKLY"):
        return day + timedelta(days=7 if rule.freq == "WEEKLY" else 1)
    if rule.freq == "MONTHLY":
        return day + timedelta(days=calendar.monthrange(day.year, day.month)[1])
    return date(day.year + 1, 1, 1)


def _first_period_day(rule: RRule, start: date) -> date:
    """The first day of the period holding DTSTART's day ``start``."""
    if rule.freq == "WEEKLY":
        return start - timedelta(days=(start.weekday() - rule.wkst) % 7)
    if rule.freq == "MONTHLY":
        return start.replace(day=1)
    if rule.freq == "YEARLY":
        return date(start.year, 1, 1)
    return start


def _period_holding(rule: RRule, first: date, day: date) -> int:
    """The index of the last period beginning on or before ``day``."""
    if rule.freq in ("DAILY", "WEEKLY"):
        days = 7 if rule.freq == "WEEKLY" else 1
        return (day - first).days // (days * rule.interval)
    if rule.freq == "MONTHLY":
        return ((day.year - first.year) * 12 + day.month - first.month) // rule.interval
    return (day.year - first.year) // rule.interval


def _pinned_rule(rule: RRule, pins: dict[str, tuple[int, ...]]) -> RRule:
    """``rule`` with the parts of ``pins`` written out (see :func:`pinned_defaults`)."""
    for name, values in pins.items():
        if name == "BYDAY":
            spelled = ",".join(RFC_DAYS[value] for value in values)
        else:
            spelled = ",".join(str(value) for value in values)
        rule = parse(rule.with_part(name, spelled))
    return rule


def _in_period(rule: RRule, day: date, at: time) -> int:
    """The occurrences of ``rule`` (its defaults pinned) in the period beginning on ``day``."""
    limit = datetime.combine(_next_unit(rule, day), time()) - timedelta(seconds=1)
    return sum(1 for _wall in occurrences_until(rule, datetime.combine(day, at), limit))


def _skipped_by_periods(rule: RRule, dtstart: datetime, first: date, index: int) -> int:
    """The occurrences before period ``index``, at least COUNT if COUNT ran out, period by
    period (each calendar shape expanded once, at most one Gregorian cycle of periods
    looked at); ValueError for a rule :func:`~calsync.rrules.occurrences_until` does not
    take."""
    assert rule.count is not None
    ahead = datetime.combine(_period_start(rule, first, 1), time()) - timedelta(seconds=1)
    head = sum(1 for _wall in occurrences_until(rule, dtstart, ahead))  # period 0
    pinned = _pinned_rule(rule, pinned_defaults(rule, dtstart.date()))
    by_shape: dict[tuple[int, ...], int] = {}

    def in_period(offset: int) -> int:
        day = _period_start(rule, first, 1 + offset)
        shape = calendar_shape(day)
        if shape not in by_shape:
            by_shape[shape] = _in_period(pinned, day, dtstart.time())
        return by_shape[shape]

    cycle = CYCLE_PERIODS[rule.freq] // math.gcd(rule.interval, CYCLE_PERIODS[rule.freq])
    return head + repeating_sum(in_period, index - 1, cycle, rule.count - head)


def _walked(rule: RRule, dtstart: datetime, at: datetime) -> int:
    """The occurrences of ``rule`` (with COUNT, no UNTIL) before ``at``, by dateutil's
    walk."""
    found = 0
    for wall in rrulestr(rule.text, dtstart=dtstart):
        if wall >= at:
            break
        found += 1
    return found


@functools.lru_cache(maxsize=512)
def _skipped(rule: RRule, dtstart: datetime, first: date, index: int, walk: int) -> int:
    """The occurrences of ``rule`` from ``dtstart`` before period ``index``, at most
    COUNT (ValueError when they are not counted: see the module), walked by dateutil up
    to ``walk`` periods; remembered, as a listing counts a window's occurrences before it
    expands them."""
    assert rule.count is not None
    at = datetime.combine(_period_start(rule, first, index), dtstart.time())
    found = progressions(rule, dtstart)
    if found is not None:
        return before(found, at, rule.count)
    if index <= walk:
        return _walked(rule, dtstart, at)
    if rule.freq == "DAILY":
        skipped = daily_before(rule, dtstart, _period_start(rule, first, index), rule.count)
    else:
        skipped = _skipped_by_periods(rule, dtstart, first, index)
    return min(skipped, rule.count)


def moved_ahead(
    rule: RRule,
    built: rrule,
    dtstart: datetime,
    not_before: datetime,
    *,
    walk: int | None = None,
) -> rrule:
    """``built`` (the dateutil rule of ``rule`` from the naive wall time ``dtstart``)
    started at the period holding ``not_before`` (a naive wall time), or ``built`` itself
    when that is its first period. The result yields exactly the occurrences ``built``
    yields from the first day of that period (on or before ``not_before``) on; the cost
    is bounded by one Gregorian cycle of periods, not by the distance from ``dtstart``
    (see the module). ``walk``: the most periods dateutil's walk counts for COUNT
    (default :data:`WALKED_PERIODS`; 0 counts without walking)."""
    if rule.freq not in CYCLE_PERIODS:
        return built
    dtstart = dtstart.replace(microsecond=0)
    first = _first_period_day(rule, dtstart.date())
    index = _period_holding(rule, first, not_before.date())
    if index < 1:
        return built
    try:
        start = datetime.combine(_period_start(rule, first, index), dtstart.time())
        if walk is None:
            walk = WALKED_PERIODS[rule.freq]
        count = (
            None if rule.count is None else rule.count - _skipped(rule, dtstart, first, index, walk)
        )
    except (ValueError, OverflowError):  # past the year 9999, or a COUNT not counted
        return built
    pins = pinned_defaults(rule, dtstart.date())
    changes = {_DATEUTIL_NAMES[name]: values for name, values in pins.items()}
    return built.replace(dtstart=start, count=count, **changes)
