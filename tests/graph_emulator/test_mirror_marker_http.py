"""A mirror copy's marker (a String single-value extended property) on a calendar's events
over HTTPS, as calsync's mirrors use it: stored on create, returned with ``$expand`` on a
calendar's events and on one event, filtered with ``Any()``, replaced by a PATCH, never in
delta (Graph returns no extended property there) while the ``transactionId`` is; a retried
POST with the same transactionId is the same event. Then the same through msgraph-sdk."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest
from tests.graph_emulator.calendar_http import Graph, event, mailboxes
from tests.graph_emulator.test_sdk_msgraph import sdk_client

from graph_emulator.testing import EmulatorServer

__all__ = ["mailboxes"]
MARK = "String {3f9b2c71-8d4e-4a6b-b1f0-5e2c7a9d4e18} Name calsyncMirror"
EXPAND = f"singleValueExtendedProperties($filter=id eq '{MARK}')"
ONLY_COPIES = f"singleValueExtendedProperties/Any(ep: ep/id eq '{MARK}')"
WINDOW = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-02-01T00:00:00Z"}


def copy_body(value: str, transaction: str = "calsync-mirror:1") -> dict:
    return event(
        "2026-01-05T09:00:00",
        "2026-01-05T10:00:00",
        subject="Busy",
        showAs="tentative",
        isReminderOn=False,
        transactionId=transaction,
        singleValueExtendedProperties=[{"id": MARK, "value": value}],
    )


@pytest.fixture
def personal(mailboxes) -> tuple[Graph, str]:
    [ada] = mailboxes("ada@example.com")
    made = ada.post("/me/calendars", json={"name": "Personal"}, expect=201).json()
    return ada, made["id"]


def marks(body: dict) -> list[str]:
    return [p["value"] for p in body.get("singleValueExtendedProperties") or []]


def test_a_calendar_lists_its_copies_with_their_marker(personal) -> None:
    ada, calendar = personal
    events = f"/me/calendars/{calendar}/events"
    copy = ada.post(events, json=copy_body("1 busy h1 work o1"), expect=201).json()
    ada.post(events, json=event("2026-01-06T09:00:00", "2026-01-06T10:00:00"), expect=201)
    assert "singleValueExtendedProperties" not in copy
    listed = ada.get(events, params={"$filter": ONLY_COPIES, "$expand": EXPAND}, expect=200)
    [found] = listed.json()["value"]
    assert found["id"] == copy["id"] and marks(found) == ["1 busy h1 work o1"]
    one = ada.get(f"{events}/{quote(copy['id'], safe='')}", params={"$expand": EXPAND}, expect=200)
    assert marks(one.json()) == ["1 busy h1 work o1"]
    assert one.json()["showAs"] == "tentative" and one.json()["isReminderOn"] is False


def test_a_patch_replaces_the_marker(personal) -> None:
    ada, calendar = personal
    copy = ada.post(
        f"/me/calendars/{calendar}/events", json=copy_body("1 busy h1 w o1"), expect=201
    )
    path = f"/me/events/{quote(copy.json()['id'], safe='')}"
    patch = {
        "subject": "Busy",
        "singleValueExtendedProperties": [{"id": MARK, "value": "1 redacted h2 w o1"}],
    }
    ada.patch(path, json=patch, expect=200)
    assert marks(ada.get(path, params={"$expand": EXPAND}, expect=200).json()) == [
        "1 redacted h2 w o1"
    ]


def test_delta_shows_the_transaction_id_not_the_marker(personal) -> None:
    ada, calendar = personal
    made = ada.post(f"/me/calendars/{calendar}/events", json=copy_body("1 busy h w o1"), expect=201)
    again = ada.post(f"/me/calendars/{calendar}/events", json=copy_body("1 busy h w o1"))
    assert again.json()["id"] == made.json()["id"]
    body = ada.get(f"/me/calendars/{calendar}/calendarView/delta", params=WINDOW, expect=200).json()
    [item] = body["value"]
    assert item["transactionId"] == "calsync-mirror:1"
    assert "singleValueExtendedProperties" not in item


async def sdk_reads_the_marker(emulator: EmulatorServer, calendar: str, copy_id: str) -> None:
    from msgraph.generated.users.item.calendars.item.events.events_request_builder import (
        EventsRequestBuilder,
    )

    client, http = sdk_client(emulator, "ada@example.com")
    try:
        query = EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(
            filter=ONLY_COPIES, expand=[EXPAND]
        )
        listed = await client.me.calendars.by_calendar_id(calendar).events.get(
            EventsRequestBuilder.EventsRequestBuilderGetRequestConfiguration(query_parameters=query)
        )
        [found] = listed.value
        assert found.id == copy_id and found.transaction_id == "calsync-mirror:1"
        [prop] = found.single_value_extended_properties
        assert (prop.id, prop.value) == (MARK, "1 busy h1 work o1")
    finally:
        await http.aclose()


@pytest.mark.slow
def test_official_sdk_reads_a_copys_marker(emulator: EmulatorServer, personal) -> None:
    ada, calendar = personal
    events = f"/me/calendars/{calendar}/events"
    copy = ada.post(events, json=copy_body("1 busy h1 work o1"), expect=201).json()
    ada.post(events, json=event("2026-01-06T09:00:00", "2026-01-06T10:00:00"), expect=201)
    asyncio.run(sdk_reads_the_marker(emulator, calendar, copy["id"]))
