"""Recurrence rules: checking an RRULE and expanding a series for a window.

A series is expanded over **local wall time**: the rule runs (``dateutil.rrule``) on the
naive local start of the series in its IANA zone, and every occurrence is then localised,
so a weekly 09:00 Europe/Paris series stays at 09:00 local across DST. A wall time that
does not exist (a spring-forward gap) is read with the offset before the gap, as RFC 5545
says; an ambiguous one (fall-back) takes the first of the two instants.

The rule is an RFC 5545 RRULE value without DTSTART (the event's start is the DTSTART).
Accepted: ``FREQ`` of DAILY, WEEKLY, MONTHLY or YEARLY (finer ones have no counterpart in
Outlook and could produce unbounded numbers of occurrences per day), ``INTERVAL``,
``COUNT`` or ``UNTIL``, and the ``BYDAY``, ``BYMONTHDAY``, ``BYMONTH``, ``BYSETPOS``,
``BYYEARDAY``, ``BYWEEKNO`` and ``WKST`` parts. ``BYHOUR``/``BYMINUTE``/``BYSECOND`` are
refused for the same reason as the finer frequencies. A rule must yield at least one
occurrence from the event's start. ``UNTIL`` may be a UTC instant (``...Z``), a floating
local time, or a date (inclusive: the whole local day).

Occurrences follow dateutil's semantics: they are the instants the rule yields from the
start on, so a start that does not match the rule is not itself an occurrence (as in
Outlook, whose series begin at the first matching day).

Expansion never materialises more than the window asked for: open-ended series have no
cap, and daily or weekly rules without COUNT jump straight to the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.utils.translation import gettext as _

ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
ALLOWED_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYSETPOS",
        "BYYEARDAY",
        "BYWEEKNO",
        "WKST",
    }
)
LAST_END_SCAN_CAP = 10_000
"""How many occurrences :func:`last_end` scans before calling a series open-ended."""


class RuleError(ValueError):
    """The recurrence rule is not acceptable; the message says why, for a person."""


class SeriesLike(Protocol):
    """What expansion needs from an event (an :class:`~calsync.calendars.models.Event`)."""

    recurrence: str
    timezone: str
    all_day: bool
    start: datetime
    end: datetime
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class Slot:
    """One occurrence of a series: instants in UTC, dates for all-day series."""

    original_start: datetime
    start: datetime
    end: datetime
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class SeriesTimes:
    """A series reduced to what expansion needs: rule, zone and local wall times."""

    rule: str
    tz: ZoneInfo
    all_day: bool
    local_start: datetime
    local_duration: timedelta

    @classmethod
    def of(cls, event: SeriesLike) -> SeriesTimes:
        """The times of ``event``, a series master (its ``recurrence`` is a checked rule)."""
        tz = ZoneInfo(event.timezone)
        if event.all_day:
            assert event.start_date is not None and event.end_date is not None
            return cls(
                rule=event.recurrence,
                tz=tz,
                all_day=True,
                local_start=datetime.combine(event.start_date, time()),
                local_duration=timedelta(days=(event.end_date - event.start_date).days),
            )
        local_start = to_local(event.start, tz)
        local_duration = to_local(event.end, tz) - local_start
        if local_duration <= timedelta(0):
            local_duration = event.end - event.start
        return cls(event.recurrence, tz, False, local_start, local_duration)


def to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive wall time of an aware ``instant`` in ``tz``."""
    return instant.astimezone(tz).replace(tzinfo=None)


def localise(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of the naive wall time ``wall`` in ``tz`` (gaps use the old offset)."""
    return wall.replace(tzinfo=tz).astimezone(UTC)


def parse_parts(rule: str) -> dict[str, str]:
    """Split ``FREQ=...;...`` into an upper-case dict; raises :class:`RuleError`."""
    parts: dict[str, str] = {}
    for chunk in rule.split(";"):
        if not chunk:
            continue
        key, sep, value = chunk.partition("=")
        key = key.strip().upper()
        if not sep or not value.strip():
            raise RuleError(_("“%(part)s” is not a NAME=VALUE part.") % {"part": chunk})
        if key in parts:
            raise RuleError(_("%(part)s appears twice.") % {"part": key})
        parts[key] = value.strip().upper()
    return parts


def normalise_rule(text: str) -> str:
    """The canonical form of an RRULE value, or :class:`RuleError` naming the problem.

    Accepts an optional ``RRULE:`` prefix; refuses DTSTART, several lines, unknown or
    refused parts and frequencies finer than DAILY, and checks the rule with dateutil.
    """
    value = (text or "").strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    if not value:
        raise RuleError(_("The rule is empty."))
    if "\n" in value or "\r" in value or ":" in value:
        raise RuleError(_("Give one RRULE value, without DTSTART or other properties."))
    parts = parse_parts(value)
    unknown = sorted(set(parts) - ALLOWED_PARTS)
    if unknown:
        raise RuleError(_("Unsupported rule part: %(parts)s.") % {"parts": ", ".join(unknown)})
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleError(_("FREQ is required."))
    if freq not in ALLOWED_FREQS:
        raise RuleError(_("FREQ must be one of %(freqs)s.") % {"freqs": ", ".join(ALLOWED_FREQS)})
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError(_("COUNT and UNTIL cannot both be given."))
    for key in ("COUNT", "INTERVAL"):
        if key in parts and (not parts[key].isdigit() or int(parts[key]) < 1):
            raise RuleError(_("%(part)s must be a positive integer.") % {"part": key})
    if "UNTIL" in parts:
        parse_until(parts["UNTIL"])
    canonical = ";".join(f"{key}={val}" for key, val in parts.items())
    try:
        _build(canonical, datetime(2000, 1, 1), ZoneInfo("UTC"), all_day=False)  # noqa: DTZ001
    except (ValueError, TypeError) as exc:
        raise RuleError(_("The rule is not valid RFC 5545: %(error)s") % {"error": exc}) from exc
    return canonical


def parse_until(value: str) -> datetime | date:
    """UNTIL as an aware UTC instant, a naive (floating) datetime, or a date."""
    try:
        if len(value) == 8:
            parsed: datetime | date = datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007
        elif value.endswith("Z"):
            parsed = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        else:
            parsed = datetime.strptime(value, "%Y%m%dT%H%M%S")  # noqa: DTZ007
    except ValueError as exc:
        raise RuleError(
            _("UNTIL must look like 20270101T000000Z or 20270101, not “%(value)s”.")
            % {"value": value}
        ) from exc
    if not 1000 <= parsed.year <= 9000:
        raise RuleError(_("UNTIL must lie between the years 1000 and 9000."))
    return parsed


def until_wall(value: str, tz: ZoneInfo, *, all_day: bool) -> datetime:
    """UNTIL as naive local wall time in ``tz`` (a date means the whole local day)."""
    until = parse_until(value)
    if isinstance(until, datetime) and until.tzinfo is not None:
        return to_local(until, tz)
    if isinstance(until, datetime):
        return until
    return datetime.combine(until, time() if all_day else time(23, 59, 59))


def _build(rule: str, dtstart: datetime, tz: ZoneInfo, *, all_day: bool) -> rrule:
    """A dateutil rule over naive local wall time; UNTIL is converted into that frame."""
    parts = parse_parts(rule)
    if "UNTIL" in parts:
        parts["UNTIL"] = until_wall(parts["UNTIL"], tz, all_day=all_day).strftime("%Y%m%dT%H%M%S")
    text = ";".join(f"{key}={val}" for key, val in parts.items())
    result = rrulestr(text, dtstart=dtstart)
    assert isinstance(result, rrule)
    return result


def _rule_for(series: SeriesTimes, not_before: datetime | None = None) -> rrule:
    """The rule of ``series``; with ``not_before`` (wall time) it may start later, unchanged
    for every occurrence at or after ``not_before`` (daily/weekly rules without COUNT)."""
    rule = _build(series.rule, series.local_start, series.tz, all_day=series.all_day)
    parts = parse_parts(series.rule)
    if not_before is None or "COUNT" in parts or parts["FREQ"] not in ("DAILY", "WEEKLY"):
        return rule
    period_days = int(parts.get("INTERVAL", "1")) * (7 if parts["FREQ"] == "WEEKLY" else 1)
    periods = (not_before - series.local_start).days // period_days - 1
    if periods <= 0:
        return rule
    return rule.replace(dtstart=series.local_start + timedelta(days=periods * period_days))


def _slot(series: SeriesTimes, wall: datetime) -> Slot:
    start = localise(wall, series.tz)
    end = localise(wall + series.local_duration, series.tz)
    if series.all_day:
        start_date = wall.date()
        return Slot(start, start, end, start_date, start_date + series.local_duration)
    return Slot(start, start, end)


def iter_slots(series: SeriesTimes, window_start: datetime, window_end: datetime) -> Iterator[Slot]:
    """Occurrences of ``series`` overlapping ``[window_start, window_end)``, in order."""
    margin = timedelta(days=1)
    low = to_local(window_start, series.tz) - series.local_duration - margin
    high = to_local(window_end, series.tz) + margin
    rule = _rule_for(series, not_before=low)
    for wall in rule.xafter(max(low, series.local_start), inc=True):
        if wall > high:
            break
        slot = _slot(series, wall)
        if slot.start < window_end and slot.end > window_start:
            yield slot


DST_GAP_MAX = timedelta(hours=2)
"""The longest jump forward of any zone's clocks (double summer time)."""


def slot_at(series: SeriesTimes, original_start: datetime) -> Slot | None:
    """The occurrence whose start is exactly ``original_start``, or None."""
    wall = to_local(original_start, series.tz)
    second = timedelta(seconds=1)
    # an occurrence whose wall time falls in a DST gap starts later on the clock than the
    # rule says (02:00 -> 03:00): look back as far as the longest gap
    earliest = wall - DST_GAP_MAX - second
    rule = _rule_for(series, not_before=earliest)
    for candidate in rule.between(earliest, wall + second, inc=True):
        slot = _slot(series, candidate)
        if slot.original_start == original_start:
            return slot
    return None


def first_slot(series: SeriesTimes) -> Slot | None:
    """The first occurrence, or None when the rule yields nothing."""
    wall = next(iter(_rule_for(series)), None)
    return None if wall is None else _slot(series, wall)


def last_end(series: SeriesTimes) -> datetime | None:
    """A bound on the end of the last occurrence, for window queries: with UNTIL, the end
    an occurrence starting at UNTIL would have; with COUNT, the end of the last occurrence
    (None beyond :data:`LAST_END_SCAN_CAP` occurrences); None for an open-ended series."""
    parts = parse_parts(series.rule)
    if "UNTIL" in parts:  # no occurrence starts after UNTIL: a bound without iterating
        wall = until_wall(parts["UNTIL"], series.tz, all_day=series.all_day)
        return localise(wall + series.local_duration, series.tz)
    if "COUNT" not in parts:
        return None
    rule = _rule_for(series)
    last = None
    for index, wall in enumerate(rule):
        if index >= LAST_END_SCAN_CAP:
            return None
        last = wall
    return None if last is None else _slot(series, last).end


def occurrence_key(original_start: datetime) -> str:
    """The ``YYYYMMDDTHHMMSSZ`` stamp of an occurrence (part of its API id)."""
    return original_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_occurrence_key(stamp: str) -> datetime:
    """The instant of a ``YYYYMMDDTHHMMSSZ`` stamp; ValueError if malformed."""
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
