"""plan()'s decision table: one test per branch, on hand-built snapshots."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.syncengine.builders import (
    NOW,
    event,
    guests,
    kinds,
    linked,
    local_item,
    local_snapshot,
    policy,
    remote_item,
    remote_snapshot,
)

from calsync.syncengine import (
    ArchiveLocal,
    Attendee,
    Conflict,
    CreateLocal,
    CreateRemote,
    DeleteRemote,
    Link,
    RespondRemote,
    Skip,
    Unlink,
    UpdateLocal,
    UpdateRemote,
    plan,
)
from calsync.syncengine.plan import derived_uid
from calsync.syncengine.status import Status

NOTHING = remote_snapshot()


# -- never linked -------------------------------------------------------------------------


def test_new_local_event_is_created_in_outlook_with_a_transaction_id() -> None:
    mine = local_item(event("Kickoff"), version=3)
    decided = plan(local_snapshot(mine), NOTHING, Status(), policy())
    (item,) = decided.items
    (create,) = item.actions
    assert isinstance(create, CreateRemote)
    assert (create.uid, create.local_id, create.data) == ("uid-1", "L1", mine.data)
    again = plan(local_snapshot(mine), NOTHING, Status(), policy())
    assert again.items[0].actions[0].transaction_id == create.transaction_id
    edited = local_item(event("Kickoff"), version=4)
    other = plan(local_snapshot(edited), NOTHING, Status(), policy())
    assert other.items[0].actions[0].transaction_id != create.transaction_id
    assert item.status == "put" and item.entry is not None
    assert (item.entry.local_version, item.entry.remote_id) == (3, "")


def test_past_event_is_not_pushed_on_the_first_sync() -> None:
    past = local_item(event("Last week", days=-7))
    future = local_item(event("Next week", days=7), uid="uid-2", local_id="L2")
    decided = plan(local_snapshot(past, future), NOTHING, Status(), policy(first_sync=True))
    assert kinds(decided) == ["Skip", "CreateRemote"]
    assert decided.skips == (Skip("uid-1", "past_event"),)


def test_past_event_is_pushed_on_the_first_sync_when_asked() -> None:
    past = local_item(event("Last week", days=-7))
    knobs = policy(first_sync=True, push_past_on_first_sync=True)
    assert kinds(plan(local_snapshot(past), NOTHING, Status(), knobs)) == ["CreateRemote"]


def test_events_held_back_by_the_first_sync_stay_back_afterwards() -> None:
    past = local_item(event("Before we connected", days=-7))
    later = policy(push_cutoff=NOW - timedelta(days=1))
    assert kinds(plan(local_snapshot(past), NOTHING, Status(), later)) == ["Skip"]
    recent = local_item(event("Logged after connecting", days=0, hours=6))
    assert kinds(plan(local_snapshot(recent), NOTHING, Status(), later)) == ["CreateRemote"]


def test_past_series_without_end_is_still_pushed_on_the_first_sync() -> None:
    weekly = local_item(event("Weekly", days=-30, recurrence="FREQ=WEEKLY"))
    ended = local_item(
        event("Ended", days=-30, recurrence="FREQ=WEEKLY;UNTIL=20261101T000000Z"),
        uid="uid-2",
        local_id="L2",
    )
    decided = plan(local_snapshot(weekly, ended), NOTHING, Status(), policy(first_sync=True))
    assert kinds(decided) == ["CreateRemote", "Skip"]


def test_new_local_event_organised_by_someone_else_is_not_created() -> None:
    copy = local_item(event("Their meeting"), is_organizer=False, my_response="accepted")
    decided = plan(local_snapshot(copy), NOTHING, Status(), policy())
    assert decided.skips == (Skip("uid-1", "not_organizer"),)
    assert decided.is_empty


def test_new_archived_local_event_is_left_alone() -> None:
    archived = local_item(event(), active=False)
    assert plan(local_snapshot(archived), NOTHING, Status(), policy()).items == ()


def test_new_outlook_event_is_created_here_under_a_stable_uid() -> None:
    theirs = remote_item(event("Dentist"), ical_uid="ical-dentist")
    decided = plan(local_snapshot(), remote_snapshot(theirs), Status(), policy())
    (create,) = decided.actions
    assert isinstance(create, CreateLocal)
    assert (
        create.uid
        == derived_uid(theirs)
        == derived_uid(remote_item(event(), remote_id="R9", ical_uid="ical-dentist"))
    )
    assert (create.remote_id, create.ical_uid, create.data) == ("R1", "ical-dentist", theirs.data)
    assert decided.mails == 0


def test_new_outlook_event_carrying_our_uid_keeps_it() -> None:
    theirs = remote_item(event(), uid="our-uuid")
    (create,) = plan(local_snapshot(), remote_snapshot(theirs), Status(), policy()).actions
    assert isinstance(create, CreateLocal) and create.uid == "our-uuid"


def test_cancelled_outlook_event_never_seen_is_ignored() -> None:
    theirs = remote_item(event(), cancelled=True, is_organizer=False)
    assert plan(local_snapshot(), remote_snapshot(theirs), Status(), policy()).items == ()


def test_same_event_on_both_sides_without_status_is_linked_not_copied() -> None:
    mine = local_item(event("Kickoff"))
    theirs = remote_item(event("Kickoff"), uid="uid-1")
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status(), policy())
    assert decided.actions == (Link("uid-1", "L1", "R1"),)
    assert decided.items[0].entry is not None and decided.items[0].entry.base == mine.data


def test_relinked_event_with_different_content_merges_by_policy() -> None:
    mine = local_item(event("Kickoff", location="Room 1"), modified_at=NOW - timedelta(minutes=5))
    theirs = remote_item(event("Kick-off"), uid="uid-1", modified_at=NOW - timedelta(hours=2))
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status(), policy())
    assert kinds(decided) == ["Link", "UpdateRemote", "Conflict", "Conflict"]
    update = decided.actions[1]
    assert update.fields == {"title": "Kickoff", "location": "Room 1"}
    assert {c.field for c in decided.conflicts} == {"title", "location"}
    assert all(c.winner == "local" for c in decided.conflicts)


def test_meeting_copy_matching_a_local_event_by_ical_uid_is_linked() -> None:
    mine = local_item(event("Board"), ical_uid="ical-board", is_organizer=False, my_response="none")
    theirs = remote_item(
        event("Board"), ical_uid="ical-board", is_organizer=False, my_response="none"
    )
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status(), policy())
    assert decided.actions == (Link("uid-1", "L1", "R1"),)


# -- linked: changes ----------------------------------------------------------------------


def test_nothing_changed_gives_an_empty_plan() -> None:
    mine, theirs, entry = linked(event())
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status([entry]), policy())
    assert decided.items == () and decided.is_empty


def test_local_change_goes_out_with_only_the_changed_fields() -> None:
    _, _, entry = linked(event(location="Room 1"))
    edited = local_item(event(location="Room 2"), version=2)
    decided = plan(local_snapshot(edited), NOTHING, Status([entry]), policy())
    (update,) = decided.actions
    assert isinstance(update, UpdateRemote)
    assert update.fields == {"location": "Room 2"}
    assert update.if_match == entry.remote_change_key == "ck1"


def test_outlook_change_comes_in_with_only_the_changed_fields() -> None:
    _, _, entry = linked(event(show_as="busy"))
    changed = remote_item(event(show_as="oof"), change_key="ck2", uid="uid-1")
    decided = plan(local_snapshot(), remote_snapshot(changed), Status([entry]), policy())
    assert decided.actions == (UpdateLocal("uid-1", "L1", {"show_as": "oof"}),)


def test_changes_to_different_fields_flow_both_ways() -> None:
    _, _, entry = linked(event("Plan"))
    mine = local_item(event("Plan v2"), version=2)
    theirs = remote_item(event("Plan", location="Room 9"), change_key="ck2")
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status([entry]), policy())
    assert decided.actions == (
        UpdateLocal("uid-1", "L1", {"location": "Room 9"}),
        UpdateRemote("uid-1", "R1", {"title": "Plan v2"}, "ck2", theirs.data),
    )
    assert decided.conflicts == ()


def test_field_changed_on_both_sides_goes_to_the_later_change() -> None:
    _, _, entry = linked(event("Plan"))
    mine = local_item(event("Ours"), version=2, modified_at=NOW - timedelta(minutes=1))
    theirs = remote_item(event("Theirs"), change_key="ck2", modified_at=NOW - timedelta(minutes=9))
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status([entry]), policy())
    assert decided.conflicts == (Conflict("uid-1", "title", "Ours", "Theirs", "local"),)
    assert decided.conflicts[0].losing_value == "Theirs"
    assert [a.fields for a in decided.actions] == [{"title": "Ours"}]


def test_conflict_tie_goes_to_outlook() -> None:
    _, _, entry = linked(event("Plan"))
    mine = local_item(event("Ours"), version=2, modified_at=NOW)
    theirs = remote_item(event("Theirs"), change_key="ck2", modified_at=NOW)
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status([entry]), policy())
    assert decided.conflicts[0].winner == "remote"
    assert decided.actions == (UpdateLocal("uid-1", "L1", {"title": "Theirs"}),)


def test_conflict_policy_local_or_remote_overrides_the_clock() -> None:
    _, _, entry = linked(event("Plan"))
    mine = local_item(event("Ours"), version=2, modified_at=NOW - timedelta(days=1))
    theirs = remote_item(event("Theirs"), change_key="ck2", modified_at=NOW)
    status = Status([entry])
    snapshots = (local_snapshot(mine), remote_snapshot(theirs))
    assert plan(*snapshots, status, policy(conflict="local")).conflicts[0].winner == "local"
    assert plan(*snapshots, status, policy(conflict="remote")).conflicts[0].winner == "remote"


def test_start_and_end_merge_together_so_no_event_ends_before_it_starts() -> None:
    original = event()
    _, _, entry = linked(original)
    earlier = event(days=-2)
    later = event(days=3)
    mine = local_item(earlier, version=2, modified_at=NOW)
    theirs = remote_item(later, change_key="ck2", modified_at=NOW - timedelta(hours=1))
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status([entry]), policy())
    (conflict,) = decided.conflicts
    assert conflict.field == "when" and conflict.winner == "local"
    assert decided.actions[0].fields == {"start": earlier.start, "end": earlier.end}


def test_same_change_on_both_sides_is_no_conflict() -> None:
    _, _, entry = linked(event("Plan"))
    mine = local_item(event("Same"), version=2)
    theirs = remote_item(event("Same"), change_key="ck2")
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status([entry]), policy())
    assert decided.is_empty and decided.conflicts == ()
    (refresh,) = decided.items
    assert refresh.status == "put" and refresh.entry is not None
    assert refresh.entry.base.title == "Same" and refresh.entry.remote_change_key == "ck2"


def test_attendees_merge_person_by_person() -> None:
    _, _, entry = linked(event(attendees=guests("ana@example.com")))
    added_here = guests("ana@example.com", "bao@example.com")
    mine = local_item(event(attendees=added_here), version=2)
    accepted = (Attendee("ana@example.com", "Ana", "required", "accepted"),)
    theirs = remote_item(event(attendees=accepted), change_key="ck2")
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status([entry]), policy())
    expected = (accepted[0], added_here[1])
    assert decided.conflicts == ()
    local_update, remote_update = decided.actions
    assert local_update.fields == {"attendees": expected}
    assert remote_update.fields == {"attendees": expected}
    assert decided.mails == 1  # only Bao is invited


def test_change_key_moved_for_nothing_changes_nothing_but_the_stored_key() -> None:
    mine, _, entry = linked(event())
    same = remote_item(event(), change_key="ck7", uid="uid-1")
    decided = plan(local_snapshot(mine), remote_snapshot(same), Status([entry]), policy())
    assert decided.is_empty
    assert decided.items[0].entry is not None and decided.items[0].entry.remote_change_key == "ck7"


def test_local_version_moved_for_nothing_changes_nothing() -> None:
    _, theirs, entry = linked(event())
    resaved = local_item(event(), version=9)
    decided = plan(local_snapshot(resaved), remote_snapshot(theirs), Status([entry]), policy())
    assert decided.is_empty


# -- linked: archive, delete, cancel ------------------------------------------------------


def test_archived_here_is_deleted_in_outlook_and_unlinked() -> None:
    data = event(attendees=guests("ana@example.com", "bao@example.com"))
    _, _, entry = linked(data)
    archived = local_item(data, version=2, active=False)
    decided = plan(local_snapshot(archived), NOTHING, Status([entry]), policy())
    assert decided.actions == (DeleteRemote("uid-1", "R1", data, True),)
    assert decided.items[0].status == "drop"
    assert decided.mails == 2  # two cancellations


def test_archived_here_keeps_the_outlook_edits_in_the_archive() -> None:
    _, _, entry = linked(event("Plan"))
    archived = local_item(event("Plan"), version=2, active=False)
    theirs = remote_item(event("Plan", location="Room 3"), change_key="ck2")
    decided = plan(local_snapshot(archived), remote_snapshot(theirs), Status([entry]), policy())
    assert kinds(decided) == ["UpdateLocal", "DeleteRemote"]
    assert decided.actions[0].fields == {"location": "Room 3"}


def test_unarchived_event_whose_link_is_gone_is_created_again() -> None:
    again = local_item(event(attendees=guests("ana@example.com")), version=5, active=True)
    decided = plan(local_snapshot(again), NOTHING, Status(), policy())
    assert kinds(decided) == ["CreateRemote"] and decided.mails == 1


def test_destroyed_here_is_deleted_in_outlook() -> None:
    _, _, entry = linked(event())
    decided = plan(local_snapshot(deleted=("L1",)), NOTHING, Status([entry]), policy())
    assert decided.actions == (DeleteRemote("uid-1", "R1", entry.base, True),)


def test_missing_from_a_complete_local_listing_means_destroyed() -> None:
    _, theirs, entry = linked(event())
    complete = local_snapshot(complete=True)
    assert kinds(plan(complete, remote_snapshot(theirs), Status([entry]), policy())) == [
        "DeleteRemote"
    ]


def test_destroyed_here_but_changed_in_outlook_is_restored() -> None:
    _, _, entry = linked(event("Plan"))
    theirs = remote_item(event("Plan B"), change_key="ck2")
    gone = local_snapshot(deleted=("L1",))
    decided = plan(gone, remote_snapshot(theirs), Status([entry]), policy())
    assert kinds(decided) == ["CreateLocal", "Conflict"]
    assert decided.actions[0].uid == "uid-1" and decided.actions[0].data == theirs.data
    assert decided.conflicts[0].field == "deleted" and decided.conflicts[0].winner == "remote"


def test_deleted_in_outlook_is_archived_here_never_destroyed() -> None:
    _, _, entry = linked(event())
    decided = plan(local_snapshot(), remote_snapshot(removed=("R1",)), Status([entry]), policy())
    assert decided.actions == (ArchiveLocal("uid-1", "L1"),)
    assert decided.items[0].status == "drop"


def test_deleted_in_outlook_while_edited_here_is_archived_with_the_edit() -> None:
    _, _, entry = linked(event("Plan"))
    edited = local_item(event("Plan v2"), version=2)
    removed = remote_snapshot(removed=("R1",))
    decided = plan(local_snapshot(edited), removed, Status([entry]), policy())
    assert decided.actions == (ArchiveLocal("uid-1", "L1"),)


def test_cancelled_in_outlook_is_archived_here() -> None:
    mine, theirs, entry = linked(event(), is_organizer=False, my_response="accepted")
    cancelled = remote_item(
        theirs.data, change_key="ck2", is_organizer=False, my_response="accepted", cancelled=True
    )
    decided = plan(local_snapshot(mine), remote_snapshot(cancelled), Status([entry]), policy())
    assert decided.actions == (ArchiveLocal("uid-1", "L1"),)


def test_missing_from_a_fresh_round_inside_the_window_is_archived() -> None:
    _, _, entry = linked(event(days=10))
    window = (NOW - timedelta(days=365), NOW + timedelta(days=730))
    fresh = remote_snapshot(complete=True, window=window)
    assert kinds(plan(local_snapshot(), fresh, Status([entry]), policy())) == ["ArchiveLocal"]


def test_missing_from_a_fresh_round_outside_the_window_is_kept() -> None:
    _, _, entry = linked(event(days=800))
    window = (NOW - timedelta(days=365), NOW + timedelta(days=730))
    fresh = remote_snapshot(complete=True, window=window)
    assert plan(local_snapshot(), fresh, Status([entry]), policy()).items == ()


def test_removed_outside_the_window_is_not_a_deletion() -> None:
    _, _, entry = linked(event(days=-400))
    window = (NOW - timedelta(days=365), NOW + timedelta(days=730))
    removed = remote_snapshot(removed=("R1",), window=window)
    assert plan(local_snapshot(), removed, Status([entry]), policy()).items == ()


def test_gone_on_both_sides_is_unlinked() -> None:
    _, _, entry = linked(event())
    archived = local_item(event(), version=2, active=False)
    decided = plan(
        local_snapshot(archived), remote_snapshot(removed=("R1",)), Status([entry]), policy()
    )
    assert decided.actions == (Unlink("uid-1"),)
    destroyed = plan(
        local_snapshot(deleted=("L1",)), remote_snapshot(removed=("R1",)), Status([entry]), policy()
    )
    assert destroyed.actions == (Unlink("uid-1"),)


# -- meetings organised by someone else ---------------------------------------------------


def test_attendee_answer_goes_out_as_a_response() -> None:
    _, _, entry = linked(event(), is_organizer=False, my_response="none")
    answered = local_item(event(), version=2, is_organizer=False, my_response="tentative")
    decided = plan(local_snapshot(answered), NOTHING, Status([entry]), policy())
    assert decided.actions == (RespondRemote("uid-1", "R1", "tentativelyAccept", "me@example.com"),)
    assert decided.mails == 1


def test_attendee_content_edit_is_refused_and_put_back() -> None:
    _, _, entry = linked(event("Board"), is_organizer=False, my_response="accepted")
    edited = local_item(event("My title"), version=2, is_organizer=False, my_response="accepted")
    decided = plan(local_snapshot(edited), NOTHING, Status([entry]), policy())
    assert kinds(decided) == ["UpdateLocal", "Conflict", "Skip"]
    assert decided.actions == (UpdateLocal("uid-1", "L1", {"title": "Board"}),)
    assert decided.conflicts[0].losing_value == "My title"
    assert decided.skips == (Skip("uid-1", "not_organizer", ("title",)),)
    assert not any(isinstance(a, UpdateRemote) for a in decided.actions)


def test_organizer_change_to_a_meeting_we_attend_flows_in() -> None:
    _, _, entry = linked(event("Board"), is_organizer=False, my_response="accepted")
    moved = remote_item(
        event("Board", days=2), change_key="ck2", is_organizer=False, my_response="accepted"
    )
    decided = plan(local_snapshot(), remote_snapshot(moved), Status([entry]), policy())
    assert decided.actions == (
        UpdateLocal("uid-1", "L1", {"start": moved.data.start, "end": moved.data.end}),
    )


def test_answer_given_in_outlook_flows_in() -> None:
    _, _, entry = linked(event(), is_organizer=False, my_response="none")
    answered = remote_item(event(), change_key="ck2", is_organizer=False, my_response="declined")
    decided = plan(local_snapshot(), remote_snapshot(answered), Status([entry]), policy())
    assert decided.actions == (UpdateLocal("uid-1", "L1", {"my_response": "declined"}),)


def test_an_answer_cannot_be_taken_back_to_none() -> None:
    _, _, entry = linked(event(), is_organizer=False, my_response="accepted")
    unanswered = local_item(event(), version=2, is_organizer=False, my_response="none")
    decided = plan(local_snapshot(unanswered), NOTHING, Status([entry]), policy())
    assert decided.skips == (Skip("uid-1", "cannot_withdraw_answer", ("my_response",)),)
    assert decided.actions == (UpdateLocal("uid-1", "L1", {"my_response": "accepted"}),)
