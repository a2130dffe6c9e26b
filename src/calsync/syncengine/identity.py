"""Who is who: pair each Outlook event with our uid, and report ambiguous identities.

An Outlook event belongs to uid U when, in this order of trust:

1. the status links its ``remote_id`` to U;
2. it carries U in our extended property (``RemoteItem.uid``) and U is known here
   (a status entry or a local item): the link is rebuilt, e.g. after a reset or a crash
   between Outlook's create and our status write;
3. its ``ical_uid`` is that of a status entry or a local item: the meeting's copy in this
   mailbox joins the one local event.

Anything else is new. Two items claiming one identity are reported as
:class:`~.errors.IdentityConflict` and left alone: the engine never guesses.

An exception (a modified occurrence) follows its master: unless the status already links
its id, its uid is :func:`~.model.occurrence_uid` of the master's uid (the status's, or
the uid the master gets in this very plan) and its original start; local exceptions carry
the same uid, so the pair meets with no id of its own, after a reset too. An exception
whose master cannot be placed is left out (its master is blocked or unknown).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from calsync.syncengine.errors import IdentityConflict
from calsync.syncengine.model import LocalItem, RemoteItem, occurrence_uid
from calsync.syncengine.snapshots import LocalSnapshot, RemoteSnapshot
from calsync.syncengine.status import Status

UID_NAMESPACE = uuid.UUID("6f1f7c43-6a0e-4c57-9d35-2b1c3e3f1a60")
"""Namespace of the uids derived from Outlook identities (uuid5: stable, no randomness)."""


@dataclass(frozen=True, slots=True)
class Pairing:
    """Items keyed by uid, the unclaimed Outlook events, and the identities left alone."""

    local: dict[str, LocalItem]
    remote: dict[str, RemoteItem]
    new_remote: tuple[RemoteItem, ...]
    conflicts: tuple[IdentityConflict, ...]
    blocked: frozenset[str]


def pair(local: LocalSnapshot, remote: RemoteSnapshot, status: Status) -> Pairing:
    """Pair the snapshots' items by uid (see the module docstring for the rules)."""
    conflicts: list[IdentityConflict] = []
    blocked: set[str] = set()
    local_by_uid = _unique_locals(local.items, conflicts, blocked)
    local_by_ical = _unique_by_ical(local_by_uid.values())
    claims: dict[str, list[RemoteItem]] = defaultdict(list)
    unclaimed: list[RemoteItem] = []
    masters: dict[str, str] = {}
    for item in remote.items:
        if item.series_remote_id is None:
            owner = _owner(item, status, local_by_uid, local_by_ical)
            masters[item.remote_id] = owner or item.uid or derived_uid(item)
    for item in sorted(_placed(remote.items, status, masters), key=lambda r: r.remote_id):
        uid = _owner(item, status, local_by_uid, local_by_ical)
        if uid is None:
            unclaimed.append(item)
        else:
            claims[uid].append(item)
    remote_by_uid: dict[str, RemoteItem] = {}
    for uid, items in sorted(claims.items()):
        ids = tuple(item.remote_id for item in items)
        entry = status.get(uid)
        old_alive = entry is not None and not remote.is_gone(entry.remote_id, entry.base)
        if entry is not None and entry.remote_id not in ids and old_alive:
            ids = (entry.remote_id, *ids)
        if len(ids) > 1:
            conflicts.append(IdentityConflict("remote", uid, ids))
            blocked.add(uid)
        else:
            remote_by_uid[uid] = items[0]
    new_remote = _unique_new(unclaimed, conflicts)
    return Pairing(
        local={uid: item for uid, item in local_by_uid.items() if uid not in blocked},
        remote={uid: item for uid, item in remote_by_uid.items() if uid not in blocked},
        new_remote=new_remote,
        conflicts=tuple(conflicts),
        blocked=frozenset(blocked),
    )


def derived_uid(item: RemoteItem) -> str:
    """Our uid for an Outlook event we never had: stable, and one per meeting (iCalUId)."""
    key = f"ical:{item.ical_uid}" if item.ical_uid else f"id:{item.remote_id}"
    return str(uuid.uuid5(UID_NAMESPACE, key))


def _placed(
    items: Iterable[RemoteItem], status: Status, masters: dict[str, str]
) -> list[RemoteItem]:
    """The items, exceptions given their master's uid and their own occurrence uid."""
    placed: list[RemoteItem] = []
    for item in items:
        if item.series_remote_id is None:
            placed.append(item)
            continue
        entry = status.by_remote_id(item.series_remote_id)
        master_uid = entry.uid if entry is not None else masters.get(item.series_remote_id)
        if master_uid is None or item.original_start is None:
            continue  # the master is not here to follow
        uid = occurrence_uid(master_uid, item.original_start)
        placed.append(replace(item, uid=uid, series_uid=master_uid, ical_uid=None))
    return placed


def _owner(
    item: RemoteItem,
    status: Status,
    local_by_uid: dict[str, LocalItem],
    local_by_ical: dict[str, LocalItem],
) -> str | None:
    entry = status.by_remote_id(item.remote_id)
    if entry is not None:
        return entry.uid
    if item.uid is not None and (item.uid in status or item.uid in local_by_uid):
        return item.uid
    if item.ical_uid:
        entry = status.by_ical_uid(item.ical_uid)
        if entry is not None:
            return entry.uid
        match = local_by_ical.get(item.ical_uid)
        if match is not None:
            return match.uid
    return None


def _unique_locals(
    items: tuple[LocalItem, ...], conflicts: list[IdentityConflict], blocked: set[str]
) -> dict[str, LocalItem]:
    groups: dict[str, list[LocalItem]] = defaultdict(list)
    for item in items:
        groups[item.uid].append(item)
    unique: dict[str, LocalItem] = {}
    for uid, group in sorted(groups.items()):
        if len(group) > 1:
            ids = tuple(sorted(item.local_id for item in group))
            conflicts.append(IdentityConflict("local", uid, ids))
            blocked.add(uid)
        else:
            unique[uid] = group[0]
    return unique


def _unique_by_ical(items: Iterable[LocalItem]) -> dict[str, LocalItem]:
    """Local items by iCalUId; an iCalUId two local items share matches neither."""
    seen: dict[str, LocalItem | None] = {}
    for item in items:
        if item.ical_uid:
            seen[item.ical_uid] = None if item.ical_uid in seen else item
    return {key: item for key, item in seen.items() if item is not None}


def _unique_new(
    items: list[RemoteItem], conflicts: list[IdentityConflict]
) -> tuple[RemoteItem, ...]:
    """New Outlook events, minus those sharing our uid or an iCalUId with another."""
    by_key: dict[str, list[RemoteItem]] = defaultdict(list)
    for item in items:
        keys = {key for key in (item.uid, item.ical_uid) if key}
        for key in keys or {item.remote_id}:
            by_key[key].append(item)
    shared: set[str] = set()
    for key, group in sorted(by_key.items()):
        if len(group) > 1:
            ids = tuple(item.remote_id for item in group)
            conflicts.append(IdentityConflict("remote", key, ids))
            shared.update(ids)
    return tuple(item for item in items if item.remote_id not in shared)
