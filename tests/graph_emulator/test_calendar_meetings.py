"""Meetings between mailboxes and the outbox rules (pure model, no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.graph_emulator.calendar_helpers import attendee, event_body, make_store, series_body

from graph_emulator.calendar.errors import CalendarError

ADA, BOB, CY = "ada@example.com", "bob@example.com", "cy@example.com"
EXTERNAL = "dee@elsewhere.example"
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))


def meeting(store, *addresses: str, **extra):
    body = event_body(
        "2026-01-05T09:00:00",
        "2026-01-05T10:00:00",
        subject="Plan",
        attendees=[attendee(a) for a in addresses],
        **extra,
    )
    return store.create_event(ADA, body)[0]


def kinds(store) -> list[tuple[str, list[str]]]:
    return [(m["kind"], sorted(m["to"])) for m in store.outbox]


def copy_of(store, mailbox: str, uid: str):
    found = [i for i in store.list_events(mailbox) if i.ical_uid == uid]
    return found[0] if found else None


def test_create_puts_copies_in_attendee_mailboxes_and_one_invitation() -> None:
    store = make_store(ADA, BOB, CY)
    event = meeting(store, BOB, CY, EXTERNAL)
    assert kinds(store) == [("invitation", sorted([BOB, CY, EXTERNAL]))]
    assert store.outbox[0]["from"] == ADA and store.outbox[0]["event_id"] == event.id
    bob_copy = copy_of(store, BOB, event.ical_uid)
    assert bob_copy is not None and bob_copy.id != event.id
    assert bob_copy.record.is_organizer is False
    assert bob_copy.record.response == "notResponded"
    assert bob_copy.record.organizer["address"] == ADA
    assert bob_copy.prop("showAs") == "tentative"
    assert copy_of(store, CY, event.ical_uid) is not None


def test_event_without_attendees_mails_nobody() -> None:
    store = make_store(ADA, BOB)
    event, _ = store.create_event(ADA, event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00"))
    store.update_event(ADA, event.id, {"subject": "x"})
    store.delete_event(ADA, event.id)
    assert store.outbox == []


def test_time_change_updates_all_and_reaches_copies() -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB, EXTERNAL)
    store.outbox.clear()
    store.update_event(
        ADA,
        event.id,
        {
            "start": {"dateTime": "2026-01-05T11:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-01-05T12:00:00", "timeZone": "UTC"},
        },
    )
    assert kinds(store) == [("update", sorted([BOB, EXTERNAL]))]
    bob_copy = copy_of(store, BOB, event.ical_uid)
    assert bob_copy.span.start.hour == 11


def test_personal_changes_mail_nobody() -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB)
    store.outbox.clear()
    store.update_event(
        ADA, event.id, {"categories": ["Red"], "isReminderOn": False, "showAs": "free"}
    )
    assert store.outbox == []


def test_adding_and_removing_attendees_mails_only_them() -> None:
    store = make_store(ADA, BOB, CY)
    event = meeting(store, BOB, EXTERNAL)
    store.outbox.clear()
    store.update_event(ADA, event.id, {"attendees": [attendee(BOB), attendee(CY)]})
    assert kinds(store) == [("invitation", [CY]), ("cancellation", [EXTERNAL])]
    assert copy_of(store, CY, event.ical_uid) is not None
    store.outbox.clear()
    store.update_event(ADA, event.id, {"attendees": [attendee(CY)]})
    assert kinds(store) == [("cancellation", [BOB])]
    assert copy_of(store, BOB, event.ical_uid) is None


def test_organizer_delete_cancels_and_marks_copies_cancelled() -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB)
    store.outbox.clear()
    store.delete_event(ADA, event.id)
    assert kinds(store) == [("cancellation", [BOB])]
    bob_copy = copy_of(store, BOB, event.ical_uid)
    assert bob_copy.record.is_cancelled is True
    assert bob_copy.prop("subject") == "Canceled: Plan"
    store.delete_event(BOB, bob_copy.id)
    assert copy_of(store, BOB, event.ical_uid) is None
    assert len(store.outbox) == 1


def test_cancel_is_for_organizers_only() -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB)
    bob_copy = copy_of(store, BOB, event.ical_uid)
    with pytest.raises(CalendarError) as caught:
        store.delete_event(BOB, bob_copy.id, cancel=True)
    assert caught.value.status == 400 and "organizer" in caught.value.message
    store.outbox.clear()
    store.delete_event(ADA, event.id, cancel=True, comment="Sorry")
    assert store.outbox == [
        {
            "kind": "cancellation",
            "from": ADA,
            "to": [BOB],
            "subject": "Plan",
            "event_id": event.id,
            "comment": "Sorry",
        }
    ]


def test_attendee_delete_mails_nobody() -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB)
    store.outbox.clear()
    store.delete_event(BOB, copy_of(store, BOB, event.ical_uid).id)
    assert store.outbox == []
    assert store.get_event(ADA, event.id).record.is_cancelled is False


@pytest.mark.parametrize(
    ("action", "response", "show_as"),
    [("accept", "accepted", "busy"), ("tentativelyAccept", "tentativelyAccepted", "tentative")],
)
def test_response_flows_back_to_the_organizer(action: str, response: str, show_as: str) -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB)
    store.outbox.clear()
    bob_copy = copy_of(store, BOB, event.ical_uid)
    store.respond(BOB, bob_copy.id, action, comment="ok")
    assert store.outbox == [
        {
            "kind": "response",
            "from": BOB,
            "to": [ADA],
            "subject": "Plan",
            "event_id": bob_copy.id,
            "response": response,
            "comment": "ok",
        }
    ]
    organizer_view = store.get_event(ADA, event.id)
    assert organizer_view.attendees[0]["status"]["response"] == response
    mine = store.get_event(BOB, bob_copy.id)
    assert mine.record.response == response and mine.prop("showAs") == show_as


def test_response_without_send_response_stays_local() -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB)
    store.outbox.clear()
    bob_copy = copy_of(store, BOB, event.ical_uid)
    store.respond(BOB, bob_copy.id, "accept", send_response=False)
    assert store.outbox == []
    assert store.get_event(ADA, event.id).attendees[0]["status"]["response"] == "none"
    assert store.get_event(BOB, bob_copy.id).record.response == "accepted"


def test_decline_removes_the_copy_and_tells_the_organizer() -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB)
    bob_copy = copy_of(store, BOB, event.ical_uid)
    store.respond(BOB, bob_copy.id, "decline")
    assert copy_of(store, BOB, event.ical_uid) is None
    assert store.get_event(ADA, event.id).attendees[0]["status"]["response"] == "declined"


def test_organizer_cannot_respond_and_proposals_follow_the_rules() -> None:
    store = make_store(ADA, BOB)
    event = meeting(store, BOB, allowNewTimeProposals=False)
    with pytest.raises(CalendarError):
        store.respond(ADA, event.id, "accept")
    bob_copy = copy_of(store, BOB, event.ical_uid)
    proposal = {"start": {"dateTime": "2026-01-06T09:00:00", "timeZone": "UTC"}}
    with pytest.raises(CalendarError) as caught:
        store.respond(BOB, bob_copy.id, "tentativelyAccept", proposed_new_time=proposal)
    assert "proposedNewTime" in caught.value.message


def test_series_meeting_exception_and_cancelled_occurrence_reach_copies() -> None:
    store = make_store(ADA, BOB)
    body = series_body(
        "2026-01-05T09:00:00",
        "2026-01-05T10:00:00",
        "UTC",
        {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
        {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 4},
        attendees=[attendee(BOB)],
    )
    master = store.create_event(ADA, body)[0]
    occurrences = store.instances(ADA, master.id, *WINDOW)
    store.outbox.clear()
    store.update_event(ADA, occurrences[0].id, {"subject": "First one"})
    store.delete_event(ADA, occurrences[1].id)
    assert [(m["kind"], m["event_id"]) for m in store.outbox] == [
        ("update", occurrences[0].id),
        ("cancellation", occurrences[1].id),
    ]
    bob_copy = copy_of(store, BOB, master.ical_uid)
    bob_instances = store.instances(BOB, bob_copy.id, *WINDOW)
    assert [(i.kind, i.prop("subject")) for i in bob_instances] == [
        ("exception", "First one"),
        ("occurrence", "Series"),
        ("occurrence", "Series"),
    ]
    # A series-wide change mails once for the master plus once per exception.
    store.outbox.clear()
    store.update_event(ADA, master.id, {"location": {"displayName": "Room 1"}})
    assert [m["kind"] for m in store.outbox] == ["update", "update"]
