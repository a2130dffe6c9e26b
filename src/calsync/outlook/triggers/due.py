"""Each account's due time, and taking a due sync exactly once, whichever engine asks.

An account is due at the sooner of

* its **sync request** (:mod:`calsync.outlook.triggers.handoff`: a change here, a page
  opened, a change notification, a throttle deadline), and
* its **periodic sync**, ``OutlookAccount.next_sync_at`` (NULL: never taken yet, due now),

but never while a run holds the account (its claim) nor before ``throttled_until``.

:func:`take_next` takes the soonest due job and marks it taken in the same statement:
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (engines never wait on each other's rows),
a compare-and-set UPDATE on SQLite (its writers queue, so one of them wins). Taking a
periodic sync moves ``next_sync_at`` one interval on; taking a request deletes it. So of N
engines (``calsync run``, any number of ``calsync worker``, Celery's ``drain_due`` tasks)
exactly one runs each due sync, and they divide the accounts between them.

:func:`run` carries a taken job out: a request whose changes are only calsync's own writes
coming back runs nothing (:func:`~calsync.outlook.triggers.handoff.news_in`); a request
refused because another run holds the account is given back, due at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from calsync.outlook.models import OutlookAccount, OutlookSettings
from calsync.outlook.triggers import handoff

logger = logging.getLogger("calsync.outlook.triggers")

REQUEST = "request"
PERIODIC = "periodic"
PERIODIC_TRIGGER = "schedule"

RAN = "ran"
OWN_WRITES = "own_writes"
NOTHING = "nothing"
BUSY = "busy"


@dataclass(frozen=True)
class Job:
    """A taken due sync: ``kind`` is :data:`REQUEST` (``request`` holds it) or
    :data:`PERIODIC`."""

    user_id: int
    account_id: int
    kind: str
    request: handoff.Taken | None = None

    @property
    def trigger(self) -> str:
        return self.request.trigger if self.request is not None else PERIODIC_TRIGGER


@dataclass(frozen=True)
class Handled:
    """What :func:`run` did: ``outcome`` is :data:`RAN` (``summary`` is the run's),
    :data:`OWN_WRITES` (only calsync's own writes came back: no run), :data:`NOTHING` (the
    account cannot sync) or :data:`BUSY` (a run holds the account: a request waits for it)."""

    outcome: str
    summary: Any = None


def syncing_enabled() -> bool:
    """Whether an administrator set Outlook sync up (nothing is due otherwise)."""
    row = OutlookSettings.load()
    return bool(row.enabled and row.client_id)


def connected() -> Q:
    """Accounts with tokens that are not known to be refused."""
    return ~Q(token_cache_encrypted="") & Q(needs_reconnect=False)


def periodic_due(now: datetime) -> Q:
    """Connected accounts whose periodic sync is due and that nothing stops now."""
    due = Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now)
    return connected() & due & handoff.available(now)


def take_next(interval: float, now: datetime | None = None) -> Job | None:
    """Take the soonest due job (a request first, then a periodic sync when ``interval`` > 0),
    or None when nothing is due. See the module docstring for "exactly once"."""
    now = now or timezone.now()
    if not syncing_enabled():
        return None
    taken = handoff.take_next(now)
    if taken is not None:
        user_id = OutlookAccount.objects.filter(pk=taken.account_id).values_list(
            "user_id", flat=True
        )
        return Job(user_id.get(), taken.account_id, REQUEST, taken)
    if interval <= 0:
        return None
    return _take_periodic(interval, now)


def _take_periodic(interval: float, now: datetime) -> Job | None:
    after = now + timedelta(seconds=interval)
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            row = (
                OutlookAccount.objects.select_for_update(skip_locked=True)
                .filter(periodic_due(now))
                .order_by(F("next_sync_at").asc(nulls_first=True), "pk")
                .values_list("pk", "user_id")
                .first()
            )
            if row is None:
                return None
            OutlookAccount.objects.filter(pk=row[0]).update(next_sync_at=after)
            return Job(row[1], row[0], PERIODIC)
    candidates = (
        OutlookAccount.objects.filter(periodic_due(now))
        .order_by(F("next_sync_at").asc(nulls_first=True), "pk")
        .values_list("pk", "user_id", "next_sync_at")[:20]
    )
    for pk, user_id, was in candidates:
        same = Q(next_sync_at__isnull=True) if was is None else Q(next_sync_at=was)
        if OutlookAccount.objects.filter(same, pk=pk).update(next_sync_at=after):
            return Job(user_id, pk, PERIODIC)  # compare-and-set: this engine won it
    return None


def soonest(interval: float, now: datetime | None = None) -> float | None:
    """Seconds until the soonest job falls due (<= 0: one is due now; None: nothing
    waits). Two cheap queries; for an engine deciding how long to sleep."""
    now = now or timezone.now()
    times = [seconds for _user, seconds in handoff.pending(now, limit=1)]
    if interval > 0:
        next_at = (
            OutlookAccount.objects.filter(connected() & handoff.available(now))
            .order_by(F("next_sync_at").asc(nulls_first=True))
            .values_list("next_sync_at", flat=True)
            .first()
        )
        if next_at is not None or OutlookAccount.objects.filter(connected()).exists():
            times.append(0.0 if next_at is None else (next_at - now).total_seconds())
    return min(times) if times else None


def run(job: Job, interval: float) -> Handled:
    """Carry ``job`` out (see the module docstring); its periodic sync then moves one
    ``interval`` on (a sync just ran)."""
    from calsync.outlook.sync.run import run_sync

    account = OutlookAccount.objects.filter(pk=job.account_id).first()
    if account is None or not account.connected:
        handoff.discard(job.user_id)
        return Handled(NOTHING)
    taken = job.request
    try:
        if taken is not None and not (taken.force or handoff.news_in(account.pk, taken.changes)):
            return Handled(OWN_WRITES)
        summary = run_sync(account, job.trigger)
    except BaseException:
        if taken is not None:
            handoff.give_back(taken)
        raise
    if summary.run_id is None and not summary.ok and summary.throttled_until is None:
        if taken is not None:  # refused: another run holds the account
            handoff.give_back(taken)
        return Handled(BUSY, summary)
    if interval > 0:
        later = timezone.now() + timedelta(seconds=interval)
        OutlookAccount.objects.filter(pk=account.pk).update(next_sync_at=later)
    return Handled(RAN, summary)
