"""Meetings in the plan: answers are Outlook's to track, an attendee's own fields, answers
to one occurrence, and exceptions that only hold answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.unit.syncengine.builders import (
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

from calsync.syncengine import Person, RespondRemote, Status, StatusEntry, UpdateRemote
from calsync.syncengine.actions import CreateRemote
from calsync.syncengine.model import occurrence_uid
from calsync.syncengine.plan import plan

NOTHING = remote_snapshot()
BOSS = Person("boss@example.com", "Boss")
WEEKLY = "FREQ=WEEKLY;COUNT=5"


def test_the_organiser_never_writes_attendees_answers() -> None:
    data = event(attendees=guests("ann@example.com", "bo@example.com"))
    _, _, entry = linked(data)
    answered = data.with_fields(
        {"attendees": (*guests("ann@example.com", status="accepted"), *guests("bo@example.com"))}
    )
    decided = plan(
        local_snapshot(local_item(answered, version=2)), NOTHING, Status([entry]), policy()
    )
    assert not any(isinstance(a, UpdateRemote) for a in decided.actions)
    assert decided.mails == 0
    added = answered.with_fields({"attendees": (*answered.attendees, *guests("cy@example.com"))})
    pushed = plan(local_snapshot(local_item(added, version=3)), NOTHING, Status([entry]), policy())
    assert kinds(pushed) == ["UpdateRemote"]


def test_without_a_base_an_answer_beats_no_answer() -> None:
    tracked = event(attendees=guests("ann@example.com", status="accepted"))
    seen_by_an_attendee = event(attendees=guests("ann@example.com"))
    mine = local_item(seen_by_an_attendee, ical_uid="ical-1")
    theirs = remote_item(tracked)
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status(), policy())
    assert decided.conflicts == ()
    assert kinds(decided) == ["Link", "UpdateLocal"]
    assert decided.items[0].entry is not None
    assert decided.items[0].entry.base.attendees[0].status == "accepted"


def test_an_attendees_own_show_as_goes_to_their_copy_and_mails_nobody() -> None:
    data = event("Board", organizer=BOSS, show_as="tentative")
    _, _, entry = linked(data, is_organizer=False, my_response="none")
    mine = local_item(
        data.with_fields({"show_as": "free"}), version=2, is_organizer=False, my_response="none"
    )
    decided = plan(local_snapshot(mine), NOTHING, Status([entry]), policy())
    assert decided.conflicts == ()
    assert [type(a).__name__ for a in decided.actions] == ["UpdateRemote"]
    assert decided.actions[0].fields == {"show_as": "free"}  # type: ignore[union-attr]
    assert decided.mails == 0


def test_an_answer_without_telling_the_organiser_mails_nobody() -> None:
    _, _, entry = linked(event(organizer=BOSS), is_organizer=False, my_response="none")
    mine = local_item(
        event(organizer=BOSS),
        version=2,
        is_organizer=False,
        my_response="declined",
        response_comment="Away",
        send_response=False,
    )
    decided = plan(local_snapshot(mine), NOTHING, Status([entry]), policy())
    assert decided.actions == (
        RespondRemote("uid-1", "R1", "decline", "boss@example.com", "Away", False),
    )
    assert decided.mails == 0


def series_entry(data: object) -> StatusEntry:
    _, _, entry = linked(data, is_organizer=False, my_response="accepted")  # type: ignore[arg-type]
    return entry


def test_an_answer_to_one_occurrence_of_their_meeting_is_sent_for_it_alone() -> None:
    series = event("Stand-up", organizer=BOSS, recurrence=WEEKLY)
    entry = series_entry(series)
    original = series.start + timedelta(days=7)  # type: ignore[operator]
    data = series.with_fields(
        {"start": original, "end": original + timedelta(hours=1), "recurrence": None}
    )
    uid = occurrence_uid("uid-1", original)
    exception = local_item(
        data,
        uid=uid,
        local_id="L2",
        is_organizer=False,
        my_response="declined",
        series_uid="uid-1",
        original_start=original,
    )
    decided = plan(local_snapshot(exception), NOTHING, Status([entry]), policy())
    assert decided.actions == (
        RespondRemote(uid, "R1", "decline", "boss@example.com", "", True, original, "Europe/Paris"),
    )
    assert decided.items[0].status == "keep"
    gone = replace(entry, base=series.with_fields({"cancelled": (original,)}))
    assert plan(local_snapshot(exception), NOTHING, Status([gone]), policy()).items == ()
    unanswered = replace(exception, my_response="none")
    assert plan(local_snapshot(unanswered), NOTHING, Status([entry]), policy()).items == ()


def test_the_organiser_does_not_push_an_exception_holding_only_answers() -> None:
    series = event("Stand-up", recurrence=WEEKLY, attendees=guests("ann@example.com"))
    _, _, entry = linked(series)
    original = series.start + timedelta(days=14)  # type: ignore[operator]
    occurrence = series.with_fields(
        {"start": original, "end": original + timedelta(hours=1), "recurrence": None}
    )
    declined = occurrence.with_fields({"attendees": guests("ann@example.com", status="declined")})
    exception = local_item(
        declined,
        uid=occurrence_uid("uid-1", original),
        local_id="L2",
        series_uid="uid-1",
        original_start=original,
    )
    assert plan(local_snapshot(exception), NOTHING, Status([entry]), policy()).items == ()
    moved = declined.with_fields({"title": "Stand-up (moved)"})
    pushed = plan(
        local_snapshot(replace(exception, data=moved)), NOTHING, Status([entry]), policy()
    )
    assert [type(a) for a in pushed.actions] == [CreateRemote]


def test_a_new_link_takes_the_attendees_own_show_as_from_their_copy() -> None:
    seen_here = event("Board", organizer=BOSS, show_as="busy")
    in_their_copy = seen_here.with_fields({"show_as": "tentative"})
    mine = local_item(seen_here, is_organizer=False, my_response="none", ical_uid="ical-1")
    theirs = remote_item(in_their_copy, is_organizer=False, my_response="none")
    decided = plan(local_snapshot(mine), remote_snapshot(theirs), Status(), policy())
    assert decided.conflicts == ()
    assert kinds(decided) == ["Link", "UpdateLocal"]
    assert decided.actions[1].fields == {"show_as": "tentative"}  # type: ignore[union-attr]
