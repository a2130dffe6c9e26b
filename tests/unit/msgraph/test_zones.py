"""Zones between calsync and Outlook: what is written, what is read back, custom zones
(TZDEFINITION, built here by hand from the published layout) and recurrenceTimeZone."""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calsync.msgraph import mapping, zones
from calsync.syncengine import zones as engine_zones

ME = "me@contoso.test"
JANUARY = datetime(2026, 1, 12, 8, tzinfo=UTC)
SERIES = engine_zones.span(JANUARY, JANUARY + timedelta(hours=1), "FREQ=WEEKLY")

Rule = tuple[int, int, tuple[int, ...], tuple[int, ...]]
"""(bias, daylight bias, standard date, daylight date) with SYSTEMTIME's first five fields."""
US: Rule = (300, -60, (0, 11, 0, 1, 2), (0, 3, 0, 2, 2))
EUROPE: Rule = (-60, -60, (0, 10, 0, 5, 3), (0, 3, 0, 5, 2))
SYDNEY: Rule = (-600, -60, (0, 4, 0, 1, 3), (0, 10, 0, 1, 2))
PLUS_SEVEN: Rule = (-420, 0, (0, 0, 0, 0, 0), (0, 0, 0, 0, 0))


def systemtime(values: tuple[int, ...]) -> bytes:
    return struct.pack("<8H", *values, *([0] * (8 - len(values))))


def tz_rule(year: int, rule: Rule) -> bytes:
    """One TZRULE: version 2.1, cbRule 62, flags, stStart (its year), the TZREG part."""
    bias, daylight_bias, standard, daylight = rule
    body = struct.pack("<H", 0x0002) + systemtime((year,))
    body += struct.pack("<lll", bias, 0, daylight_bias) + systemtime(standard)
    body += systemtime(daylight)
    return struct.pack("<BBH", 2, 1, len(body)) + body


def definition(*rules: bytes, key: str = "Customized Time Zone", guid: bool = False) -> str:
    """A persisted TZDEFINITION, base64 as Graph gives a Binary extended property."""
    flags = 0x2 | (0x1 if guid else 0)
    header = struct.pack("<H", flags) + (b"\x11" * 16 if guid else b"")
    header += struct.pack("<H", len(key)) + key.encode("utf-16-le") + struct.pack("<H", len(rules))
    blob = struct.pack("<BBH", 2, 1, len(header)) + header + b"".join(rules)
    return base64.b64encode(blob).decode()


def custom_event(value: str | None, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": "AAMk1",
        "subject": "Imported",
        "start": {"dateTime": "2026-01-12T08:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-01-12T09:00:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "tzone://Microsoft/Custom",
        "originalEndTimeZone": "tzone://Microsoft/Custom",
        "isOrganizer": True,
        **extra,
    }
    if value is not None:
        event["singleValueExtendedProperties"] = [
            {"id": zones.START_DISPLAY_PROPERTY.lower(), "value": value}
        ]
    return event


# -- writing -----------------------------------------------------------------------------------


def test_a_zone_goes_out_as_a_windows_zone_with_the_same_offsets() -> None:
    hour = engine_zones.span(JANUARY, JANUARY + timedelta(hours=1))
    assert zones.writable_zone("Asia/Ho_Chi_Minh", *hour) == "SE Asia Standard Time"
    assert zones.writable_zone("Etc/UTC", *hour) == "UTC"
    assert zones.writable_zone("America/Ciudad_Juarez", *SERIES) == "Mountain Standard Time"
    almaty = engine_zones.span(
        datetime(2024, 1, 10, tzinfo=UTC), datetime(2024, 1, 10, 1, tzinfo=UTC)
    )
    windows = zones.writable_zone("Asia/Almaty", *almaty)
    assert windows != "West Asia Standard Time"  # Tashkent's offset, not Almaty's then
    assert engine_zones.same_zone("Asia/Almaty", zones.named_zone(windows) or "", almaty)


def test_a_zone_is_read_back_under_the_name_the_user_chose() -> None:
    obj = custom_event(None, originalStartTimeZone="SE Asia Standard Time")
    assert mapping.event_data(obj, mailbox=ME).timezone == "Asia/Bangkok"
    assert mapping.event_data(obj, mailbox=ME, zone_hint="Asia/Ho_Chi_Minh").timezone == (
        "Asia/Ho_Chi_Minh"
    )
    assert mapping.event_data(obj, mailbox=ME, zone_hint="Asia/Tokyo").timezone == "Asia/Bangkok"


# -- custom zones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "zone"),
    [(US, "America/New_York"), (SYDNEY, "Australia/Sydney"), (EUROPE, "Europe/Paris")],
)
def test_windows_rules_have_the_offsets_of_their_iana_zone(rule: Rule, zone: str) -> None:
    parsed = zones.parse_definition(base64.b64decode(definition(tz_rule(2007, rule))))
    custom = zones.WindowsRuleZone(parsed.rules)
    years = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC))
    assert engine_zones.agree(custom, ZoneInfo(zone), *years)
    wall = datetime(2026, 7, 1, 12, tzinfo=custom)
    assert wall.utcoffset() == datetime(2026, 7, 1, 12, tzinfo=ZoneInfo(zone)).utcoffset()


def test_the_rule_of_each_year_applies() -> None:
    """US rules before 2007 (April-October) and after: one definition, two rules."""
    old: Rule = (300, -60, (0, 10, 0, 5, 2), (0, 4, 0, 1, 2))
    blob = definition(tz_rule(1987, old), tz_rule(2007, US), guid=True)
    custom = zones.WindowsRuleZone(zones.parse_definition(base64.b64decode(blob)).rules)
    years = (datetime(1990, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    assert engine_zones.agree(custom, ZoneInfo("America/New_York"), *years)


def test_a_custom_zone_reads_as_a_zone_with_its_offsets() -> None:
    """The zone with the definition's rules over the year, among those most places use
    (CET is Berlin's zone, +07:00 Bangkok's); a single January hour in Sydney is not read as
    a +11:00 zone without daylight time."""
    europe = custom_event(definition(tz_rule(2007, EUROPE)))
    assert mapping.event_data(europe, mailbox=ME).timezone == "Europe/Berlin"
    sydney = custom_event(definition(tz_rule(2007, SYDNEY)))
    assert mapping.event_data(sydney, mailbox=ME).timezone == "Australia/Sydney"
    kept = mapping.event_data(europe, mailbox=ME, zone_hint="Europe/Paris")
    assert kept.timezone == "Europe/Paris"
    named = custom_event(definition(tz_rule(2007, EUROPE), key="W. Europe Standard Time"))
    assert mapping.event_data(named, mailbox=ME).timezone == "Europe/Berlin"
    seven = mapping.event_data(custom_event(definition(tz_rule(2007, PLUS_SEVEN))), mailbox=ME)
    assert seven.timezone == "Asia/Bangkok"
    hanoi = mapping.event_data(
        custom_event(definition(tz_rule(2007, PLUS_SEVEN))),
        mailbox=ME,
        zone_hint="Asia/Ho_Chi_Minh",
    )
    assert hanoi.timezone == "Asia/Ho_Chi_Minh"
    assert hanoi.start == JANUARY


def test_a_custom_zone_without_its_definition_keeps_the_hint_or_reads_as_utc() -> None:
    assert mapping.event_data(custom_event(None), mailbox=ME).timezone == "UTC"
    hinted = mapping.event_data(custom_event(None), mailbox=ME, zone_hint="Asia/Tokyo")
    assert hinted.timezone == "Asia/Tokyo"
    broken = custom_event("bm90IGEgZGVmaW5pdGlvbg==")
    assert mapping.event_data(broken, mailbox=ME).timezone == "UTC"


def test_a_custom_zone_no_zone_matches_is_right_where_the_event_starts() -> None:
    """+05:30 with European daylight time: no IANA zone has it; the zone read has the
    offset of the event's start (its instants are UTC anyway)."""
    odd: Rule = (-330, -60, (0, 10, 0, 5, 3), (0, 3, 0, 5, 2))
    data = mapping.event_data(custom_event(definition(tz_rule(2007, odd))), mailbox=ME)
    assert data.start == JANUARY
    assert engine_zones.offset_at(ZoneInfo(data.timezone), JANUARY) == 330 * 60


# -- recurrenceTimeZone --------------------------------------------------------------------------


def weekly(end_date: str, zone: str) -> dict[str, Any]:
    return {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                    "firstDayOfWeek": "sunday"},
        "range": {"type": "endDate", "startDate": "2026-01-05", "endDate": end_date,
                  "recurrenceTimeZone": zone},
    }  # fmt: skip


def test_a_series_in_a_custom_zone_takes_its_recurrence_zone() -> None:
    master = custom_event(None, recurrence=weekly("2026-03-30", "SE Asia Standard Time"))
    master["start"]["dateTime"] = "2026-01-05T02:00:00.0000000"
    master["end"]["dateTime"] = "2026-01-05T03:00:00.0000000"
    assert mapping.event_data(master, mailbox=ME).timezone == "Asia/Bangkok"
    hinted = mapping.event_data(master, mailbox=ME, zone_hint="Asia/Ho_Chi_Minh")
    assert hinted.timezone == "Asia/Ho_Chi_Minh"
    assert hinted.recurrence == "FREQ=WEEKLY;BYDAY=MO;WKST=SU;UNTIL=20260330T020000Z"


def test_the_end_date_is_a_date_in_the_recurrence_zone() -> None:
    """Mondays 18:00 in Los Angeles are Tuesdays in Tokyo: an endDate of Monday 26 January
    in Tokyo's calendar ends the series with the occurrence of the 19th."""
    master = custom_event(
        None,
        originalStartTimeZone="Pacific Standard Time",
        recurrence=weekly("2026-01-26", "Tokyo Standard Time"),
    )
    master["start"]["dateTime"] = "2026-01-06T02:00:00.0000000"
    master["end"]["dateTime"] = "2026-01-06T03:00:00.0000000"
    data = mapping.event_data(master, mailbox=ME)
    assert data.timezone == "America/Los_Angeles"
    assert data.recurrence is not None and data.recurrence.endswith("UNTIL=20260126T020000Z")
    same_zone = custom_event(
        None,
        originalStartTimeZone="Pacific Standard Time",
        recurrence=weekly("2026-01-26", "Pacific Standard Time"),
    )
    same_zone["start"], same_zone["end"] = master["start"], master["end"]
    plain = mapping.event_data(same_zone, mailbox=ME).recurrence
    assert plain is not None and plain.endswith("UNTIL=20260127T020000Z")
