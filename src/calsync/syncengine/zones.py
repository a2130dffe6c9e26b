"""Time zones compared by their rules over an event's span, not by name.

Outlook knows Windows zones: ``Asia/Ho_Chi_Minh`` goes out as ``SE Asia Standard Time``
and comes back as ``Asia/Bangkok``; both have the same UTC offsets at every instant the
event covers, so for the sync they are the same zone (:func:`same_zone`), and the name the
user chose is kept.

Two zones *agree* over ``[start, end]`` when their UTC offsets are equal at ``start`` and
change at the same instants, to the same offsets, until ``end``. A zone's offset changes
in one UTC year are found once (a daily scan, then a bisection to the second; two changes
within one day are not seen) and cached, so a comparison costs a few dictionary lookups.

The span that matters (:func:`span`): a single event's start to its end; an all-day
event's dates with a day of margin either side (every zone has their midnights in it); a
series from its first start to its last end: ``UNTIL``, or ``COUNT`` periods of its
frequency (an upper bound), or, with no end, the end of :data:`HORIZON_YEAR` + 1 (tzdata
writes out every change up to 2037; after that each zone repeats one yearly rule, so a
second year past the horizon shows it all).

Pure standard library (``zoneinfo``); any ``tzinfo`` whose ``fromutc`` is right works with
:func:`agree` (the Graph side passes Outlook's custom zones that way).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HORIZON_YEAR = 2037
"""The last year tzdata lists offset changes one by one (then yearly rules repeat)."""

FIRST_YEAR = 1900
"""Spans are clipped to start no earlier (before it zones ran on local mean time)."""

_DAY = 86400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6}Z?)?")
_COUNT = re.compile(r"COUNT=(\d+)")
_INTERVAL = re.compile(r"INTERVAL=(\d+)")
_FREQ = re.compile(r"FREQ=([A-Z]+)")
_PERIOD_DAYS = {"YEARLY": 366, "MONTHLY": 31, "WEEKLY": 7, "DAILY": 1}

When = datetime | date


def span(start: When, end: When, recurrence: str | None = None) -> tuple[datetime, datetime]:
    """The UTC instants over which the zone of an event (or series) matters."""
    first, last = _instant(start, -1), _instant(end, +1)
    if recurrence:
        last = max(last, _series_end(first, last - first, recurrence.upper()))
    return first, last


def same_zone(zone_a: str, zone_b: str, *spans: tuple[datetime, datetime]) -> bool:
    """True when the IANA zones ``zone_a`` and ``zone_b`` are the same name, or agree over
    every one of ``spans`` (unknown names agree with nothing but themselves)."""
    if zone_a == zone_b:
        return True
    tz_a, tz_b = _zone(zone_a), _zone(zone_b)
    if tz_a is None or tz_b is None:
        return False
    return all(agree(tz_a, tz_b, first, last) for first, last in spans)


def agree(tz_a: tzinfo, tz_b: tzinfo, start: datetime, end: datetime) -> bool:
    """True when ``tz_a`` and ``tz_b`` have the same UTC offset at every instant of
    ``[start, end]`` (aware datetimes; see the module docstring for the precision)."""
    first, last = _clip(start, end)
    if last < first:
        return True
    low, high = int(first.timestamp()), int(last.timestamp())
    if _offset(tz_a, low) != _offset(tz_b, low):
        return False
    for year in range(first.year, last.year + 1):
        changes_a = _changes(tz_a, year)
        changes_b = _changes(tz_b, year)
        if changes_a == changes_b:
            continue
        inside_a = [change for change in changes_a if low < change[0] <= high]
        inside_b = [change for change in changes_b if low < change[0] <= high]
        if inside_a != inside_b:
            return False
    return True


def repeated_wall_time(value: When, zone: str) -> bool:
    """True when ``value`` (an instant; a date never is) falls in an hour ``zone``'s clocks
    show twice (they go back): its wall time there alone cannot say which instant it is."""
    tz = _zone(zone) if isinstance(value, datetime) else None
    if tz is None:
        return False
    assert isinstance(value, datetime)
    wall = value.astimezone(tz)
    return wall.replace(fold=1 - wall.fold).utcoffset() != wall.utcoffset()


def ambiguous(start: When, end: When, zone: str) -> bool:
    """True when a timed event's ``start`` or ``end`` is a :func:`repeated_wall_time` in
    ``zone``. Outlook holds a single such event in UTC (a wall time and a zone name would
    not say which pass is meant), so UTC read back for it is its zone unchanged."""
    return repeated_wall_time(start, zone) or repeated_wall_time(end, zone)


def offset_at(tz: tzinfo, instant: datetime) -> int:
    """The UTC offset of ``tz`` at the aware ``instant``, in seconds."""
    return _offset(tz, int(instant.timestamp()))


def _clip(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """``[start, end]`` in UTC, cut to [FIRST_YEAR, the horizon] (see the module docstring)."""
    floor = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    first = max(start.astimezone(UTC), floor)
    ceiling_year = max(first.year, HORIZON_YEAR) + 1
    ceiling = datetime(ceiling_year, 12, 31, 23, 59, 59, tzinfo=UTC)
    return first, min(end.astimezone(UTC), ceiling)


def _instant(value: When, margin_days: int) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    midnight = datetime.combine(value, time(), tzinfo=UTC)
    return midnight + timedelta(days=margin_days)


def _series_end(first: datetime, length: timedelta, rule: str) -> datetime:
    """Where the last occurrence of ``rule`` (started at ``first``) ends, at the latest."""
    until = _UNTIL.search(rule)
    if until is not None:
        day = datetime.strptime(until.group(1), "%Y%m%d").replace(tzinfo=UTC)
        return day + timedelta(days=2) + length
    count = _COUNT.search(rule)
    if count is None:
        return datetime(max(first.year, HORIZON_YEAR) + 1, 12, 31, 23, 59, 59, tzinfo=UTC)
    freq = _FREQ.search(rule)
    interval = _INTERVAL.search(rule)
    period = _PERIOD_DAYS.get(freq.group(1) if freq else "DAILY", 1)
    periods = int(count.group(1)) * (int(interval.group(1)) if interval else 1)
    try:
        return first + timedelta(days=period * periods + 1) + length
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


@lru_cache(maxsize=1024)
def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _offset(tz: tzinfo, moment: int) -> int:
    """The offset of ``tz`` at the POSIX time ``moment``, from its wall time (``fromutc``)."""
    wall = datetime.fromtimestamp(moment, tz).replace(tzinfo=UTC)  # its wall time, as if UTC
    return int((wall - _EPOCH).total_seconds()) - moment


@lru_cache(maxsize=16384)
def _changes(tz: tzinfo, year: int) -> tuple[tuple[int, int], ...]:
    """The offset changes of ``tz`` in the UTC ``year``: (instant, new offset) pairs."""
    low = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    high = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()) - 1
    found: list[tuple[int, int]] = []
    before, at = _offset(tz, low), low
    for moment in [*range(low + _DAY, high, _DAY), high]:
        now = _offset(tz, moment)
        if now != before:
            found.append(_bisect(tz, at, moment, before))
            before = now
        at = moment
    return tuple(found)


def _bisect(tz: tzinfo, low: int, high: int, before: int) -> tuple[int, int]:
    """The first second in ``(low, high]`` where ``tz``'s offset is no longer ``before``."""
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(tz, middle) == before:
            low = middle
        else:
            high = middle
    return high, _offset(tz, high)
