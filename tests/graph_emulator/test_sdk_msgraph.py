"""The official Microsoft Graph Python SDK (msgraph-sdk, code nobody here wrote) against the
emulator over real HTTPS: create, list, calendarView, delta, update, delete, and an error."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.attendee import Attendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.event_type import EventType
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.generated.users.item.calendar_view.calendar_view_request_builder import (
    CalendarViewRequestBuilder,
)
from msgraph.generated.users.item.calendar_view.delta.delta_request_builder import (
    DeltaRequestBuilder,
)
from msgraph.graph_request_adapter import options as SDK_OPTIONS
from msgraph_core import GraphClientFactory

from graph_emulator.testing import EmulatorServer

ADA, BOB = "ada@example.com", "bob@example.com"
pytestmark = pytest.mark.slow


class StaticToken(AccessTokenProvider):
    """An access token from the emulator's control plane, for the emulator's host only."""

    def __init__(self, token: str, host: str) -> None:
        self._token = token
        self._hosts = AllowedHostsValidator([host])

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: Any = None
    ) -> str:
        return self._token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


def sdk_client(
    emulator: EmulatorServer, email: str
) -> tuple[GraphServiceClient, httpx.AsyncClient]:
    # The SDK's own middleware options (they map /users/me-token-to-replace to /me).
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=emulator.ssl_context(), trust_env=False, timeout=30),
        options=SDK_OPTIONS,
    )
    host = urlparse(emulator.graph_url).hostname or "127.0.0.1"
    auth = BaseBearerTokenAuthenticationProvider(StaticToken(emulator.token_for(email), host))
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = emulator.graph_url
    return GraphServiceClient(request_adapter=adapter), http


def when(value: str, zone: str = "Pacific Standard Time") -> DateTimeTimeZone:
    return DateTimeTimeZone(date_time=value, time_zone=zone)


async def scenario(emulator: EmulatorServer) -> None:
    client, http = sdk_client(emulator, ADA)
    try:
        created = await client.me.events.post(
            Event(
                subject="SDK meeting",
                body=ItemBody(content_type=BodyType.Html, content="<p>Hello</p>"),
                start=when("2026-03-02T09:00:00"),
                end=when("2026-03-02T10:00:00"),
                attendees=[
                    Attendee(
                        email_address=EmailAddress(address=BOB, name="Bob"),
                        type=AttendeeType.Required,
                    )
                ],
                transaction_id="sdk-txn-1",
            )
        )
        assert created is not None and created.id
        assert created.i_cal_u_id and created.is_organizer is True
        assert created.start.time_zone == "UTC" and created.start.date_time.startswith(
            "2026-03-02T17:00"
        )
        again = await client.me.events.post(
            Event(
                subject="retry",
                start=when("2026-03-02T09:00:00"),
                end=when("2026-03-02T10:00:00"),
                transaction_id="sdk-txn-1",
            )
        )
        assert again.id == created.id

        series = await client.me.events.post(
            Event(
                subject="SDK series",
                start=when("2026-03-03T08:00:00"),
                end=when("2026-03-03T08:30:00"),
                recurrence=PatternedRecurrence(
                    pattern=RecurrencePattern(type=RecurrencePatternType.Daily, interval=1),
                    range=RecurrenceRange(
                        type=RecurrenceRangeType.Numbered,
                        start_date=_date("2026-03-03"),
                        number_of_occurrences=3,
                    ),
                ),
            )
        )
        assert series.type == EventType.SeriesMaster

        listed = await client.me.events.get()
        assert sorted(e.subject for e in listed.value) == ["SDK meeting", "SDK series"]

        view_query = CalendarViewRequestBuilder.CalendarViewRequestBuilderGetQueryParameters(
            start_date_time="2026-03-01T00:00:00Z", end_date_time="2026-03-10T00:00:00Z"
        )
        view = await client.me.calendar_view.get(
            CalendarViewRequestBuilder.CalendarViewRequestBuilderGetRequestConfiguration(
                query_parameters=view_query
            )
        )
        assert [e.type for e in view.value].count(EventType.Occurrence) == 3

        delta_query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            start_date_time="2026-03-01T00:00:00Z", end_date_time="2026-03-10T00:00:00Z"
        )
        delta = await client.me.calendar_view.delta.get(
            DeltaRequestBuilder.DeltaRequestBuilderGetRequestConfiguration(
                query_parameters=delta_query
            )
        )
        assert len(delta.value) == 4 and delta.odata_delta_link

        updated = await client.me.events.by_event_id(created.id).patch(Event(subject="SDK renamed"))
        assert updated.subject == "SDK renamed" and updated.change_key != created.change_key

        await client.me.events.by_event_id(created.id).delete()
        with pytest.raises(ODataError) as caught:
            await client.me.events.by_event_id(created.id).get()
        assert caught.value.response_status_code == 404
        assert caught.value.error.code == "ErrorItemNotFound"
    finally:
        await http.aclose()


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


def test_official_sdk_creates_lists_and_deletes(emulator: EmulatorServer) -> None:
    emulator.add_user(ADA, "Ada")
    emulator.add_user(BOB, "Bob")
    asyncio.run(scenario(emulator))
    kinds = [(m["kind"], m["to"]) for m in emulator.outbox()]
    assert kinds == [("invitation", [BOB]), ("update", [BOB]), ("cancellation", [BOB])]
    stats = emulator.stats()
    assert stats["by_route"].get("POST /me/events") == 3


async def calendars_scenario(emulator: EmulatorServer, shared_id: str) -> None:
    """Ada's calendars through the SDK; Bob's read-only view of Ada's default calendar."""
    from msgraph.generated.models.calendar import Calendar
    from msgraph.generated.models.calendar_color import CalendarColor
    from msgraph.generated.users.item.calendars.item.calendar_view.delta.delta_request_builder import (  # noqa: E501
        DeltaRequestBuilder as CalendarDelta,
    )

    client, http = sdk_client(emulator, ADA)
    try:
        listed = await client.me.calendars.get()
        assert [(c.name, c.is_default_calendar) for c in listed.value] == [("Calendar", True)]
        assert listed.value[0].owner.address == ADA and listed.value[0].can_edit is True
        work = await client.me.calendars.post(Calendar(name="Work", color=CalendarColor.LightBlue))
        assert work.id and work.color == CalendarColor.LightBlue and work.is_removable is True
        read = await client.me.calendars.by_calendar_id(work.id).get()
        assert read.name == "Work" and read.is_default_calendar is False
        made = await client.me.calendars.by_calendar_id(work.id).events.post(
            Event(
                subject="In Work",
                start=when("2026-03-04T09:00:00"),
                end=when("2026-03-04T10:00:00"),
            )
        )
        events = await client.me.calendars.by_calendar_id(work.id).events.get()
        assert [e.id for e in events.value] == [made.id]
        assert (await client.me.events.get()).value == []
        query = CalendarDelta.DeltaRequestBuilderGetQueryParameters(
            start_date_time="2026-03-01T00:00:00Z", end_date_time="2026-03-10T00:00:00Z"
        )
        delta = await client.me.calendars.by_calendar_id(work.id).calendar_view.delta.get(
            CalendarDelta.DeltaRequestBuilderGetRequestConfiguration(query_parameters=query)
        )
        assert [e.id for e in delta.value] == [made.id] and delta.odata_delta_link
    finally:
        await http.aclose()
    client, http = sdk_client(emulator, BOB)
    try:
        shared = await client.me.calendars.by_calendar_id(shared_id).get()
        assert shared.can_edit is False and shared.owner.address == ADA
        with pytest.raises(ODataError) as caught:
            await client.me.calendars.by_calendar_id(shared_id).events.post(
                Event(
                    subject="Bob's",
                    start=when("2026-03-05T09:00:00"),
                    end=when("2026-03-05T10:00:00"),
                )
            )
        assert caught.value.response_status_code == 403
        assert caught.value.error.code == "ErrorAccessDenied"
    finally:
        await http.aclose()


def test_official_sdk_lists_creates_and_reads_calendars(emulator: EmulatorServer) -> None:
    emulator.add_user(ADA, "Ada")
    emulator.add_user(BOB, "Bob")
    shared = emulator.share_calendar(ADA, BOB)
    asyncio.run(calendars_scenario(emulator, shared["id"]))
    stats = emulator.stats()["by_route"]
    assert stats.get("POST /me/calendars") == 1
    assert stats.get("GET /me/calendars/{calendar_id}/calendarView/delta()") == 1
