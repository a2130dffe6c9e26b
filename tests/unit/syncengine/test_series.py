"""The engine's series rules: exceptions follow their master, cancellations merge as sets."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from tests.unit.syncengine.builders import (
    NOW,
    event,
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
    CreateLocal,
    CreateRemote,
    DeleteRemote,
    RemoteItem,
    Status,
    StatusEntry,
    UpdateLocal,
    UpdateRemote,
    plan,
)
from calsync.syncengine.merge import merge
from calsync.syncengine.model import occurrence_uid

RULE = "FREQ=WEEKLY;BYDAY=TU;WKST=MO;COUNT=6"
SERIES = event("Standup", recurrence=RULE)
SECOND = SERIES.start + timedelta(days=7)  # type: ignore[operator]
MOVED = event("Standup (moved)", days=9)


def test_an_outlook_exception_of_a_new_series_is_created_after_its_master() -> None:
    master = remote_item(SERIES, remote_id="M1", ical_uid="ical-m")
    exception = remote_item(
        MOVED, remote_id="OCC2", ical_uid="ical-m", series_remote_id="M1", original_start=SECOND
    )
    decided = plan(local_snapshot(), remote_snapshot(exception, master), Status(), policy())
    creates = [a for a in decided.actions if isinstance(a, CreateLocal)]
    assert [c.series_uid for c in creates] == [None, creates[0].uid]
    assert creates[1].uid == occurrence_uid(creates[0].uid, SECOND)
    assert creates[1].original_start == SECOND
    assert decided.identity_conflicts == ()  # a shared iCalUId never joins an exception


def test_an_exception_follows_its_linked_master_and_pairs_with_the_local_one() -> None:
    _mine, _theirs, entry = linked(SERIES, uid="master", remote_id="M1")
    uid = occurrence_uid("master", SECOND)
    here = local_item(MOVED, uid=uid, local_id="L2", series_uid="master", original_start=SECOND)
    there = remote_item(
        MOVED.with_fields({"location": "Room 2"}),
        remote_id="OCC2",
        series_remote_id="M1",
        original_start=SECOND,
        uid="master",  # what Graph shows: the master's extended property
    )
    decided = plan(local_snapshot(here), remote_snapshot(there), Status([entry]), policy())
    assert decided.identity_conflicts == ()
    assert [i.uid for i in decided.items] == [uid]
    assert "Link" in kinds(decided)
    assert decided.items[0].entry is not None and decided.items[0].entry.remote_id == "OCC2"


def test_an_exception_whose_master_is_unknown_is_left_out() -> None:
    stray = remote_item(MOVED, remote_id="OCC9", series_remote_id="GONE", original_start=SECOND)
    decided = plan(local_snapshot(), remote_snapshot(stray), Status(), policy())
    assert decided.items == () and decided.identity_conflicts == ()


def test_a_local_exception_waits_for_its_master_then_patches_its_occurrence() -> None:
    uid = occurrence_uid("master", SECOND)
    here = local_item(MOVED, uid=uid, local_id="L2", series_uid="master", original_start=SECOND)
    assert plan(local_snapshot(here), remote_snapshot(), Status(), policy()).items == ()
    _mine, _theirs, entry = linked(SERIES, uid="master", remote_id="M1")
    decided = plan(local_snapshot(here), remote_snapshot(), Status([entry]), policy())
    create = decided.actions[0]
    assert isinstance(create, CreateRemote)
    assert (create.series_remote_id, create.original_start) == ("M1", SECOND)


def test_cancellations_from_both_sides_merge_without_conflict() -> None:
    third = SECOND + timedelta(days=7)
    base = (SERIES, None)
    mine = (SERIES.with_fields({"cancelled": [SECOND]}), None)
    theirs = (SERIES.with_fields({"cancelled": [third]}), None)
    merged = merge("u", base, mine, theirs, local_wins=True, local_is_organizer=True)
    assert merged.data.cancelled == (SECOND, third) and merged.conflicts == ()


def test_a_cancellation_in_outlook_reaches_the_local_master_and_back() -> None:
    mine, theirs, entry = linked(SERIES, uid="master", remote_id="M1")
    cancelled = theirs.data.with_fields({"cancelled": [SECOND]})
    there = remote_item(cancelled, remote_id="M1", ical_uid="ical-master", change_key="ck2")
    decided = plan(local_snapshot(), remote_snapshot(there), Status([entry]), policy())
    update = decided.actions[0]
    assert isinstance(update, UpdateLocal) and update.fields == {"cancelled": (SECOND,)}
    here = local_item(cancelled, uid="master", version=2, modified_at=NOW)
    decided = plan(local_snapshot(here), remote_snapshot(), Status([entry]), policy())
    push = decided.actions[0]
    assert isinstance(push, UpdateRemote) and push.fields == {"cancelled": (SECOND,)}
    assert mine.data.cancelled == ()


def test_mails_of_series_writes_are_counted() -> None:
    from calsync.syncengine import Attendee

    guests = (Attendee("g1@x.test"), Attendee("g2@x.test"))
    meeting = SERIES.with_fields({"attendees": guests})
    third = SECOND + timedelta(days=7)
    cancel = UpdateRemote("u", "M1", {"cancelled": (SECOND, third)}, "ck", meeting)
    assert [n.kind for n in cancel.notices()] == ["cancellation"] * 4
    exception = CreateRemote("x", MOVED.with_fields({"attendees": guests}), "L2", "t", "M1", SECOND)
    assert sorted(n.recipient for n in exception.notices() if n.kind == "update") == [
        "g1@x.test",
        "g2@x.test",
    ]


def test_a_local_exception_of_a_series_pushed_now_goes_in_the_same_plan() -> None:
    master = local_item(SERIES, uid="master", local_id="L1")
    uid = occurrence_uid("master", SECOND)
    here = local_item(MOVED, uid=uid, local_id="L2", series_uid="master", original_start=SECOND)
    decided = plan(local_snapshot(here, master), remote_snapshot(), Status(), policy())
    creates = [a for a in decided.actions if isinstance(a, CreateRemote)]
    assert [(c.uid, c.series_uid, c.series_remote_id) for c in creates] == [
        ("master", None, None),
        (uid, "master", None),
    ]


def _exception_linked() -> tuple[StatusEntry, StatusEntry, RemoteItem]:
    """A linked series and one linked exception of it (status entries, Outlook master)."""
    _mine, theirs, master = linked(SERIES, uid="master", remote_id="M1")
    uid = occurrence_uid("master", SECOND)
    exception = replace(
        master, uid=uid, local_id="L2", remote_id="OCC2", ical_uid=None, base=MOVED,
        series_uid="master", original_start=SECOND,
    )  # fmt: skip
    return master, exception, theirs


def test_a_series_destroyed_here_takes_its_exceptions_without_deleting_them_one_by_one() -> None:
    master, exception, _theirs = _exception_linked()
    decided = plan(
        local_snapshot(deleted=("L1", "L2")), remote_snapshot(), Status([master, exception]),
        policy(),
    )  # fmt: skip
    assert sorted(type(a).__name__ for a in decided.actions) == ["DeleteRemote", "Unlink"]
    assert [a.remote_id for a in decided.actions if isinstance(a, DeleteRemote)] == ["M1"]


def test_a_series_destroyed_here_but_edited_in_outlook_comes_back_with_its_exceptions() -> None:
    master, exception, theirs = _exception_linked()
    edited = replace(theirs, data=SERIES.with_fields({"title": "Renamed"}), change_key="ck9")
    decided = plan(
        local_snapshot(deleted=("L1", "L2")), remote_snapshot(edited),
        Status([master, exception]), policy(),
    )  # fmt: skip
    creates = [a for a in decided.actions if isinstance(a, CreateLocal)]
    assert [(c.uid, c.series_uid, c.original_start) for c in creates] == [
        ("master", None, None),
        (exception.uid, "master", SECOND),
    ]
    assert creates[1].data == MOVED


def test_a_series_deleted_in_outlook_keeps_its_exceptions_in_the_archived_series() -> None:
    master, exception, _theirs = _exception_linked()
    decided = plan(
        local_snapshot(), remote_snapshot(removed=("M1", "OCC2")),
        Status([master, exception]), policy(),
    )  # fmt: skip
    assert sorted(type(a).__name__ for a in decided.actions) == ["ArchiveLocal", "Unlink"]
    assert [a.local_id for a in decided.actions if isinstance(a, ArchiveLocal)] == ["L1"]


def test_a_series_destroyed_here_while_outlook_edited_an_occurrence_comes_back() -> None:
    master, exception, theirs = _exception_linked()
    third = SECOND + timedelta(days=7)
    # Outlook renamed the third occurrence: its master's change key moved, nothing else
    touched = replace(theirs, change_key="ck9")
    new = remote_item(
        event("Standup (Outlook)", days=14), remote_id="OCC3", series_remote_id="M1",
        original_start=third,
    )  # fmt: skip
    for listed in ((touched, new), (new,)):
        decided = plan(
            local_snapshot(deleted=("L1", "L2")), remote_snapshot(*listed),
            Status([master, exception]), policy(),
        )  # fmt: skip
        assert not any(isinstance(a, DeleteRemote) for a in decided.actions)
        creates = [a for a in decided.actions if isinstance(a, CreateLocal)]
        assert [(c.uid, c.original_start) for c in creates] == [
            ("master", None),
            *sorted([(exception.uid, SECOND), (occurrence_uid("master", third), third)]),
        ]
    # an exception edited in Outlook brings its series back too
    edited = remote_item(
        MOVED.with_fields({"location": "Room 2"}), remote_id="OCC2", series_remote_id="M1",
        original_start=SECOND, change_key="ck8",
    )  # fmt: skip
    decided = plan(
        local_snapshot(deleted=("L1", "L2")), remote_snapshot(touched, edited),
        Status([master, exception]), policy(),
    )  # fmt: skip
    creates = [a for a in decided.actions if isinstance(a, CreateLocal)]
    assert [c.data.location for c in creates] == ["", "Room 2"]


def test_a_series_archived_here_keeps_its_exceptions_and_outlooks_edits_of_them() -> None:
    master, exception, theirs = _exception_linked()
    archived = local_item(SERIES, uid="master", local_id="L1", active=False, version=2)
    decided = plan(
        local_snapshot(archived), remote_snapshot(), Status([master, exception]), policy()
    )
    assert sorted(type(a).__name__ for a in decided.actions) == ["DeleteRemote", "Unlink"]
    assert {i.uid: i.status for i in decided.items} == {"master": "drop", exception.uid: "drop"}
    # Outlook edited the exception and made another one meanwhile: both land here
    third = SECOND + timedelta(days=7)
    edited = remote_item(
        MOVED.with_fields({"location": "Room 2"}), remote_id="OCC2", series_remote_id="M1",
        original_start=SECOND, change_key="ck8",
    )  # fmt: skip
    new = remote_item(
        event("Standup (Outlook)", days=14), remote_id="OCC3", series_remote_id="M1",
        original_start=third,
    )  # fmt: skip
    decided = plan(
        local_snapshot(archived), remote_snapshot(replace(theirs, change_key="ck9"), edited, new),
        Status([master, exception]), policy(),
    )  # fmt: skip
    update = only_of(decided.actions, UpdateLocal)
    assert (update.local_id, update.fields) == ("L2", {"location": "Room 2"})
    create = only_of(decided.actions, CreateLocal)
    assert (create.series_uid, create.original_start) == ("master", third)
    assert [i.status for i in decided.items if i.uid == create.uid] == ["keep"]  # no link
    assert [a.remote_id for a in decided.actions if isinstance(a, DeleteRemote)] == ["M1"]


def test_an_exception_cancelled_here_but_edited_in_outlook_stays_cancelled() -> None:
    master, exception, theirs = _exception_linked()
    cancelled = local_item(
        SERIES.with_fields({"cancelled": [SECOND]}), uid="master", local_id="L1", version=2
    )
    edited = remote_item(
        MOVED.with_fields({"location": "Room 2"}), remote_id="OCC2", series_remote_id="M1",
        original_start=SECOND, change_key="ck8",
    )  # fmt: skip
    decided = plan(
        local_snapshot(cancelled, deleted=("L2",)),
        remote_snapshot(replace(theirs, change_key="ck9"), edited),
        Status([master, exception]), policy(),
    )  # fmt: skip
    assert not any(isinstance(a, CreateLocal) for a in decided.actions)
    update = only_of(decided.actions, UpdateRemote)
    assert update.fields == {"cancelled": (SECOND,)}
    assert {i.uid: i.status for i in decided.items}[exception.uid] == "drop"


def only_of(actions: tuple[object, ...], kind: type) -> Any:
    found = [a for a in actions if isinstance(a, kind)]
    assert len(found) == 1, found
    return found[0]


def test_cancellations_of_a_meeting_i_do_not_organise_are_outlooks() -> None:
    base = (SERIES, "accepted")
    mine = (SERIES.with_fields({"cancelled": [SECOND]}), "accepted")
    merged = merge("u", base, mine, base, local_wins=True, local_is_organizer=False)
    assert merged.data.cancelled == ()
    assert [(c.field, c.winner) for c in merged.conflicts] == [("cancelled", "remote")]


def _renamed_here(exception_title: str, new_title: str) -> list[UpdateRemote]:
    """The organiser renames the linked series here to 'Daily'; its linked exception (moved
    two hours, titled ``exception_title``) reads ``new_title`` here."""
    master, exception, _theirs = _exception_linked()
    held = MOVED.with_fields({"title": exception_title})
    exception = replace(exception, base=held)
    series_here = local_item(
        SERIES.with_fields({"title": "Daily"}), uid="master", version=2, modified_at=NOW
    )
    occurrence_here = local_item(
        held.with_fields({"title": new_title}), uid=exception.uid, local_id="L2", version=2,
        series_uid="master", original_start=SECOND, modified_at=NOW,
    )  # fmt: skip
    decided = plan(
        local_snapshot(series_here, occurrence_here), remote_snapshot(),
        Status([master, exception]), policy(),
    )  # fmt: skip
    for item in decided.items:
        assert item.entry is not None and item.entry.base.title in ("Daily", new_title)
    return [a for a in decided.actions if isinstance(a, UpdateRemote)]


def test_an_exception_that_held_its_series_value_follows_the_series_in_outlook() -> None:
    """Outlook's exception keeps only what it overrides: the series' rename reaches it, so
    writing it too would only mail every attendee once more."""
    (update,) = _renamed_here("Standup", "Daily")
    assert (update.remote_id, update.fields) == ("M1", {"title": "Daily"})


def test_an_exception_with_a_value_of_its_own_is_written() -> None:
    updates = _renamed_here("Standup (moved)", "Daily")
    assert sorted((u.remote_id, tuple(u.fields.items())) for u in updates) == [
        ("M1", (("title", "Daily"),)),
        ("OCC2", (("title", "Daily"),)),
    ]
