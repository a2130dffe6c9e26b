"""Sync requests: "sync account X (trigger, not before T, these changes)", in the database.

Every wish for a sync outside the periodic one (a change here, a page opened, a change
notification, a throttle deadline) is recorded as the account's one
:class:`~calsync.outlook.models.SyncRequest`, whichever process has it (a web process needs
no scheduler of its own); with the periodic sync (:mod:`calsync.outlook.triggers.due`) it
makes the account's due time, which every engine takes from.

Contract:

* :func:`add` merges into the account's one request: new changes are appended (past
  :data:`MAX_CHANGES` the request becomes ``force`` and forgets them), a waiting request keeps
  its earlier ``not_before`` (a burst is one run, at most ``delay`` after its first
  notification) and its trigger (a :data:`NOTIFICATION` gives way to any other, and any
  gives way to :data:`BUTTON`), and
  ``version`` grows;
* :func:`take` removes the request atomically (a DELETE of the version it read) and returns
  it, only while no run holds the account (:data:`BUSY` otherwise; the request stays): of two
  takers exactly one gets it, and an addition racing the take is never lost;
* :func:`give_back` returns a taken request whose run was refused, merged with whatever
  arrived meanwhile and due at once;
* a request added while a run goes is a new row, taken after that run: one more run;
* its taker runs the sync only if :func:`news_in` finds a change the last syncs did not
  record (not just calsync's own writes coming back: an event a sync record holds with
  that changeKey, or a copy a mirror link's last writing pass wrote).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from calsync.outlook.models import CalendarLink, OutlookAccount, SyncRecord, SyncRequest

MAX_CHANGES = 500
"""Changes kept per request; beyond, the request is ``force`` (sync whatever they were)."""
PENDING_LIMIT = 100
"""Requests one :func:`pending` call returns (soonest first)."""
BUSY: Final = "busy"
BUTTON: Final = "button"
"""A person's press of Sync with Outlook: on a merge it names the run, whatever waited."""
NOTIFICATION: Final = "notification"
"""A change notification's trigger: on a merge any other trigger replaces it, and it
replaces none (the run is named for what else asked too)."""
""":func:`take`'s answer while a run holds the account (or other takers keep winning)."""

ChangeRow = list[Any]
"""``[remote_id, change_type, change_key]`` (JSON-friendly)."""


@dataclass(frozen=True)
class Change:
    """One event change Graph told us about (``change_key`` from its ``@odata.etag``)."""

    remote_id: str
    change_type: str
    change_key: str | None = None

    def as_row(self) -> list[str | None]:
        """As a sync request stores it: ``[remote_id, change_type, change_key]``."""
        return [self.remote_id, self.change_type, self.change_key]

    @classmethod
    def of_row(cls, row: Sequence[Any]) -> Change:
        """The inverse of :meth:`as_row`."""
        remote_id, change_type, change_key = [*row, None, None, None][:3]
        return cls(str(remote_id), str(change_type or "updated"), change_key or None)


def is_news(change: Change, known: Mapping[str, str]) -> bool:
    """Whether a sync must look at ``change``, given ``known``: remote id -> the changeKey
    the last sync recorded. A deletion of an event we never linked, and a change whose
    changeKey we recorded (our own write coming back), are not news; anything else is."""
    if change.change_type == "deleted":
        return change.remote_id in known
    recorded = known.get(change.remote_id)
    return recorded is None or change.change_key is None or change.change_key != recorded


def news_in(account_id: int, rows: Sequence[Sequence[Any]]) -> bool:
    """Whether the changes of a sync request (:meth:`Change.as_row` rows) hold anything the
    account's last syncs did not record (see :func:`is_news`); no changes at all: True."""
    changes = [Change.of_row(row) for row in rows]
    if not changes:
        return True
    ids = {change.remote_id for change in changes}
    known = _mirror_copies_written(account_id, ids)
    known.update(
        SyncRecord.objects.filter(account_id=account_id, remote_id__in=ids).values_list(
            "remote_id", "remote_change_key"
        )
    )
    return any(is_news(change, known) for change in changes)


def _mirror_copies_written(account_id: int, ids: set[str]) -> dict[str, str]:
    """Of ``ids``, the copies the mirror links' last writing passes wrote in Outlook, with
    the changeKey each had then (``CalendarLink.mirror_written``)."""
    known: dict[str, str] = {}
    rows = CalendarLink.objects.filter(account_id=account_id).exclude(mirror_written={})
    for written in rows.values_list("mirror_written", flat=True):
        known.update({rid: key for rid, key in (written or {}).items() if rid in ids})
    return known


@dataclass(frozen=True)
class Taken:
    """A request :func:`take` removed: the taker runs it or gives it back."""

    account_id: int
    trigger: str
    changes: list[ChangeRow]
    force: bool


def add(
    user_id: int,
    changes: Sequence[Sequence[Any]],
    *,
    force: bool,
    delay: float,
    trigger: str,
    now: datetime | None = None,
) -> bool:
    """Ask for a sync of ``user_id``'s account, due ``delay`` seconds from ``now`` (merged
    into a waiting request, see the module docstring). False: the user has no account."""
    now = now or timezone.now()
    account_id = OutlookAccount.objects.filter(user_id=user_id).values_list("pk", flat=True).first()
    if account_id is None:
        return False
    rows = [list(change) for change in changes]
    _merge(account_id, rows, force, now + timedelta(seconds=max(delay, 0.0)), trigger, now)
    return True


def pending(now: datetime | None = None, limit: int = PENDING_LIMIT) -> list[tuple[int, float]]:
    """``(user_id, seconds until due)`` of the requests that may run (:func:`available`),
    soonest first (a due request has seconds <= 0). One cheap query; at most ``limit`` rows."""
    now = now or timezone.now()
    rows = (
        SyncRequest.objects.filter(available(now, "account__"))
        .order_by("not_before")
        .values_list("account__user_id", "not_before")[:limit]
    )
    return [(user_id, (not_before - now).total_seconds()) for user_id, not_before in rows]


def take_next(now: datetime | None = None) -> Taken | None:
    """Remove and return the soonest due request that may run, or None. On PostgreSQL one
    ``SELECT … FOR UPDATE SKIP LOCKED`` (takers never wait on each other's rows); elsewhere
    :func:`take` of each due request in turn (its DELETE of the version read decides)."""
    now = now or timezone.now()
    due = Q(not_before__lte=now) & available(now, "account__")
    if not connection.features.has_select_for_update_skip_locked:
        for user_id, seconds in pending(now, limit=20):
            if seconds > 0:
                break
            taken = take(user_id, now)
            if isinstance(taken, Taken):
                return taken
        return None
    with transaction.atomic():
        row = (
            SyncRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due)
            .order_by("not_before", "pk")
            .first()
        )
        if row is None:
            return None
        SyncRequest.objects.filter(pk=row.pk).delete()
        return Taken(row.account_id, row.trigger, list(row.changes), row.force)


def take(user_id: int, now: datetime | None = None) -> Taken | str | None:
    """Remove and return ``user_id``'s request (None: there is none; :data:`BUSY`: a run holds
    the account, the request stays)."""
    for _attempt in range(5):
        row = (
            SyncRequest.objects.filter(account__user_id=user_id)
            .values("pk", "account_id", "trigger", "changes", "force", "version")
            .first()
        )
        if row is None:
            return None
        mine = SyncRequest.objects.filter(pk=row["pk"], version=row["version"])
        # one DELETE ... WHERE version = <read>: SyncRequest has no dependents and no delete
        # signals, so Django deletes it in a single statement (no select-then-delete by pk)
        deleted, _kinds = mine.filter(available(now or timezone.now(), "account__")).delete()
        if deleted:
            return Taken(row["account_id"], row["trigger"], list(row["changes"]), row["force"])
        if mine.exists():
            return BUSY  # same version, so its account is claimed
    return BUSY


def give_back(taken: Taken, now: datetime | None = None) -> None:
    """Put a taken request back, due at once (merged with any request added meanwhile)."""
    now = now or timezone.now()
    _merge(taken.account_id, taken.changes, taken.force, now, taken.trigger, now)


def discard(user_id: int) -> None:
    """Forget ``user_id``'s request (the account cannot sync: not connected)."""
    SyncRequest.objects.filter(account__user_id=user_id).delete()


def available(now: datetime, prefix: str = "") -> Q:
    """Accounts a sync may start for now: no live run holds them (a claim past its lease
    is dead) and Outlook asked for no wait. ``prefix``: the path to the account from the
    model filtered (``account__`` for requests)."""
    from calsync.outlook.sync.claims import lease_length

    stale = now - lease_length()
    unclaimed = Q(**{f"{prefix}sync_claimed_at__isnull": True}) | Q(
        **{f"{prefix}sync_claimed_at__lt": stale}
    )
    unthrottled = Q(**{f"{prefix}throttled_until__isnull": True}) | Q(
        **{f"{prefix}throttled_until__lte": now}
    )
    return unclaimed & unthrottled


def _merged_trigger(waiting: str, new: str) -> str:
    """The trigger a merged request keeps (see the module docstring)."""
    return new if new == BUTTON or waiting == NOTIFICATION else waiting


def _merged(old: list[ChangeRow], new: list[ChangeRow]) -> list[ChangeRow]:
    seen = {tuple(change) for change in old}
    out = list(old)
    for change in new:
        if tuple(change) not in seen:
            seen.add(tuple(change))
            out.append(change)
    return out


def _merge(
    account_id: int,
    changes: list[ChangeRow],
    force: bool,
    not_before: datetime,
    trigger: str,
    now: datetime,
) -> None:
    """Create the account's request, or fold these changes into the existing one."""
    force = force or len(changes) > MAX_CHANGES
    for _attempt in range(3):
        with transaction.atomic():
            row = SyncRequest.objects.select_for_update().filter(account_id=account_id).first()
            if row is None:
                try:
                    with transaction.atomic():
                        SyncRequest.objects.create(
                            account_id=account_id,
                            trigger=trigger,
                            not_before=not_before,
                            changes=[] if force else changes,
                            force=force,
                            requested_at=now,
                        )
                    return
                except IntegrityError:
                    continue  # another process created it first: merge into theirs
            merged = _merged(row.changes, changes)
            wide = force or row.force or len(merged) > MAX_CHANGES
            SyncRequest.objects.filter(pk=row.pk).update(
                changes=[] if wide else merged,
                force=wide,
                not_before=min(row.not_before, not_before),
                trigger=_merged_trigger(row.trigger, trigger),
                version=F("version") + 1,
            )
            return
    raise IntegrityError(f"sync request of account {account_id}: could not be recorded")
