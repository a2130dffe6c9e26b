"""One sync run per account at a time: the account claim, a short lease kept alive by its run.

The claim is an atomic UPDATE on the account row that succeeds only while nobody holds it
(works on SQLite and PostgreSQL). It is a lease of :func:`lease_length` (``CALSYNC_SYNC_LEASE``,
30 s): while its holder lives, :class:`Lease` renews it every third of that from a daemon
thread. A holder killed outright (``kill -9``) stops renewing, and the account is free again
one lease later; the next claim then ends the dead run's row as *interrupted* and clears its
progress. Sync runs and Reset Account take it.

A holder whose renewal finds the claim gone (its process stalled longer than a lease and
another run took over) stops writing: :meth:`Lease.check` raises :class:`ClaimLost` at the
next write, and a run records nothing over the run that took the account.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from calsync.outlook.models import OutlookAccount, SyncRun
from calsync.outlook.sync.log_messages import entry, message_parts

logger = logging.getLogger("calsync.outlook.sync")


def lease_length() -> timedelta:
    """How long a claim lasts without renewal."""
    return timedelta(seconds=float(getattr(settings, "CALSYNC_SYNC_LEASE", 30)))


class ClaimLost(Exception):
    """The holder's lease ran out and another run (or a reset) took the account."""


def claim_account(account: OutlookAccount) -> str | None:
    """Take the account's claim (None: a live holder has it); see the module docstring.
    The holder keeps it with :func:`holding` and gives it back with :func:`release_claim`."""
    token = str(uuid.uuid4())
    now = timezone.now()
    claimed = (
        OutlookAccount.objects.filter(pk=account.pk)
        .filter(Q(sync_claimed_at__isnull=True) | Q(sync_claimed_at__lt=now - lease_length()))
        .update(sync_claimed_at=now, sync_claim=token)
    )
    if not claimed:
        return None
    _end_interrupted_runs(account, now)
    return token


def _end_interrupted_runs(account: OutlookAccount, now: Any) -> None:
    """Runs of the account still "running" belong to a holder that died: only a holder runs."""
    why = gettext_noop(
        "This sync was interrupted: its process stopped before the end. "
        "The next sync picks up what it left."
    )
    part = entry("interrupted", why)
    ended = SyncRun.objects.filter(account=account, status=SyncRun.STATUS_RUNNING).update(
        status=SyncRun.STATUS_INTERRUPTED,
        ok=False,
        finished_at=now,
        phase="",
        progress_done=0,
        progress_total=0,
        message=part["message"],
        message_parts=message_parts([part]),
    )
    if ended:
        logger.warning("sync_interrupted user=%s runs=%s", account.user_id, ended)


def release_claim(account: OutlookAccount, claim: str, **also: Any) -> None:
    """Give back the claim :func:`claim_account` returned (if still held: a holder whose
    lease ran out lost it), writing the account fields ``also`` in the same UPDATE."""
    OutlookAccount.objects.filter(pk=account.pk, sync_claim=claim).update(
        sync_claimed_at=None, sync_claim="", **also
    )


class Lease:
    """A held claim, renewed every third of :func:`lease_length` until :meth:`stop`."""

    def __init__(self, account_id: int, token: str) -> None:
        self.account_id = account_id
        self.token = token
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name=f"lease-{account_id}", daemon=True)

    def start(self) -> Lease:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def renew(self) -> bool:
        """Push the lease's end out; False (and :attr:`lost` set) when the claim is gone."""
        held = OutlookAccount.objects.filter(pk=self.account_id, sync_claim=self.token).update(
            sync_claimed_at=timezone.now()
        )
        if not held:
            self.lost.set()
        return bool(held)

    def check(self) -> None:
        """Raise :class:`ClaimLost` once a renewal found the claim gone."""
        if self.lost.is_set():
            raise ClaimLost

    def _keep(self) -> None:
        every = lease_length().total_seconds() / 3
        try:
            while not self._stop.wait(every):
                try:
                    if not self.renew():
                        return
                except Exception as exc:  # a busy database: try again at the next beat
                    logger.warning("lease of account %s not renewed: %s", self.account_id, exc)
        finally:
            connection.close()  # this thread's own connection


@contextmanager
def holding(account: OutlookAccount, token: str) -> Iterator[Lease]:
    """Keep the claim ``token`` alive while the block runs."""
    lease = Lease(account.pk, token).start()
    try:
        yield lease
    finally:
        lease.stop()
