"""Checks of event values that the API, the actions and later the sync all share.

Every check raises :class:`django.core.exceptions.ValidationError` with a message for a
person; callers attach it to the field it concerns.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from calsync.calendars import recurrence


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names this machine knows (``zoneinfo.available_timezones()``)."""
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """``name`` if it is a known IANA zone."""
    if name not in known_timezones():
        raise ValidationError(_("“%(name)s” is not a known IANA time zone.") % {"name": name})
    return name


def parse_instant(value: str, tz: ZoneInfo) -> datetime:
    """An ISO 8601 date-time as an aware UTC instant, seconds precision.

    An offset in the text wins; a naive value is wall time in ``tz``. A date alone is refused
    (timed events need a time).
    """
    text = (value or "").strip()
    if len(text) == 10 and parse_date_safe(text) is not None:
        raise ValidationError(
            _("A date-time is needed here (this event is not all-day), not “%(value)s”.")
            % {"value": text}
        )
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError(
            _("“%(value)s” is not an ISO 8601 date-time such as 2026-11-24T09:00:00+01:00.")
            % {"value": text}
        )
    _check_year(parsed.year)
    if parsed.tzinfo is None:
        parsed = recurrence.localise(parsed, tz)
    return parsed.astimezone(UTC).replace(microsecond=0)


MIN_YEAR, MAX_YEAR = 1000, 9000
"""Calendar dates outside these years are refused (they only overflow computations)."""


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            _("Dates must lie between the years %(low)d and %(high)d.")
            % {"low": MIN_YEAR, "high": MAX_YEAR}
        )


def parse_date_safe(text: str) -> date | None:
    """``YYYY-MM-DD`` as a date, else None (never raises)."""
    try:
        return parse_date(text)
    except ValueError:
        return None


def parse_day(value: str) -> date:
    """The date of an all-day boundary: ``YYYY-MM-DD``, or the date part of a date-time as
    written (never converted through UTC)."""
    text = (value or "").strip()
    day = parse_date_safe(text[:10]) if len(text) >= 10 else None
    if day is None or (len(text) > 10 and text[10] not in "T "):
        raise ValidationError(_("“%(value)s” is not a date such as 2026-11-24.") % {"value": text})
    _check_year(day.year)
    return day


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant of local midnight starting ``day`` in ``tz``."""
    return recurrence.localise(datetime.combine(day, time()), tz)


def check_span(start: datetime, end: datetime) -> None:
    """A timed event ends after it starts."""
    if end <= start:
        raise ValidationError(_("The end must be after the start."))


def check_day_span(start: date, end: date) -> None:
    """An all-day event lasts at least one day (its end date is exclusive)."""
    if end < start + timedelta(days=1):
        raise ValidationError(
            _("An all-day event ends at least one day after it starts (the end is exclusive).")
        )


def check_rule(rule: str) -> str:
    """The canonical form of ``rule``; a :class:`ValidationError` says what is wrong."""
    try:
        return recurrence.normalise_rule(rule)
    except recurrence.RuleError as exc:
        raise ValidationError(str(exc)) from exc
