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
``BYYEARDAY``, ``BYWEEKNO`` (these two in YEARLY rules only, as RFC 5545 says) and ``WKST``
parts. ``BYHOUR``/``BYMINUTE``/``BYSECOND`` are refused for the same reason as the finer
frequencies. The text is read by the project's one RRULE parser, :mod:`calsync.rrules`.
A rule must yield its first occurrence within :data:`SEARCH_YEARS` years of the event's
start; that search (:func:`first_slot`) takes bounded time whatever the rule, where
dateutil alone would walk a rule that never yields up to the year 9999. ``UNTIL`` may be a
UTC instant (``...Z``), a floating local time, or a date (inclusive: the whole local day).

Occurrences follow dateutil's semantics: they are the instants the rule yields from the
start on, so a start that does not match the rule is not itself an occurrence (as in
Outlook, whose series begin at the first matching day).

Expansion never materialises more than the window asked for: open-ended series have no
cap, and every rule starts at the period holding the window (COUNT reduced by the
occurrences skipped, :mod:`calsync.rrules.ahead`), so a series begun in the year 1000 costs
a window of 2026 no more than one begun last week.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule
from django.utils.translation import gettext as _

from calsync import rrules

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
YEARLY_ONLY_PARTS = ("BYYEARDAY", "BYWEEKNO")
"""Parts RFC 5545 allows in YEARLY rules only."""
SEARCH_YEARS = 100
"""A rule must yield its first occurrence within this many years of the event's start;
:func:`first_slot` and :func:`last_end` look no further (bounded time for any rule)."""


class RuleError(ValueError):
    """The recurrence rule is not acceptable; the message says why, for a person (in the
    active language)."""


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


def _translated(exc: rrules.RuleSyntaxError) -> RuleError:
    return RuleError(_(exc.template) % exc.params if exc.params else _(exc.template))


def _check_policy(parts: dict[str, str]) -> None:
    """What calsync accepts of a split rule: its parts, and frequencies from DAILY up."""
    unknown = sorted(set(parts) - ALLOWED_PARTS)
    if unknown:
        raise RuleError(_("Unsupported rule part: %(parts)s.") % {"parts": ", ".join(unknown)})
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleError(_("FREQ is required."))
    if freq not in ALLOWED_FREQS:
        raise RuleError(_("FREQ must be one of %(freqs)s.") % {"freqs": ", ".join(ALLOWED_FREQS)})
    for name in YEARLY_ONLY_PARTS:
        if name in parts and freq != "YEARLY":
            raise RuleError(_("%(part)s is allowed in YEARLY rules only.") % {"part": name})


def normalise_rule(text: str) -> str:
    """The canonical form of an RRULE value, or :class:`RuleError` naming the problem.

    Accepts an optional ``RRULE:`` prefix; refuses DTSTART, several lines, unknown or
    refused parts and frequencies finer than DAILY; the shared parser
    (:mod:`calsync.rrules`) checks every part, then dateutil the whole rule.
    """
    value = (text or "").strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    if not value:
        raise RuleError(_("The rule is empty."))
    if "\n" in value or "\r" in value or ":" in value:
        raise RuleError(_("Give one RRULE value, without DTSTART or other properties."))
    try:
        parts = rrules.split(value)
        _check_policy(parts)
        rule = rrules.from_parts(parts)
    except rrules.RuleSyntaxError as exc:
        raise _translated(exc) from exc
    try:
        rrules.wall_rrule(rule, datetime(2000, 1, 1), ZoneInfo("UTC"), all_day=False)  # noqa: DTZ001
    except (ValueError, TypeError) as exc:
        raise RuleError(_("The rule is not valid RFC 5545: %(error)s") % {"error": exc}) from exc
    return rule.text


def _rule_for(series: SeriesTimes, not_before: datetime | None = None) -> rrule:
    """The rule of ``series``; with ``not_before`` (wall time) it may start later, at the
    period holding ``not_before``, unchanged for every occurrence from there on (see
    :mod:`calsync.rrules.ahead`: the cost follows the window, not the series' age)."""
    parsed = rrules.parse(series.rule)
    rule = rrules.wall_rrule(parsed, series.local_start, series.tz, all_day=series.all_day)
    if not_before is None:
        return rule
    return rrules.moved_ahead(parsed, rule, series.local_start, not_before)


def wall_times(series: SeriesTimes, not_before: datetime | None = None) -> Iterator[datetime]:
    """The rule's wall times in order, from the start (or, with ``not_before``, from a
    later point that changes none at or after it; see :func:`_rule_for`)."""
    return iter(_rule_for(series, not_before=not_before))


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


def search_limit(series: SeriesTimes) -> datetime:
    """The latest wall time :func:`first_slot` and :func:`last_end` look at: the end of
    :data:`SEARCH_YEARS` years from the start, or UNTIL if earlier."""
    start = series.local_start
    day = start.day if (start.month, start.day) != (2, 29) else 28
    limit = start.replace(year=start.year + SEARCH_YEARS, day=day)
    until = rrules.parse(series.rule).until
    if until is None:
        return limit
    return min(limit, rrules.until_wall(until, series.tz, all_day=series.all_day))


def _first_occurrences(series: SeriesTimes) -> Iterator[datetime]:
    """The occurrences (wall times) up to :func:`search_limit`, in bounded time; dateutil's
    own expansion for a stored rule the bounded search does not take (BYYEARDAY or BYWEEKNO
    outside YEARLY rules, refused since)."""
    limit = search_limit(series)
    try:
        return rrules.occurrences_until(rrules.parse(series.rule), series.local_start, limit)
    except ValueError:
        return itertools.takewhile(lambda wall: wall <= limit, _rule_for(series))


def first_slot(series: SeriesTimes) -> Slot | None:
    """The first occurrence, or None when the rule yields none within :data:`SEARCH_YEARS`
    years of the start (found in bounded time: a rule that never yields costs at most
    that span, not dateutil's walk to the year 9999)."""
    wall = next(_first_occurrences(series), None)
    return None if wall is None else _slot(series, wall)


def last_end(series: SeriesTimes) -> datetime | None:
    """A bound on the end of the last occurrence, for window queries: with UNTIL, the end
    an occurrence starting at UNTIL would have; with COUNT, the end of the last occurrence
    (None when it lies beyond :data:`SEARCH_YEARS` years of the start); None for an
    open-ended series."""
    rule = rrules.parse(series.rule)
    if rule.until is not None:  # no occurrence starts after UNTIL: a bound without iterating
        wall = rrules.until_wall(rule.until, series.tz, all_day=series.all_day)
        return localise(wall + series.local_duration, series.tz)
    if rule.count is None:
        return None
    last = None
    for index, wall in enumerate(_first_occurrences(series), start=1):
        last = wall
        if index == rule.count:
            return _slot(series, last).end
    return None


@functools.lru_cache(maxsize=256)
def series_bounds(series: SeriesTimes) -> tuple[Slot | None, datetime | None]:
    """``(first_slot(series), last_end(series))``, remembered: the actions check a series
    before their write transaction and again inside it, where this is then free."""
    return first_slot(series), last_end(series)


def occurrence_key(original_start: datetime) -> str:
    """The ``YYYYMMDDTHHMMSSZ`` stamp of an occurrence (part of its API id)."""
    return original_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_occurrence_key(stamp: str) -> datetime:
    """The instant of a ``YYYYMMDDTHHMMSSZ`` stamp; ValueError if malformed."""
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
