"""plan(): decide what one sync writes, as a pure function over frozen values.

The decision table, per uid (vdirsyncer's ``_get_actions``, made pure): the state of the
local side (present / archived / deleted / unchanged) against the state of Outlook
(present / deleted / unchanged), with or without a status entry (a link). Each branch
is a small function below, with its rule in its docstring; :func:`_decide` picks one.

Rules that cut across branches:

* a change counts only if content changed: the local version moved *and* the content
  differs from the base; Outlook's ``state_hash`` moved *and* its content differs;
* a change beats a destruction that cannot be undone (Outlook's edit restores an event
  destroyed here; of a series, an edit of one of its occurrences does, and its exceptions
  come back with it), and a deletion in Outlook only *archives* here, keeping local edits;
* a series archived here keeps its exceptions (their links go with the series');
* a new Outlook event that carries our uid or a known iCalUId is linked, never copied;
* the user who does not organise a meeting changes only their answer; other local edits
  are refused (reported, and the local copy is put back to Outlook's content);
* every write to Outlook says how many mails it causes (:mod:`.notices`);
* zones compare by their rules over the event's span (:mod:`.zones`): Outlook's spelling of
  a zone with the same offsets as ours is taken as ours (:func:`_adopt_zone`), and a zone
  renamed to one with the same offsets is written to neither side;
* guards (:mod:`.guards`) withhold mass deletions and past events on the first sync.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

from calsync.syncengine import guards, identity, meetings, zones
from calsync.syncengine.actions import (
    REASON_DELETED_HERE,
    RESPONSE_VERBS,
    SKIP_CANNOT_UNANSWER,
    SKIP_NOT_ORGANIZER,
    SKIP_PAST,
    Action,
    ArchiveLocal,
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
)
from calsync.syncengine.errors import IdentityConflict, MassDeleteRefused
from calsync.syncengine.merge import merge
from calsync.syncengine.model import FIELDS, EventData, LocalItem, RemoteItem, When
from calsync.syncengine.notices import Notice
from calsync.syncengine.policies import Policy
from calsync.syncengine.snapshots import LocalSnapshot, RemoteSnapshot
from calsync.syncengine.status import Status, StatusEntry

derived_uid = identity.derived_uid
UID_NAMESPACE = identity.UID_NAMESPACE


class Change(Enum):
    """What happened to an item on one side since the last sync."""

    PRESENT = "present"  # listed and active (maybe changed)
    ARCHIVED = "archived"  # listed, archived (local side only)
    DELETED = "deleted"  # destroyed here / deleted or cancelled in Outlook
    UNCHANGED = "unchanged"  # not listed in a list of changes: as at the last sync
    ABSENT = "absent"  # no item and no link


@dataclass(frozen=True, slots=True)
class ItemPlan:
    """What happens to one uid: ``actions`` (writes, links, records) and its status.

    ``status`` is "put" (write ``entry`` once every action succeeded), "drop" (delete the
    uid's entry) or "keep". In ``entry`` an empty ``local_id``/``remote_id``/``remote_hash``
    is a placeholder the executor fills from the create's outcome.
    """

    uid: str
    actions: tuple[Action, ...]
    status: str = "keep"
    entry: StatusEntry | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """The decisions of one sync; nothing has been written yet.

    ``refused`` is set when mass deletions were withheld (they are in ``withheld``);
    ``identity_conflicts`` lists identities the engine left alone.
    """

    items: tuple[ItemPlan, ...] = ()
    identity_conflicts: tuple[IdentityConflict, ...] = ()
    refused: MassDeleteRefused | None = None
    withheld: tuple[ItemPlan, ...] = ()

    @property
    def actions(self) -> tuple[Action, ...]:
        """Every write and link, in order (the records are in conflicts and skips)."""
        return tuple(
            action
            for item in self.items
            for action in item.actions
            if not isinstance(action, Conflict | Skip)
        )

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return tuple(a for item in self.items for a in item.actions if isinstance(a, Conflict))

    @property
    def skips(self) -> tuple[Skip, ...]:
        return tuple(a for item in self.items for a in item.actions if isinstance(a, Skip))

    @property
    def mails(self) -> int:
        """How many mails people will receive because of this plan's writes."""
        return len(self.notices())

    @property
    def messages(self) -> int:
        """How many messages Outlook will send (one per kind and write; an outbox's view)."""
        return sum(action.messages() for action in self.actions)

    def notices(self) -> tuple[Notice, ...]:
        return tuple(notice for action in self.actions for notice in action.notices())

    @property
    def is_empty(self) -> bool:
        """True when the plan writes nothing and links nothing."""
        return not self.actions

    def counts(self) -> dict[str, int]:
        """How many actions of each kind (class name), conflicts and skips included."""
        return dict(Counter(type(a).__name__ for item in self.items for a in item.actions))

    def summary(self) -> dict[str, object]:
        """The counts of the sync summary (docs/contract.md, REST API) that a plan knows."""
        count = self.counts()
        return {
            "pulled": {
                "created": count.get("CreateLocal", 0),
                "updated": count.get("UpdateLocal", 0),
                "deleted": count.get("ArchiveLocal", 0),
            },
            "pushed": {
                "created": count.get("CreateRemote", 0),
                "updated": count.get("UpdateRemote", 0) + count.get("RespondRemote", 0),
                "deleted": count.get("DeleteRemote", 0),
            },
            "conflicts": count.get("Conflict", 0),
            "invitations": self.mails,
        }


@dataclass(frozen=True, slots=True)
class _Context:
    local: LocalSnapshot
    remote: RemoteSnapshot
    status: Status
    policy: Policy
    pairing: identity.Pairing
    edited_series: frozenset[str] = frozenset()
    """Series one of whose occurrences Outlook made or changed (:func:`_edited_series`)."""


def plan(local: LocalSnapshot, remote: RemoteSnapshot, status: Status, policy: Policy) -> Plan:
    """Decide the writes that bring both sides and the status in step. Pure.

    ``local`` and ``remote`` may be complete listings or changes only (see
    :mod:`.snapshots`); ``status`` is the last synced state; ``policy`` the knobs and
    the current time. Same inputs, same plan.
    """
    pairing = identity.pair(local, remote, status)
    ctx = _Context(local, remote, status, policy, pairing, _edited_series(pairing, status))
    uids = (set(status) | set(pairing.local) | set(pairing.remote)) - pairing.blocked
    items = [item for uid in sorted(uids) if (item := _decide(ctx, uid)) is not None]
    conflicts = list(pairing.conflicts)
    for remote_item in pairing.new_remote:
        if remote_item.cancelled:
            continue  # a cancelled meeting we never had: nothing to do
        new_uid = remote_item.uid or derived_uid(remote_item)
        if new_uid in uids:
            conflicts.append(IdentityConflict("remote", new_uid, (remote_item.remote_id,)))
            continue
        if _cancelled_in(ctx.pairing.local.get(remote_item.series_uid or ""), remote_item):
            continue  # an occurrence edited in Outlook but cancelled here: the cancel wins
        master = ctx.status.get(remote_item.series_uid or "")
        if master is not None and _master_going(ctx, master):
            if _archived_here(ctx, master):  # Outlook's edit stays in the archived series
                answer = _answer(remote_item.my_response, remote_item.is_organizer)
                items.append(ItemPlan(new_uid, (_create_local(new_uid, remote_item, answer),)))
            continue  # its series is being deleted or archived: it goes with it
        items.append(_pull_new(ctx, new_uid, remote_item))
    items.sort(key=_order)
    size = len(status) if policy.linked_count is None else policy.linked_count
    kept, withheld, refused = guards.withhold_mass_deletes(items, size, policy)
    return Plan(tuple(kept), tuple(conflicts), refused, withheld)


def _order(item: ItemPlan) -> tuple[bool, str]:
    """Masters and single events first, then exceptions (they need their master)."""
    return (any(getattr(a, "series_uid", None) for a in item.actions), item.uid)


def _decide(ctx: _Context, uid: str) -> ItemPlan | None:
    """The decision table: one branch per (local change, Outlook change, linked?)."""
    entry = ctx.status.get(uid)
    local = ctx.pairing.local.get(uid)
    remote = _adopt_zone(ctx.pairing.remote.get(uid), local, entry)
    here, there = _local_change(ctx, entry, local), _remote_change(ctx, entry, remote)
    if entry is None:
        if local is None:
            return None  # an Outlook event claiming an unknown uid is new (handled apart)
        if there is Change.DELETED:
            # matched an Outlook copy cancelled before we linked it: nothing to link
            return None
        if remote is not None and here is Change.ARCHIVED:
            # archived here, still in Outlook (our uid or iCalUId): archive = delete there
            return _delete_there(ctx, uid, None, local, remote, here)
        if remote is not None:
            # same event on both sides, no link (reset, reinstall, crash): relink, merge
            return _sync_pair(ctx, uid, None, local, remote)
        # new here: push it, unless archived, past on the first sync, or not ours
        return _push_new(ctx, uid, local) if here is Change.PRESENT else None
    if here in (Change.ARCHIVED, Change.DELETED) and there is Change.DELETED:
        # gone on both sides: forget the link
        return ItemPlan(uid, (Unlink(uid),), "drop")
    if entry.series_uid is not None:
        follows = _follow_master(ctx, uid, entry, here, there, remote)
        if follows is not None:
            return follows
    if there is Change.DELETED:
        # deleted or cancelled in Outlook: archive here (restorable; local edits kept)
        return _archive_here(uid, entry, local)
    if here is Change.ARCHIVED:
        # archived here: delete in Outlook (cancellations), keeping Outlook's edits here
        return _delete_there(ctx, uid, entry, local, remote, here)
    if here is Change.DELETED:
        cancelled = _cancelled_in(ctx.pairing.local.get(entry.series_uid or ""), entry)
        if _changed_there(ctx, entry, remote) and not cancelled:
            # destroyed here but changed in Outlook (a series: or one of its occurrences):
            # the change wins, restore it here (a series' exceptions follow it); an
            # occurrence cancelled here stays cancelled (its cancellation goes out)
            return _restore_here(ctx, uid, entry, remote or _as_remote(entry))
        # destroyed here: delete in Outlook
        return _delete_there(ctx, uid, entry, local, remote, here)
    if here is Change.UNCHANGED and there is Change.UNCHANGED:
        return None  # nothing happened on either side
    # changed on one side or both: field-level three-way merge against the base
    return _sync_pair(ctx, uid, entry, local, remote)


def _local_change(ctx: _Context, entry: StatusEntry | None, item: LocalItem | None) -> Change:
    if item is not None:
        return Change.PRESENT if item.active else Change.ARCHIVED
    if entry is None:
        return Change.ABSENT
    if entry.local_id in ctx.local.deleted_local_ids or ctx.local.complete:
        return Change.DELETED
    return Change.UNCHANGED


def _remote_change(ctx: _Context, entry: StatusEntry | None, item: RemoteItem | None) -> Change:
    if item is not None:
        return Change.DELETED if item.cancelled else Change.PRESENT
    if entry is None:
        return Change.ABSENT
    if ctx.remote.is_gone(entry.remote_id, entry.base):
        return Change.DELETED
    return Change.UNCHANGED


def _edited_series(pairing: identity.Pairing, status: Status) -> frozenset[str]:
    """The uids of the series with an occurrence Outlook changed since the last sync: an
    exception made there (new) or edited (moved since its link)."""
    found = {
        item.series_uid
        for uid, item in pairing.remote.items()
        if item.series_uid is not None
        and not item.cancelled
        and ((entry := status.get(uid)) is None or _remote_moved(entry, item))
    }
    found |= {
        item.series_uid
        for item in pairing.new_remote
        if item.series_uid is not None and not item.cancelled
    }
    return frozenset(uid for uid in found if uid is not None)


def _changed_there(ctx: _Context, entry: StatusEntry, remote: RemoteItem | None) -> bool:
    """True when Outlook changed the linked item of ``entry`` since the last sync: the item
    itself or, for a series, one of its occurrences (Outlook edits an occurrence without
    changing what we sync of its master)."""
    if remote is not None and _remote_moved(entry, remote):
        return True
    return entry.uid in ctx.edited_series


def _local_moved(entry: StatusEntry, item: LocalItem) -> bool:
    """The local item was written since the last sync (its content may still be equal)."""
    return item.version != entry.local_version or item.local_id != entry.local_id


def _remote_moved(entry: StatusEntry, item: RemoteItem) -> bool:
    """What we sync of the Outlook item changed: its change key moved *and* its hash did.

    An unchanged change key settles it without hashing (a change always moves it).
    """
    if item.remote_id != entry.remote_id:
        return True
    if item.change_key is not None and item.change_key == entry.remote_change_key:
        return False
    return item.state_hash() != entry.remote_hash


def _sync_pair(
    ctx: _Context,
    uid: str,
    entry: StatusEntry | None,
    local: LocalItem | None,
    remote: RemoteItem | None,
) -> ItemPlan | None:
    """Both sides hold the event: merge what changed, write each side only what it lacks.

    Without an entry (a link being rebuilt) there is no base: every differing field is
    a conflict the policy decides. The user's answer goes out as RespondRemote.
    """
    local_moved = local is not None and (entry is None or _local_moved(entry, local))
    remote_moved = remote is not None and (entry is None or _remote_moved(entry, remote))
    key_moved = (
        remote is not None and entry is not None and remote.change_key != entry.remote_change_key
    )
    if entry is not None and not local_moved and not remote_moved and not key_moved:
        return None  # (a change key that moved for nothing is still recorded: If-Match)
    is_organizer = _is_organizer(remote, local)
    base = (entry.base, _answer(entry.my_response, is_organizer)) if entry else None
    mine = (local.data, _answer(local.my_response, is_organizer)) if local_moved else base
    theirs = (remote.data, _answer(remote.my_response, is_organizer)) if remote_moved else base
    assert mine is not None and theirs is not None
    local_wins = ctx.policy.local_wins(
        local.modified_at if local else ctx.policy.now,
        remote.modified_at if remote else ctx.policy.now,
    )
    merged = merge(uid, base, mine, theirs, local_wins=local_wins, local_is_organizer=is_organizer)
    local_id = local.local_id if local else _entry(entry).local_id
    remote_id = remote.remote_id if remote else _entry(entry).remote_id
    answer, writes, records = _answer_out(
        uid, remote_id, merged.response, theirs, is_organizer, local
    )
    records = [*merged.conflicts, *records]
    refused = tuple(c.field for c in merged.conflicts if c.reason == SKIP_NOT_ORGANIZER)
    if refused:
        records.append(Skip(uid, SKIP_NOT_ORGANIZER, refused))
    local_fields = _changed_fields(merged.data, local.data if local else _entry(entry).base)
    local_answer = _answer(local.my_response if local else _entry(entry).my_response, is_organizer)
    if not is_organizer and answer != local_answer:
        local_fields["my_response"] = answer
    if local_fields:
        writes.insert(0, UpdateLocal(uid, local_id, local_fields))
    remote_fields = _remote_fields(ctx, merged.data, theirs[0], is_organizer, local)
    if remote_fields:
        if_match = remote.change_key if remote else _entry(entry).remote_change_key
        if not is_organizer:
            if_match = None  # the user's own field; an answer sent with it moves the key
        before = remote.data if remote else _entry(entry).base
        writes.append(UpdateRemote(uid, remote_id, remote_fields, if_match, before))
    if entry is None or entry.local_id != local_id or entry.remote_id != remote_id:
        writes.insert(0, Link(uid, local_id, remote_id))
    new_entry = _linked_entry(ctx, uid, entry, local, remote, merged.data)
    new_entry = replace(new_entry, my_response=None if is_organizer else answer)
    if not writes and entry is not None and _same_link(entry, new_entry):
        return ItemPlan(uid, tuple(records)) if records else None
    return ItemPlan(uid, (*writes, *records), "put", new_entry)


def _answer_out(
    uid: str,
    remote_id: str,
    answer: str | None,
    theirs: tuple[EventData, str | None],
    is_organizer: bool,
    local: LocalItem | None,
) -> tuple[str | None, list[Action], list[Action]]:
    """The user's merged answer, and the RespondRemote that sends it when it is new (with
    the comment and the send choice that go with it here).

    Outlook cannot take an answer back to "none": then Outlook's answer stays (a Skip says
    so). Returns (the answer both sides end with, writes, records).
    """
    if is_organizer or answer == theirs[1]:
        return answer, [], []
    if answer in RESPONSE_VERBS:
        organizer = theirs[0].organizer.email if theirs[0].organizer else None
        comment, send = (local.response_comment, local.send_response) if local else ("", True)
        verb = RESPONSE_VERBS[answer]
        return answer, [RespondRemote(uid, remote_id, verb, organizer, comment, send)], []
    return theirs[1], [], [Skip(uid, SKIP_CANNOT_UNANSWER, ("my_response",))]


def _linked_entry(
    ctx: _Context,
    uid: str,
    entry: StatusEntry | None,
    local: LocalItem | None,
    remote: RemoteItem | None,
    base: EventData,
) -> StatusEntry:
    """The status entry of a pair agreeing on ``base`` (the executor adds write outcomes)."""
    return StatusEntry(
        uid=uid,
        local_id=local.local_id if local else _entry(entry).local_id,
        remote_id=remote.remote_id if remote else _entry(entry).remote_id,
        ical_uid=_first(
            remote.ical_uid if remote else None,
            entry.ical_uid if entry else None,
            local.ical_uid if local else None,
        ),
        base=base,
        local_version=local.version if local else _entry(entry).local_version,
        remote_hash=remote.state_hash() if remote else _entry(entry).remote_hash,
        synced_at=ctx.policy.now,
        remote_change_key=remote.change_key if remote else _entry(entry).remote_change_key,
        my_response=entry.my_response if entry else None,
        series_uid=_first(
            local.series_uid if local else None,
            remote.series_uid if remote else None,
            entry.series_uid if entry else None,
        ),
        original_start=_original(local, remote, entry),
    )


def _push_new(ctx: _Context, uid: str, local: LocalItem) -> ItemPlan | None:
    """A local event never synced: create it in Outlook (invitations go out).

    Not when the user does not organise it (the organizer's copy arrives from Outlook and
    links by iCalUId), nor when it ended before the policy's cutoff (first sync). An
    exception changes its occurrence of the linked master, or of the master this plan
    creates (in the same run, after it); otherwise it waits (nothing is planned, it is
    listed again next time).
    """
    if not local.is_organizer:
        if local.series_uid is not None:  # an answer to one occurrence of their meeting
            master = ctx.status.get(local.series_uid)
            remote_master = ctx.pairing.remote.get(local.series_uid)
            answer = meetings.occurrence_answer(uid, local, master, remote_master)
            return ItemPlan(uid, (answer,)) if answer is not None else None
        return ItemPlan(uid, (Skip(uid, SKIP_NOT_ORGANIZER),))
    if local.series_uid is not None and _answers_only(ctx, local):
        return None  # Outlook makes this exception when the attendee's answer comes
    cutoff = ctx.policy.cutoff()
    if cutoff is not None and guards.ended_before(local.data, cutoff):
        return ItemPlan(uid, (Skip(uid, SKIP_PAST),))
    series_remote_id = None
    if local.series_uid is not None:
        master = ctx.status.get(local.series_uid)
        remote_master = ctx.pairing.remote.get(local.series_uid)
        if master is None and remote_master is None and not _pushed_now(ctx, local.series_uid):
            return None  # the series is not in Outlook yet: the exception follows it later
        if _cancelled_in(remote_master, local):
            return None  # edited here but cancelled in Outlook: the cancel wins
        if master is not None and _master_going(ctx, master):
            return None  # the series is being deleted or archived: nothing to change in it
        if master is not None:
            series_remote_id = master.remote_id
        elif remote_master is not None:
            series_remote_id = remote_master.remote_id  # the series is being relinked
    transaction = str(uuid.uuid5(UID_NAMESPACE, f"create:{uid}:{local.version}"))
    entry = StatusEntry(
        uid=uid,
        local_id=local.local_id,
        remote_id="",
        ical_uid=local.ical_uid,
        base=local.data,
        local_version=local.version,
        remote_hash="",
        synced_at=ctx.policy.now,
        series_uid=local.series_uid,
        original_start=local.original_start,
    )
    action = CreateRemote(
        uid,
        local.data,
        local.local_id,
        transaction,
        series_remote_id,
        local.original_start,
        local.series_uid,
        _series_now(ctx, local.series_uid),
    )
    return ItemPlan(uid, (action,), "put", entry)


def _remote_fields(
    ctx: _Context, merged: EventData, theirs: EventData, is_organizer: bool, local: LocalItem | None
) -> dict[str, Any]:
    """What of ``merged`` Outlook's copy ``theirs`` lacks and this account writes: an
    attendee only their own fields; an organiser's exception not what follows its series."""
    fields = meetings.without_answers(_changed_fields(merged, theirs), theirs)
    if not is_organizer:
        return meetings.personal(fields)  # an attendee writes their own only
    if local is not None and local.series_uid is not None:
        return _not_followed(ctx, local.series_uid, fields, theirs)
    return fields


FOLLOWING = frozenset({"title", "description", "location", "show_as", "privacy"})
"""Fields an exception takes from its series in Outlook unless it overrides them."""


def _not_followed(
    ctx: _Context, series_uid: str, fields: dict[str, Any], theirs: EventData
) -> dict[str, Any]:
    """``fields`` (an organiser's exception's writes to Outlook) less those Outlook's
    exception takes from its series by itself: the series' new value where the exception
    held the series' value as last synced (an exception keeps only what it overrides;
    writing it would mail every attendee once more)."""
    master = ctx.status.get(series_uid)
    now = _series_now(ctx, series_uid)
    if master is None or now is None:
        return fields
    return {
        name: value
        for name, value in fields.items()
        if not (
            name in FOLLOWING
            and value == getattr(now, name)
            and getattr(theirs, name) == getattr(master.base, name)
        )
    }


def _series_now(ctx: _Context, series_uid: str | None) -> EventData | None:
    """The content the series ``series_uid`` has in Outlook after this plan: as here when
    it changed here (its changes go out), else as last synced; None when not a series."""
    if series_uid is None:
        return None
    local = ctx.pairing.local.get(series_uid)
    if local is not None and local.is_organizer:
        return local.data
    entry = ctx.status.get(series_uid)
    return entry.base if entry is not None else None


def _pull_new(ctx: _Context, uid: str, remote: RemoteItem) -> ItemPlan:
    """An Outlook event never seen here: create it here (no mail is sent)."""
    answer = _answer(remote.my_response, remote.is_organizer)
    action = _create_local(uid, remote, answer)
    return ItemPlan(uid, (action,), "put", _fresh_entry(ctx, uid, remote, answer))


def _create_local(uid: str, remote: RemoteItem, answer: str | None) -> CreateLocal:
    return CreateLocal(
        remote.data,
        remote.remote_id,
        remote.ical_uid,
        uid,
        remote.is_organizer,
        answer,
        remote.series_uid,
        remote.original_start,
    )


def _restore_here(ctx: _Context, uid: str, entry: StatusEntry, remote: RemoteItem) -> ItemPlan:
    """Destroyed here, changed in Outlook: recreate it here with Outlook's content.

    The destruction loses to the change (nothing is lost); the Conflict records it.
    """
    answer = _answer(remote.my_response, remote.is_organizer)
    action = _create_local(uid, remote, answer)
    changed = tuple(sorted(remote.data.diff(entry.base)))
    record = Conflict(uid, "deleted", True, changed, "remote", REASON_DELETED_HERE)
    return ItemPlan(uid, (action, record), "put", _fresh_entry(ctx, uid, remote, answer))


def _delete_there(
    ctx: _Context,
    uid: str,
    entry: StatusEntry | None,
    local: LocalItem | None,
    remote: RemoteItem | None,
    here: Change,
) -> ItemPlan:
    """Archived or destroyed here: delete in Outlook (the organizer's: cancellations).

    When an archived event was also edited in Outlook, the edits are first merged into
    the archived event here, so unarchiving brings them back.
    """
    writes: list[Action] = []
    remote_edited = remote is not None and (entry is None or _remote_moved(entry, remote))
    if here is Change.ARCHIVED and local is not None and remote is not None and remote_edited:
        writes.extend(_keep_in_archive(ctx, uid, entry, local, remote))
    remote_id = remote.remote_id if remote else _entry(entry).remote_id
    data = remote.data if remote else _entry(entry).base
    writes.append(DeleteRemote(uid, remote_id, data, _is_organizer(remote, local)))
    return ItemPlan(uid, tuple(writes), "drop" if entry is not None else "keep")


def _keep_in_archive(
    ctx: _Context, uid: str, entry: StatusEntry | None, local: LocalItem, remote: RemoteItem
) -> list[Action]:
    """Outlook's edits merged into an archived event (which Outlook is about to lose)."""
    is_organizer = remote.is_organizer
    base = (entry.base, _answer(entry.my_response, is_organizer)) if entry else None
    local_moved = entry is None or _local_moved(entry, local)
    mine = (local.data, _answer(local.my_response, is_organizer)) if local_moved else base
    theirs = (remote.data, _answer(remote.my_response, is_organizer))
    assert mine is not None
    local_wins = ctx.policy.local_wins(local.modified_at, remote.modified_at)
    merged = merge(uid, base, mine, theirs, local_wins=local_wins, local_is_organizer=True)
    fields = _changed_fields(merged.data, local.data)
    if merged.response != _answer(local.my_response, is_organizer):
        fields["my_response"] = merged.response
    update: list[Action] = [UpdateLocal(uid, local.local_id, fields)] if fields else []
    return update + list(merged.conflicts)


def _archive_here(uid: str, entry: StatusEntry, local: LocalItem | None) -> ItemPlan:
    """Deleted or cancelled in Outlook: archive the event here, with any local edits.

    Outlook's edits since the last sync are not merged in: delta gives a deleted event's id
    alone (docs/sync.md, Archive, unarchive and delete)."""
    local_id = local.local_id if local else entry.local_id
    return ItemPlan(uid, (ArchiveLocal(uid, local_id),), "drop")


def _follow_master(
    ctx: _Context,
    uid: str,
    entry: StatusEntry,
    here: Change,
    there: Change,
    remote: RemoteItem | None,
) -> ItemPlan | None:
    """An exception whose series is deleted or archived on one side goes with it.

    Destroyed here with its series: nothing of its own is deleted in Outlook (the series'
    delete takes it), unless the series comes back (it or one of its occurrences changed
    in Outlook meanwhile): then the exception comes back too. Gone in Outlook with its
    series: the link is dropped and the exception stays in the archived series here. Its
    series archived here: it stays in the archive too (:func:`_stay_in_archive`). Gone
    here because its series changed (its occurrence is not cancelled): the link is
    dropped, Outlook decides. None: the ordinary rules apply (an exception deleted here
    cancels its occurrence there).
    """
    master = ctx.status.get(entry.series_uid or "")
    if master is None:
        return None
    master_here = _local_change(ctx, master, ctx.pairing.local.get(master.uid))
    master_remote = ctx.pairing.remote.get(master.uid)
    master_there = _remote_change(ctx, master, master_remote)
    if here is Change.DELETED and master_here is Change.DELETED:
        if _changed_there(ctx, master, master_remote):
            return _restore_here(ctx, uid, entry, remote or _as_remote(entry))
        return ItemPlan(uid, (Unlink(uid),), "drop")
    if there is Change.DELETED and master_there is Change.DELETED:
        return ItemPlan(uid, (Unlink(uid),), "drop")
    if master_here is Change.ARCHIVED:
        return _stay_in_archive(ctx, uid, entry, here, remote)
    local_master = ctx.pairing.local.get(master.uid)
    if (
        here is Change.DELETED
        and local_master is not None
        and not _cancelled_in(local_master, entry)
    ):
        # gone with a change of its series here (not cancelled): Outlook keeps or drops it
        # itself when the series is written; if kept, it comes back as Outlook's exception
        return ItemPlan(uid, (Unlink(uid),), "drop")
    return None


def _stay_in_archive(
    ctx: _Context, uid: str, entry: StatusEntry, here: Change, remote: RemoteItem | None
) -> ItemPlan:
    """An exception of a series archived here stays with it (unarchiving pushes both
    again) and its link goes with the series' (Outlook's delete of the series takes the
    exception along). Outlook's edits of it are first merged into it here."""
    actions: list[Action] = []
    edited = remote is not None and not remote.cancelled and _remote_moved(entry, remote)
    if here is not Change.DELETED and remote is not None and edited:
        local = ctx.pairing.local.get(uid) or _as_local(entry)
        actions.extend(_keep_in_archive(ctx, uid, entry, local, remote))
    return ItemPlan(uid, (*actions, Unlink(uid)), "drop")


def _archived_here(ctx: _Context, master: StatusEntry) -> bool:
    """True when the linked series ``master`` is archived here in this plan."""
    local = ctx.pairing.local.get(master.uid)
    return _local_change(ctx, master, local) is Change.ARCHIVED


def _as_local(entry: StatusEntry) -> LocalItem:
    """The local item of ``entry`` as last synced (unchanged since)."""
    return LocalItem(
        uid=entry.uid,
        local_id=entry.local_id,
        version=entry.local_version,
        data=entry.base,
        active=True,
        modified_at=entry.synced_at,
        series_uid=entry.series_uid,
        original_start=entry.original_start,
        my_response=entry.my_response,
    )


def _as_remote(entry: StatusEntry) -> RemoteItem:
    """The Outlook item of ``entry`` as last synced (unchanged since)."""
    return RemoteItem(
        remote_id=entry.remote_id,
        ical_uid=None if entry.series_uid else entry.ical_uid,
        change_key=entry.remote_change_key,
        data=entry.base,
        modified_at=entry.synced_at,
        series_uid=entry.series_uid,
        original_start=entry.original_start,
    )


def _answers_only(ctx: _Context, local: LocalItem) -> bool:
    """True when the exception ``local`` holds nothing but answers to its series' occurrence
    (the series as here, else as last synced)."""
    series = ctx.pairing.local.get(local.series_uid or "")
    entry = ctx.status.get(local.series_uid or "")
    data = series.data if series is not None else entry.base if entry is not None else None
    return data is not None and meetings.answers_only(local, data)


def _pushed_now(ctx: _Context, series_uid: str) -> bool:
    """True when the local series ``series_uid``, never synced, is created in Outlook by
    this plan (then its exceptions go in the same run, after it)."""
    master = ctx.pairing.local.get(series_uid)
    if master is None or not master.active or not master.is_organizer:
        return False
    cutoff = ctx.policy.cutoff()
    return cutoff is None or not guards.ended_before(master.data, cutoff)


def _master_going(ctx: _Context, master: StatusEntry) -> bool:
    """True when the linked series ``master`` is deleted in Outlook or archived or
    destroyed here in this plan (not when it comes back: changed in Outlook meanwhile)."""
    remote = ctx.pairing.remote.get(master.uid)
    local = ctx.pairing.local.get(master.uid)
    if _remote_change(ctx, master, remote) is Change.DELETED:
        return True
    here = _local_change(ctx, master, local)
    if here is Change.DELETED:
        return not _changed_there(ctx, master, remote)
    return here is Change.ARCHIVED


def _cancelled_in(
    master: LocalItem | RemoteItem | None, item: LocalItem | RemoteItem | StatusEntry
) -> bool:
    """True when ``master`` (the other side's series) cancelled the occurrence ``item``."""
    if master is None or item.original_start is None:
        return False
    return item.original_start in master.data.cancelled


def _fresh_entry(ctx: _Context, uid: str, remote: RemoteItem, answer: str | None) -> StatusEntry:
    return StatusEntry(
        uid=uid,
        local_id="",
        remote_id=remote.remote_id,
        ical_uid=remote.ical_uid,
        base=remote.data,
        local_version=0,
        remote_hash=remote.state_hash(),
        synced_at=ctx.policy.now,
        remote_change_key=remote.change_key,
        my_response=answer,
        series_uid=remote.series_uid,
        original_start=remote.original_start,
    )


def _changed_fields(target: EventData, current: EventData) -> dict[str, object]:
    """The fields to write so that ``current`` becomes ``target`` (declaration order); a
    zone with the same offsets over both spans is no change."""
    changed = target.diff(current)
    if "timezone" in changed and zones.same_zone(
        target.timezone, current.timezone, _zone_span(target), _zone_span(current)
    ):
        changed.discard("timezone")
    return {name: getattr(target, name) for name in FIELDS if name in changed}


def _adopt_zone(
    remote: RemoteItem | None, local: LocalItem | None, entry: StatusEntry | None
) -> RemoteItem | None:
    """``remote`` with our zone's name when Outlook's zone has the same offsets over the
    event's span (ours: the local event's zone, else the last synced one). Outlook gives
    a Windows zone's own IANA name back (``Asia/Bangkok`` for ``Asia/Ho_Chi_Minh``), and UTC
    for an event in a repeated hour (:func:`_held_in_utc`): that is no change and no
    conflict, and the status then holds what the next read gives."""
    if remote is None:
        return None
    theirs = remote.data
    ours = [found.data for found in (local,) if found is not None]
    ours += [found.base for found in (entry,) if found is not None]
    if any(data.timezone == theirs.timezone for data in ours):
        return remote
    for data in ours:
        if zones.same_zone(
            theirs.timezone, data.timezone, _zone_span(theirs), _zone_span(data)
        ) or _held_in_utc(theirs, data):
            return replace(remote, data=theirs.with_fields({"timezone": data.timezone}))
    return remote


def _held_in_utc(theirs: EventData, ours: EventData) -> bool:
    """True when Outlook holds our single event in UTC because its start or end is in an
    hour our zone repeats (:func:`.zones.ambiguous`): the same instants are no change."""
    return (
        theirs.timezone == "UTC"
        and not ours.recurrence
        and (theirs.start, theirs.end) == (ours.start, ours.end)
        and zones.ambiguous(ours.start, ours.end, ours.timezone)
    )


def _zone_span(data: EventData) -> tuple[datetime, datetime]:
    """The instants over which ``data``'s zone matters (:func:`.zones.span`)."""
    return zones.span(data.start, data.end, data.recurrence)


def _is_organizer(remote: RemoteItem | None, local: LocalItem | None) -> bool:
    """Outlook knows best who organises; without an Outlook item, the local one says."""
    if remote is not None:
        return remote.is_organizer
    return local.is_organizer if local is not None else True


def _answer(response: str | None, is_organizer: bool) -> str | None:
    """The organizer has no answer of their own."""
    return None if is_organizer else (response or "none")


def _entry(entry: StatusEntry | None) -> StatusEntry:
    assert entry is not None, "an unchanged side needs a status entry"
    return entry


def _original(
    local: LocalItem | None, remote: RemoteItem | None, entry: StatusEntry | None
) -> When | None:
    for holder in (local, remote, entry):
        if holder is not None and holder.original_start is not None:
            return holder.original_start
    return None


def _first(*values: str | None) -> str | None:
    return next((value for value in values if value), None)


def _same_link(old: StatusEntry, new: StatusEntry) -> bool:
    return replace(old, synced_at=new.synced_at) == new
