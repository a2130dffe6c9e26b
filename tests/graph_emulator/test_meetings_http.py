"""Meetings between mailboxes over HTTPS: copies, responses, updates, cancellations, outbox."""

from __future__ import annotations

import pytest
from tests.graph_emulator.calendar_http import Graph, attendee, event, mailboxes, when

from graph_emulator.testing import EmulatorServer

__all__ = ["mailboxes"]
ADA, BOB, CY = "ada@example.com", "bob@example.com", "cy@example.com"


@pytest.fixture
def team(mailboxes) -> tuple[Graph, Graph, Graph]:
    return tuple(mailboxes(ADA, BOB, CY))  # type: ignore[return-value]


def copy_in(client: Graph, ical_uid: str) -> dict | None:
    found = [
        e
        for e in client.get("/me/events", params={"$top": "100"}).json()["value"]
        if e["iCalUId"] == ical_uid
    ]
    return found[0] if found else None


def mails(emulator: EmulatorServer) -> list[tuple[str, str, list[str]]]:
    return [(m["kind"], m["from"], sorted(m["to"])) for m in emulator.outbox()]


def plan(ada: Graph, *who: str) -> dict:
    return ada.create(
        event(
            "2026-03-02T09:00:00",
            "2026-03-02T10:00:00",
            subject="Plan",
            attendees=[attendee(a) for a in who],
        )
    )


def test_invitation_creates_a_copy_in_each_attendee_mailbox(emulator, team) -> None:
    ada, bob, cy = team
    meeting = plan(ada, BOB, CY, "ext@elsewhere.example")
    assert mails(emulator) == [("invitation", ADA, sorted([BOB, CY, "ext@elsewhere.example"]))]
    assert emulator.outbox()[0]["event_id"] == meeting["id"]
    bob_copy = copy_in(bob, meeting["iCalUId"])
    assert bob_copy is not None and bob_copy["id"] != meeting["id"]
    assert bob_copy["isOrganizer"] is False
    assert bob_copy["responseStatus"]["response"] == "notResponded"
    assert bob_copy["organizer"]["emailAddress"]["address"] == ADA
    assert copy_in(cy, meeting["iCalUId"]) is not None
    assert bob.error(bob.get(f"/me/events/{meeting['id']}"))[0] == 404


def test_accept_flows_back_to_the_organizer(emulator, team) -> None:
    ada, bob, _ = team
    meeting = plan(ada, BOB)
    emulator.clear_outbox()
    bob_copy = copy_in(bob, meeting["iCalUId"])
    bob.post(
        f"/me/events/{bob_copy['id']}/accept",
        json={"comment": "See you", "sendResponse": True},
        expect=202,
    )
    assert emulator.outbox() == [
        {
            "kind": "response",
            "from": BOB,
            "to": [ADA],
            "subject": "Plan",
            "event_id": bob_copy["id"],
            "response": "accepted",
            "comment": "See you",
        }
    ]
    organizer_view = ada.get(f"/me/events/{meeting['id']}").json()
    assert organizer_view["attendees"][0]["status"]["response"] == "accepted"
    assert (
        bob.get(f"/me/events/{bob_copy['id']}").json()["responseStatus"]["response"] == "accepted"
    )


def test_tentative_without_response_stays_local(emulator, team) -> None:
    ada, bob, _ = team
    meeting = plan(ada, BOB)
    emulator.clear_outbox()
    bob_copy = copy_in(bob, meeting["iCalUId"])
    bob.post(
        f"/me/events/{bob_copy['id']}/tentativelyAccept", json={"sendResponse": False}, expect=202
    )
    assert emulator.outbox() == []
    assert (
        ada.get(f"/me/events/{meeting['id']}").json()["attendees"][0]["status"]["response"]
        == "none"
    )
    bad = bob.post(
        f"/me/events/{bob_copy['id']}/decline",
        json={
            "sendResponse": False,
            "proposedNewTime": {
                "start": when("2026-03-03T09:00:00"),
                "end": when("2026-03-03T10:00:00"),
            },
        },
    )
    assert bob.error(bad)[0] == 400
    assert (
        bob.error(bob.post(f"/me/events/{bob_copy['id']}/accept", json={"sendResponse": "yes"}))[0]
        == 400
    )


def test_decline_removes_the_copy(emulator, team) -> None:
    ada, bob, _ = team
    meeting = plan(ada, BOB)
    bob_copy = copy_in(bob, meeting["iCalUId"])
    bob.post(f"/me/events/{bob_copy['id']}/decline", json={}, expect=202)
    assert copy_in(bob, meeting["iCalUId"]) is None
    assert (
        ada.get(f"/me/events/{meeting['id']}").json()["attendees"][0]["status"]["response"]
        == "declined"
    )


def test_organizer_time_change_updates_copies_and_mails_update(emulator, team) -> None:
    ada, bob, _ = team
    meeting = plan(ada, BOB)
    emulator.clear_outbox()
    ada.patch(
        f"/me/events/{meeting['id']}",
        json={"start": when("2026-03-02T14:00:00"), "end": when("2026-03-02T15:00:00")},
        expect=200,
    )
    assert mails(emulator) == [("update", ADA, [BOB])]
    assert copy_in(bob, meeting["iCalUId"])["start"]["dateTime"].startswith("2026-03-02T14:00")
    emulator.clear_outbox()
    ada.patch(
        f"/me/events/{meeting['id']}",
        json={"categories": ["Blue"], "isReminderOn": False},
        expect=200,
    )
    assert emulator.outbox() == []


def test_attendee_changes_mail_only_the_changed_attendees(emulator, team) -> None:
    ada, bob, cy = team
    meeting = plan(ada, BOB)
    emulator.clear_outbox()
    ada.patch(f"/me/events/{meeting['id']}", json={"attendees": [attendee(CY)]}, expect=200)
    assert mails(emulator) == [("invitation", ADA, [CY]), ("cancellation", ADA, [BOB])]
    assert copy_in(bob, meeting["iCalUId"]) is None
    assert copy_in(cy, meeting["iCalUId"]) is not None


def test_cancel_is_organizer_only_and_marks_copies(emulator, team) -> None:
    ada, bob, _ = team
    meeting = plan(ada, BOB)
    bob_copy = copy_in(bob, meeting["iCalUId"])
    status, _code, message = bob.error(bob.post(f"/me/events/{bob_copy['id']}/cancel", json={}))
    assert status == 400 and "organizer" in message
    emulator.clear_outbox()
    ada.post(f"/me/events/{meeting['id']}/cancel", json={"comment": "Sorry"}, expect=202)
    assert mails(emulator) == [("cancellation", ADA, [BOB])]
    assert emulator.outbox()[0]["comment"] == "Sorry"
    assert ada.get(f"/me/events/{meeting['id']}").status_code == 404
    cancelled = bob.get(f"/me/events/{bob_copy['id']}", expect=200).json()
    assert cancelled["isCancelled"] is True and cancelled["subject"] == "Canceled: Plan"
    bob.delete(f"/me/events/{bob_copy['id']}", expect=204)
    assert len(emulator.outbox()) == 1


def test_organizer_delete_sends_cancellations_attendee_delete_sends_nothing(emulator, team) -> None:
    ada, bob, cy = team
    meeting = plan(ada, BOB, CY)
    emulator.clear_outbox()
    bob.delete(f"/me/events/{copy_in(bob, meeting['iCalUId'])['id']}", expect=204)
    assert emulator.outbox() == []
    ada.delete(f"/me/events/{meeting['id']}", expect=204)
    assert mails(emulator) == [("cancellation", ADA, sorted([BOB, CY]))]
    assert copy_in(cy, meeting["iCalUId"])["isCancelled"] is True


def test_organizer_cannot_answer_own_meeting(team) -> None:
    ada, _, _ = team
    meeting = plan(ada, BOB)
    assert ada.error(ada.post(f"/me/events/{meeting['id']}/accept", json={}))[0] == 400


def test_copies_show_up_in_the_attendee_delta(emulator, team) -> None:
    ada, bob, _ = team
    window = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-04-01T00:00:00Z"}
    first = bob.get("/me/calendarView/delta", params=window, expect=200).json()
    assert first["value"] == []
    meeting = plan(ada, BOB)
    items = bob.get(first["@odata.deltaLink"], expect=200).json()["value"]
    assert [(i["iCalUId"], i["isOrganizer"]) for i in items] == [(meeting["iCalUId"], False)]
