"""The embedded engine: the background thread of ``calsync run`` and ``calsync worker``.

It takes due syncs from the database (:mod:`calsync.outlook.triggers.due`) and runs them one
at a time, as every other engine does: any number of them (several ``calsync worker``
processes, Celery's ``drain_due`` tasks) divide the accounts and never repeat a run. It
sleeps until the soonest due time, at most ``poll`` seconds (:data:`POLL_EVERY`; it also
looks at once when :func:`poke`\\d, as a request recorded in this process does).

:func:`ask` is how anything asks for a sync: it records the account's request
(:mod:`calsync.outlook.triggers.handoff`), due after ``delay`` (requests within it collapse
into one run: the debounce), and wakes this process's engine if it runs one.

Settings: ``CALSYNC_SYNC_INTERVAL`` (seconds between periodic syncs of an account, default
300), ``CALSYNC_SYNC_DEBOUNCE`` (seconds after a change, default 5),
``CALSYNC_NOTIFICATION_DEBOUNCE`` (after a change notification, default 2).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections

from calsync.outlook.triggers import due, handoff

logger = logging.getLogger("calsync.outlook.triggers.scheduler")

POLL_EVERY = 1.0
"""Longest sleep (seconds) between two looks at the due times."""

Runner = Callable[[due.Job, float], Any]


def default_interval() -> float:
    return float(getattr(settings, "CALSYNC_SYNC_INTERVAL", 300))


def default_debounce() -> float:
    return float(getattr(settings, "CALSYNC_SYNC_DEBOUNCE", 5))


def notification_debounce() -> float:
    """Seconds between a change notification and the sync it asks for."""
    return float(getattr(settings, "CALSYNC_NOTIFICATION_DEBOUNCE", 2))


def ask(
    user_id: int,
    delay: float,
    trigger: str,
    changes: Sequence[Sequence[Any]] = (),
    *,
    force: bool = True,
) -> str:
    """Record a sync request of ``user_id``'s account due in ``delay`` seconds (``force``:
    whatever ``changes`` say). Returns who will take it: ``scheduler`` (this process's
    engine, woken now), ``database`` (any engine polling it) or ``none`` (no account)."""
    if not handoff.add(user_id, changes, force=force, delay=delay, trigger=trigger):
        return "none"
    return "scheduler" if poke() else "database"


def sync_user(user_id: int, trigger: str) -> Any:
    """Sync the connected account of ``user_id`` now, outside the due times (None: it has
    none)."""
    from calsync.outlook.models import OutlookAccount
    from calsync.outlook.sync.run import run_sync

    account = OutlookAccount.objects.filter(user_id=user_id).first()
    if account is None or not account.connected:
        return None
    return run_sync(account, trigger)


def sync_requested(user_id: int) -> due.Handled:
    """Take ``user_id``'s sync request, due or not, and run it (:func:`due.run`)."""
    from calsync.outlook.models import OutlookAccount

    account_id = OutlookAccount.objects.filter(user_id=user_id).values_list("pk", flat=True)
    taken = handoff.take(user_id)
    if taken is None or not account_id:
        handoff.discard(user_id)
        return due.Handled(due.NOTHING)
    if not isinstance(taken, handoff.Taken):
        return due.Handled(due.BUSY)
    return due.run(due.Job(user_id, account_id[0], due.REQUEST, taken), 0)


class Scheduler:
    """The engine's thread (see the module docstring). ``interval`` 0: no periodic syncs
    (requests only)."""

    def __init__(
        self,
        *,
        interval: float | None = None,
        poll: float = POLL_EVERY,
        runner: Runner = due.run,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = default_interval() if interval is None else interval
        self.poll = poll
        self._runner = runner
        self._clock = clock
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._next_look = clock()
        self.runs = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Scheduler:
        if not self.running:
            self._stopping = False
            self._thread = threading.Thread(target=self._loop, name="calsync-sync", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def poke(self) -> None:
        """Look at the due times now (a request was just recorded)."""
        with self._wake:
            self._next_look = self._clock()
            self._wake.notify_all()

    def _loop(self) -> None:
        try:
            while self._sleep_until_due():
                looked_at = self._clock()
                job = self._take()
                if job is None:
                    self._plan_next_look(looked_at)
                else:
                    self._run(job)
        finally:
            connections.close_all()  # this thread's own (kept open between runs otherwise)

    def _sleep_until_due(self) -> bool:
        """Wait for the next look; False when stopping."""
        with self._wake:
            while not self._stopping:
                wait = self._next_look - self._clock()
                if wait <= 0:
                    return True
                self._wake.wait(wait)
            return False

    def _take(self) -> due.Job | None:
        try:
            return due.take_next(self.interval)
        except Exception:
            logger.exception("scheduler: taking a due sync failed")
            return None
        finally:
            close_old_connections()

    def _plan_next_look(self, looked_at: float) -> None:
        """Nothing was due at ``looked_at``: sleep until the soonest due time, at most ``poll``
        seconds (a :meth:`poke` since then wins)."""
        try:
            soonest = due.soonest(self.interval)
        except Exception:
            logger.exception("scheduler: reading due times failed")
            soonest = None
        finally:
            close_old_connections()
        wait = self.poll if self.poll > 0 else 3600.0
        if soonest is not None:
            wait = min(wait, max(soonest, 0.05))
        with self._wake:
            if self._next_look <= looked_at:  # not poked meanwhile
                self._next_look = self._clock() + wait

    def _run(self, job: due.Job) -> None:
        try:
            self._runner(job, self.interval)
        except Exception:
            logger.exception("scheduler: sync of user %s failed", job.user_id)
        finally:
            self.runs += 1
            close_old_connections()


def warm_up() -> None:
    """Load now what this process's first run would otherwise load inside its timing: the
    database driver, the Graph client's modules and, when configured, the Redis client of
    the mailboxes' request budget (together about half a second of CPU). For engines
    started to take work at once (``calsync worker``)."""
    import importlib

    from django.db import connection

    importlib.import_module("calsync.outlook.connection.graph")
    if getattr(settings, "CALSYNC_REDIS_URL", ""):
        importlib.import_module("redis")
    connection.ensure_connection()
    connection.close()  # the engine's thread opens its own


_default: Scheduler | None = None
_default_lock = threading.Lock()


def default() -> Scheduler:
    """The process's engine (created on first use, started by ``calsync run``/``worker``)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Scheduler()
        return _default


def poke() -> bool:
    """Wake this process's running engine to look at the due times; False when it runs
    none."""
    scheduler = _default
    if scheduler is None or not scheduler.running:
        return False
    scheduler.poke()
    return True
