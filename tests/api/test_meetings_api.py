"""Meetings as Outlook treats them, through the API: one owner (the organiser when a calsync
user organises it), answers (``POST /api/events/<id>/respond``), an attendee's delete as a
decline, their own show-as, and users known by every address of their mailbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars import actions, ics, meetings
from calsync.calendars.models import Attendee, Event
from calsync.calendars.people import do_set_mailbox_addresses

from .conftest import WINDOW, session_client, weekly_series

pytestmark = pytest.mark.django_db

BOB_MAILBOX = "robert@contoso.example"


def meeting(client: APIClient, *emails: str, **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Review",
        "start": "2026-03-19T10:00:00Z",
        "end": "2026-03-19T11:00:00Z",
        "attendees": [{"email": e} for e in emails],
        **extra,
    }
    answer = client.post("/api/events", body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def ids(client: APIClient, **params: str) -> list[Any]:
    return [e["id"] for e in client.get("/api/events", {**WINDOW, **params}).json()]


def test_an_answer_to_a_series_answers_all_of_it(alice: User, bob: User) -> None:
    as_alice, as_bob = session_client(alice), session_client(bob)
    series = as_alice.post(
        "/api/events", weekly_series(attendees=[{"email": "bob@example.com"}]), format="json"
    ).json()
    moved = as_alice.patch(f"/api/events/{series['id']}.20260323T080000Z", {"title": "Moved"},
                           format="json").json()  # fmt: skip
    answered = as_bob.post(
        f"/api/events/{series['id']}/respond",
        {"response": "tentative", "comment": "Maybe", "send": False},
        format="json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["my_response"] == "tentative"
    listed = as_bob.get("/api/events", WINDOW).json()
    assert {e["my_response"] for e in listed} == {"tentative"}
    assert moved["id"] in [e["id"] for e in listed]
    row = Attendee.objects.get(event_id=series["id"])
    assert (row.status, row.comment, row.send_response) == ("tentative", "Maybe", False)
    organiser = as_alice.get(f"/api/events/{series['id']}").json()
    assert organiser["attendees"][0]["status"] == "tentative"
    assert organiser["my_response"] is None


def test_an_answer_to_one_occurrence_answers_it_alone(alice: User, bob: User) -> None:
    as_alice, as_bob = session_client(alice), session_client(bob)
    series = as_alice.post(
        "/api/events", weekly_series(attendees=[{"email": "bob@example.com"}]), format="json"
    ).json()
    occurrence = f"{series['id']}.20260330T070000Z"
    version = Event.objects.get(pk=series["id"]).version
    declined = as_bob.post(f"/api/events/{occurrence}/respond", {"response": "declined"},
                           format="json")  # fmt: skip
    assert declined.status_code == 200, declined.content
    assert (declined.json()["my_response"], declined.json()["active"]) == ("declined", False)
    assert occurrence not in ids(as_bob)
    exception = Event.objects.get(series_id=series["id"])
    assert exception.owner == alice and exception.title == series["title"]
    assert Event.objects.get(pk=series["id"]).version == version
    others = as_bob.get("/api/events", WINDOW).json()
    assert {e["my_response"] for e in others} == {"none"}
    assert exception.pk in ids(as_alice) and exception.pk not in ids(as_bob)
    again = as_bob.post(f"/api/events/{occurrence}/respond", {"response": "accepted"},
                        format="json")  # fmt: skip
    assert (again.json()["my_response"], again.json()["active"]) == ("accepted", True)
    assert exception.pk in ids(as_bob)


def test_an_answer_to_an_occurrence_and_the_following_ones(alice: User, bob: User) -> None:
    as_alice, as_bob = session_client(alice), session_client(bob)
    series = as_alice.post(
        "/api/events",
        weekly_series(
            recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=8", attendees=[{"email": "bob@example.com"}]
        ),
        format="json",
    ).json()
    cancelled = as_alice.delete(f"/api/events/{series['id']}.20260420T070000Z")
    assert cancelled.status_code == 204
    renamed = as_alice.patch(f"/api/events/{series['id']}.20260413T070000Z", {"title": "Moved"},
                             format="json")  # fmt: skip
    assert renamed.status_code == 200, renamed.content
    fourth = f"{series['id']}.20260406T070000Z"
    answered = as_bob.post(
        f"/api/events/{fourth}/respond",
        {"response": "tentative", "comment": "Travelling", "following": True},
        format="json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["my_response"] == "tentative"
    rows = Attendee.objects.filter(event__series_id=series["id"], email="bob@example.com")
    answers = sorted(
        (row.event.original_start.date().isoformat(), row.status, row.comment) for row in rows
    )
    assert answers == [
        (day, "tentative", "Travelling")
        for day in ("2026-04-06", "2026-04-13", "2026-04-27", "2026-05-04")
    ]
    assert Attendee.objects.get(event_id=series["id"]).status == "none"
    assert Event.objects.get(pk=renamed.json()["id"]).title == "Moved"  # answered, kept
    window = {"start": "2026-03-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"}
    mine = [e["my_response"] for e in as_bob.get("/api/events", window).json()]
    assert mine == ["none"] * 3 + ["tentative"] * 4
    theirs = as_alice.get("/api/events", window).json()
    assert [e["attendees"][0]["status"] for e in theirs] == ["none"] * 3 + ["tentative"] * 4


def test_the_following_occurrences_of_an_endless_series_reach_two_years_ahead(
    alice: User, bob: User
) -> None:
    series = (
        session_client(alice)
        .post("/api/events", weekly_series(attendees=[{"email": "bob@example.com"}]), format="json")
        .json()
    )
    first = f"{series['id']}.20260316T080000Z"
    answered = session_client(bob).post(
        f"/api/events/{first}/respond", {"response": "declined", "following": True}, format="json"
    )
    assert answered.status_code == 200, answered.content
    starts = sorted(
        Event.objects.filter(series_id=series["id"]).values_list("original_start", flat=True)
    )
    horizon = datetime.now(UTC) + meetings.FOLLOWING_AHEAD
    assert starts[0] == datetime(2026, 3, 16, 8, tzinfo=UTC)
    assert horizon - timedelta(days=7) <= starts[-1] < horizon
    assert len(starts) == len(set(starts)) == (starts[-1] - starts[0]).days // 7 + 1
    assert not Attendee.objects.filter(event__series_id=series["id"]).exclude(status="declined")
    assert Attendee.objects.get(event_id=series["id"]).status == "none"


def test_following_is_for_an_occurrence_only(alice: User, bob: User) -> None:
    created = meeting(session_client(alice), "bob@example.com")
    answer = session_client(bob).post(
        f"/api/events/{created['id']}/respond",
        {"response": "accepted", "following": True},
        format="json",
    )
    assert answer.status_code == 400
    assert "following" in answer.json()
    assert Attendee.objects.get(event_id=created["id"]).status == "none"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"response": "none"}, "response"),
        ({"response": "maybe"}, "response"),
        ({}, "response"),
        ({"response": "accepted", "send": "perhaps"}, "send"),
        ({"response": "accepted", "comment": "x" * 2001}, "comment"),
    ],
)
def test_a_bad_answer_is_a_400_naming_the_field(
    alice: User, bob: User, body: dict[str, Any], field: str
) -> None:
    created = meeting(session_client(alice), "bob@example.com")
    answer = session_client(bob).post(f"/api/events/{created['id']}/respond", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()


def test_only_invited_people_answer(alice: User, bob: User, carol: User, admin: User) -> None:
    created = meeting(session_client(alice), "bob@example.com")
    url = f"/api/events/{created['id']}/respond"
    own = session_client(alice).post(url, {"response": "accepted"}, format="json")
    assert own.status_code == 403
    assert "You organise this meeting" in own.json()["detail"]
    assert (
        session_client(carol).post(url, {"response": "accepted"}, format="json").status_code == 404
    )
    by_admin = session_client(admin).post(url, {"response": "accepted"}, format="json")
    assert by_admin.status_code == 403
    assert "Administrators" in by_admin.json()["detail"]


def test_an_attendee_keeps_a_show_as_of_their_own(alice: User, bob: User) -> None:
    as_alice, as_bob = session_client(alice), session_client(bob)
    created = meeting(as_alice, "bob@example.com")
    version = Event.objects.get(pk=created["id"]).version
    changed = as_bob.patch(f"/api/events/{created['id']}", {"show_as": "free"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["show_as"] == "free"
    assert as_alice.get(f"/api/events/{created['id']}").json()["show_as"] == "busy"
    assert Event.objects.get(pk=created["id"]).version == version + 1  # the sync sees it
    refused = as_bob.patch(
        f"/api/events/{created['id']}", {"show_as": "free", "location": "Room 2"}, format="json"
    )
    assert refused.status_code == 403
    assert Event.objects.get(pk=created["id"]).location == ""


def test_a_user_is_known_by_their_mailbox_addresses(alice: User, bob: User) -> None:
    do_set_mailbox_addresses(bob, [BOB_MAILBOX, "bob@example.com"])
    as_alice, as_bob = session_client(alice), session_client(bob)
    invited = meeting(as_alice, BOB_MAILBOX)
    assert ids(as_bob) == [invited["id"]]
    answer = as_bob.post(f"/api/events/{invited['id']}/respond", {"response": "accepted"},
                         format="json")  # fmt: skip
    assert answer.json()["my_response"] == "accepted"
    # a meeting Bob organises under his mailbox address is his, whoever's row it is
    organised = actions.do_create_event(
        alice,
        {
            "title": "Bob's stand-up",
            "start": meeting_start(),
            "end": meeting_start(hours=1),
            "organizer_email": BOB_MAILBOX,
            "organizer_name": "Bob",
            "attendees": [{"email": "alice@example.com"}],
        },
    )
    mine = as_bob.get(f"/api/events/{organised.pk}").json()
    assert (mine["editable"], mine["my_response"]) == (True, None)
    assert (
        as_bob.patch(f"/api/events/{organised.pk}", {"title": "Daily"}, format="json").json()[
            "title"
        ]
        == "Daily"
    )
    theirs = as_alice.get(f"/api/events/{organised.pk}").json()
    assert (theirs["editable"], theirs["my_response"]) == (False, "none")


def test_an_outside_meeting_is_each_attendees_own_copy(bob: User, carol: User) -> None:
    outside = {"organizer_email": "dave@elsewhere.example", "organizer_name": "Dave"}
    people = [{"email": "bob@example.com"}, {"email": "carol@example.com"}]
    values = {"title": "Vendor call", "start": meeting_start(), "end": meeting_start(hours=1),
              "attendees": people, **outside}  # fmt: skip
    bobs = actions.do_create_event(bob, values)
    carols = actions.do_create_event(carol, values)
    as_bob, as_carol = session_client(bob), session_client(carol)
    assert ids(as_bob) == [bobs.pk] and ids(as_carol) == [carols.pk]
    assert as_carol.get(f"/api/events/{bobs.pk}").status_code == 404
    refused = as_carol.patch(f"/api/events/{carols.pk}", {"title": "x"}, format="json")
    assert refused.status_code == 403 and "Dave" in refused.json()["detail"]
    assert as_carol.delete(f"/api/events/{carols.pk}").status_code == 204
    assert ids(as_carol) == []
    assert Event.objects.filter(pk=carols.pk).exists()
    assert as_bob.get(f"/api/events/{bobs.pk}").json()["my_response"] == "none"


def test_the_directory_offers_calsync_users(alice: User, bob: User) -> None:
    do_set_mailbox_addresses(bob, [BOB_MAILBOX])
    as_alice = session_client(alice)
    assert as_alice.get("/api/people", {"search": "b"}).json() == []
    assert as_alice.get("/api/people", {"search": "bob"}).json() == [
        {"email": "bob@example.com", "name": "Bob"}
    ]
    assert as_alice.get("/api/people", {"search": "contoso"}).json() == [
        {"email": "bob@example.com", "name": "Bob"}
    ]
    assert APIClient().get("/api/people", {"search": "bob"}).status_code in (401, 403)


def meeting_start(hours: int = 0) -> datetime:
    return datetime(2026, 3, 20, 9 + hours, tzinfo=UTC)


def test_the_ics_feed_leaves_declined_meetings_out(alice: User, bob: User) -> None:
    as_alice, as_bob = session_client(alice), session_client(bob)
    single = meeting(as_alice, "bob@example.com")
    series = as_alice.post(
        "/api/events", weekly_series(attendees=[{"email": "bob@example.com"}]), format="json"
    ).json()
    as_bob.delete(f"/api/events/{single['id']}")
    as_bob.post(f"/api/events/{series['id']}.20260330T070000Z/respond", {"response": "declined"},
                format="json")  # fmt: skip
    feed = ics.build_calendar(bob).to_ical().decode()
    assert "Review" not in feed
    assert "Weekly sync" in feed
    assert "EXDATE;TZID=Europe/Paris:20260330T090000" in feed
    assert "Review" in ics.build_calendar(alice).to_ical().decode()
