"""Outlook's ``patternedRecurrence`` <-> an RFC 5545 RRULE, both ways, occurrence for occurrence.

Pure: standard library, python-dateutil and the shared RRULE parser :mod:`calsync.rrules`
(which reads every rule here, as it does for the calendar). calsync keeps a series as an RRULE value
without DTSTART (the event's start in its IANA zone is the DTSTART) expanded over local wall
time with dateutil; Outlook keeps ``{pattern, range}`` expanded over dates in the event's
zone. The two functions here translate only what means **exactly the same occurrences** on
both sides; a rule Outlook cannot express raises :class:`UnsupportedRecurrence` (the series
then stays local and the sync log shows the message).

Semantic decisions (each is proven by tests against the emulator's model and over HTTPS):

* **A start that does not match the pattern** is not an occurrence on either side: Outlook
  starts at the first matching date (``range.startDate`` is the start's date), and dateutil
  yields only instants that fit the rule (calsync's expansion follows dateutil).
* **Day 29, 30, 31 in shorter months**: Outlook's ``absoluteMonthly``/``absoluteYearly`` falls
  back to the month's last day; RFC ``BYMONTHDAY=31`` skips the month. :func:`from_graph`
  writes Outlook's day *d* as ``BYMONTHDAY=d`` when every month the rule can reach has *d*
  days (days 1-28 monthly; yearly, the ``BYMONTH``'s shortest length), as ``BYMONTHDAY=-1``
  (the last day) when none has more (day 31 monthly, 29 February yearly), and otherwise as
  ``BYMONTHDAY=28,...,d;BYSETPOS=-1`` (the last of those days the month has: days 29 and 30
  monthly). Monthly spellings never depend on the start month, so they stay exact when the
  series is moved. :func:`to_graph` accepts any BYMONTHDAY/BYSETPOS choice that picks
  ``min(d, length)`` in every month the series visits (February counts as 28 and 29 days)
  and refuses one that would skip months (``BYMONTHDAY=31`` monthly, a yearly series from
  29 February without BYMONTHDAY=-1): Outlook would add occurrences. (Conservative: a rule
  every 4 years from 29 February is refused too, as it differs from Outlook in 2100.)
* **Week start**: ``WKST`` <-> ``firstDayOfWeek`` (RFC default MO, Outlook default sunday);
  weekly patterns always carry it explicitly, since it decides which weeks an interval > 1
  counts and whether the start's own week holds occurrences.
* **Relative patterns**: ``index`` first..fourth/last <-> ordinal 1..4/-1. One day is written
  ``BYDAY=2TU``; several days ``BYDAY=SA,SU;BYSETPOS=1``, which is Outlook's "first matching
  day wins" (the index-th day of the month that is any of those days). Ordinals 5, -2... and
  several ordinals have no Outlook counterpart.
* **Ranges**: ``COUNT`` <-> ``numbered`` (Outlook counts up to 999; a larger COUNT becomes
  the ``endDate`` of its last occurrence, which is exact; 9999-12-31 when that lies beyond).
  ``endDate`` is inclusive and read in the event's zone; it becomes ``UNTIL`` as RFC 5545
  wants it: a DATE for all-day series, else the UTC instant of the last possible occurrence
  (``endDate`` at the start's wall time). Any ``UNTIL`` (UTC instant, floating local time, or
  date = the whole local day) maps to the local date of the last wall time it lets through.
  ``noEnd`` <-> neither: no cap anywhere.
* **Zones**: dates are the event's zone. ``recurrenceTimeZone`` is written as the event's
  zone (or the caller's name for it) and is not used when reading: Graph defaults it to the
  event's zone and calsync has one zone per series.
* ``FREQ=DAILY;BYDAY=...`` (interval 1) is Outlook's weekly "every weekday" pattern.
* ``WKST`` outside weekly rules changes nothing in RFC 5545 and is dropped.

:func:`canonical_rrule` spells a local rule the way Outlook gives it back and
:func:`canonical_graph` reduces a Graph recurrence to what :func:`to_graph` sends, so the
sync can compare the two sides. Messages of :class:`UnsupportedRecurrence` are English
templates marked with :func:`gettext_noop`; a caller with Django shows
``gettext(exc.template) % exc.params``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from calsync import rrules
from calsync.rrules import RRule
from calsync.rrules.parse import TranslatableError, gettext_noop

MAX_INTERVAL = 999
"""Largest ``pattern.interval`` sent (the emulator's bound; Outlook's own is undocumented)."""
MAX_OCCURRENCES = 999
"""Largest ``numberOfOccurrences`` Outlook takes ("end after 999 occurrences")."""

RFC_DAYS = rrules.RFC_DAYS
"""RFC 5545 weekday codes, indexed like :meth:`datetime.date.weekday`."""
GRAPH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Graph's dayOfWeek names, indexed like :meth:`datetime.date.weekday`."""
GRAPH_DAY_ORDER = (6, 0, 1, 2, 3, 4, 5)
"""Graph's own order of days (sunday first), as weekday indexes: daysOfWeek are sent so."""
INDEXES = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
INDEX_NAMES = {value: name for name, value in INDEXES.items()}
PATTERN_TYPES = (
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
)
RANGE_TYPES = ("endDate", "noEnd", "numbered")
PATTERN_FIELDS = {
    "daily": ("type", "interval"),
    "weekly": ("type", "interval", "daysOfWeek", "firstDayOfWeek"),
    "absoluteMonthly": ("type", "interval", "dayOfMonth"),
    "relativeMonthly": ("type", "interval", "daysOfWeek", "index"),
    "absoluteYearly": ("type", "interval", "dayOfMonth", "month"),
    "relativeYearly": ("type", "interval", "daysOfWeek", "index", "month"),
}
"""The pattern fields each type needs; Graph validates the others, so none else is sent."""

_RULE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
)
_FINER = ("SECONDLY", "MINUTELY", "HOURLY")
_FEBRUARY = 2
ALL_MONTHS = tuple(range(1, 13))


class UnsupportedRecurrence(TranslatableError):
    """A valid RRULE that Outlook's patternedRecurrence cannot express exactly (``template``
    and ``params``: see :class:`~calsync.rrules.parse.TranslatableError`)."""


# -- the RRULE side -----------------------------------------------------------------------


def _parse(rule: str) -> RRule:
    """Split and check ``rule`` with the shared parser (:mod:`calsync.rrules`); ValueError
    for malformed rules, UnsupportedRecurrence for what Outlook has no counterpart for."""
    parts = rrules.split(rule)
    freq = parts.get("FREQ")
    if freq is None:
        return rrules.from_parts(parts)  # raises: FREQ is required
    if freq in _FINER:
        raise UnsupportedRecurrence(
            gettext_noop("Outlook cannot repeat an event more often than daily (FREQ=%(freq)s)."),
            freq=freq,
        )
    if freq not in rrules.FREQUENCIES:
        raise ValueError(f"FREQ={freq} is not an RFC 5545 frequency")
    unknown = sorted(set(parts) - _RULE_PARTS)
    if unknown:
        raise UnsupportedRecurrence(
            gettext_noop("Outlook has no counterpart for the rule part(s) %(parts)s."),
            parts=", ".join(unknown),
        )
    return rrules.from_parts(parts)


def _local_start(start: datetime | date, tz: ZoneInfo, all_day: bool) -> datetime:
    """The series' start as naive wall time in ``tz`` (midnight for all-day series)."""
    if all_day:
        if isinstance(start, datetime):
            day = start.astimezone(tz).date() if start.tzinfo else start.date()
        else:
            day = start
        return datetime.combine(day, time())
    if not isinstance(start, datetime):
        raise ValueError("a timed series needs a datetime start, not a date")
    if start.tzinfo is None:
        return start
    return start.astimezone(tz).replace(tzinfo=None)


# -- month-day arithmetic -------------------------------------------------------------------


def _month_lengths(month: int) -> tuple[int, ...]:
    """The lengths ``month`` can have (February: 28 and 29)."""
    if month == _FEBRUARY:
        return (28, 29)
    return (calendar.monthrange(2001, month)[1],)


def _visited_months(start_month: int, interval_months: int) -> tuple[int, ...]:
    """The months (1-12) a series stepping ``interval_months`` from ``start_month`` visits."""
    return tuple(sorted({(start_month - 1 + k * interval_months) % 12 + 1 for k in range(12)}))


def _days_picked(monthdays: tuple[int, ...], setpos: tuple[int, ...], length: int) -> set[int]:
    """The days of a month of ``length`` days that BYMONTHDAY (+ BYSETPOS) select (RFC)."""
    days = sorted(
        {
            day
            for value in monthdays
            if 1 <= (day := value if value > 0 else length + 1 + value) <= length
        }
    )
    if not setpos:
        return set(days)
    picked = set()
    for position in setpos:
        if 0 < position <= len(days):
            picked.add(days[position - 1])
        elif 0 < -position <= len(days):
            picked.add(days[position])
    return picked


def _outlook_day(
    monthdays: tuple[int, ...],
    setpos: tuple[int, ...],
    months: tuple[int, ...],
    spelling_months: tuple[int, ...],
) -> int:
    """Outlook's ``dayOfMonth`` picking exactly the days the RFC parts pick in ``months``.

    Outlook's day *d* is ``min(d, month length)``; *d* is read from a 31-day month (then
    bounded by the longest of ``spelling_months``: a yearly February series, as Graph
    refuses 30 February; a monthly one keeps its day even when it visits only short
    months, as :func:`from_graph` spells it over all months). Raises
    :class:`UnsupportedRecurrence` when some visited month would differ; its message gives
    the spelling of Outlook's behaviour over ``spelling_months``.
    """
    in_long_month = _days_picked(monthdays, setpos, 31)
    if len(in_long_month) > 1:
        raise UnsupportedRecurrence(
            gettext_noop(
                "Outlook repeats a monthly or yearly series on one day of the month; "
                "this rule picks several days."
            )
        )
    if not in_long_month:
        raise UnsupportedRecurrence(
            gettext_noop("Outlook cannot express this choice of days of the month.")
        )
    longest = max(length for month in spelling_months for length in _month_lengths(month))
    day = min(in_long_month.pop(), longest)
    for month in months:
        for length in _month_lengths(month):
            if _days_picked(monthdays, setpos, length) != {min(day, length)}:
                raise UnsupportedRecurrence(
                    gettext_noop(
                        "Outlook puts day %(day)d on the last day of shorter months, and this "
                        "rule skips those months (or picks another day). Write %(spelling)s "
                        "for Outlook's behaviour."
                    ),
                    day=day,
                    spelling=";".join(_monthday_parts(day, spelling_months)),
                )
    return day


def _monthday_parts(day: int, months: tuple[int, ...]) -> list[str]:
    """The RFC spelling of Outlook's day ``day`` (``min(day, length)``) over ``months``."""
    shortest = min(length for month in months for length in _month_lengths(month))
    longest = max(length for month in months for length in _month_lengths(month))
    if day <= shortest:
        return [f"BYMONTHDAY={day}"]
    if day >= longest:
        return ["BYMONTHDAY=-1"]
    days = ",".join(str(value) for value in range(shortest, day + 1))
    return [f"BYMONTHDAY={days}", "BYSETPOS=-1"]


# -- RRULE -> Graph ------------------------------------------------------------------------


def _refuse_parts(rule: RRule, names: tuple[str, ...], why: str) -> None:
    present = [name for name in names if getattr(rule, name.lower())]
    if present:
        raise UnsupportedRecurrence(why, parts=", ".join(present))


def _plain_days(rule: RRule) -> list[int]:
    if any(ordinal is not None for ordinal, _day in rule.byday):
        raise UnsupportedRecurrence(
            gettext_noop(
                "Outlook numbers week days only in monthly and yearly series (BYDAY=%(byday)s)."
            ),
            byday=",".join(f"{o or ''}{RFC_DAYS[d]}" for o, d in rule.byday),
        )
    return sorted({day for _ordinal, day in rule.byday})


def _graph_days(days: list[int]) -> list[str]:
    return [GRAPH_DAYS[day] for day in GRAPH_DAY_ORDER if day in days]


def _relative(rule: RRule) -> dict[str, Any]:
    """daysOfWeek and index of a relative pattern from BYDAY (+ BYSETPOS)."""
    if rule.bymonthday:
        raise UnsupportedRecurrence(
            gettext_noop("Outlook cannot combine week days with days of the month.")
        )
    ordinals = {ordinal for ordinal, _day in rule.byday}
    if ordinals != {None}:
        if len(rule.byday) != 1 or rule.bysetpos:
            raise UnsupportedRecurrence(
                gettext_noop(
                    "Outlook repeats a monthly or yearly series on one numbered week day; "
                    "this rule names several (BYDAY=%(byday)s)."
                ),
                byday=",".join(f"{o or ''}{RFC_DAYS[d]}" for o, d in rule.byday),
            )
        index, day = rule.byday[0]
        days = [day]
    else:
        if len(rule.bysetpos) != 1:
            raise UnsupportedRecurrence(
                gettext_noop(
                    "Outlook repeats a monthly or yearly series on one week day per period; "
                    "give one position, e.g. BYDAY=2TU or BYDAY=SA,SU;BYSETPOS=1."
                )
            )
        index, days = rule.bysetpos[0], sorted({day for _ordinal, day in rule.byday})
    if index not in INDEX_NAMES:
        raise UnsupportedRecurrence(
            gettext_noop(
                "Outlook counts week days first, second, third, fourth or last, not %(index)s."
            ),
            index=index,
        )
    return {"daysOfWeek": _graph_days(days), "index": INDEX_NAMES[index]}


def _daily_or_weekly(rule: RRule, local_start: datetime) -> dict[str, Any]:
    """Outlook's ``daily`` or ``weekly`` pattern of a DAILY or WEEKLY ``rule``."""
    _refuse_parts(
        rule,
        ("BYMONTH", "BYMONTHDAY", "BYSETPOS"),
        gettext_noop("Outlook cannot limit a daily or weekly series with %(parts)s."),
    )
    days = _plain_days(rule)
    if rule.freq == "DAILY" and not days:
        return {"type": "daily", "interval": rule.interval}
    if rule.freq == "DAILY" and rule.interval != 1:
        raise UnsupportedRecurrence(
            gettext_noop("Outlook cannot repeat every %(interval)d days on some week days only."),
            interval=rule.interval,
        )
    return {
        "type": "weekly",
        "interval": rule.interval,
        "daysOfWeek": _graph_days(days or [local_start.weekday()]),
        "firstDayOfWeek": GRAPH_DAYS[rule.wkst],
    }


def _yearly_month(rule: RRule, local_start: datetime) -> int:
    """The one month of a YEARLY ``rule`` (Outlook repeats a yearly series in one month)."""
    if len(rule.bymonth) > 1:
        raise UnsupportedRecurrence(
            gettext_noop(
                "Outlook repeats a yearly series in one month; this rule names several "
                "(BYMONTH=%(months)s)."
            ),
            months=",".join(str(month) for month in rule.bymonth),
        )
    if not rule.bymonth and (rule.byday or rule.bymonthday):
        raise UnsupportedRecurrence(
            gettext_noop(
                "Outlook repeats a yearly series in one month; without BYMONTH this rule "
                "runs through the whole year."
            )
        )
    return rule.bymonth[0] if rule.bymonth else local_start.month


def _monthly_or_yearly(rule: RRule, local_start: datetime) -> dict[str, Any]:
    """Outlook's relative or absolute monthly/yearly pattern of a MONTHLY or YEARLY ``rule``."""
    pattern: dict[str, Any] = {"interval": rule.interval}
    if rule.freq == "MONTHLY":
        if rule.bymonth:
            raise UnsupportedRecurrence(
                gettext_noop("Outlook cannot limit a monthly series to some months (BYMONTH).")
            )
        months = _visited_months(local_start.month, rule.interval)
        kind, spelling_months = "Monthly", ALL_MONTHS
    else:
        pattern["month"] = _yearly_month(rule, local_start)
        months = spelling_months = (pattern["month"],)
        kind = "Yearly"
    if rule.byday:
        return {"type": f"relative{kind}", **pattern, **_relative(rule)}
    monthdays = rule.bymonthday or (local_start.day,)
    day = _outlook_day(monthdays, rule.bysetpos, months, spelling_months)
    return {"type": f"absolute{kind}", **pattern, "dayOfMonth": day}


def _pattern(rule: RRule, local_start: datetime) -> dict[str, Any]:
    """The Graph pattern of ``rule`` (only the fields its type needs)."""
    if rule.interval > MAX_INTERVAL:
        raise UnsupportedRecurrence(
            gettext_noop("Outlook takes intervals up to %(max)d, not %(interval)d."),
            max=MAX_INTERVAL,
            interval=rule.interval,
        )
    if rule.freq in ("DAILY", "WEEKLY"):
        return _daily_or_weekly(rule, local_start)
    return _monthly_or_yearly(rule, local_start)


def _nth_date(rule: RRule, pattern: dict[str, Any], local_start: datetime, tz: ZoneInfo) -> date:
    """The date of the COUNT-th occurrence (``date.max`` beyond the year 9999).

    Daily and weekly patterns are counted arithmetically (a COUNT may be huge); monthly and
    yearly ones, at most one a month, are run by dateutil, which stops at the year 9999.
    """
    start, count = local_start.date(), rule.count or 1
    try:
        if pattern["type"] == "daily":
            return start + timedelta(days=(count - 1) * pattern["interval"])
        if pattern["type"] == "weekly":
            first_day = GRAPH_DAYS.index(pattern["firstDayOfWeek"])
            week0 = start - timedelta(days=(start.weekday() - first_day) % 7)
            offsets = sorted((GRAPH_DAYS.index(d) - first_day) % 7 for d in pattern["daysOfWeek"])
            in_first = [offset for offset in offsets if week0 + timedelta(days=offset) >= start]
            if count <= len(in_first):
                return week0 + timedelta(days=in_first[count - 1])
            period, index = divmod(count - len(in_first) - 1, len(offsets))
            weeks = (period + 1) * pattern["interval"]
            return week0 + timedelta(weeks=weeks, days=offsets[index])
    except OverflowError:
        return date.max
    last = start
    for wall in rrules.wall_rrule(rule, local_start, tz, all_day=False):
        last = wall.date()
    return last


def _range(
    rule: RRule, pattern: dict[str, Any], local_start: datetime, tz: ZoneInfo, all_day: bool
) -> dict[str, Any]:
    """The Graph range of ``rule`` (whose Outlook pattern is ``pattern``)."""
    start_date = local_start.date()
    if rule.count is not None and rule.count <= MAX_OCCURRENCES:
        return {
            "type": "numbered",
            "startDate": start_date.isoformat(),
            "numberOfOccurrences": rule.count,
        }
    if rule.count is not None:
        end_date = _nth_date(rule, pattern, local_start, tz)
    elif rule.until is not None:
        until = rrules.until_wall(rule.until, tz, all_day=all_day)
        end_date = until.date()
        if until.time() < local_start.time():
            end_date -= timedelta(days=1)
        if end_date < start_date:
            raise ValueError(f"UNTIL={rule.value('UNTIL')} is before the start of the series")
    else:
        return {"type": "noEnd", "startDate": start_date.isoformat()}
    return {"type": "endDate", "startDate": start_date.isoformat(), "endDate": end_date.isoformat()}


def to_graph(
    rrule: str,
    start: datetime | date,
    timezone: str,
    all_day: bool,
    *,
    recurrence_time_zone: str | None = None,
) -> dict[str, Any]:
    """Graph's ``patternedRecurrence`` for the RRULE ``rrule`` of a series starting ``start``.

    ``start`` is the series' first start (aware: read in ``timezone``; naive: wall time in
    it; a date or midnight for all-day series), ``timezone`` its IANA zone. The result has
    only the fields its pattern and range types need; ``range.recurrenceTimeZone`` is
    ``recurrence_time_zone`` or ``timezone``. It expands to exactly the occurrences the rule
    yields in calsync (see the module's notes). Raises :class:`UnsupportedRecurrence` when
    Outlook cannot express the rule, ValueError when the rule is malformed.
    """
    tz = ZoneInfo(timezone)
    rule = _parse(rrule)
    local_start = _local_start(start, tz, all_day)
    pattern = _pattern(rule, local_start)
    rng = _range(rule, pattern, local_start, tz, all_day)
    rng["recurrenceTimeZone"] = recurrence_time_zone or timezone
    return {"pattern": pattern, "range": rng}


# -- Graph -> RRULE ------------------------------------------------------------------------


def _enum(value: Any, field: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    if value in (None, "") and default is not None:
        return default
    if isinstance(value, str):
        for option in allowed:
            if option.lower() == value.lower():
                return option
    raise ValueError(f"{field} must be one of {', '.join(allowed)}, not {value!r}")


def _number(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{field} must be an integer from {low} to {high}, not {value!r}")
    return value


@dataclass(frozen=True)
class _Graph:
    """A patternedRecurrence read into typed fields (only those its types use)."""

    type: str
    interval: int
    days: tuple[int, ...]
    first_day: int
    index: str
    day_of_month: int
    month: int
    range_type: str
    end_date: date | None
    count: int
    zone: str | None


def _read(recurrence: dict[str, Any]) -> _Graph:
    """Check ``recurrence``; ValueError naming the field that is missing or wrong."""
    if not isinstance(recurrence, dict):
        raise ValueError("recurrence must be an object {pattern, range}")
    pattern, rng = recurrence.get("pattern"), recurrence.get("range")
    if not isinstance(pattern, dict):
        raise ValueError("recurrence.pattern is missing")
    if not isinstance(rng, dict):
        raise ValueError("recurrence.range is missing")
    kind = _enum(pattern.get("type"), "recurrence.pattern.type", PATTERN_TYPES)
    needs = PATTERN_FIELDS[kind]
    interval = _number(pattern.get("interval"), "recurrence.pattern.interval", 1, 10**6)
    days: tuple[int, ...] = ()
    if "daysOfWeek" in needs:
        raw = pattern.get("daysOfWeek")
        if not isinstance(raw, list) or not raw:
            raise ValueError(f"recurrence.pattern.daysOfWeek is required for {kind}")
        field = "recurrence.pattern.daysOfWeek"
        days = tuple(sorted({GRAPH_DAYS.index(_enum(d, field, GRAPH_DAYS)) for d in raw}))
    first_day = GRAPH_DAYS.index(
        _enum(
            pattern.get("firstDayOfWeek"), "recurrence.pattern.firstDayOfWeek", GRAPH_DAYS, "sunday"
        )
    )
    index = _enum(pattern.get("index"), "recurrence.pattern.index", tuple(INDEXES), "first")
    month = 0
    if "month" in needs:
        month = _number(pattern.get("month"), "recurrence.pattern.month", 1, 12)
    day_of_month = 0
    if "dayOfMonth" in needs:
        high = max(_month_lengths(month)) if month else 31
        day_of_month = _number(pattern.get("dayOfMonth"), "recurrence.pattern.dayOfMonth", 1, high)
    range_type = _enum(rng.get("type"), "recurrence.range.type", RANGE_TYPES)
    end_date = None
    count = 0
    if range_type == "endDate":
        try:
            end_date = date.fromisoformat(str(rng.get("endDate"))[:10])
        except ValueError:
            raise ValueError(
                f"recurrence.range.endDate must be a date, not {rng.get('endDate')!r}"
            ) from None
    elif range_type == "numbered":
        count = _number(
            rng.get("numberOfOccurrences"), "recurrence.range.numberOfOccurrences", 1, 10**9
        )
    zone = rng.get("recurrenceTimeZone") or None
    return _Graph(
        kind,
        interval,
        days,
        first_day,
        index,
        day_of_month,
        month,
        range_type,
        end_date,
        count,
        zone,
    )


def _rfc_days(days: tuple[int, ...], ordinal: int | None = None) -> str:
    prefix = "" if ordinal is None else str(ordinal)
    return ",".join(f"{prefix}{RFC_DAYS[day]}" for day in days)


def _relative_parts(graph: _Graph) -> list[str]:
    index = INDEXES[graph.index]
    if len(graph.days) == 1:
        return [f"BYDAY={_rfc_days(graph.days, index)}"]
    return [f"BYDAY={_rfc_days(graph.days)}", f"BYSETPOS={index}"]


def from_graph(
    recurrence: dict[str, Any],
    start: datetime | date,
    timezone: str,
    *,
    all_day: bool | None = None,
    range_zone: str | None = None,
) -> str:
    """The RRULE value (no DTSTART) of Graph's ``patternedRecurrence`` for a series starting
    ``start`` in the IANA zone ``timezone``.

    ``all_day`` defaults to "``start`` is a date". The rule yields exactly Outlook's
    occurrences when expanded by calsync (see the module's notes for each spelling);
    :func:`to_graph` turns it back into the same recurrence (after :func:`canonical_graph`).
    ``range.startDate`` is not read (Graph keeps it equal to the start's date).
    ``range_zone``: the IANA zone of ``range.recurrenceTimeZone`` when it is another one,
    in which ``endDate`` is a date. Raises ValueError naming the field when ``recurrence``
    is malformed.
    """
    if all_day is None:
        all_day = not isinstance(start, datetime)
    tz = ZoneInfo(timezone)
    local_start = _local_start(start, tz, all_day)
    graph = _read(recurrence)
    freq = {"daily": "DAILY", "weekly": "WEEKLY"}.get(graph.type)
    if freq is None:
        freq = "MONTHLY" if graph.type.endswith("Monthly") else "YEARLY"
    parts = [f"FREQ={freq}"]
    if graph.interval != 1:
        parts.append(f"INTERVAL={graph.interval}")
    if graph.type == "weekly":
        parts += [f"BYDAY={_rfc_days(graph.days)}", f"WKST={RFC_DAYS[graph.first_day]}"]
    elif graph.type in ("relativeMonthly", "absoluteMonthly"):
        if graph.type == "relativeMonthly":
            parts += _relative_parts(graph)
        else:
            parts += _monthday_parts(graph.day_of_month, ALL_MONTHS)
    elif graph.type in ("relativeYearly", "absoluteYearly"):
        parts.append(f"BYMONTH={graph.month}")
        if graph.type == "relativeYearly":
            parts += _relative_parts(graph)
        else:
            parts += _monthday_parts(graph.day_of_month, (graph.month,))
    if graph.range_type == "numbered":
        parts.append(f"COUNT={graph.count}")
    elif graph.range_type == "endDate":
        assert graph.end_date is not None
        if graph.end_date < local_start.date():
            raise ValueError("recurrence.range.endDate is before the start of the series")
        end_date = graph.end_date
        if range_zone and not all_day:
            end_date = _last_day_by(end_date, local_start, tz, ZoneInfo(range_zone))
        parts.append(f"UNTIL={_until_value(end_date, local_start, tz, all_day)}")
    return ";".join(parts)


def _until_value(end_date: date, local_start: datetime, tz: ZoneInfo, all_day: bool) -> str:
    """UNTIL for an inclusive ``end_date``: a DATE for all-day series, else the UTC instant of
    ``end_date`` at the start's wall time (a DST-gap wall time reads with the earlier offset,
    as calsync localises occurrences)."""
    if all_day:
        return end_date.strftime("%Y%m%d")
    wall = datetime.combine(end_date, local_start.time()).replace(microsecond=0)
    return wall.replace(tzinfo=tz).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _last_day_by(end_date: date, local_start: datetime, tz: ZoneInfo, range_tz: ZoneInfo) -> date:
    """The last local date (in ``tz``) whose occurrence falls on or before ``end_date`` as
    dated in ``range_tz`` (the range's own zone)."""
    for shift in (1, 0, -1):
        day = end_date + timedelta(days=shift)
        wall = datetime.combine(day, local_start.time()).replace(tzinfo=tz)
        if wall.astimezone(range_tz).date() <= end_date:
            return day
    return end_date - timedelta(days=2)


# -- canonical forms -----------------------------------------------------------------------


def canonical_graph(recurrence: dict[str, Any], timezone: str) -> dict[str, Any]:
    """``recurrence`` (Graph's input or output shape) reduced to what :func:`to_graph` sends:
    only the fields each type needs, enum spellings and defaults (``index`` first,
    ``firstDayOfWeek`` sunday) filled in, days in Graph's order, ``recurrenceTimeZone``
    defaulting to ``timezone``. Two recurrences with equal canonical forms are the same
    series. ValueError naming the field when malformed."""
    graph = _read(recurrence)
    pattern: dict[str, Any] = {"type": graph.type, "interval": graph.interval}
    needs = PATTERN_FIELDS[graph.type]
    if "daysOfWeek" in needs:
        pattern["daysOfWeek"] = _graph_days(list(graph.days))
    if "firstDayOfWeek" in needs:
        pattern["firstDayOfWeek"] = GRAPH_DAYS[graph.first_day]
    if "index" in needs:
        pattern["index"] = graph.index
    if "month" in needs:
        pattern["month"] = graph.month
    if "dayOfMonth" in needs:
        pattern["dayOfMonth"] = graph.day_of_month
    start_date = str(recurrence["range"].get("startDate") or "")[:10]
    rng: dict[str, Any] = {"type": graph.range_type, "startDate": start_date}
    if graph.range_type == "endDate":
        assert graph.end_date is not None
        rng["endDate"] = graph.end_date.isoformat()
    elif graph.range_type == "numbered":
        rng["numberOfOccurrences"] = graph.count
    rng["recurrenceTimeZone"] = graph.zone or timezone
    return {"pattern": pattern, "range": rng}


def canonical_rrule(rrule: str, start: datetime | date, timezone: str, all_day: bool) -> str:
    """``rrule`` spelled as :func:`from_graph` would give it back from Outlook, so a series
    compares equal on both sides. Raises :class:`UnsupportedRecurrence` like
    :func:`to_graph`."""
    graph = to_graph(rrule, start, timezone, all_day)
    return from_graph(graph, start, timezone, all_day=all_day)
