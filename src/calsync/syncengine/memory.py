"""In-memory fakes of both sides, honouring the :mod:`.sides` contracts.

``MemoryLocal`` is a calsync calendar (versions grow on every write, archive is a flag,
creates by a known uid return the existing event); ``MemoryOutlook`` is a mailbox (change
keys rotate on every write, If-Match preconditions raise ``PreconditionFailed``,
``transactionId`` de-duplicates creates, deletes report ``ItemNotFound`` when gone). Both
hand out snapshots, complete or "changed since cursor", and take injected faults: a
``fault(action)`` callback answering ``"fail"`` (the write does not happen) or ``"lost"``
(it happens, but the answer is lost, as on a timeout). :func:`sync` runs one
collect -> plan -> execute round over them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from calsync.syncengine.actions import (
    ArchiveLocal,
    CreateLocal,
    CreateRemote,
    DeleteRemote,
    LocalAction,
    RemoteAction,
    RespondRemote,
    UpdateLocal,
    UpdateRemote,
)
from calsync.syncengine.errors import ItemNotFound, PreconditionFailed, SyncError
from calsync.syncengine.execute import ExecutionResult, execute
from calsync.syncengine.model import EventData, LocalItem, RemoteItem
from calsync.syncengine.plan import Plan, plan
from calsync.syncengine.policies import Policy
from calsync.syncengine.sides import LocalOutcome, RemoteOutcome
from calsync.syncengine.snapshots import LocalSnapshot, RemoteSnapshot, event_span
from calsync.syncengine.status import Status

Clock = Callable[[], datetime]
Fault = Callable[[Any], str | None]

ANSWERS = {"accept": "accepted", "tentativelyAccept": "tentative", "decline": "declined"}


class InjectedFailure(SyncError):
    """A failure a test asked a fake for."""


class MemoryLocal:
    """calsync's calendar of one user, in memory."""

    def __init__(self, clock: Clock, fault: Fault | None = None) -> None:
        self.clock = clock
        self.fault = fault
        self.items: dict[str, LocalItem] = {}
        self._seq = 0
        self._changed: dict[str, int] = {}
        self._destroyed: dict[str, int] = {}

    @property
    def cursor(self) -> int:
        """Pass to :meth:`snapshot` later to list only what changed after now."""
        return self._seq

    def add(
        self,
        data: EventData,
        *,
        uid: str | None = None,
        is_organizer: bool = True,
        my_response: str | None = None,
        ical_uid: str | None = None,
    ) -> LocalItem:
        """The user creates an event here."""
        self._seq += 1
        local_id = f"L{self._seq}"
        item = LocalItem(
            uid=uid or str(uuid.uuid5(uuid.NAMESPACE_URL, f"memory-local:{local_id}")),
            local_id=local_id,
            version=self._seq,
            data=data,
            active=True,
            modified_at=self.clock(),
            is_organizer=is_organizer,
            my_response=my_response,
            ical_uid=ical_uid,
        )
        return self._store(item)

    def edit(self, local_id: str, **changes: Any) -> LocalItem:
        """The user changes event fields (or ``my_response``, ``active``)."""
        item = self._get(local_id)
        answer = changes.pop("my_response", item.my_response)
        active = changes.pop("active", item.active)
        return self._touch(
            replace(item, data=item.data.with_fields(changes), my_response=answer, active=active)
        )

    def archive(self, local_id: str) -> LocalItem:
        return self.edit(local_id, active=False)

    def unarchive(self, local_id: str) -> LocalItem:
        return self.edit(local_id, active=True)

    def destroy(self, local_id: str) -> None:
        """The user deletes the event for good."""
        self._get(local_id)
        del self.items[local_id]
        self._seq += 1
        self._destroyed[local_id] = self._seq
        self._changed.pop(local_id, None)

    def snapshot(
        self, since: int | None = None, recheck: frozenset[str] = frozenset()
    ) -> LocalSnapshot:
        """Every item (``since=None``), or those changed or destroyed after ``since``
        plus the ``recheck`` ids (listed, or reported destroyed)."""
        if since is None:
            return LocalSnapshot(tuple(self.items.values()), frozenset(), complete=True)
        ids = {i for i, seq in self._changed.items() if seq > since}
        ids |= recheck & self.items.keys()
        gone = {i for i, seq in self._destroyed.items() if seq > since}
        gone |= recheck - self.items.keys()
        return LocalSnapshot(tuple(self.items[i] for i in sorted(ids)), frozenset(gone))

    def apply_local(self, actions: Sequence[LocalAction]) -> list[LocalOutcome]:
        return [_faulty(self.fault, action, self._apply) for action in actions]

    def _apply(self, action: LocalAction) -> LocalItem:
        if isinstance(action, CreateLocal):
            existing = [item for item in self.items.values() if item.uid == action.uid]
            if existing:
                return existing[0]
            return self.add(
                action.data,
                uid=action.uid,
                is_organizer=action.is_organizer,
                my_response=action.my_response,
                ical_uid=action.ical_uid,
            )
        if isinstance(action, UpdateLocal):
            return self.edit(action.local_id, **action.fields)
        if isinstance(action, ArchiveLocal):
            return self.archive(action.local_id)
        raise TypeError(f"not a local action: {action!r}")

    def _get(self, local_id: str) -> LocalItem:
        if local_id not in self.items:
            raise ItemNotFound(local_id)
        return self.items[local_id]

    def _touch(self, item: LocalItem) -> LocalItem:
        self._seq += 1
        return self._store(replace(item, version=self._seq, modified_at=self.clock()))

    def _store(self, item: LocalItem) -> LocalItem:
        self.items[item.local_id] = item
        self._changed[item.local_id] = self._seq
        return item


class MemoryOutlook:
    """One Outlook mailbox, in memory."""

    def __init__(self, clock: Clock, fault: Fault | None = None) -> None:
        self.clock = clock
        self.fault = fault
        self.items: dict[str, RemoteItem] = {}
        self.writes = 0
        self._seq = 0
        self._changed: dict[str, int] = {}
        self._removed: dict[str, int] = {}
        self._transactions: dict[str, str] = {}

    @property
    def cursor(self) -> int:
        return self._seq

    def add(
        self,
        data: EventData,
        *,
        uid: str | None = None,
        ical_uid: str | None = None,
        is_organizer: bool = True,
        my_response: str | None = None,
    ) -> RemoteItem:
        """An event appears in the mailbox (made in Outlook, or an invitation received)."""
        self._seq += 1
        remote_id = f"AAMk{self._seq:06d}"
        item = RemoteItem(
            remote_id=remote_id,
            ical_uid=ical_uid or f"040000008200E000{self._seq:08d}",
            change_key=f"ck{self._seq}",
            data=data,
            modified_at=self.clock(),
            uid=uid,
            is_organizer=is_organizer,
            my_response=my_response if not is_organizer else None,
        )
        return self._store(item)

    def edit(self, remote_id: str, **changes: Any) -> RemoteItem:
        """Fields change in Outlook (or ``my_response``, ``cancelled``: the meeting is
        cancelled; ``cancelled_occurrences``: the series' ``data.cancelled``)."""
        item = self._get(remote_id)
        answer = changes.pop("my_response", item.my_response)
        cancelled = changes.pop("cancelled", item.cancelled)
        if "cancelled_occurrences" in changes:
            changes["cancelled"] = changes.pop("cancelled_occurrences")
        changed = replace(
            item, data=item.data.with_fields(changes), my_response=answer, cancelled=cancelled
        )
        return self._touch(changed)

    def delete(self, remote_id: str) -> None:
        self._get(remote_id)
        del self.items[remote_id]
        self._seq += 1
        self._removed[remote_id] = self._seq
        self._changed.pop(remote_id, None)

    def snapshot(
        self,
        since: int | None = None,
        window: tuple[datetime, datetime] | None = None,
        recheck: frozenset[str] = frozenset(),
    ) -> RemoteSnapshot:
        """A fresh round (``since=None``) or the changes after ``since`` plus the
        ``recheck`` ids (listed, or reported removed); only events in ``window``."""
        items = [item for item in self.items.values() if _overlaps(item.data, window)]
        if since is None:
            return RemoteSnapshot(tuple(items), frozenset(), complete=True, window=window)
        changed = tuple(
            item
            for item in items
            if self._changed[item.remote_id] > since or item.remote_id in recheck
        )
        removed = {i for i, seq in self._removed.items() if seq > since}
        removed |= recheck - self.items.keys()
        return RemoteSnapshot(changed, frozenset(removed), complete=False, window=window)

    def apply_remote(self, actions: Sequence[RemoteAction]) -> list[RemoteOutcome]:
        return [_faulty(self.fault, action, self._apply) for action in actions]

    def _apply(self, action: RemoteAction) -> RemoteItem | None:
        self.writes += 1
        if isinstance(action, CreateRemote):
            known = self._transactions.get(action.transaction_id)
            if known is not None and known in self.items:
                return self.items[known]
            item = self.add(action.data, uid=action.uid)
            self._transactions[action.transaction_id] = item.remote_id
            return item
        item = self._get(action.remote_id)
        if isinstance(action, UpdateRemote):
            if action.if_match is not None and action.if_match != item.change_key:
                raise PreconditionFailed(item.remote_id, action.if_match, item.change_key)
            return self._touch(replace(item, data=item.data.with_fields(action.fields)))
        if isinstance(action, DeleteRemote):
            self.delete(action.remote_id)
            return None
        if isinstance(action, RespondRemote):
            if item.is_organizer:
                raise SyncError("the organizer cannot answer their own meeting")
            if action.original_start is not None:  # one occurrence: declined, it leaves
                if action.response == "decline":
                    cancelled = (*item.data.cancelled, action.original_start)
                    self._touch(replace(item, data=item.data.with_fields({"cancelled": cancelled})))
                return None
            return self._touch(replace(item, my_response=ANSWERS[action.response]))
        raise TypeError(f"not an Outlook action: {action!r}")

    def _get(self, remote_id: str) -> RemoteItem:
        if remote_id not in self.items:
            raise ItemNotFound(remote_id)
        return self.items[remote_id]

    def _touch(self, item: RemoteItem) -> RemoteItem:
        self._seq += 1
        return self._store(replace(item, change_key=f"ck{self._seq}", modified_at=self.clock()))

    def _store(self, item: RemoteItem) -> RemoteItem:
        self.items[item.remote_id] = item
        self._changed[item.remote_id] = self._seq
        return item


@dataclass(frozen=True, slots=True)
class Round:
    """One :func:`sync` round: its plan, what execution did, and the cursors after it."""

    plan: Plan
    result: ExecutionResult
    local_cursor: int
    remote_cursor: int


def sync(
    local: MemoryLocal,
    remote: MemoryOutlook,
    status: Status,
    policy: Policy,
    *,
    local_since: int | None = None,
    remote_since: int | None = None,
    window: tuple[datetime, datetime] | None = None,
    recheck: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset()),
) -> Round:
    """Collect both snapshots, plan, execute; the cursors are taken before the writes.

    ``recheck`` holds the local and remote ids the previous round asked to look at again.
    """
    local_cursor, remote_cursor = local.cursor, remote.cursor
    decided = plan(
        local.snapshot(local_since, recheck[0]),
        remote.snapshot(remote_since, window, recheck[1]),
        status,
        policy,
    )
    result = execute(decided, local, remote, status, policy.now)
    return Round(decided, result, local_cursor, remote_cursor)


def _faulty(fault: Fault | None, action: Any, apply: Callable[[Any], Any]) -> Any:
    verdict = fault(action) if fault is not None else None
    if verdict == "fail":
        return InjectedFailure(f"injected failure of {type(action).__name__}")
    try:
        outcome = apply(action)
    except SyncError as error:
        return error
    if verdict == "lost":
        return InjectedFailure(f"injected lost answer of {type(action).__name__}")
    return outcome


def _overlaps(data: EventData, window: tuple[datetime, datetime] | None) -> bool:
    if window is None:
        return True
    start, end = event_span(data)
    return start < window[1] and end > window[0]
