"""Normalisation of event field values, so that equal content compares equal.

Each function takes the field name it normalises, and raises
:class:`~.errors.InvalidData` naming that field on bad input.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calsync.syncengine.errors import InvalidData

SHOW_AS = frozenset({"free", "tentative", "busy", "oof", "workingElsewhere", "unknown"})
PRIVACY = frozenset({"normal", "personal", "private", "confidential"})
ATTENDEE_TYPES = frozenset({"required", "optional", "resource"})
RESPONSES = frozenset({"none", "accepted", "tentative", "declined"})

_SPACE = re.compile(r"\s+")
_BETWEEN_TAGS = re.compile(r">\s+<")


def text(field: str, value: object) -> str:
    """A one-line text: a string, stripped at both ends."""
    if not isinstance(value, str):
        raise InvalidData(field, f"expected text, got {type(value).__name__}")
    return value.strip()


def html(field: str, value: object) -> str:
    """HTML with whitespace normalised: runs collapse to one space, none between tags."""
    raw = text(field, value)
    return _BETWEEN_TAGS.sub("><", _SPACE.sub(" ", raw))


def email(field: str, value: object) -> str:
    """An e-mail address, compared lowercase."""
    address = text(field, value).lower()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise InvalidData(field, f"not an e-mail address: {address!r}")
    return address


def choice(field: str, value: object, allowed: frozenset[str]) -> str:
    """One of ``allowed``."""
    if value not in allowed:
        raise InvalidData(field, f"{value!r} is not one of {sorted(allowed)}")
    return str(value)


def instant(field: str, value: object) -> datetime:
    """An aware datetime converted to UTC, microseconds dropped (Graph keeps none)."""
    if not isinstance(value, datetime):
        raise InvalidData(field, f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidData(field, "naive datetime: give a time zone")
    return value.astimezone(UTC).replace(microsecond=0)


def day(field: str, value: object) -> date:
    """A calendar date (all-day events never pass through UTC)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidData(field, f"expected a date for an all-day event, got {value!r}")
    return value


def timezone(field: str, value: object) -> str:
    """An IANA time-zone name known to zoneinfo."""
    name = text(field, value)
    if not _known_zone(name):
        raise InvalidData(field, f"unknown IANA time zone {name!r}")
    return name


@lru_cache(maxsize=512)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def rrule(field: str, value: object) -> str | None:
    """RRULE text (``RRULE:`` prefix dropped, upper case) or None for a single event."""
    if value is None:
        return None
    rule = text(field, value).upper()
    rule = rule.removeprefix("RRULE:")
    if not rule:
        return None
    if "FREQ=" not in rule:
        raise InvalidData(field, f"an RRULE needs FREQ=: {rule!r}")
    return rule
