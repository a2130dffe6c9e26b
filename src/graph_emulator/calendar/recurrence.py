"""``patternedRecurrence``: validation and lazy expansion with Outlook's semantics.

* Dates only: the model turns each date into an occurrence at the master's wall-clock time
  in the master's start zone, so a 09:00 Europe/Paris series stays 09:00 across DST.
* ``range.startDate`` must equal the date of the event's start; the first occurrence may
  be later when that date does not fit the pattern. ``endDate`` is inclusive.
* ``absoluteMonthly``/``absoluteYearly`` with a ``dayOfMonth`` beyond the month's length
  fall on the month's last day (Exchange: "the last day of the month is assumed"; Outlook
  and CDO put Feb 29 on Feb 28 in other years). RFC 5545 would skip; Outlook does not.
* ``weekly`` weeks start on ``firstDayOfWeek`` (default sunday): with interval 2 the
  "every other week" grid is anchored on the week that holds ``startDate``.
* ``relative*`` with several ``daysOfWeek`` pick the index-th day of the month that is any
  of those days (``[saturday, sunday]`` + ``first`` = first weekend day).
* Fields a type ignores are still validated; out-of-set enum values are rejected.
* ``noEnd`` series are never capped: expansion is a lazy iterator over a requested window.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from typing import Any

from graph_emulator.calendar.errors import body_read, invalid_property
from graph_emulator.calendar.timezones import resolve_zone

DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
PATTERN_TYPES = (
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
)
RANGE_TYPES = ("endDate", "noEnd", "numbered")
INDEXES = ("first", "second", "third", "fourth", "last")
_NO_DATE = "0001-01-01"


def _graph_weekday(day: date) -> int:
    """0 = sunday ... 6 = saturday (Graph's dayOfWeek order)."""
    return (day.weekday() + 1) % 7


@dataclass(frozen=True)
class Recurrence:
    """A validated patternedRecurrence. Weekdays are Graph indexes (0 = sunday)."""

    type: str
    interval: int
    days_of_week: tuple[int, ...]
    first_day_of_week: int
    index: str
    day_of_month: int
    month: int
    range_type: str
    start_date: date
    end_date: date | None
    number_of_occurrences: int
    recurrence_time_zone: str

    # --- output -----------------------------------------------------------------------
    def to_graph(self) -> dict[str, Any]:
        """Graph's output shape: every field present, defaults filled in."""
        return {
            "pattern": {
                "type": self.type,
                "interval": self.interval,
                "month": self.month,
                "dayOfMonth": self.day_of_month,
                "daysOfWeek": [DAYS[d] for d in self.days_of_week],
                "firstDayOfWeek": DAYS[self.first_day_of_week],
                "index": self.index,
            },
            "range": {
                "type": self.range_type,
                "startDate": self.start_date.isoformat(),
                "endDate": self.end_date.isoformat() if self.end_date else _NO_DATE,
                "recurrenceTimeZone": self.recurrence_time_zone,
                "numberOfOccurrences": self.number_of_occurrences,
            },
        }

    def with_start_date(self, start_date: date) -> Recurrence:
        """The same rule moved to a new start date (an endDate before it moves along)."""
        end = self.end_date
        if end is not None and self.start_date is not None and end < start_date:
            end = start_date + (end - self.start_date)
        return _replace(self, start_date=start_date, end_date=end)

    # --- expansion ----------------------------------------------------------------------
    def max_gap_days(self) -> int:
        """An upper bound of the days between two consecutive pattern dates."""
        if self.type == "daily":
            return self.interval
        if self.type == "weekly":
            return 7 * self.interval
        if self.type in ("absoluteMonthly", "relativeMonthly"):
            return 31 * self.interval + 31
        return 366 * self.interval + 366

    def dates(self, from_date: date | None = None) -> Iterator[date]:
        """Pattern dates in order, from ``startDate`` (or the first >= ``from_date``).

        Respects the range (endDate inclusive; numbered counts from startDate). Infinite
        for ``noEnd``: callers stop when they pass their window.
        """
        numbered = self.range_type == "numbered"
        skip_to = None if numbered else from_date
        produced = 0
        for day in self._pattern_dates(skip_to):
            if self.end_date is not None and self.range_type == "endDate" and day > self.end_date:
                return
            if numbered and produced >= self.number_of_occurrences:
                return
            produced += 1
            if from_date is not None and day < from_date:
                continue
            yield day

    def occurs_on(self, day: date) -> bool:
        """Whether ``day`` is one of the series' pattern dates."""
        if day < self.start_date:
            return False
        for candidate in self.dates(day):
            return candidate == day
        return False

    def _pattern_dates(self, from_date: date | None) -> Iterator[date]:
        start = self.start_date
        if self.type == "daily":
            first = 0
            if from_date is not None and from_date > start:
                first = (from_date - start).days // self.interval
            for k in count(first):
                yield start + timedelta(days=k * self.interval)
        elif self.type == "weekly":
            yield from self._weekly(from_date)
        elif self.type in ("absoluteMonthly", "relativeMonthly"):
            first = 0
            if from_date is not None and from_date > start:
                months = (from_date.year - start.year) * 12 + from_date.month - start.month
                first = max(0, months // self.interval - 1)
            for k in count(first):
                total = start.month - 1 + k * self.interval
                year, month = start.year + total // 12, total % 12 + 1
                if year > 9999:
                    return
                day = self._in_month(year, month)
                if day is not None and day >= start:
                    yield day
        else:
            first = 0
            if from_date is not None and from_date > start:
                first = max(0, (from_date.year - start.year) // self.interval - 1)
            for k in count(first):
                year = start.year + k * self.interval
                if year > 9999:
                    return
                day = self._in_month(year, self.month)
                if day is not None and day >= start:
                    yield day

    def _weekly(self, from_date: date | None) -> Iterator[date]:
        start = self.start_date
        week0 = start - timedelta(days=(_graph_weekday(start) - self.first_day_of_week) % 7)
        offsets = sorted((d - self.first_day_of_week) % 7 for d in set(self.days_of_week))
        first = 0
        if from_date is not None and from_date > week0:
            first = max(0, (from_date - week0).days // (7 * self.interval) - 1)
        for k in count(first):
            week = week0 + timedelta(weeks=k * self.interval)
            for offset in offsets:
                day = week + timedelta(days=offset)
                if day >= start:
                    yield day

    def _in_month(self, year: int, month: int) -> date | None:
        last = _calendar.monthrange(year, month)[1]
        if self.type in ("absoluteMonthly", "absoluteYearly"):
            return date(year, month, min(self.day_of_month, last))
        wanted = set(self.days_of_week)
        matching = [
            date(year, month, d)
            for d in range(1, last + 1)
            if _graph_weekday(date(year, month, d)) in wanted
        ]
        if not matching:
            return None
        if self.index == "last":
            return matching[-1]
        position = INDEXES.index(self.index)
        return matching[position] if position < len(matching) else None


def _replace(rec: Recurrence, **changes: Any) -> Recurrence:
    from dataclasses import replace

    return replace(rec, **changes)


# --- parsing ------------------------------------------------------------------------------
def _int(value: Any, prop: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise body_read(prop, f"must be an integer, not {value!r}")
    if not low <= value <= high:
        raise invalid_property(prop, f"must be between {low} and {high}, not {value}")
    return value


def _enum(value: Any, prop: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise body_read(prop, f"must be a string, one of {', '.join(allowed)}")
    for option in allowed:
        if option.lower() == value.lower():
            return option
    raise body_read(prop, f"'{value}' is not one of {', '.join(allowed)}")


def _date(value: Any, prop: str) -> date:
    if not isinstance(value, str):
        raise body_read(prop, "must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise body_read(prop, f"'{value}' is not a date YYYY-MM-DD") from None


def parse_recurrence(value: Any, *, start_date: date, default_zone: str) -> Recurrence:
    """Validate a ``patternedRecurrence`` input; errors name the failing property.

    ``start_date`` is the date of the event's start in its zone: ``range.startDate`` must
    equal it. ``default_zone`` fills ``recurrenceTimeZone`` when absent.
    """
    if not isinstance(value, dict):
        raise body_read("recurrence", "must be an object {pattern, range} or null")
    pattern, rng = value.get("pattern"), value.get("range")
    if not isinstance(pattern, dict):
        raise invalid_property("recurrence.pattern", "is required")
    if not isinstance(rng, dict):
        raise invalid_property("recurrence.range", "is required")
    p = "recurrence.pattern"
    if pattern.get("type") is None:
        raise invalid_property(f"{p}.type", "is required")
    kind = _enum(pattern["type"], f"{p}.type", PATTERN_TYPES)
    if pattern.get("interval") is None:
        raise invalid_property(f"{p}.interval", "is required")
    interval = _int(pattern["interval"], f"{p}.interval", 1, 999)

    raw_days = pattern.get("daysOfWeek")
    if raw_days is None:
        raw_days = []
    if not isinstance(raw_days, list):
        raise body_read(f"{p}.daysOfWeek", "must be an array of day names")
    days = tuple(DAYS.index(_enum(d, f"{p}.daysOfWeek", DAYS)) for d in raw_days)
    fdow_raw = pattern.get("firstDayOfWeek")
    fdow = DAYS.index(_enum(fdow_raw, f"{p}.firstDayOfWeek", DAYS)) if fdow_raw else 0
    index_raw = pattern.get("index")
    index = _enum(index_raw, f"{p}.index", INDEXES) if index_raw else "first"
    dom_raw = pattern.get("dayOfMonth")
    dom = _int(dom_raw, f"{p}.dayOfMonth", 0, 31) if dom_raw is not None else 0
    month_raw = pattern.get("month")
    month = _int(month_raw, f"{p}.month", 0, 12) if month_raw is not None else 0

    if kind in ("weekly", "relativeMonthly", "relativeYearly") and not days:
        raise invalid_property(f"{p}.daysOfWeek", f"is required for a {kind} pattern")
    if kind in ("absoluteMonthly", "absoluteYearly") and dom == 0:
        raise invalid_property(f"{p}.dayOfMonth", f"is required (1-31) for a {kind} pattern")
    if kind in ("absoluteYearly", "relativeYearly") and month == 0:
        raise invalid_property(f"{p}.month", f"is required (1-12) for a {kind} pattern")
    if kind == "absoluteYearly" and dom > _calendar.monthrange(2000, month)[1]:
        raise invalid_property(f"{p}.dayOfMonth", f"month {month} has no day {dom}")

    r = "recurrence.range"
    if rng.get("type") is None:
        raise invalid_property(f"{r}.type", "is required")
    range_type = _enum(rng["type"], f"{r}.type", RANGE_TYPES)
    if rng.get("startDate") is None:
        raise invalid_property(f"{r}.startDate", "is required")
    range_start = _date(rng["startDate"], f"{r}.startDate")
    if range_start != start_date:
        raise invalid_property(
            f"{r}.startDate",
            f"must equal the date of the event's start ({start_date.isoformat()}), "
            f"not {range_start.isoformat()}",
        )
    end_date: date | None = None
    end_raw = rng.get("endDate")
    if end_raw not in (None, "", _NO_DATE):
        end_date = _date(end_raw, f"{r}.endDate")
    if range_type == "endDate":
        if end_date is None:
            raise invalid_property(f"{r}.endDate", "is required for an endDate range")
        if end_date < range_start:
            raise invalid_property(f"{r}.endDate", "must not be before startDate")
    else:
        end_date = None
    number_raw = rng.get("numberOfOccurrences")
    number = _int(number_raw, f"{r}.numberOfOccurrences", 0, 999) if number_raw is not None else 0
    if range_type == "numbered" and number < 1:
        raise invalid_property(
            f"{r}.numberOfOccurrences", "must be a positive number for a numbered range"
        )
    if range_type != "numbered":
        number = 0
    zone_raw = rng.get("recurrenceTimeZone")
    zone_name = default_zone
    if zone_raw not in (None, ""):
        zone_name = resolve_zone(zone_raw, f"{r}.recurrenceTimeZone").name
    return Recurrence(
        type=kind,
        interval=interval,
        days_of_week=days,
        first_day_of_week=fdow,
        index=index,
        day_of_month=dom,
        month=month,
        range_type=range_type,
        start_date=range_start,
        end_date=end_date,
        number_of_occurrences=number,
        recurrence_time_zone=zone_name,
    )
