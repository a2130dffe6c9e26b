"""The mails Outlook sends for each write (docs/sync.md, Mails Outlook sends)."""

from __future__ import annotations

from tests.unit.syncengine.builders import ME, event, guests

from calsync.syncengine import (
    Attendee,
    CreateRemote,
    DeleteRemote,
    Person,
    RespondRemote,
    UpdateRemote,
)
from calsync.syncengine.notices import Notice

MEETING = event("Review", attendees=guests("ana@example.com", "bao@example.com"))


def update(before, **fields):  # type: ignore[no-untyped-def]
    return UpdateRemote("uid-1", "R1", fields, "ck1", before)


def test_creating_a_meeting_invites_every_attendee() -> None:
    create = CreateRemote("uid-1", MEETING, "L1", "tx")
    assert create.notices() == (
        Notice("invitation", "ana@example.com"),
        Notice("invitation", "bao@example.com"),
    )
    assert create.mails() == 2


def test_creating_an_event_without_attendees_sends_nothing() -> None:
    assert CreateRemote("uid-1", event(), "L1", "tx").mails() == 0


def test_the_organizer_listed_as_attendee_gets_no_mail() -> None:
    data = event(attendees=(Attendee(ME.email), *guests("ana@example.com")))
    assert CreateRemote("uid-1", data, "L1", "tx").mails() == 1


def test_adding_an_attendee_invites_only_them() -> None:
    added = guests("ana@example.com", "bao@example.com", "chi@example.com")
    assert update(MEETING, attendees=added).notices() == (Notice("invitation", "chi@example.com"),)


def test_removing_an_attendee_cancels_only_for_them() -> None:
    kept = guests("ana@example.com")
    assert update(MEETING, attendees=kept).notices() == (Notice("cancellation", "bao@example.com"),)


def test_changing_an_attendee_type_updates_only_them() -> None:
    optional = (Attendee("ana@example.com", "Ana", "optional"), *guests("bao@example.com"))
    assert update(MEETING, attendees=optional).notices() == (Notice("update", "ana@example.com"),)


def test_moving_a_meeting_updates_every_attendee() -> None:
    later = event("Review", days=2)
    moved = update(MEETING, start=later.start, end=later.end)
    assert moved.notices() == (
        Notice("update", "ana@example.com"),
        Notice("update", "bao@example.com"),
    )


def test_moving_and_adding_invites_the_new_one_and_updates_the_others() -> None:
    later = event("Review", days=2)
    added = guests("ana@example.com", "bao@example.com", "chi@example.com")
    notices = update(MEETING, start=later.start, end=later.end, attendees=added).notices()
    assert sorted(notices) == [
        Notice("invitation", "chi@example.com"),
        Notice("update", "ana@example.com"),
        Notice("update", "bao@example.com"),
    ]


def test_changing_what_only_the_organizer_sees_sends_nothing() -> None:
    assert update(MEETING, show_as="oof").mails() == 0


def test_making_a_meeting_private_updates_every_attendee() -> None:
    assert update(MEETING, privacy="private").mails() == 2


def test_each_kind_of_mail_is_one_message_to_all_its_recipients() -> None:
    later = event("Review", days=2)
    added = guests("ana@example.com", "bao@example.com", "chi@example.com", "dan@example.com")
    moved = update(MEETING, start=later.start, end=later.end, attendees=added)
    assert (moved.mails(), moved.messages()) == (4, 2)  # invitations to 2, updates to 2
    assert CreateRemote("uid-1", MEETING, "L1", "tx").messages() == 1
    assert update(MEETING, show_as="oof").messages() == 0


def test_moving_an_event_without_attendees_sends_nothing() -> None:
    alone = event()
    later = event(days=3)
    assert update(alone, start=later.start, end=later.end).mails() == 0


def test_deleting_a_meeting_as_organizer_cancels_for_everyone() -> None:
    delete = DeleteRemote("uid-1", "R1", MEETING, is_organizer=True)
    assert [n.kind for n in delete.notices()] == ["cancellation", "cancellation"]


def test_deleting_my_copy_of_someone_elses_meeting_sends_nothing() -> None:
    theirs = event(
        organizer=Person("boss@example.com"), attendees=guests(ME.email, "ana@example.com")
    )
    assert DeleteRemote("uid-1", "R1", theirs, is_organizer=False).mails() == 0


def test_an_answer_sends_one_response_to_the_organizer() -> None:
    answer = RespondRemote("uid-1", "R1", "accept", "boss@example.com")
    assert answer.notices() == (Notice("response", "boss@example.com"),)
