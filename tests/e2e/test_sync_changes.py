"""Changes after the first sync, both ways, and the mails Outlook sends because of them.

The outbox rules are those of Odoo's Outlook guide (docs/sync.md, Mails Outlook sends):
create -> invitations, delete or archive -> cancellations, unarchive -> invitations,
attendee added -> invitation, removed -> cancellation; a sync with no changes mails nobody.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.calendars import actions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOB = "bob@contoso.test"
CAROL = "carol@contoso.test"


@pytest.fixture
def alice(emulator: Any, settings: Any) -> SyncWorld:
    world = SyncWorld(emulator, "alice@contoso.test", "Alice Nguyen")
    emulator.add_user(BOB, "Bob Tran", "pw")
    emulator.add_user(CAROL, "Carol Diaz", "pw")
    return world


def mails(emulator: Any) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((m["kind"], tuple(sorted(m["to"]))) for m in emulator.outbox())


def meeting(world: SyncWorld, *guests: str, **extra: Any) -> Any:
    values = {
        "title": "Planning",
        "start": at(2, 10),
        "end": at(2, 11),
        "timezone": "Europe/Paris",
        "attendees": [{"email": g, "name": g.split("@")[0].title()} for g in guests],
    }
    values.update(extra)
    return world.create(**values)


def the_remote(world: SyncWorld, title: str = "Planning") -> dict[str, Any]:
    found = [e for e in world.outlook_events() if e["subject"] == title]
    assert len(found) == 1, found
    return found[0]


def test_create_sends_invitations_and_a_quiet_sync_sends_nothing(alice: SyncWorld) -> None:
    meeting(alice, BOB, CAROL)
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.invitations == 2
    assert mails(alice.emulator) == [("invitation", (BOB, CAROL))]
    alice.emulator.clear_outbox()
    quiet = alice.sync()
    assert quiet.ok and quiet.invitations == 0
    assert quiet.pushed == quiet.pulled == {"created": 0, "updated": 0, "deleted": 0}
    assert alice.emulator.outbox() == []


def test_local_edits_of_each_field_reach_outlook(alice: SyncWorld) -> None:
    event = meeting(alice, BOB)
    alice.sync()
    alice.emulator.clear_outbox()
    actions.do_update_event(
        alice.event(event.pk),
        {
            "title": "Planning (moved)",
            "description": "<p>new agenda</p>",
            "location": "Room 9",
            "start": at(4, 14),
            "end": at(4, 15),
            "timezone": "America/New_York",
            "show_as": "free",
            "privacy": "personal",
        },
    )
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pushed["updated"] == 1
    remote = the_remote(alice, "Planning (moved)")
    assert remote["location"]["displayName"] == "Room 9"
    assert "new agenda" in remote["body"]["content"]
    assert remote["originalStartTimeZone"] == "Eastern Standard Time"
    assert remote["start"]["dateTime"].startswith(at(4, 14).strftime("%Y-%m-%dT%H:%M"))
    assert remote["showAs"] == "free" and remote["sensitivity"] == "personal"
    assert mails(alice.emulator) == [("update", (BOB,))]
    assert alice.event(event.pk).timezone == "America/New_York"


def test_outlook_edits_of_each_field_reach_calsync(alice: SyncWorld) -> None:
    event = meeting(alice, BOB)
    alice.sync()
    remote = the_remote(alice)
    alice.outlook_patch(
        remote["id"],
        {
            "subject": "Planning v2",
            "location": {"displayName": "Room 3"},
            "start": graph_time(at(6, 7), "Tokyo Standard Time"),
            "end": graph_time(at(6, 8), "Tokyo Standard Time"),
            "showAs": "workingElsewhere",
            "sensitivity": "private",
        },
    )
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pulled["updated"] == 1 and summary.pushed["updated"] == 0
    got = alice.event(event.pk)
    assert got.title == "Planning v2" and got.location == "Room 3"
    assert got.timezone == "Asia/Tokyo"
    tokyo = got.start.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (tokyo.date(), tokyo.hour) == (at(6, 7).date(), 7)
    assert got.show_as == "workingElsewhere" and got.privacy == "private"


def test_attendee_added_and_removed_mail_only_them(alice: SyncWorld) -> None:
    event = meeting(alice, BOB)
    alice.sync()
    alice.emulator.clear_outbox()
    actions.do_update_event(
        alice.event(event.pk), {"attendees": [{"email": CAROL, "name": "Carol Diaz"}]}
    )
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert mails(alice.emulator) == [("cancellation", (BOB,)), ("invitation", (CAROL,))]
    remote = the_remote(alice)
    assert [a["emailAddress"]["address"] for a in remote["attendees"]] == [CAROL]


def test_answers_of_attendees_come_back_to_the_organizer(alice: SyncWorld) -> None:
    event = meeting(alice, BOB)
    alice.sync()
    bob_copy = next(e for e in _as(alice, BOB).outlook_events() if e["subject"] == "Planning")
    _as(alice, BOB).graph("POST", f"/me/events/{bob_copy['id']}/accept", json={})
    summary = alice.sync()
    assert summary.ok, summary.errors
    statuses = {a.email: a.status for a in alice.event(event.pk).attendees.all()}
    assert statuses == {BOB: "accepted"}


def _as(world: SyncWorld, email: str) -> SyncWorld:
    """The same emulator, acting as another mailbox (no calsync user)."""
    return SyncWorld.outside(world.emulator, email)


def test_archive_deletes_in_outlook_and_unarchive_creates_again(alice: SyncWorld) -> None:
    event = meeting(alice, BOB)
    alice.sync()
    alice.emulator.clear_outbox()
    actions.do_archive_event(alice.event(event.pk))
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pushed["deleted"] == 1
    assert alice.outlook_events() == []
    assert mails(alice.emulator) == [("cancellation", (BOB,))]
    alice.emulator.clear_outbox()
    actions.do_unarchive_event(alice.event(event.pk))
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pushed["created"] == 1
    assert the_remote(alice)["subject"] == "Planning"
    assert mails(alice.emulator) == [("invitation", (BOB,))]
    assert alice.sync().pushed == {"created": 0, "updated": 0, "deleted": 0}


def test_delete_here_deletes_in_outlook(alice: SyncWorld) -> None:
    event = meeting(alice, BOB)
    alice.sync()
    alice.emulator.clear_outbox()
    actions.do_delete_event(alice.event(event.pk))
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pushed["deleted"] == 1 and alice.outlook_events() == []
    assert mails(alice.emulator) == [("cancellation", (BOB,))]
    assert alice.records() == []


def test_deleted_in_outlook_is_archived_here_not_destroyed(alice: SyncWorld) -> None:
    event = meeting(alice)
    alice.sync()
    alice.outlook_delete(the_remote(alice)["id"])
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pulled["deleted"] == 1
    kept = alice.event(event.pk)
    assert kept.active is False and kept.title == "Planning"
    assert alice.sync().pushed == {"created": 0, "updated": 0, "deleted": 0}


def test_outlook_edit_then_delete_archives_the_synced_content_with_local_edits(
    alice: SyncWorld,
) -> None:
    """Outlook renames, then deletes, between two syncs; calsync moved the place meanwhile.
    Graph reports the deleted event by its id alone, so the rename goes with it: the copy
    archived here holds the content last synced plus the local edit, and a restore brings
    exactly that back to both sides (found by the state machine of random edits)."""
    event = meeting(alice)
    alice.sync()
    remote = the_remote(alice)
    alice.outlook_patch(remote["id"], {"subject": "Planning v2"})
    actions.do_update_event(alice.event(event.pk), {"location": "Room 3"})
    alice.outlook_delete(remote["id"])
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pulled["deleted"] == 1 and summary.pushed["updated"] == 0
    kept = alice.event(event.pk)
    assert (kept.active, kept.title, kept.location) == (False, "Planning", "Room 3")
    actions.do_unarchive_event(kept)
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pushed["created"] == 1
    restored = the_remote(alice)
    assert restored["location"]["displayName"] == "Room 3"
    assert [e.title for e in alice.events()] == ["Planning"]
    assert alice.sync().pushed == {"created": 0, "updated": 0, "deleted": 0}
