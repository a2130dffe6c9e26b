"""Expanding a rule over local wall time with python-dateutil.

calsync runs a series' rule on the naive wall-clock start in the series' IANA zone, so a
09:00 series stays at 09:00 across DST. ``UNTIL`` must then be read in that frame too:
:func:`until_wall` is the one reading of it (a UTC instant becomes the zone's wall time, a
floating time is taken as is, a date means the whole local day, or its midnight for
all-day series), and :func:`wall_rrule` builds the dateutil rule with it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from calsync.rrules.parse import RRule

WALL_FORMAT = "%Y%m%dT%H%M%S"


def until_wall(until: datetime | date, tz: ZoneInfo, *, all_day: bool) -> datetime:
    """UNTIL (as :func:`~calsync.rrules.parse.parse_until` gives it) as naive wall time in
    ``tz``; a date is the whole local day (its midnight for all-day series)."""
    if isinstance(until, datetime) and until.tzinfo is not None:
        return until.astimezone(tz).replace(tzinfo=None)
    if isinstance(until, datetime):
        return until
    return datetime.combine(until, time() if all_day else time(23, 59, 59))


def wall_rrule(rule: RRule, dtstart: datetime, tz: ZoneInfo, *, all_day: bool) -> rrule:
    """The dateutil rule of ``rule`` from the naive wall time ``dtstart``, UNTIL converted
    into that frame (see :func:`until_wall`)."""
    text = rule.text
    if rule.until is not None:
        text = rule.with_part(
            "UNTIL", until_wall(rule.until, tz, all_day=all_day).strftime(WALL_FORMAT)
        )
    result = rrulestr(text, dtstart=dtstart)
    assert isinstance(result, rrule)
    return result
