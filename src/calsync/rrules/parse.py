"""Reading an RFC 5545 RRULE value into typed parts, with icalendar doing the value syntax.

Two steps, so that a caller can apply its own policy in between (which parts and
frequencies it accepts, and how it words a refusal):

1. :func:`split` cuts ``FREQ=...;...`` (an optional ``RRULE:`` prefix allowed) into an
   ordered, upper-case ``{NAME: VALUE}`` dict and refuses a part without ``=`` or a value,
   and a part given twice (icalendar's ``vRecur`` would silently keep the last one).
2. :func:`from_parts` types the parts this project expands (``FREQ``, ``INTERVAL``,
   ``COUNT``, ``UNTIL``, ``BYDAY``, ``BYMONTHDAY``, ``BYMONTH``, ``BYSETPOS``, ``BYYEARDAY``,
   ``BYWEEKNO``, ``WKST``) with icalendar's value types (``vInt``, ``vWeekday``,
   ``vDDDTypes``, ``vFrequency``) plus the RFC 5545 ranges icalendar does not check. Other
   parts (``BYHOUR``, ``X-...``) stay as text in :attr:`RRule.parts`.

:func:`parse` does both. Errors are :class:`RuleSyntaxError`: an English template marked
for translation and its parameters, so a caller with Django shows
``gettext(exc.template) % exc.params``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from icalendar.prop import vDDDTypes, vFrequency, vInt, vWeekday

RFC_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""RFC 5545 weekday codes, indexed like :meth:`datetime.date.weekday`."""
FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MIN_YEAR, MAX_YEAR = 1000, 9000
"""UNTIL must lie between these years (outside them dates only overflow computations)."""

_INT_RANGES = {
    "BYMONTHDAY": (31, True),
    "BYMONTH": (12, False),
    "BYSETPOS": (366, True),
    "BYYEARDAY": (366, True),
    "BYWEEKNO": (53, True),
}
"""Integer list parts: (largest value, whether negative values count from the end)."""


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation catalogues; returns it unchanged."""
    return message


class TranslatableError(ValueError):
    """An error whose ``template`` is an English message marked for translation and
    ``params`` its values; ``str(exc)`` is the filled-in English message."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class RuleSyntaxError(TranslatableError):
    """The text is not a well-formed RRULE value."""


@dataclass(frozen=True)
class RRule:
    """An RRULE value (no DTSTART) with typed parts; absent list parts are ``()``.

    ``parts`` keeps every part as given (upper case, in order), so :attr:`text` is the
    canonical spelling. ``byday`` holds ``(ordinal or None, weekday index)`` pairs;
    ``until`` is an aware UTC instant, a naive (floating) date-time, or a date; ``wkst``
    is a weekday index (RFC default: Monday).
    """

    parts: tuple[tuple[str, str], ...]
    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | date | None = None
    byday: tuple[tuple[int | None, int], ...] = ()
    bymonthday: tuple[int, ...] = ()
    bymonth: tuple[int, ...] = ()
    bysetpos: tuple[int, ...] = ()
    byyearday: tuple[int, ...] = ()
    byweekno: tuple[int, ...] = ()
    wkst: int = 0

    @property
    def text(self) -> str:
        """``NAME=VALUE;...`` as given (upper case)."""
        return ";".join(f"{name}={value}" for name, value in self.parts)

    @property
    def names(self) -> frozenset[str]:
        """The names of the parts given."""
        return frozenset(name for name, _value in self.parts)

    def value(self, name: str) -> str | None:
        """The text of part ``name``, or None."""
        return dict(self.parts).get(name)

    def with_part(self, name: str, value: str) -> str:
        """:attr:`text` with part ``name`` set to ``value`` (in place, or appended)."""
        parts = dict(self.parts)
        parts[name] = value
        return ";".join(f"{key}={val}" for key, val in parts.items())


def split(text: str) -> dict[str, str]:
    """``[RRULE:]NAME=VALUE;...`` as an ordered upper-case dict; blank parts are skipped.

    Raises :class:`RuleSyntaxError` for a part without ``=`` or value, or given twice.
    """
    value = (text or "").strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    parts: dict[str, str] = {}
    for chunk in value.split(";"):
        if not chunk.strip():
            continue
        name, sep, raw = chunk.partition("=")
        name, raw = name.strip().upper(), raw.strip().upper()
        if not sep or not name or not raw:
            raise RuleSyntaxError(
                gettext_noop("“%(part)s” is not a NAME=VALUE part."), part=chunk.strip()
            )
        if name in parts:
            raise RuleSyntaxError(gettext_noop("%(part)s appears twice."), part=name)
        parts[name] = raw
    return parts


def _invalid(template: str, name: str, value: str, **params: Any) -> RuleSyntaxError:
    return RuleSyntaxError(template, part=name, value=value, **params)


def _positive(name: str, value: str) -> int:
    try:
        number = int(vInt.from_ical(value))
    except ValueError:
        number = 0
    if number < 1:
        raise RuleSyntaxError(
            gettext_noop("%(part)s must be a positive integer, not %(part)s=%(value)s."),
            part=name,
            value=value,
        )
    return number


def _ints(name: str, value: str) -> tuple[int, ...]:
    """A list part of integers within its RFC 5545 range."""
    high, negative = _INT_RANGES[name]
    try:
        numbers = tuple(int(vInt.from_ical(item)) for item in value.split(","))
    except ValueError:
        raise _invalid(
            gettext_noop(
                "The rule is not valid RFC 5545: %(part)s=%(value)s is not a list of integers."
            ),
            name,
            value,
        ) from None
    for number in numbers:
        if negative and not (1 <= number <= high or 1 <= -number <= high):
            raise _invalid(
                gettext_noop(
                    "The rule is not valid RFC 5545: in %(part)s=%(value)s every value lies "
                    "between 1 and %(high)d, or -%(high)d and -1."
                ),
                name,
                value,
                high=high,
            )
        if not negative and not 1 <= number <= high:
            raise _invalid(
                gettext_noop(
                    "The rule is not valid RFC 5545: in %(part)s=%(value)s every value lies "
                    "between 1 and %(high)d."
                ),
                name,
                value,
                high=high,
            )
    return numbers


def _weekday(name: str, value: str, token: str) -> tuple[int | None, int]:
    """``[+/-n]XX`` as (ordinal or None, weekday index); ordinals 1..53 either way."""
    try:
        day = vWeekday.from_ical(token)
    except ValueError:
        raise _invalid(
            gettext_noop(
                "The rule is not valid RFC 5545: %(part)s=%(value)s is not a list of week days."
            ),
            name,
            value,
        ) from None
    ordinal = day.relative
    if (ordinal is None and token[:-2]) or (ordinal is not None and not 1 <= abs(ordinal) <= 53):
        raise _invalid(
            gettext_noop(
                "The rule is not valid RFC 5545: in %(part)s=%(value)s a week day's number lies "
                "between 1 and 53, or -53 and -1."
            ),
            name,
            value,
        )
    return ordinal, RFC_DAYS.index(day.weekday)


def parse_until(value: str) -> datetime | date:
    """UNTIL as an aware UTC instant (``...Z``), a naive floating date-time, or a date.

    Raises :class:`RuleSyntaxError` for any other form, or a year outside
    :data:`MIN_YEAR`..:data:`MAX_YEAR`.
    """
    try:
        parsed = vDDDTypes.from_ical(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, datetime) and parsed.tzinfo is not None:
        offset = parsed.utcoffset()
        parsed = parsed.replace(tzinfo=UTC) if offset is not None and not offset else None
    if not isinstance(parsed, date):
        raise RuleSyntaxError(
            gettext_noop("UNTIL must look like 20270101T000000Z or 20270101, not UNTIL=%(value)s."),
            value=value,
        )
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise RuleSyntaxError(
            gettext_noop("UNTIL must lie between the years %(low)d and %(high)d."),
            low=MIN_YEAR,
            high=MAX_YEAR,
        )
    return parsed


def from_parts(parts: Mapping[str, str]) -> RRule:
    """Type the parts of :func:`split`; raises :class:`RuleSyntaxError` naming the part."""
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleSyntaxError(gettext_noop("FREQ is required (the rule has no FREQ)."))
    try:
        vFrequency.from_ical(freq)
    except ValueError:
        raise _invalid(
            gettext_noop("The rule is not valid RFC 5545: %(part)s=%(value)s is not a frequency."),
            "FREQ",
            freq,
        ) from None
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleSyntaxError(gettext_noop("A rule cannot have both COUNT and UNTIL."))
    typed: dict[str, Any] = {}
    for name in ("INTERVAL", "COUNT"):
        if name in parts:
            typed[name.lower()] = _positive(name, parts[name])
    if "UNTIL" in parts:
        typed["until"] = parse_until(parts["UNTIL"])
    if "BYDAY" in parts:
        value = parts["BYDAY"]
        typed["byday"] = tuple(_weekday("BYDAY", value, token) for token in value.split(","))
    for name in _INT_RANGES:
        if name in parts:
            typed[name.lower()] = _ints(name, parts[name])
    if "WKST" in parts:
        if parts["WKST"] not in RFC_DAYS:
            raise _invalid(
                gettext_noop(
                    "The rule is not valid RFC 5545: %(part)s=%(value)s is not a week day."
                ),
                "WKST",
                parts["WKST"],
            )
        typed["wkst"] = RFC_DAYS.index(parts["WKST"])
    return RRule(parts=tuple(parts.items()), freq=freq, **typed)


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> RRule:
    """:func:`split` then :func:`from_parts` (cached: rules are read on every listing)."""
    return from_parts(split(text))
