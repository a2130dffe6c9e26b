"""`/api/events` (docs/contract.md, REST API): CRUD, times, validation, listing windows, archive."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars.models import Event
from calsync.calendars.serializers import BRIEF_FIELDS

from .conftest import WINDOW, weekly_series

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {
    "id",
    "title",
    "description",
    "location",
    "start",
    "end",
    "timezone",
    "all_day",
    "show_as",
    "privacy",
    "active",
    "organizer",
    "attendees",
    "recurrence",
    "series_id",
    "outlook",
}


def test_crud_round_trip(as_alice: APIClient) -> None:
    created = as_alice.post(
        "/api/events",
        {
            "title": "Planning",
            "description": "<p>Agenda</p>",
            "location": "Room 1",
            "start": "2026-11-24T09:00:00+01:00",
            "end": "2026-11-24T10:00:00+01:00",
            "timezone": "Europe/Paris",
            "show_as": "tentative",
            "privacy": "private",
            "attendees": [{"email": "Bob@Example.com", "name": "Bob", "type": "optional"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body.keys() >= CONTRACT_KEYS
    assert body["start"] == "2026-11-24T09:00:00+01:00"
    assert body["end"] == "2026-11-24T10:00:00+01:00"
    assert body["organizer"] == {"email": "alice@example.com", "name": "Alice"}
    assert body["attendees"] == [
        {"email": "bob@example.com", "name": "Bob", "status": "none", "type": "optional"}
    ]
    assert (body["recurrence"], body["series_id"], body["outlook"]) == (None, None, None)
    assert (body["version"], body["editable"], body["active"]) == (1, True, True)
    event_id = body["id"]

    read = as_alice.get(f"/api/events/{event_id}")
    assert read.status_code == 200
    assert read.json() == body

    changed = as_alice.patch(
        f"/api/events/{event_id}", {"title": "Planning v2", "location": ""}, format="json"
    )
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["location"]) == ("Planning v2", "")
    assert changed.json()["start"] == body["start"]
    assert changed.json()["version"] == 2

    listed = as_alice.get("/api/events")
    assert [e["id"] for e in listed.json()] == [event_id]

    assert as_alice.delete(f"/api/events/{event_id}").status_code == 204
    assert as_alice.get(f"/api/events/{event_id}").status_code == 404
    assert not Event.objects.exists()


def test_unauthenticated_requests_are_refused(alice: User) -> None:
    client = APIClient()
    assert client.get("/api/events").status_code in (401, 403)
    assert client.post("/api/events", weekly_series(), format="json").status_code in (401, 403)
    assert not Event.objects.exists()


def test_session_auth_requires_csrf_for_writes(alice: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="alice@example.com", password="correct horse")
    refused = client.post("/api/events", weekly_series(), format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Event.objects.exists()


def test_naive_times_are_read_in_the_event_zone(as_alice: APIClient) -> None:
    body = as_alice.post(
        "/api/events",
        {"start": "2026-07-01T09:00", "end": "2026-07-01T09:30", "timezone": "America/New_York"},
        format="json",
    ).json()
    assert body["start"] == "2026-07-01T09:00:00-04:00"
    event = Event.objects.get()
    assert event.start.isoformat() == "2026-07-01T13:00:00+00:00"


def test_offset_times_are_shown_in_the_event_zone(as_alice: APIClient) -> None:
    body = as_alice.post(
        "/api/events",
        {"start": "2026-01-10T08:00:00Z", "end": "2026-01-10T09:00:00Z", "timezone": "Asia/Tokyo"},
        format="json",
    ).json()
    assert (body["start"], body["end"]) == (
        "2026-01-10T17:00:00+09:00",
        "2026-01-10T18:00:00+09:00",
    )


def test_all_day_events_are_dates_that_never_pass_through_utc(as_alice: APIClient) -> None:
    body = as_alice.post(
        "/api/events",
        {
            "title": "Off",
            "all_day": True,
            "start": "2026-11-24",
            "end": "2026-11-26",
            "timezone": "Pacific/Kiritimati",
        },
        format="json",
    ).json()
    assert (body["start"], body["end"], body["all_day"]) == ("2026-11-24", "2026-11-26", True)
    event = Event.objects.get()
    assert (str(event.start_date), str(event.end_date)) == ("2026-11-24", "2026-11-26")
    assert event.start.isoformat() == "2026-11-23T10:00:00+00:00"  # local midnight, UTC+14
    # dragging it in a client that sends date-times keeps the written date
    moved = as_alice.patch(
        f"/api/events/{body['id']}", {"start": "2026-11-25T00:00:00-10:00"}, format="json"
    )
    assert (moved.json()["start"], moved.json()["end"]) == ("2026-11-25", "2026-11-27")


def test_patch_of_start_alone_keeps_the_duration(as_alice: APIClient) -> None:
    event = as_alice.post(
        "/api/events",
        {
            "start": "2026-05-04T10:00:00+02:00",
            "end": "2026-05-04T11:30:00+02:00",
            "timezone": "Europe/Paris",
        },
        format="json",
    ).json()
    moved = as_alice.patch(
        f"/api/events/{event['id']}", {"start": "2026-05-05T14:00:00+02:00"}, format="json"
    ).json()
    assert (moved["start"], moved["end"]) == (
        "2026-05-05T14:00:00+02:00",
        "2026-05-05T15:30:00+02:00",
    )


def test_switching_to_all_day_derives_the_dates(as_alice: APIClient) -> None:
    event = as_alice.post(
        "/api/events",
        {
            "start": "2026-05-04T10:00:00+02:00",
            "end": "2026-05-05T11:00:00+02:00",
            "timezone": "Europe/Paris",
        },
        format="json",
    ).json()
    whole = as_alice.patch(f"/api/events/{event['id']}", {"all_day": True}, format="json")
    assert (whole.json()["start"], whole.json()["end"]) == ("2026-05-04", "2026-05-06")


GOOD = {"start": "2026-05-04T10:00:00+02:00", "end": "2026-05-04T11:00:00+02:00"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start": GOOD["end"], "end": GOOD["start"]}, "end"),
        ({**GOOD, "end": GOOD["start"]}, "end"),
        ({"start": GOOD["start"]}, "end"),
        ({"end": GOOD["end"]}, "start"),
        ({**GOOD, "start": "next tuesday"}, "start"),
        ({**GOOD, "start": "2026-05-04"}, "start"),
        ({**GOOD, "end": "2026-02-30T10:00:00"}, "end"),
        ({**GOOD, "timezone": "Europe/Atlantis"}, "timezone"),
        ({**GOOD, "timezone": "CEST"}, "timezone"),
        ({"all_day": True, "start": "2026-05-04", "end": "2026-05-04"}, "end"),
        ({"all_day": True, "start": "May 4", "end": "2026-05-05"}, "start"),
        ({**GOOD, "title": "x" * 256}, "title"),
        ({**GOOD, "location": "x" * 256}, "location"),
        ({**GOOD, "description": "é" * 60_000}, "description"),
        ({**GOOD, "show_as": "sleeping"}, "show_as"),
        ({**GOOD, "privacy": "secret"}, "privacy"),
        ({**GOOD, "attendees": [{"email": "not-an-email"}]}, "attendees"),
        ({**GOOD, "attendees": [{"email": "a@x.org"}, {"email": "A@x.org"}]}, "attendees"),
        ({**GOOD, "attendees": [{"email": "a@x.org", "status": "maybe"}]}, "attendees"),
        ({**GOOD, "attendees": [{"email": f"p{i}@x.org"} for i in range(501)]}, "attendees"),
        ({**GOOD, "organizer": {"email": "nobody"}}, "organizer"),
        ({**GOOD, "recurrence": "FREQ=SECONDLY"}, "recurrence"),
        ({**GOOD, "recurrence": "FREQ=WEEKLY;BYDAY=FUNDAY"}, "recurrence"),
        ({**GOOD, "recurrence": "FREQ=DAILY;UNTIL=20200101T000000Z"}, "recurrence"),
        ({**GOOD, "all_day": "perhaps"}, "all_day"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(
    as_alice: APIClient, payload: dict[str, Any], field: str
) -> None:
    answer = as_alice.post("/api/events", payload, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json(), answer.json()
    assert not Event.objects.exists()


def test_bad_patch_changes_nothing(as_alice: APIClient) -> None:
    event = as_alice.post("/api/events", {**GOOD, "title": "Keep"}, format="json").json()
    answer = as_alice.patch(
        f"/api/events/{event['id']}",
        {"title": "Lost?", "end": "2026-05-04T09:00:00+02:00"},
        format="json",
    )
    assert answer.status_code == 400
    assert "end" in answer.json()
    assert as_alice.get(f"/api/events/{event['id']}").json() == event


def test_window_lists_overlapping_events_and_expands_series(as_alice: APIClient) -> None:
    single = as_alice.post(
        "/api/events",
        {"title": "Single", "start": "2026-03-18T12:00:00Z", "end": "2026-03-18T13:00:00Z"},
        format="json",
    ).json()
    as_alice.post(
        "/api/events",
        {"title": "Outside", "start": "2026-06-18T12:00:00Z", "end": "2026-06-18T13:00:00Z"},
        format="json",
    )
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    listed = as_alice.get(
        "/api/events", {"start": "2026-03-16T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
    ).json()
    assert [(e["id"], e["start"]) for e in listed] == [
        (f"{series['id']}.20260316T080000Z", "2026-03-16T09:00:00+01:00"),
        (single["id"], "2026-03-18T12:00:00+00:00"),
        (f"{series['id']}.20260323T080000Z", "2026-03-23T09:00:00+01:00"),
        (f"{series['id']}.20260330T070000Z", "2026-03-30T09:00:00+02:00"),
    ]
    occurrence = listed[0]
    assert occurrence["series_id"] == series["id"]
    assert occurrence["original_start"] == "2026-03-16T09:00:00+01:00"
    assert occurrence["title"] == "Weekly sync"
    assert occurrence["recurrence"] is None
    unexpanded = as_alice.get("/api/events").json()
    assert sorted(e["title"] for e in unexpanded) == ["Outside", "Single", "Weekly sync"]
    assert next(e for e in unexpanded if e["id"] == series["id"])["recurrence"] == (
        "FREQ=WEEKLY;BYDAY=MO"
    )


def test_window_accepts_an_unescaped_plus_and_dates(as_alice: APIClient) -> None:
    as_alice.post("/api/events", weekly_series(), format="json")
    raw = as_alice.get("/api/events?start=2026-03-16T00:00:00+01:00&end=2026-03-17T00:00:00+01:00")
    assert raw.status_code == 200, raw.content
    assert len(raw.json()) == 1
    dated = as_alice.get(
        "/api/events", {"start": "2026-03-16", "end": "2026-03-17", "timezone": "Europe/Paris"}
    )
    assert len(dated.json()) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-01-01T00:00:00Z"}, "end"),
        ({"end": "2026-01-01T00:00:00Z"}, "start"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2031-06-01T00:00:00Z"}, "end"),
        ({"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "end"),
        ({"start": "soon", "end": "2026-01-01T00:00:00Z"}, "start"),
        ({**WINDOW, "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_windows_are_a_400(as_alice: APIClient, params: dict[str, str], field: str) -> None:
    answer = as_alice.get("/api/events", params)
    assert answer.status_code == 400
    assert field in answer.json()


def test_archive_hides_and_unarchive_restores(as_alice: APIClient) -> None:
    event = as_alice.post("/api/events", GOOD, format="json").json()
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    window = {"start": "2026-03-01T00:00:00Z", "end": "2026-05-10T00:00:00Z"}
    before = len(as_alice.get("/api/events", window).json())
    archived = as_alice.post(f"/api/events/{event['id']}/archive")
    assert archived.status_code == 200
    assert (archived.json()["active"], archived.json()["version"]) == (False, 2)
    as_alice.post(f"/api/events/{series['id']}/archive")
    assert as_alice.get("/api/events", window).json() == []
    assert as_alice.get("/api/events").json() == []
    with_archived = as_alice.get("/api/events", {**window, "archived": "1"}).json()
    assert len(with_archived) == before
    assert as_alice.get(f"/api/events/{event['id']}").json()["active"] is False
    restored = as_alice.post(f"/api/events/{event['id']}/unarchive")
    assert restored.json()["active"] is True
    assert [e["id"] for e in as_alice.get("/api/events").json()] == [event["id"]]


def test_patch_active_false_archives_too(as_alice: APIClient) -> None:
    event = as_alice.post("/api/events", GOOD, format="json").json()
    as_alice.patch(f"/api/events/{event['id']}", {"active": False}, format="json")
    assert as_alice.get("/api/events").json() == []


def test_client_may_send_back_what_it_read(as_alice: APIClient) -> None:
    event = as_alice.post("/api/events", weekly_series(), format="json").json()
    again = as_alice.patch(f"/api/events/{event['id']}", event, format="json")
    assert again.status_code == 200, again.content
    assert again.json()["version"] == 1
    assert again.json()["start"] == event["start"]


def test_patch_with_attendee_lacking_email_is_400_naming_attendees(as_alice: APIClient) -> None:
    created = as_alice.post(
        "/api/events",
        {"title": "1:1", "start": "2026-11-24T09:00:00Z", "end": "2026-11-24T09:30:00Z"},
        format="json",
    ).json()
    response = as_alice.patch(
        f"/api/events/{created['id']}", {"attendees": [{"name": "No Mail"}]}, format="json"
    )
    assert response.status_code == 400
    assert "attendees" in response.json()
    assert Event.objects.get(pk=created["id"]).attendees.count() == 0


def test_a_brief_window_has_the_grid_fields_of_the_full_one(
    as_alice: APIClient, bob: User, login: Any
) -> None:
    """`brief=true` (the calendar page's grid): the same items with only BRIEF_FIELDS, each
    as the full listing has it, for the organiser and for an attendee alike; the changes'
    delta answers the same way."""
    as_alice.post("/api/events", weekly_series(description="<p>Long notes</p>"), format="json")
    as_alice.post(
        "/api/events",
        {
            "title": "Review",
            "location": "Room 2",
            "description": "<p>Agenda</p>",
            "start": "2026-03-18T12:00:00Z",
            "end": "2026-03-18T13:00:00Z",
            "attendees": [{"email": "bob@example.com", "name": "Bob"}],
        },
        format="json",
    )
    for client in (as_alice, login(bob)):
        full = client.get("/api/events", WINDOW).json()
        brief = client.get("/api/events", {**WINDOW, "brief": "true"}).json()
        assert full, "the window holds the events"
        assert [set(e) for e in brief] == [set(BRIEF_FIELDS)] * len(full)
        assert brief == [{key: e[key] for key in BRIEF_FIELDS} for e in full]
        delta = client.get("/api/changes/events", {**WINDOW, "since": "0", "brief": "1"}).json()
        assert delta["events"] == brief
    attended = login(bob).get("/api/events", {**WINDOW, "brief": "true"}).json()
    assert [(e["title"], e["editable"], e["my_response"]) for e in attended] == [
        ("Review", False, "none")
    ]
