"""Carry out a plan against two sides, item by item, and compute the new status.

Local writes go first; an item whose local write failed sends nothing to Outlook (an
archived event must hold Outlook's last edits before Outlook's copy is deleted).
Every item succeeds or fails alone: when any action of an item fails, the item is
reported in ``failures`` and its status entry is left as it was, so the next plan sees
the same differences again (nothing is lost, nothing is recorded as done that was not).
A deletion of an item that is already gone counts as done.

The caller persists ``upserted`` and ``removed`` (with the delta link) in one
transaction; ``status`` is the same result as a new :class:`~.status.Status` value.
A delta link moves on even when some items failed, so the ids of what must be looked at
again (failed items, withheld deletions, identity conflicts) are in ``recheck_local_ids``
and ``recheck_remote_ids``: the next collect lists those items (or reports them gone)
whatever the delta says.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from calsync.syncengine.actions import (
    Action,
    ArchiveLocal,
    DeleteRemote,
    LocalAction,
    RemoteAction,
)
from calsync.syncengine.errors import ItemFailed, ItemNotFound
from calsync.syncengine.model import LocalItem, RemoteItem
from calsync.syncengine.plan import ItemPlan, Plan
from calsync.syncengine.sides import LocalSide, RemoteSide
from calsync.syncengine.status import Status, StatusEntry


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """What happened: the new status, its changes, the failures, the actions done."""

    status: Status
    upserted: tuple[StatusEntry, ...]
    removed: tuple[str, ...]
    failures: tuple[ItemFailed, ...]
    done: tuple[Action, ...]
    recheck_local_ids: frozenset[str] = frozenset()
    recheck_remote_ids: frozenset[str] = frozenset()

    @property
    def mails(self) -> int:
        """Mails people received because of the actions that succeeded (per recipient)."""
        return sum(action.mails() for action in self.done)

    @property
    def messages(self) -> int:
        """Messages Outlook sent for them (one per kind and write, as an outbox records)."""
        return sum(action.messages() for action in self.done)


def execute(
    plan: Plan, local: LocalSide, remote: RemoteSide, status: Status, now: datetime
) -> ExecutionResult:
    """Run ``plan``'s writes (local ones, then Outlook's) and derive the new status."""
    outcomes: dict[int, Any] = {}
    _run(plan.items, "local", local.apply_local, outcomes)
    # an item whose local write failed sends nothing to Outlook (above all no deletion:
    # the Outlook edits it was saving here would be lost with the event)
    clean = [item for item in plan.items if _first_failure(item, outcomes) is None]
    _run(clean, "remote", remote.apply_remote, outcomes)
    upserted: list[StatusEntry] = []
    removed: list[str] = []
    failures: list[ItemFailed] = []
    done: list[Action] = []
    for item in plan.items:
        failure = _first_failure(item, outcomes)
        if failure is not None:
            failures.append(failure)
            continue
        entry = _settled_entry(item, outcomes, now)
        if isinstance(entry, ItemFailed):
            failures.append(entry)
            continue
        done.extend(a for a in item.actions if a.side is not None)
        if item.status == "put" and entry is not None:
            upserted.append(entry)
        elif item.status == "drop":
            removed.append(item.uid)
    new_status = status.updated(upserted, removed)
    failed = {failure.uid for failure in failures}
    local_ids, remote_ids = _recheck(plan, failed, status)
    return ExecutionResult(
        new_status,
        tuple(upserted),
        tuple(removed),
        tuple(failures),
        tuple(done),
        local_ids,
        remote_ids,
    )


def _recheck(plan: Plan, failed: set[str], status: Status) -> tuple[frozenset[str], frozenset[str]]:
    """The ids of the items the next sync must look at again."""
    local_ids: set[str] = set()
    remote_ids: set[str] = set()
    items = [item for item in plan.items if item.uid in failed] + list(plan.withheld)
    for item in items:
        entries = [item.entry, status.get(item.uid)]
        for entry in entries:
            if entry is not None:
                local_ids.add(entry.local_id)
                remote_ids.add(entry.remote_id)
        for action in item.actions:
            local_ids.add(getattr(action, "local_id", ""))
            remote_ids.add(getattr(action, "remote_id", ""))
    for conflict in plan.identity_conflicts:
        (local_ids if conflict.side == "local" else remote_ids).update(conflict.ids)
    return frozenset(local_ids - {""}), frozenset(remote_ids - {""})


def _run(
    items: Sequence[ItemPlan],
    side: str,
    apply: Callable[[Sequence[Any]], Sequence[Any]],
    outcomes: dict[int, Any],
) -> None:
    """Apply every action of ``side`` in one call; file each outcome under the action."""
    batch: list[LocalAction | RemoteAction] = [
        action for item in items for action in item.actions if action.side == side
    ]
    if not batch:
        return
    try:
        results = list(apply(batch))
    except Exception as error:  # the whole batch failed: every action did
        results = [error] * len(batch)
    if len(results) != len(batch):
        mismatch = RuntimeError(f"{side} side returned {len(results)} outcomes for {len(batch)}")
        results = [mismatch] * len(batch)
    for action, result in zip(batch, results, strict=True):
        outcomes[id(action)] = result


def _first_failure(item: ItemPlan, outcomes: dict[int, Any]) -> ItemFailed | None:
    for action in item.actions:
        result = outcomes.get(id(action))
        if isinstance(result, BaseException) and not _already_done(action, result):
            return ItemFailed(item.uid, action, result)
    return None


def _already_done(action: Action, error: BaseException) -> bool:
    """Deleting or archiving what is already gone achieved what the action wanted."""
    return isinstance(error, ItemNotFound) and isinstance(action, DeleteRemote | ArchiveLocal)


def _settled_entry(
    item: ItemPlan, outcomes: dict[int, Any], now: datetime
) -> StatusEntry | ItemFailed | None:
    """The item's planned entry, with ids, versions and hashes the writes returned."""
    entry = item.entry
    if entry is None:
        return None
    entry = replace(entry, synced_at=now)
    for action in item.actions:
        result = outcomes.get(id(action))
        if isinstance(result, LocalItem):
            entry = replace(entry, local_id=result.local_id, local_version=result.version)
        elif isinstance(result, RemoteItem):
            entry = replace(
                entry,
                remote_id=result.remote_id,
                ical_uid=result.ical_uid or entry.ical_uid,
                remote_hash=result.state_hash(),
                remote_change_key=result.change_key,
            )
    if not entry.local_id or not entry.remote_id or not entry.remote_hash:
        cause = RuntimeError("the side returned no item for a create")
        return ItemFailed(item.uid, item.actions[0], cause)
    return entry
