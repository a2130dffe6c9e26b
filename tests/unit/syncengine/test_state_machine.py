"""The sync machine: random edits on both sides, syncs (some with faults), invariants.

vdirsyncer's ``SyncMachine`` idea over our two in-memory sides. Rules create, edit any
field, move, archive, unarchive, destroy, delete in Outlook, cancel, cancel one
occurrence (a set merged from both sides), add or remove attendees, change answers
(ours, and attendees' in Outlook), turn faults on and off (writes fail, or succeed
with their answer lost as on a timeout) and sync with a complete listing or with
changes only. After every sync: no uid and no Outlook
identity twice; after a sync without faults also: both sides hold the same events and
no edit is lost (each edit is on both sides, kept in an archived event, or recorded as
the losing value of a Conflict).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from tests.unit.syncengine.builders import Ticker
from tests.unit.syncengine.strategies import (
    ANSWERS,
    BOSS,
    FIELD_VALUES,
    PEOPLE,
    STATUSES,
    events,
)

from calsync.syncengine import Attendee, EventData, LocalItem, Policy, RemoteItem
from calsync.syncengine.memory import MemoryLocal, MemoryOutlook, sync
from calsync.syncengine.merge import when
from calsync.syncengine.status import Status

Edit = tuple[str, str, str]  # (side, item id, field)


def field_value(data: EventData, answer: str | None, field: str) -> Any:
    """The value an edit of ``field`` set, read from an item's content and answer."""
    if field == "when":
        return when(data)
    if field.startswith("attendees["):
        email = field.removeprefix("attendees[").removesuffix("]")
        return next((a for a in data.attendees if a.email == email), None)
    if field == "my_response":
        return answer or "none"
    if field.startswith("cancelled["):
        stamp = field.removeprefix("cancelled[").removesuffix("]")
        return any(start.isoformat() == stamp for start in data.cancelled)
    return getattr(data, field)


def occurrence(data: EventData, days: int) -> date:
    """An original start ``days`` after the item's start (a date for all-day items)."""
    return data.start + timedelta(days=days)  # type: ignore[return-value]


def shifted(data: EventData, days: int, hours: int) -> tuple[Any, ...]:
    if data.all_day:
        assert isinstance(data.start, date) and isinstance(data.end, date)
        return data.start + timedelta(days=days), data.end + timedelta(days=days), True
    move = timedelta(days=days, hours=hours)
    return data.start + move, data.end + move, False


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Ticker()
        self.faults = False
        self.chance = random.Random(0)
        self.local = MemoryLocal(self.clock, fault=self._fault)
        self.outlook = MemoryOutlook(self.clock, fault=self._fault)
        self.status = Status()
        self.cursors: tuple[int | None, int | None] = (None, None)
        self.recheck: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
        self.pending: dict[Edit, Any] = {}
        self.baseline: dict[Edit, Any] = {}
        self.losers: set[tuple[str, str, Any]] = set()
        self.uid_of_remote: dict[str, str] = {}

    # -- faults ---------------------------------------------------------------------------

    def _fault(self, action: object) -> str | None:
        if not self.faults:
            return None
        roll = self.chance.random()
        return "fail" if roll < 0.2 else "lost" if roll < 0.3 else None

    @rule(on=st.booleans(), seed=st.integers(0, 2**16))
    def set_faults(self, on: bool, seed: int) -> None:
        self.faults = on
        self.chance = random.Random(seed)

    # -- local edits ----------------------------------------------------------------------

    @rule(data=events())
    def create_here(self, data: EventData) -> None:
        self.local.add(data)

    @precondition(lambda self: self.local.items)
    @rule(data=st.data())
    def edit_here(self, data: st.DataObject) -> None:
        item = self._pick_local(data)
        field = data.draw(st.sampled_from(sorted(FIELD_VALUES)))
        value = data.draw(FIELD_VALUES[field])
        self._edit_local(item, field, **{field: value})

    @precondition(lambda self: self.local.items)
    @rule(data=st.data(), days=st.integers(-3, 3), hours=st.integers(1, 5))
    def move_here(self, data: st.DataObject, days: int, hours: int) -> None:
        item = self._pick_local(data)
        start, end, _ = shifted(item.data, days, hours)
        self._edit_local(item, "when", start=start, end=end)

    @precondition(lambda self: self.local.items)
    @rule(data=st.data(), email=st.sampled_from(PEOPLE))
    def toggle_attendee_here(self, data: st.DataObject, email: str) -> None:
        item = self._pick_local(data)
        self._edit_local(
            item, f"attendees[{email}]", attendees=_toggled(item.data.attendees, email)
        )

    @precondition(lambda self: any(i.is_organizer for i in self.local.items.values()))
    @rule(data=st.data(), days=st.integers(1, 4))
    def cancel_occurrence_here(self, data: st.DataObject, days: int) -> None:
        item = self._pick_local(data, organizer=True)
        start = occurrence(item.data, days)
        cancelled = (*item.data.cancelled, start)
        self._edit_local(item, f"cancelled[{start.isoformat()}]", cancelled=cancelled)

    @precondition(lambda self: any(not i.is_organizer for i in self.local.items.values()))
    @rule(data=st.data(), answer=ANSWERS)
    def answer_here(self, data: st.DataObject, answer: str) -> None:
        item = self._pick_local(data, organizer=False)
        self._edit_local(item, "my_response", my_response=answer)

    @precondition(lambda self: self.local.items)
    @rule(data=st.data())
    def archive_here(self, data: st.DataObject) -> None:
        self.local.archive(self._pick_local(data).local_id)

    @precondition(lambda self: any(not i.active for i in self.local.items.values()))
    @rule(data=st.data())
    def unarchive_here(self, data: st.DataObject) -> None:
        archived = sorted(i for i, item in self.local.items.items() if not item.active)
        self.local.unarchive(data.draw(st.sampled_from(archived)))

    @precondition(lambda self: self.local.items)
    @rule(data=st.data())
    def destroy_here(self, data: st.DataObject) -> None:
        item = self._pick_local(data)
        self._forget("local", item.local_id, item.uid, item)
        self.local.destroy(item.local_id)

    # -- Outlook edits --------------------------------------------------------------------

    @rule(data=events())
    def create_in_outlook(self, data: EventData) -> None:
        self.outlook.add(data)

    @rule(data=events(organizer=BOSS))
    def invitation_arrives(self, data: EventData) -> None:
        self.outlook.add(data, is_organizer=False, my_response="none")

    @precondition(lambda self: self._live_remote())
    @rule(data=st.data())
    def edit_in_outlook(self, data: st.DataObject) -> None:
        item = self._pick_remote(data)
        field = data.draw(st.sampled_from(sorted(FIELD_VALUES)))
        value = data.draw(FIELD_VALUES[field])
        self._edit_remote(item, field, **{field: value})

    @precondition(lambda self: self._live_remote())
    @rule(data=st.data(), days=st.integers(-3, 3), hours=st.integers(1, 5))
    def move_in_outlook(self, data: st.DataObject, days: int, hours: int) -> None:
        item = self._pick_remote(data)
        start, end, _ = shifted(item.data, days, hours)
        self._edit_remote(item, "when", start=start, end=end)

    @precondition(lambda self: self._live_remote())
    @rule(data=st.data(), email=st.sampled_from(PEOPLE))
    def toggle_attendee_in_outlook(self, data: st.DataObject, email: str) -> None:
        item = self._pick_remote(data)
        people = _toggled(item.data.attendees, email)
        self._edit_remote(item, f"attendees[{email}]", attendees=people)

    @precondition(lambda self: self._live_remote(organizer=True))
    @rule(data=st.data(), days=st.integers(1, 4))
    def cancel_occurrence_in_outlook(self, data: st.DataObject, days: int) -> None:
        item = self._pick_remote(data, organizer=True)
        start = occurrence(item.data, days)
        cancelled = (*item.data.cancelled, start)
        self._edit_remote(item, f"cancelled[{start.isoformat()}]", cancelled_occurrences=cancelled)

    @precondition(lambda self: self._live_remote(organizer=True, meeting=True))
    @rule(data=st.data(), status=STATUSES)
    def attendee_answers_in_outlook(self, data: st.DataObject, status: str) -> None:
        item = self.outlook.items[data.draw(st.sampled_from(self._live_remote(True, True)))]
        guest = data.draw(st.sampled_from(item.data.attendees))
        answered = Attendee(guest.email, guest.name, guest.type, status)
        people = tuple(answered if a.email == guest.email else a for a in item.data.attendees)
        self._edit_remote(item, f"attendees[{guest.email}]", attendees=people)

    @precondition(lambda self: self._live_remote(organizer=False))
    @rule(data=st.data(), answer=ANSWERS)
    def answer_in_outlook(self, data: st.DataObject, answer: str) -> None:
        item = self._pick_remote(data, organizer=False)
        self._edit_remote(item, "my_response", my_response=answer)

    @precondition(lambda self: self._live_remote(organizer=False))
    @rule(data=st.data())
    def organizer_cancels(self, data: st.DataObject) -> None:
        item = self._pick_remote(data, organizer=False)
        self._forget("remote", item.remote_id, None, item)
        self.outlook.edit(item.remote_id, cancelled=True)

    @precondition(lambda self: self._live_remote())
    @rule(data=st.data())
    def delete_in_outlook(self, data: st.DataObject) -> None:
        item = self._pick_remote(data)
        self._forget("remote", item.remote_id, self.uid_of_remote.get(item.remote_id), item)
        self.outlook.delete(item.remote_id)

    # -- sync -----------------------------------------------------------------------------

    @rule(full=st.booleans(), conflict=st.sampled_from(["latest", "local", "remote"]))
    def sync(self, full: bool, conflict: str) -> None:
        policy = Policy(now=self.clock(), conflict=conflict, confirm_mass_delete=True)
        local_since, remote_since = (None, None) if full else self.cursors
        done = sync(
            self.local,
            self.outlook,
            self.status,
            policy,
            local_since=local_since,
            remote_since=remote_since,
            recheck=self.recheck,
        )
        result = done.result
        self.status = result.status
        self.cursors = (done.local_cursor, done.remote_cursor)
        self.recheck = (result.recheck_local_ids, result.recheck_remote_ids)
        failed = {failure.uid for failure in result.failures}
        for conflict_record in done.plan.conflicts:
            if conflict_record.uid not in failed:
                self.losers.add(
                    (conflict_record.uid, conflict_record.field, conflict_record.losing_value)
                )
        for entry in self.status.values():
            self.uid_of_remote[entry.remote_id] = entry.uid
        for action in done.plan.actions:
            if getattr(action, "remote_id", None):
                self.uid_of_remote.setdefault(action.remote_id, action.uid)
        self._check_no_duplicates()
        self.pending = {edit: v for edit, v in self.pending.items() if not self._settled(edit, v)}
        self.baseline = {edit: v for edit, v in self.baseline.items() if edit in self.pending}
        if not self.faults:
            assert not result.failures
            assert not done.plan.identity_conflicts
            self._check_same_events()
            self._check_no_edit_lost()
            self.pending.clear()
            self.baseline.clear()

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def every_value_is_valid(self) -> None:
        for item in self.local.items.values():
            assert item.data.end >= item.data.start  # type: ignore[operator]

    def _check_no_duplicates(self) -> None:
        uids = [item.uid for item in self.local.items.values()]
        assert len(uids) == len(set(uids)), "two local events share a uid"
        ours = [item.uid for item in self.outlook.items.values() if item.uid]
        assert len(ours) == len(set(ours)), "two Outlook events carry one uid"
        icals = [item.ical_uid for item in self.outlook.items.values()]
        assert len(icals) == len(set(icals)), "two Outlook events share an iCalUId"

    def _check_same_events(self) -> None:
        linked_local = {entry.local_id for entry in self.status.values()}
        linked_remote = {entry.remote_id for entry in self.status.values()}
        for entry in self.status.values():
            mine, theirs = self.local.items[entry.local_id], self.outlook.items[entry.remote_id]
            assert mine.active and not theirs.cancelled
            assert mine.uid == entry.uid
            assert mine.data == theirs.data, mine.data.diff(theirs.data)
            if not theirs.is_organizer:
                assert (mine.my_response or "none") == (theirs.my_response or "none")
        for item in self.local.items.values():
            if item.active and item.is_organizer:
                assert item.local_id in linked_local, f"{item.uid} never reached Outlook"
        for remote in self.outlook.items.values():
            if not remote.cancelled:
                assert remote.remote_id in linked_remote, f"{remote.remote_id} never came here"

    def _check_no_edit_lost(self) -> None:
        for edit, value in self.pending.items():
            assert self._kept(edit, value), f"edit lost: {edit} = {value!r}"

    def _settled(self, edit: Edit, value: Any) -> bool:
        """The edit reached both sides and the status (a later deletion may then drop it)."""
        mine, theirs, uid = self._both(*edit[:2])
        entry = self.status.get(uid)
        if entry is None or mine is None or theirs is None:
            return False
        return all(
            field_value(data, answer, edit[2]) == value
            for data, answer in [
                (entry.base, entry.my_response),
                (mine.data, mine.my_response),
                (theirs.data, theirs.my_response),
            ]
        )

    def _kept(self, edit: Edit, value: Any) -> bool:
        """On both sides (or in the archived event), or recorded as a Conflict's loser."""
        side, item_id, field = edit
        mine, theirs, uid = self._both(side, item_id)
        if (uid, field, value) in self.losers:
            return True
        if mine is None or field_value(mine.data, mine.my_response, field) != value:
            return False
        return theirs is None or field_value(theirs.data, theirs.my_response, field) == value

    # -- helpers --------------------------------------------------------------------------

    def _both(self, side: str, item_id: str) -> tuple[LocalItem | None, RemoteItem | None, str]:
        if side == "local":
            mine = self.local.items[item_id]
            uid = mine.uid
        else:
            uid = self.uid_of_remote.get(item_id, "")
            mine = next((i for i in self.local.items.values() if i.uid == uid), None)
        entry = self.status.get(uid)
        theirs = self.outlook.items.get(entry.remote_id) if entry else None
        if side == "remote" and entry is None:
            theirs = self.outlook.items.get(item_id)
        return mine, theirs, uid

    def _pick_local(self, data: st.DataObject, organizer: bool | None = None) -> LocalItem:
        ids = sorted(
            i
            for i, item in self.local.items.items()
            if organizer is None or item.is_organizer == organizer
        )
        return self.local.items[data.draw(st.sampled_from(ids))]

    def _live_remote(self, organizer: bool | None = None, meeting: bool = False) -> list[str]:
        """Ids of the Outlook events not cancelled (of organizers, of meetings)."""
        return sorted(
            i
            for i, item in self.outlook.items.items()
            if not item.cancelled
            and (organizer is None or item.is_organizer == organizer)
            and (item.data.attendees or not meeting)
        )

    def _pick_remote(self, data: st.DataObject, organizer: bool | None = None) -> RemoteItem:
        return self.outlook.items[data.draw(st.sampled_from(self._live_remote(organizer)))]

    def _edit_local(self, item: LocalItem, field: str, **changes: Any) -> None:
        edited = self.local.edit(item.local_id, **changes)
        self._note(("local", item.local_id, field), item, edited)

    def _edit_remote(self, item: RemoteItem, field: str, **changes: Any) -> None:
        edited = self.outlook.edit(item.remote_id, **changes)
        self._note(("remote", item.remote_id, field), item, edited)

    def _note(
        self, edit: Edit, before: LocalItem | RemoteItem, after: LocalItem | RemoteItem
    ) -> None:
        """Remember an edit that changed a value since it was last in step.

        Setting a value back to what it was is no edit (a three-way merge sees no change).
        """
        field = edit[2]
        self.baseline.setdefault(edit, field_value(before.data, before.my_response, field))
        value = field_value(after.data, after.my_response, field)
        if value == self.baseline[edit]:
            self.pending.pop(edit, None)
            del self.baseline[edit]
        else:
            self.pending[edit] = value

    def _forget(
        self, side: str, item_id: str, uid: str | None, item: LocalItem | RemoteItem
    ) -> None:
        """The user deletes ``item``: that supersedes their own earlier edits of it, and
        the other side's edits it already showed (delivered, then deleted by the user)."""
        for key, value in list(self.pending.items()):
            mine = key[:2] == (side, item_id)
            shown = key[0] != side and uid is not None and self._uid_of(key) == uid
            shown = shown and field_value(item.data, item.my_response, key[2]) == value
            if mine or shown:
                del self.pending[key]
                self.baseline.pop(key, None)

    def _uid_of(self, edit: Edit) -> str | None:
        if edit[0] == "local":
            item = self.local.items.get(edit[1])
            return item.uid if item else None
        return self.uid_of_remote.get(edit[1])


def _toggled(people: tuple[Attendee, ...], email: str) -> tuple[Attendee, ...]:
    """``email`` removed if present, else added."""
    if any(a.email == email for a in people):
        return tuple(a for a in people if a.email != email)
    return (*people, Attendee(email))


TestSyncMachine = SyncMachine.TestCase
