"""Every known weakness of Odoo's Outlook sync that the engine can decide on.

Each test names the Odoo issue or pull request it answers (github.com/odoo/odoo, and
odoo/documentation for "docs PR"), or another sync product's issue. Token, throttling and
time-zone issues belong to the Graph client and are tested there.
"""

from __future__ import annotations

from datetime import timedelta

from tests.unit.syncengine.builders import (
    NOW,
    Pair,
    event,
    guests,
    linked,
    local_item,
    local_snapshot,
    policy,
    remote_item,
    remote_snapshot,
)

from calsync.syncengine import Attendee, InvalidData, Person, plan
from calsync.syncengine.status import Status

BOSS = Person("boss@example.com", "Boss")


def test_first_sync_sends_no_invitations_for_past_events_and_says_what_it_would_send() -> None:
    """Odoo docs PR #803, PRs #185911/#128150: first sync mails every past attendee."""
    pair = Pair()
    pair.local.add(
        event("Last month", days=-30, attendees=guests("ana@example.com", "bao@example.com"))
    )
    pair.local.add(event("Next week", days=7, attendees=guests("ana@example.com")))
    preview = plan(
        pair.local.snapshot(), pair.outlook.snapshot(), pair.status, policy(first_sync=True)
    )
    assert preview.mails == 1 and preview.summary()["invitations"] == 1
    assert len(pair.outlook.items) == 0  # planning wrote nothing
    done = pair.sync(first_sync=True)
    assert done.result.mails == 1 and len(pair.outlook.items) == 1


def test_syncing_again_resends_nothing() -> None:
    """Odoo PRs #109915/#118830/#142521: old events re-pushed, attendees mailed again."""
    pair = Pair()
    pair.local.add(event("Weekly", attendees=guests("ana@example.com")))
    pair.sync()
    for _ in range(3):
        again = pair.sync()
        assert again.plan.items == () and again.result.mails == 0


def test_one_meeting_seen_in_two_mailboxes_is_one_event_here() -> None:
    """Odoo #70769 / #75088 and #150341: a Teams meeting duplicated per invited user."""
    copy_a = remote_item(
        event("Board", organizer=BOSS), remote_id="A1", ical_uid="ical-board", is_organizer=False
    )
    copy_b = remote_item(
        event("Board", organizer=BOSS), remote_id="B7", ical_uid="ical-board", is_organizer=False
    )
    in_a = plan(local_snapshot(), remote_snapshot(copy_a), Status(), policy())
    in_b = plan(local_snapshot(), remote_snapshot(copy_b), Status(), policy())
    assert in_a.actions[0].uid == in_b.actions[0].uid  # one local event for both mailboxes


def test_reinstall_relinks_by_our_uid_instead_of_duplicating() -> None:
    """Odoo PR #143781: reinstall loses ids, events are recreated and attendees spammed."""
    pair = Pair()
    pair.local.add(event("Kickoff", attendees=guests("ana@example.com", "bao@example.com")))
    pair.sync()
    pair.status = Status()  # the status is lost
    after_reset = pair.sync()
    assert after_reset.plan.counts() == {"Link": 1} and after_reset.result.mails == 0
    assert len(pair.outlook.items) == 1 and len(pair.local.items) == 1


def test_attendee_removed_in_outlook_is_removed_here() -> None:
    """Odoo PR #270090: attendee removals in Outlook not reflected."""
    pair = Pair()
    mine = pair.local.add(event("Review", attendees=guests("ana@example.com", "bao@example.com")))
    pair.sync()
    remote_id = pair.status[mine.uid].remote_id
    pair.outlook.edit(remote_id, attendees=guests("ana@example.com"))
    pair.sync()
    assert [a.email for a in pair.local.items[mine.local_id].data.attendees] == ["ana@example.com"]


def test_answers_sync_both_ways() -> None:
    """Odoo PR #135836: RSVP status not synced."""
    pair = Pair()
    invite = pair.outlook.add(
        event("Board", organizer=BOSS), is_organizer=False, my_response="none"
    )
    pair.sync()
    (mine,) = pair.local.items.values()
    pair.local.edit(mine.local_id, my_response="accepted")
    answered = pair.sync()
    assert answered.plan.counts() == {"RespondRemote": 1}
    assert pair.outlook.items[invite.remote_id].my_response == "accepted"
    accepted = Attendee("ana@example.com", "Ana", "required", "accepted")
    own = pair.local.add(event("Mine", attendees=guests("ana@example.com")))
    pair.sync()
    pair.outlook.edit(pair.status[own.uid].remote_id, attendees=(accepted,))
    pair.sync()
    assert pair.local.items[own.local_id].data.attendees == (accepted,)


def test_event_without_organizer_syncs() -> None:
    """Odoo PR #153495: events without organizer failed."""
    pair = Pair()
    pair.outlook.add(event("No organizer", organizer=None))
    done = pair.sync()
    assert done.result.failures == () and len(pair.local.items) == 1


def test_an_attendee_cannot_hijack_the_organizers_meeting() -> None:
    """Odoo #169888: a synchronising attendee overwrote the organizer's event."""
    pair = Pair()
    invite = pair.outlook.add(
        event("Board", organizer=BOSS), is_organizer=False, my_response="none"
    )
    pair.sync()
    (mine,) = pair.local.items.values()
    pair.local.edit(mine.local_id, title="Hijacked")
    done = pair.sync()
    assert pair.outlook.items[invite.remote_id].data.title == "Board"
    assert pair.local.items[mine.local_id].data.title == "Board"
    assert done.plan.conflicts[0].losing_value == "Hijacked"


def test_a_failed_item_is_not_marked_synced() -> None:
    """Odoo PR #253701: last_sync_date advanced before the sync completed, changes skipped."""
    pair = Pair()
    mine = pair.local.add(event("Plan"))
    pair.sync()
    pair.local.edit(mine.local_id, title="Plan v2")
    pair.outlook.fault = lambda action: "fail"
    failed = pair.sync()
    assert failed.result.failures and pair.status[mine.uid].base.title == "Plan"
    pair.outlook.fault = None
    pair.sync()
    ((_, theirs),) = pair.pairs()
    assert theirs.data.title == "Plan v2"


def test_events_outside_the_window_are_never_archived() -> None:
    """Odoo PR #146754: the frozen delta window auto-archived events outside it."""
    pair = Pair()
    far = pair.local.add(event("Far future", days=900))
    near = pair.local.add(event("Soon", days=5))
    pair.sync()
    window = (NOW - timedelta(days=365), NOW + timedelta(days=730))
    fresh = pair.sync(window=window)
    assert fresh.plan.items == ()
    assert pair.local.items[far.local_id].active and pair.local.items[near.local_id].active


def test_one_bad_record_blocks_nothing_else() -> None:
    """Odoo PR #67637: one attendee without an e-mail stopped the whole sync."""
    try:
        Attendee("")
    except InvalidData as error:
        assert error.field == "attendees.email"
    else:  # pragma: no cover - the line above must raise
        raise AssertionError("an attendee without e-mail was accepted")
    pair = Pair()
    for title in ("A", "B", "C", "D"):
        pair.local.add(event(title))
    pair.outlook.fault = lambda action: "fail" if action.data.title == "C" else None
    done = pair.sync()
    assert len(done.result.failures) == 1 and len(pair.outlook.items) == 3


def test_delete_and_recreate_is_never_used_for_an_update() -> None:
    """CalDav Synchronizer #423: delete-and-recreate mails cancellations."""
    _, _, entry = linked(event("Plan", attendees=guests("ana@example.com")))
    moved = local_item(event("Plan", days=3, attendees=guests("ana@example.com")), version=2)
    decided = plan(local_snapshot(moved), remote_snapshot(), Status([entry]), policy())
    assert decided.counts() == {"UpdateRemote": 1}
    assert [n.kind for n in decided.notices()] == ["update"]
