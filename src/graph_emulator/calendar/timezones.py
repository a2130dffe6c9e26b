"""Time zones and Graph's ``dateTimeTimeZone`` values.

Input accepts Windows names (``Pacific Standard Time``) and IANA names (``Europe/Paris``),
case-insensitively; an unknown name is a 400 ``TimeZoneNotSupportedException`` naming the
property. Windows <-> IANA comes from ``tzlocal.windows_tz`` (CLDR); the rules from
``zoneinfo`` + ``tzdata``. Output ``dateTime`` has seven fractional digits and no offset.

A custom zone (:func:`custom_zone`, what an ICS import gives an event whose VTIMEZONE
Exchange does not know) is named ``tzone://Microsoft/Custom`` in every output; it follows
the rules of the zone it was made from, and clients cannot name it in a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tzlocal.windows_tz import tz_win, win_tz

from graph_emulator.calendar.errors import CalendarError, body_read, invalid_parameter

_WINDOWS_BY_LOWER = {name.lower(): name for name in win_tz}
_UTC_NAMES = {"utc", "etc/utc", "etc/gmt", "gmt", "z", "coordinated universal time"}
_FRACTION = re.compile(r"(\.\d+)")


@dataclass(frozen=True)
class Zone:
    """A resolved zone: ``name`` as the client spelled it, its rules, its Windows name."""

    name: str
    tz: tzinfo
    windows: str | None
    iana: str


@lru_cache(maxsize=1)
def _iana_by_lower() -> dict[str, str]:
    names = set(available_timezones()) | set(tz_win)
    return {name.lower(): name for name in names}


@lru_cache(maxsize=2048)
def _lookup(name: str) -> Zone | None:
    lowered = name.strip().lower()
    if not lowered:
        return None
    if lowered in _UTC_NAMES:
        return Zone(name, UTC, "UTC", "Etc/UTC")
    windows = _WINDOWS_BY_LOWER.get(lowered)
    if windows is not None:
        iana = win_tz[windows]
        return Zone(name, ZoneInfo(iana), windows, iana)
    iana = _iana_by_lower().get(lowered)
    if iana is None:
        return None
    try:
        tz = ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return Zone(name, tz, tz_win.get(iana), iana)


UTC_ZONE = Zone("UTC", UTC, "UTC", "Etc/UTC")
CUSTOM_NAME = "tzone://Microsoft/Custom"


def custom_zone(iana: str) -> Zone:
    """A custom zone with the rules of the IANA zone ``iana`` (no Windows name)."""
    tz = UTC if iana == "Etc/UTC" else ZoneInfo(iana)
    return Zone(CUSTOM_NAME, tz, None, iana)


def is_custom(zone: Zone) -> bool:
    return zone.name == CUSTOM_NAME


def find_zone(name: str) -> Zone | None:
    """The zone for a Windows or IANA name, or None when unknown."""
    if not isinstance(name, str):
        return None
    return _lookup(name)


def resolve_zone(name: Any, prop: str) -> Zone:
    """The zone for ``name``; 400 TimeZoneNotSupportedException naming ``prop`` otherwise."""
    zone = find_zone(name) if isinstance(name, str) else None
    if zone is None:
        raise CalendarError(
            400,
            "TimeZoneNotSupportedException",
            f"A valid TimeZone value must be specified. The following TimeZone value is not "
            f"supported: '{name}'. Property '{prop}'.",
        )
    return zone


def windows_to_iana(name: str) -> str | None:
    """``Pacific Standard Time`` -> ``America/Los_Angeles`` (None if unknown)."""
    zone = find_zone(name)
    return zone.iana if zone else None


def iana_to_windows(name: str) -> str | None:
    """``Europe/Paris`` -> ``Romance Standard Time`` (None if unknown or unmapped)."""
    zone = find_zone(name)
    return zone.windows if zone else None


def parse_iso(text: str) -> datetime:
    """ISO 8601 with up to 7 fractional digits (Graph's), optional ``Z`` or offset."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    match = _FRACTION.search(text)
    if match:
        digits = match.group(1)[1:]
        text = text[: match.start()] + "." + (digits + "000000")[:6] + text[match.end() :]
    return datetime.fromisoformat(text)


def local(day: date, clock: datetime, tz: tzinfo) -> datetime:
    """``day`` at the wall-clock time of ``clock`` in ``tz`` (a gap time moves forward)."""
    naive = datetime.combine(day, clock.time())
    return normalize(naive.replace(tzinfo=tz))


def normalize(value: datetime) -> datetime:
    """Round-trip through UTC so a non-existent wall time (DST gap) becomes a real one."""
    tz = value.tzinfo
    assert tz is not None
    return value.astimezone(UTC).astimezone(tz)


def parse_date_time_time_zone(value: Any, prop: str) -> tuple[datetime, Zone]:
    """A ``dateTimeTimeZone`` input -> (aware datetime in its zone, zone).

    ``dateTime`` without offset is wall time in ``timeZone`` (a repeated wall time means
    its first pass; a skipped one moves forward by the gap: choices, Exchange documents
    neither); with an offset (or ``Z``) the instant is kept and expressed in ``timeZone``.
    """
    if not isinstance(value, dict):
        raise body_read(prop, "must be an object {dateTime, timeZone}")
    raw = value.get("dateTime")
    if not isinstance(raw, str) or not raw.strip():
        raise body_read(f"{prop}.dateTime", "is required and must be a string")
    zone_name = value.get("timeZone")
    zone = resolve_zone(zone_name if zone_name is not None else "UTC", f"{prop}.timeZone")
    try:
        parsed = parse_iso(raw)
    except ValueError:
        raise body_read(f"{prop}.dateTime", f"'{raw}' is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        return normalize(parsed.replace(tzinfo=zone.tz)), zone
    return parsed.astimezone(zone.tz), zone


def parse_query_instant(value: str | None, name: str) -> datetime:
    """A calendarView window bound: an offset is honoured, none means UTC."""
    if value is None or not value.strip():
        raise invalid_parameter(
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime."
        )
    try:
        parsed = parse_iso(value)
    except ValueError:
        raise invalid_parameter(
            f"The parameter '{name}' is not a valid date-time: '{value}'."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_wall(value: datetime) -> str:
    """``2017-04-15T11:00:00.0000000``: wall time, seven fractional digits, no offset."""
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}0"
    )


def format_utc(value: datetime) -> str:
    """``2017-04-15T03:00:50.7579581Z`` (createdDateTime and friends)."""
    return format_wall(value.astimezone(UTC)) + "Z"


def format_utc_seconds(value: datetime) -> str:
    """``2017-04-17T19:00:00Z`` (originalStart)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_date_time_time_zone(value: datetime, zone: Zone) -> dict[str, str]:
    """An instant as Graph output in ``zone``."""
    return {"dateTime": format_wall(value.astimezone(zone.tz)), "timeZone": zone.name}


def all_day_output(day: date, zone: Zone) -> dict[str, str]:
    """All-day bounds stay midnight of the same date whatever the response zone."""
    return {"dateTime": f"{day.isoformat()}T00:00:00.0000000", "timeZone": zone.name}


def days_between(start: datetime, end: datetime) -> float:
    """Duration in days (may be fractional)."""
    return (end - start) / timedelta(days=1)
