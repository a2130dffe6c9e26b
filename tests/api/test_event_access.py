"""Who reaches what: isolation between users, attendees read-only, admins read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars.models import CancelledOccurrence, Event

from .conftest import WINDOW, session_client, weekly_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_calendar(alice: User) -> dict[str, Any]:
    """Alice's events: a private single, a series with an exception, an archived one, and a
    meeting that Bob attends."""
    client = session_client(alice)

    def post(payload: dict[str, Any]) -> dict[str, Any]:
        answer = client.post("/api/events", payload, format="json")
        assert answer.status_code == 201, answer.content
        return answer.json()

    private = post(
        {"title": "Private", "start": "2026-03-17T10:00:00Z", "end": "2026-03-17T11:00:00Z"}
    )
    series = post(weekly_series())
    exception = client.patch(
        f"/api/events/{series['id']}.20260323T080000Z", {"title": "Moved"}, format="json"
    ).json()
    archived = post(
        {"title": "Old", "start": "2026-03-18T10:00:00Z", "end": "2026-03-18T11:00:00Z"}
    )
    client.post(f"/api/events/{archived['id']}/archive")
    meeting = post(
        {
            "title": "Meeting",
            "start": "2026-03-19T10:00:00Z",
            "end": "2026-03-19T11:00:00Z",
            "attendees": [{"email": "bob@example.com", "name": "Bob"}],
        }
    )
    return {
        "client": client,
        "refs": {
            "single": private["id"],
            "series": series["id"],
            "occurrence": f"{series['id']}.20260330T070000Z",
            "exception": exception["id"],
            "exception via occurrence id": f"{series['id']}.20260323T080000Z",
            "archived": archived["id"],
            "meeting": meeting["id"],
        },
        "meeting": meeting,
    }


def _state() -> list[tuple[Any, ...]]:
    events = Event.objects.order_by("pk").values_list("pk", "title", "version", "active")
    return [*events, *CancelledOccurrence.objects.values_list("series_id", "original_start")]


def _every_verb(client: APIClient, ref: Any) -> dict[str, int]:
    url = f"/api/events/{ref}"
    return {
        "GET": client.get(url).status_code,
        "PATCH": client.patch(url, {"title": "pwned"}, format="json").status_code,
        "DELETE": client.delete(url).status_code,
        "archive": client.post(f"{url}/archive").status_code,
        "unarchive": client.post(f"{url}/unarchive").status_code,
    }


def test_another_user_gets_404_for_every_verb_on_every_id(
    alices_calendar: dict[str, Any], carol: User, login: Callable[[User], APIClient]
) -> None:
    before = _state()
    carol_client = login(carol)
    for name, ref in alices_calendar["refs"].items():
        assert set(_every_verb(carol_client, ref).values()) == {404}, name
    assert _state() == before


def test_another_user_sees_nothing_in_listings(
    alices_calendar: dict[str, Any], alice: User, carol: User, login: Callable[[User], APIClient]
) -> None:
    carol_client = login(carol)
    assert carol_client.get("/api/events").json() == []
    assert carol_client.get("/api/events", WINDOW).json() == []
    assert carol_client.get("/api/events", {**WINDOW, "archived": "1"}).json() == []
    refused = carol_client.get("/api/events", {"user": alice.pk})
    assert refused.status_code == 403
    assert "administrators" in refused.json()["detail"]


def test_attendee_reads_the_meeting_and_may_only_answer_it(
    alices_calendar: dict[str, Any], bob: User, login: Callable[[User], APIClient]
) -> None:
    bob_client = login(bob)
    meeting_id = alices_calendar["refs"]["meeting"]
    listed = bob_client.get("/api/events", WINDOW).json()
    assert [e["id"] for e in listed] == [meeting_id]
    assert (listed[0]["editable"], listed[0]["my_response"]) == (False, "none")
    assert [e["id"] for e in bob_client.get("/api/events").json()] == [meeting_id]
    read = bob_client.get(f"/api/events/{meeting_id}")
    assert read.status_code == 200
    assert read.json()["organizer"]["email"] == "alice@example.com"
    before = _state()
    refused = bob_client.patch(f"/api/events/{meeting_id}", {"title": "x"}, format="json")
    assert refused.status_code == 403
    assert "Only the organiser changes a meeting" in refused.json()["detail"]
    assert "Alice" in refused.json()["detail"]
    assert bob_client.post(f"/api/events/{meeting_id}/unarchive").status_code == 200
    sent_back = bob_client.patch(f"/api/events/{meeting_id}", read.json(), format="json")
    assert sent_back.status_code == 200, sent_back.content  # what was read, unchanged
    assert _state() == before
    for name, ref in alices_calendar["refs"].items():
        if name != "meeting":
            assert set(_every_verb(bob_client, ref).values()) == {404}, name
    assert _state() == before
    as_alice = alices_calendar["client"]
    assert as_alice.get(f"/api/events/{meeting_id}").json()["editable"] is True
    assert as_alice.get(f"/api/events/{meeting_id}").json()["my_response"] is None


def test_an_attendees_delete_is_a_decline_and_the_organiser_keeps_it(
    alices_calendar: dict[str, Any], bob: User, login: Callable[[User], APIClient]
) -> None:
    bob_client = login(bob)
    meeting_id = alices_calendar["refs"]["meeting"]
    titles = list(Event.objects.order_by("pk").values_list("title", "active"))
    assert bob_client.delete(f"/api/events/{meeting_id}").status_code == 204
    assert bob_client.get("/api/events", WINDOW).json() == []
    assert bob_client.get("/api/events").json() == []
    archived = bob_client.get("/api/events", {**WINDOW, "archived": "1"}).json()
    assert [(e["id"], e["active"], e["my_response"]) for e in archived] == [
        (meeting_id, False, "declined")
    ]
    again = bob_client.post(f"/api/events/{meeting_id}/unarchive")
    assert again.status_code == 403
    assert "accept it" in again.json()["detail"]
    organiser_view = alices_calendar["client"].get(f"/api/events/{meeting_id}").json()
    assert organiser_view["active"] is True
    assert organiser_view["attendees"][0]["status"] == "declined"
    assert list(Event.objects.order_by("pk").values_list("title", "active")) == titles
    archive = bob_client.post(f"/api/events/{meeting_id}/archive")
    assert (archive.status_code, archive.json()["active"]) == (200, False)


def test_attendee_who_organises_may_change_the_event(
    alice: User, bob: User, login: Callable[[User], APIClient]
) -> None:
    created = (
        session_client(alice)
        .post(
            "/api/events",
            {
                "title": "Bob's talk",
                "start": "2026-03-19T10:00:00Z",
                "end": "2026-03-19T11:00:00Z",
                "organizer": {"email": "bob@example.com", "name": "Bob"},
                "attendees": [{"email": "bob@example.com"}, {"email": "alice@example.com"}],
            },
            format="json",
        )
        .json()
    )
    bob_client = login(bob)
    assert bob_client.get(f"/api/events/{created['id']}").json()["editable"] is True
    changed = bob_client.patch(
        f"/api/events/{created['id']}", {"title": "Bob's talk v2"}, format="json"
    )
    assert changed.status_code == 200
    assert Event.objects.get(pk=created["id"]).title == "Bob's talk v2"


def test_attendee_of_a_series_reads_its_occurrences_only(
    alice: User, bob: User, login: Callable[[User], APIClient]
) -> None:
    alice_client = session_client(alice)
    series = alice_client.post(
        "/api/events", weekly_series(attendees=[{"email": "bob@example.com"}]), format="json"
    ).json()
    bob_client = login(bob)
    listed = bob_client.get("/api/events", WINDOW).json()
    assert listed and all(e["series_id"] == series["id"] for e in listed)
    occurrence = listed[0]["id"]
    assert bob_client.get(f"/api/events/{occurrence}").status_code == 200
    assert (
        bob_client.patch(f"/api/events/{occurrence}", {"title": "x"}, format="json").status_code
        == 403
    )
    assert not Event.objects.filter(series_id=series["id"]).exists()
    assert bob_client.delete(f"/api/events/{occurrence}").status_code == 204  # a decline
    assert occurrence not in [e["id"] for e in bob_client.get("/api/events", WINDOW).json()]
    organiser_view = alice_client.get(f"/api/events/{occurrence}").json()
    assert organiser_view["active"] is True
    assert [a["status"] for a in organiser_view["attendees"]] == ["declined"]
    assert len(alice_client.get("/api/events", WINDOW).json()) == len(listed)
    assert not CancelledOccurrence.objects.exists()


def test_admin_reads_any_calendar_but_cannot_write_it(
    alices_calendar: dict[str, Any], alice: User, admin: User, login: Callable[[User], APIClient]
) -> None:
    before = _state()
    admin_client = login(admin)
    assert admin_client.get("/api/events").json() == []  # their own calendar is empty
    theirs = admin_client.get("/api/events", {**WINDOW, "user": alice.pk})
    assert theirs.status_code == 200
    titles = {e["title"] for e in theirs.json()}
    assert {"Private", "Weekly sync", "Moved", "Meeting"} <= titles
    assert "Old" not in titles
    assert all(e["editable"] is False for e in theirs.json())
    for name, ref in alices_calendar["refs"].items():
        verbs = _every_verb(admin_client, ref)
        assert verbs.pop("GET") == 200, name
        assert set(verbs.values()) == {403}, (name, verbs)
    detail = admin_client.delete(f"/api/events/{alices_calendar['refs']['single']}").json()
    assert "Administrators" in detail["detail"]
    assert _state() == before
    assert admin_client.get("/api/events", {"user": 999999}).status_code == 400
