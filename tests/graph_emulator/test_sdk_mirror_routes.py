"""The routes calsync's mirrors and calendar deletes use, through the official Microsoft
Graph Python SDK (msgraph-sdk) against the emulator over real HTTPS: a calendar's events
listed with the mirror listing's ``$filter`` (single events overlapping a window, then
series masters) and the marker expanded; a series' ``/instances`` through a shared
calendar's entry, and one occurrence deleted there; ``DELETE /me/calendars/{id}``."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from msgraph.generated.models.event import Event
from msgraph.generated.models.event_type import EventType
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.generated.models.single_value_legacy_extended_property import (
    SingleValueLegacyExtendedProperty,
)
from msgraph.generated.users.item.calendars.item.events.events_request_builder import (
    EventsRequestBuilder,
)
from msgraph.generated.users.item.calendars.item.events.item.instances.instances_request_builder import (  # noqa: E501
    InstancesRequestBuilder,
)
from tests.graph_emulator.test_sdk_msgraph import sdk_client, when

from graph_emulator.testing import EmulatorServer

ADA, BOB = "ada@example.com", "bob@example.com"
MARK = "String {3f9b2c71-8d4e-4a6b-b1f0-5e2c7a9d4e18} Name calsyncMirror"
EXPAND = f"singleValueExtendedProperties($filter=id eq '{MARK}')"
SINGLES_IN_JANUARY = (
    "type eq 'singleInstance' and end/dateTime gt '2026-01-01T00:00:00'"
    " and start/dateTime lt '2026-02-01T00:00:00'"
)
"""The mirror listing's filter (``calsync.msgraph.mirror_calendar.single_events_filter``)."""
pytestmark = pytest.mark.slow


def single(subject: str, start: str, end: str, marker: str | None = None) -> Event:
    made = Event(subject=subject, start=when(start, "UTC"), end=when(end, "UTC"))
    if marker is not None:
        prop = SingleValueLegacyExtendedProperty(id=MARK, value=marker)
        made.single_value_extended_properties = [prop]
    return made


def every_week(subject: str, start: str, end: str, count: int) -> Event:
    made = single(subject, start, end)
    made.recurrence = PatternedRecurrence(
        pattern=RecurrencePattern(type=RecurrencePatternType.Daily, interval=7),
        range=RecurrenceRange(
            type=RecurrenceRangeType.Numbered,
            start_date=date.fromisoformat(start[:10]),
            number_of_occurrences=count,
        ),
    )
    return made


async def listing(emulator: EmulatorServer) -> None:
    client, http = sdk_client(emulator, ADA)
    try:
        from msgraph.generated.models.calendar import Calendar

        work = await client.me.calendars.post(Calendar(name="Work"))
        events = client.me.calendars.by_calendar_id(work.id).events
        inside = await events.post(single("inside", "2026-01-05T09:00:00", "2026-01-05T10:00:00"))
        spans = await events.post(single("spans", "2025-12-31T22:00:00", "2026-01-01T02:00:00"))
        await events.post(single("before", "2025-06-01T09:00:00", "2025-06-01T10:00:00"))
        await events.post(single("after", "2026-02-01T00:00:00", "2026-02-01T01:00:00"))
        copy = await events.post(
            single("Busy", "2026-01-07T09:00:00", "2026-01-07T10:00:00", "1 busy h c o")
        )
        series = await events.post(
            every_week("old", "2025-03-03T09:00:00", "2025-03-03T10:00:00", 60)
        )

        def where(text: str) -> EventsRequestBuilder.EventsRequestBuilderGetRequestConfiguration:
            query = EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(
                filter=text, expand=[EXPAND]
            )
            return EventsRequestBuilder.EventsRequestBuilderGetRequestConfiguration(
                query_parameters=query
            )

        singles = (await events.get(where(SINGLES_IN_JANUARY))).value
        assert sorted(e.subject for e in singles) == ["Busy", "inside", "spans"]
        assert {e.id for e in singles} == {inside.id, spans.id, copy.id}
        [marked] = [e for e in singles if e.single_value_extended_properties]
        assert marked.single_value_extended_properties[0].value == "1 busy h c o"
        masters = (await events.get(where("type eq 'seriesMaster'"))).value
        assert [(m.id, m.type) for m in masters] == [(series.id, EventType.SeriesMaster)]

        await client.me.calendars.by_calendar_id(work.id).delete()
        with pytest.raises(ODataError) as caught:
            await client.me.calendars.by_calendar_id(work.id).get()
        assert caught.value.response_status_code == 404
        assert caught.value.error.code == "ErrorItemNotFound"
        with pytest.raises(ODataError) as caught:
            await client.me.events.by_event_id(inside.id).get()
        assert caught.value.response_status_code == 404
        default = await client.me.calendar.get()
        with pytest.raises(ODataError) as caught:
            await client.me.calendars.by_calendar_id(default.id).delete()
        assert caught.value.response_status_code == 400
    finally:
        await http.aclose()


def test_official_sdk_lists_with_the_mirror_filter_and_deletes_a_calendar(
    emulator: EmulatorServer,
) -> None:
    emulator.add_user(ADA, "Ada")
    asyncio.run(listing(emulator))
    stats = emulator.stats()["by_route"]
    assert stats.get("DELETE /me/calendars/{calendar_id}") == 2


async def shared_instances(emulator: EmulatorServer, entry: str, master: str) -> list[str]:
    client, http = sdk_client(emulator, BOB)
    try:
        query = InstancesRequestBuilder.InstancesRequestBuilderGetQueryParameters(
            start_date_time="2026-01-01T00:00:00Z", end_date_time="2026-02-01T00:00:00Z"
        )
        item = client.me.calendars.by_calendar_id(entry).events.by_event_id(master)
        found = await item.instances.get(
            InstancesRequestBuilder.InstancesRequestBuilderGetRequestConfiguration(
                query_parameters=query
            )
        )
        assert {o.series_master_id for o in found.value} == {master}
        assert [o.type for o in found.value] == [EventType.Occurrence] * 3
        second = found.value[1]
        await client.me.calendars.by_calendar_id(entry).events.by_event_id(second.id).delete()
        again = await item.instances.get(
            InstancesRequestBuilder.InstancesRequestBuilderGetRequestConfiguration(
                query_parameters=query
            )
        )
        return [o.original_start.isoformat() for o in again.value]
    finally:
        await http.aclose()


def test_official_sdk_reads_instances_through_a_shared_calendars_entry(
    emulator: EmulatorServer,
) -> None:
    emulator.add_user(ADA, "Ada")
    emulator.add_user(BOB, "Bob")
    with emulator.client() as http:
        token = emulator.token_for(ADA)
        made = http.post(
            f"{emulator.graph_url}/me/events",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "subject": "Swim",
                "start": {"dateTime": "2026-01-05T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-01-05T10:00:00", "timeZone": "UTC"},
                "recurrence": {
                    "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                    "range": {
                        "type": "numbered",
                        "startDate": "2026-01-05",
                        "numberOfOccurrences": 3,
                    },
                },
            },
        )
        assert made.status_code == 201
    entry = emulator.share_calendar(ADA, BOB, can_edit=True)["id"]
    left = asyncio.run(shared_instances(emulator, entry, made.json()["id"]))
    assert left == ["2026-01-05T09:00:00+00:00", "2026-01-19T09:00:00+00:00"]
    stats = emulator.stats()["by_route"]
    assert stats.get("GET /me/calendars/{calendar_id}/events/{event_id}/instances") == 2
