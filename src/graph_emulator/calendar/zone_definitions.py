"""Outlook's time-zone definitions of an event: the MAPI TZDEFINITION properties.

Outlook keeps, besides the zone's name, its rules in named properties of the appointment
(MS-OXOCAL 2.2.1.41-43): PidLidAppointmentTimeZoneDefinitionStartDisplay (0x825E, the
start's zone), ...EndDisplay (0x825F) and ...Recur (0x8260, the zone a series recurs in),
each a persisted TZDEFINITION ("About persisting TZDEFINITION to a stream to commit to a
binary property"). Graph reads them as Binary single-value extended properties, base64.
That is the only place a custom zone (``tzone://Microsoft/Custom``) is described.

Here they are computed when asked for (``$expand=singleValueExtendedProperties($filter=id eq
'Binary {00062002-0000-0000-C000-000000000046} Id 0x825E')``), from the event's zones: one
rule, the one in force in the year the event starts (found from ``zoneinfo``'s offsets:
standard time is the lower offset, daylight the higher; a year with other than two changes
gets its start's offset, without daylight time), with the Windows name as key name, or
``Customized Time Zone`` for a custom zone.
"""

from __future__ import annotations

import base64
import calendar
import struct
from datetime import UTC, datetime, timedelta, tzinfo

from graph_emulator.calendar.timezones import Zone

_APPOINTMENT = "{00062002-0000-0000-C000-000000000046}"
START_DISPLAY = f"Binary {_APPOINTMENT} Id 0x825E"
END_DISPLAY = f"Binary {_APPOINTMENT} Id 0x825F"
RECUR = f"Binary {_APPOINTMENT} Id 0x8260"
CUSTOM_KEY_NAME = "Customized Time Zone"

_TZRULE_EFFECTIVE_AND_CURRENT = 0x0003
_VALID_KEYNAME = 0x0002
_DAY = 86400


def definition_property(prop_id: str, zone: Zone, year: int) -> dict[str, str]:
    """The extended property ``prop_id`` holding ``zone``'s definition for ``year``."""
    return {"id": prop_id, "value": base64.b64encode(tz_definition(zone, year)).decode()}


def tz_definition(zone: Zone, year: int) -> bytes:
    """A persisted TZDEFINITION of ``zone`` with the rule in force in ``year``."""
    name = zone.windows or CUSTOM_KEY_NAME
    key = name.encode("utf-16-le")
    header = struct.pack("<HH", _VALID_KEYNAME, len(name)) + key + struct.pack("<H", 1)
    bias, daylight_bias, standard, daylight = yearly_rule(zone.tz, year)
    rule = struct.pack("<H", _TZRULE_EFFECTIVE_AND_CURRENT) + _year(year)
    rule += struct.pack("<lll", bias, 0, daylight_bias) + _change(standard) + _change(daylight)
    head = struct.pack("<BBH", 2, 1, len(header))
    return head + header + struct.pack("<BBH", 2, 1, len(rule)) + rule


Change = tuple[int, int, int, int, int]
"""A yearly change date as SYSTEMTIME has it: month, weekday (0 = Sunday), week (5 =
last), hour, minute; all zero for none."""


def yearly_rule(tz: tzinfo, year: int) -> tuple[int, int, Change, Change]:
    """(bias, daylight bias, standard date, daylight date) of ``tz`` in ``year``
    (Windows' signs: UTC = local + bias, in minutes)."""
    changes = _changes(tz, year)
    if len(changes) != 2 or changes[0][2] == changes[1][2]:
        start = _offset(tz, int(datetime(year, 1, 1, tzinfo=UTC).timestamp()))
        return -start // 60, 0, (0, 0, 0, 0, 0), (0, 0, 0, 0, 0)
    standard = min(change[2] for change in changes)
    daylight = max(change[2] for change in changes)
    dates = {change[2]: _change_date(change[0], change[1]) for change in changes}
    return -standard // 60, -(daylight - standard) // 60, dates[standard], dates[daylight]


def _change_date(moment: int, offset_before: int) -> Change:
    """The SYSTEMTIME-style date of a change at ``moment``, as the wall clock read then."""
    wall = datetime.fromtimestamp(moment + offset_before, UTC)
    days = calendar.monthrange(wall.year, wall.month)[1]
    week = 5 if wall.day + 7 > days else (wall.day - 1) // 7 + 1
    return wall.month, (wall.weekday() + 1) % 7, week, wall.hour, wall.minute


def _changes(tz: tzinfo, year: int) -> list[tuple[int, int, int]]:
    """(instant, offset before, offset after) of each change of ``tz`` in ``year``."""
    low = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    high = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()) - 1
    found = []
    before, at = _offset(tz, low), low
    for moment in [*range(low + _DAY, high, _DAY), high]:
        now = _offset(tz, moment)
        if now != before:
            found.append((_bisect(tz, at, moment, before), before, now))
            before = now
        at = moment
    return found


def _bisect(tz: tzinfo, low: int, high: int, before: int) -> int:
    """The first second in ``(low, high]`` where ``tz``'s offset is no longer ``before``."""
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _offset(tz, middle) == before else (low, middle)
    return high


def _offset(tz: tzinfo, moment: int) -> int:
    offset = datetime.fromtimestamp(moment, tz).utcoffset() or timedelta(0)
    return int(offset.total_seconds())


def _year(year: int) -> bytes:
    """A SYSTEMTIME holding only a year (a TZRULE's stStart)."""
    return struct.pack("<8H", year, 0, 0, 0, 0, 0, 0, 0)


def _change(change: Change) -> bytes:
    month, weekday, week, hour, minute = change
    return struct.pack("<8H", 0, month, weekday, week, hour, minute, 0, 0)
