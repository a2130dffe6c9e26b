"""Safety rails applied to a plan: mass-delete refusal and the past-event rule.

Mass delete: a sync that would delete (in Outlook) or archive (here) more than
``max(policy.max_delete_floor, policy.max_delete_share * synced events)`` items on one
side is refused: those items' plans are withheld, the rest goes on, and the plan says so
(``Plan.refused``) so the caller can ask the user. This is vdirsyncer's ``StorageEmpty``
generalised: a side that suddenly reads empty (a broken listing, a wiped mailbox) must
not wipe the other side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from calsync.syncengine.actions import ArchiveLocal, DeleteRemote
from calsync.syncengine.errors import MassDeleteRefused
from calsync.syncengine.model import EventData
from calsync.syncengine.policies import Policy
from calsync.syncengine.snapshots import as_instant, series_until

if TYPE_CHECKING:
    from calsync.syncengine.plan import ItemPlan


def delete_limit(size: int, policy: Policy) -> int:
    """The most deletions one side may take in one sync of a ``size``-event calendar."""
    return max(policy.max_delete_floor, math.floor(policy.max_delete_share * size))


def withhold_mass_deletes(
    items: Sequence[ItemPlan], size: int, policy: Policy
) -> tuple[tuple[ItemPlan, ...], tuple[ItemPlan, ...], MassDeleteRefused | None]:
    """Split ``items`` into (kept, withheld, refusal) by the mass-delete rule."""
    remote = [item for item in items if _has(item, DeleteRemote)]
    local = [item for item in items if _has(item, ArchiveLocal)]
    limit = delete_limit(size, policy)
    tripped_remote, tripped_local = len(remote) > limit, len(local) > limit
    if policy.confirm_mass_delete or not (tripped_remote or tripped_local):
        return tuple(items), (), None
    held_items = (remote if tripped_remote else []) + (local if tripped_local else [])
    held = {id(item) for item in held_items}
    kept = tuple(item for item in items if id(item) not in held)
    withheld = tuple(item for item in items if id(item) in held)
    refusal = MassDeleteRefused(
        local=len(local) if tripped_local else 0,
        remote=len(remote) if tripped_remote else 0,
        limit=limit,
        size=size,
    )
    return kept, withheld, refusal


def ended_before(data: EventData, cutoff: datetime) -> bool:
    """True when the event ended before ``cutoff``.

    A series has ended only when its rule's UNTIL has passed (a COUNT or endless rule
    may still have occurrences ahead: it is pushed).
    """
    end = as_instant(data.end)
    if data.recurrence is not None:
        until = series_until(data.recurrence)
        if until is None:
            return False
        end = max(end, until)
    return end <= cutoff


def _has(item: ItemPlan, kind: type) -> bool:
    return any(isinstance(action, kind) for action in item.actions)
