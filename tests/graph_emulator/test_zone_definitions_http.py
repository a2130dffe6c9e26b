"""Custom zones and zone definitions over HTTPS: an event imported as an ICS import files
it (``tzone://Microsoft/Custom``), its TZDEFINITION properties (decoded here by hand from
the published layout), recurrenceTimeZone, persistence."""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.graph_emulator.calendar_http import Graph, event, mailboxes

from graph_emulator.calendar.store import CalendarStore
from graph_emulator.testing import EmulatorServer

__all__ = ["mailboxes"]
ADA = "ada@example.com"
CUSTOM = "tzone://Microsoft/Custom"
APPOINTMENT = "{00062002-0000-0000-C000-000000000046}"
START_DISPLAY = f"Binary {APPOINTMENT} Id 0x825E"
RECUR = f"Binary {APPOINTMENT} Id 0x8260"
UTC_PREFER = {"Prefer": 'outlook.timezone="UTC"'}


@pytest.fixture
def ada(mailboxes: Any) -> Graph:
    (client,) = mailboxes(ADA)
    return client


def weekly(zone: str | None = None) -> dict[str, Any]:
    rng: dict[str, Any] = {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 30}
    if zone:
        rng["recurrenceTimeZone"] = zone
    return {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}, "range": rng}


def decode(value: str) -> dict[str, Any]:
    """A TZDEFINITION with one rule: key name, bias, daylight bias, the two change dates."""
    blob = base64.b64decode(value)
    major, _minor, header, flags = struct.unpack_from("<BBHH", blob, 0)
    assert (major, flags) == (2, 0x2)
    (length,) = struct.unpack_from("<H", blob, 6)
    key = blob[8 : 8 + 2 * length].decode("utf-16-le")
    (rules,) = struct.unpack_from("<H", blob, 8 + 2 * length)
    assert rules == 1 and 4 + header == 10 + 2 * length
    rule = 4 + header
    assert struct.unpack_from("<BBH", blob, rule) == (2, 1, 62)
    year = struct.unpack_from("<H", blob, rule + 6)[0]
    bias, standard_bias, daylight_bias = struct.unpack_from("<lll", blob, rule + 22)
    standard = struct.unpack_from("<8H", blob, rule + 34)
    daylight = struct.unpack_from("<8H", blob, rule + 50)
    return {
        "key": key, "year": year, "bias": bias, "standard_bias": standard_bias,
        "daylight_bias": daylight_bias, "standard": standard[1:6], "daylight": daylight[1:6],
    }  # fmt: skip


def definitions(ada: Graph, event_id: str) -> dict[str, dict[str, Any]]:
    wanted = f"id eq '{START_DISPLAY}' or id eq '{RECUR}'"
    path = (
        f"/me/events/{event_id}?$select=id&$expand=singleValueExtendedProperties($filter={wanted})"
    )
    props = ada.get(path, expect=200).json().get("singleValueExtendedProperties", [])
    return {prop["id"]: decode(prop["value"]) for prop in props}


def test_an_imported_event_reads_as_a_custom_zone_and_mails_nobody(
    emulator: EmulatorServer, ada: Graph
) -> None:
    body = event("2026-07-06T09:00:00", "2026-07-06T10:00:00", "Europe/Paris", subject="ICS")
    body["attendees"] = [{"emailAddress": {"address": "bo@example.com"}, "type": "required"}]
    made = emulator.import_event(ADA, body)
    got = ada.get(f"/me/events/{made['id']}", headers=UTC_PREFER, expect=200).json()
    assert got["originalStartTimeZone"] == got["originalEndTimeZone"] == CUSTOM
    assert got["start"] == {"dateTime": "2026-07-06T07:00:00.0000000", "timeZone": "UTC"}
    assert got["iCalUId"] == made["iCalUId"]
    assert emulator.outbox() == []
    custom = ada.get(f"/me/events/{made['id']}", headers={"Prefer": f'outlook.timezone="{CUSTOM}"'})
    assert custom.json()["start"]["timeZone"] == "UTC"
    assert "Preference-Applied" not in custom.headers
    (found,) = definitions(ada, made["id"]).values()
    assert found == {
        "key": "Customized Time Zone", "year": 2026, "bias": -60, "standard_bias": 0,
        "daylight_bias": -60, "standard": (10, 0, 5, 3, 0), "daylight": (3, 0, 5, 2, 0),
    }  # fmt: skip


def test_every_event_has_its_zone_definition_with_its_windows_name(ada: Graph) -> None:
    made = ada.create(event("2026-01-05T09:00:00", "2026-01-05T10:00:00", "Eastern Standard Time"))
    (found,) = definitions(ada, made["id"]).values()
    assert (found["key"], found["bias"], found["standard"], found["daylight"]) == (
        "Eastern Standard Time",
        300,
        (11, 0, 1, 2, 0),
        (3, 0, 2, 2, 0),
    )
    plain = ada.get(f"/me/events/{made['id']}?$expand=singleValueExtendedProperties").json()
    assert "singleValueExtendedProperties" not in plain


@pytest.mark.parametrize(("named", "echoed"), [(None, CUSTOM), ("Tokyo Standard Time",) * 2])
def test_an_imported_series_recurs_in_its_custom_zone(
    emulator: EmulatorServer, ada: Graph, named: str | None, echoed: str
) -> None:
    body = event("2026-01-05T09:00:00", "2026-01-05T10:00:00", "Asia/Ho_Chi_Minh")
    body["recurrence"] = weekly(named)
    made = emulator.import_event(ADA, body)
    master = ada.get(f"/me/events/{made['id']}", headers=UTC_PREFER, expect=200).json()
    assert master["recurrence"]["range"]["recurrenceTimeZone"] == echoed
    window = "startDateTime=2026-06-07T00:00:00Z&endDateTime=2026-06-09T00:00:00Z"
    (june,) = ada.get(f"/me/events/{made['id']}/instances?{window}", headers=UTC_PREFER).json()[
        "value"
    ]
    assert june["start"]["dateTime"] == "2026-06-08T02:00:00.0000000"
    found = definitions(ada, made["id"])
    assert set(found) == {START_DISPLAY, RECUR}
    assert found[RECUR]["bias"] == -420 and found[RECUR]["standard"] == (0, 0, 0, 0, 0)


def test_a_patch_with_named_zones_replaces_the_custom_zone(
    emulator: EmulatorServer, ada: Graph
) -> None:
    made = emulator.import_event(ADA, event("2026-01-05T09:00:00", "2026-01-05T10:00:00", "UTC"))
    ada.patch(f"/me/events/{made['id']}", json={"subject": "Renamed"}, expect=200)
    assert ada.get(f"/me/events/{made['id']}").json()["originalStartTimeZone"] == CUSTOM
    moved = event("2026-01-05T10:00:00", "2026-01-05T11:00:00", "Tokyo Standard Time")
    ada.patch(f"/me/events/{made['id']}", json={"start": moved["start"], "end": moved["end"]})
    assert ada.get(f"/me/events/{made['id']}").json()["originalStartTimeZone"] == (
        "Tokyo Standard Time"
    )


def test_a_plain_import_keeps_named_zones(emulator: EmulatorServer, ada: Graph) -> None:
    body = event("2026-01-05T09:00:00", "2026-01-05T10:00:00", "Tokyo Standard Time")
    made = emulator.import_event(ADA, body, custom_time_zone=False)
    got = ada.get(f"/me/events/{made['id']}").json()
    assert got["originalStartTimeZone"] == "Tokyo Standard Time"


def test_bad_imports_answer_400_naming_the_field(emulator: EmulatorServer, ada: Graph) -> None:
    with pytest.raises(RuntimeError, match=r"400.*TimeZoneNotSupportedException"):
        emulator.import_event(ADA, event("2026-01-05T09:00:00", "2026-01-05T10:00:00", "Mars"))
    with pytest.raises(RuntimeError, match=r"400.*customTimeZone"):
        emulator.import_event(ADA, {}, custom_time_zone="yes")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="404"):
        emulator.import_event("nobody@example.com", {})


def test_custom_zones_survive_a_restart(emulator: EmulatorServer, ada: Graph) -> None:
    body = event("2026-07-06T09:00:00", "2026-07-06T10:00:00", "Asia/Ho_Chi_Minh")
    body["recurrence"] = weekly()
    body["recurrence"]["range"]["startDate"] = "2026-07-06"
    made = emulator.import_event(ADA, body)
    store = emulator.world.calendars
    with store.lock:
        state = store.to_state()
    again = CalendarStore(clock=lambda: datetime.now(UTC))
    again.load_state(state)
    inst = again.get_event(ADA, made["id"])
    assert inst.span.start_zone.name == "tzone://Microsoft/Custom"
    assert inst.span.start_zone.iana == "Asia/Ho_Chi_Minh"
    assert inst.span.start.utcoffset() is not None
    assert inst.record.recurrence is not None
    assert inst.record.recurrence.recurrence_time_zone == CUSTOM
