"""When sync runs in the background: every connected account periodically, soon after a
change here (debounced), and when its calendar page is opened.

:class:`Scheduler` is one daemon thread (``calsync run`` embeds it, ``calsync worker`` runs
it alone). ``request(user_id, delay)`` asks for a sync of that user's account no later than
``delay`` seconds from now; repeated requests within the delay collapse into one run (the
debounce). Every ``interval`` seconds all connected accounts are due. Runs go one at a time
in this thread; :func:`~calsync.outlook.sync.run.run_sync` also refuses a second concurrent run
of an account (another process, the button), so nothing runs twice at once.

Every ``poll`` seconds (:data:`POLL_EVERY`; 0: never on its own), when :func:`poke` is
called, and when the soonest request it saw falls due, the scheduler also looks at the
database's sync requests (:mod:`calsync.outlook.triggers.handoff`: change notifications, possibly
received by another process); each one due whose account no run holds becomes a
``notification`` run, which :func:`sync_requested` carries out (taking the request
atomically, so of several schedulers one runs it; a request refused by a concurrent run is
given back and runs after it).

Settings: ``CALSYNC_SYNC_INTERVAL`` (seconds, default 300), ``CALSYNC_SYNC_DEBOUNCE``
(seconds after a change, default 5).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger("calsync.outlook.triggers.scheduler")

Runner = Callable[[int, str], Any]
NOTIFICATION = "notification"
"""The trigger of a Graph change notification: it never replaces another pending trigger."""
POLL_EVERY = 1.0
"""Seconds between two looks at the database's sync requests."""

RAN = "ran"
OWN_WRITES = "own_writes"
NOTHING = "nothing"
BUSY = "busy"


def default_interval() -> float:
    return float(getattr(settings, "CALSYNC_SYNC_INTERVAL", 300))


def default_debounce() -> float:
    return float(getattr(settings, "CALSYNC_SYNC_DEBOUNCE", 5))


def notification_debounce() -> float:
    """Seconds between a change notification and the sync it asks for."""
    return float(getattr(settings, "CALSYNC_NOTIFICATION_DEBOUNCE", 2))


def sync_user(user_id: int, trigger: str) -> Any:
    """Sync the connected account of ``user_id`` (nothing when it has none); a
    ``notification`` run is :func:`sync_requested`'s (None when it did not run)."""
    from calsync.outlook.models import OutlookAccount
    from calsync.outlook.sync.run import run_sync

    if trigger == NOTIFICATION:
        return sync_requested(user_id).summary
    account = OutlookAccount.objects.filter(user_id=user_id).first()
    if account is None or not account.connected:
        return None
    return run_sync(account, trigger)


@dataclass(frozen=True)
class Handled:
    """What :func:`sync_requested` did: ``outcome`` is :data:`RAN` (``summary`` is the run's),
    :data:`OWN_WRITES` (only calsync's own writes came back: no run), :data:`NOTHING` (no
    request, or the account cannot sync) or :data:`BUSY` (a run holds the account: the
    request waits for it)."""

    outcome: str
    summary: Any = None


def sync_requested(user_id: int) -> Handled:
    """Take ``user_id``'s sync request (:mod:`calsync.outlook.triggers.handoff`) and run it, unless
    every change in it is one the last syncs recorded; a run refused because another run
    started meanwhile gives the request back (it runs after that one)."""
    from calsync.outlook.models import OutlookAccount
    from calsync.outlook.sync.run import run_sync
    from calsync.outlook.triggers import handoff

    account = OutlookAccount.objects.filter(user_id=user_id).first()
    if account is None or not account.connected:
        handoff.discard(user_id)
        return Handled(NOTHING)
    taken = handoff.take(user_id)
    if taken is None:
        return Handled(NOTHING)
    if not isinstance(taken, handoff.Taken):
        return Handled(BUSY)
    try:
        if not (taken.force or handoff.news_in(account.pk, taken.changes)):
            return Handled(OWN_WRITES)
        summary = run_sync(account, taken.trigger)
    except BaseException:
        handoff.give_back(taken)
        raise
    if summary.run_id is None and not summary.ok:  # refused: another run holds the account
        handoff.give_back(taken)
        return Handled(BUSY, summary)
    return Handled(RAN, summary)


def connected_user_ids() -> list[int]:
    from calsync.outlook.models import OutlookAccount, OutlookSettings

    row = OutlookSettings.load()
    if not (row.enabled and row.client_id):
        return []
    return [
        account.user_id
        for account in OutlookAccount.objects.exclude(token_cache_encrypted="")
        if account.connected
    ]


class Scheduler:
    """The background sync thread (see the module docstring)."""

    def __init__(
        self,
        *,
        interval: float | None = None,
        poll: float = POLL_EVERY,
        runner: Runner = sync_user,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = default_interval() if interval is None else interval
        self.poll = poll
        self._runner = runner
        self._clock = clock
        self._due: dict[int, tuple[float, str]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._next_sweep = clock()
        self._next_poll: float | None = clock() if poll > 0 else None
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

    def request(self, user_id: int, delay: float = 0.0, trigger: str = "change") -> None:
        """Sync ``user_id`` in ``delay`` seconds; a newer request within it replaces it
        (a notification's only moves a pending run of another trigger earlier)."""
        with self._wake:
            self._request(user_id, delay, trigger)
            self._wake.notify_all()

    def _request(self, user_id: int, delay: float, trigger: str) -> None:
        due = self._clock() + delay
        pending = self._due.get(user_id)
        if trigger == NOTIFICATION and pending is not None and pending[1] != NOTIFICATION:
            due, trigger = min(due, pending[0]), pending[1]
        self._due[user_id] = (due, trigger)

    def poke(self) -> None:
        """Look at the database's sync requests now (one was just recorded)."""
        with self._wake:
            self._next_poll = self._clock()
            self._wake.notify_all()

    def _loop(self) -> None:
        try:
            self._work()
        finally:
            connections.close_all()  # this thread's own (kept open between runs otherwise)

    def _work(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                job = self._next_job()
                poll = job is None and self._poll_due()
                if job is None and not poll:
                    self._wake.wait(self._wait_time())
                    continue
                if poll:
                    self._next_poll = self._clock() + self.poll if self.poll > 0 else None
            if job is None:
                self._poll()
                continue
            user_id, trigger = job
            self._run(user_id, trigger)

    def _poll_due(self) -> bool:
        return self._next_poll is not None and self._clock() >= self._next_poll

    def _poll(self) -> None:
        """Turn each due sync request into a ``notification`` run; wake up again when the
        soonest of the others falls due."""
        from calsync.outlook.triggers import handoff

        try:
            waiting = handoff.pending()
        except Exception:
            logger.exception("scheduler: reading sync requests failed")
            waiting = []
        finally:
            close_old_connections()
        with self._wake:
            now = self._clock()
            for user_id, seconds in waiting:
                if seconds <= 0:
                    self._request(user_id, 0.0, NOTIFICATION)
                else:
                    soonest = now + seconds
                    if self._next_poll is None or soonest < self._next_poll:
                        self._next_poll = soonest

    def _next_job(self) -> tuple[int, str] | None:
        now = self._clock()
        if self.interval > 0 and now >= self._next_sweep:
            self._next_sweep = now + self.interval
            try:
                for user_id in connected_user_ids():
                    self._due.setdefault(user_id, (now, "schedule"))
            except Exception:
                logger.exception("scheduler: listing accounts failed")
            finally:
                close_old_connections()
        ready = [(due, uid) for uid, (due, _t) in self._due.items() if due <= now]
        if not ready:
            return None
        _due, user_id = min(ready)
        return user_id, self._due.pop(user_id)[1]

    def _wait_time(self) -> float:
        now = self._clock()
        times = [due for due, _t in self._due.values()]
        if self._next_poll is not None:
            times.append(self._next_poll)
        if self.interval > 0:
            times.append(self._next_sweep)
        return max(0.05, min(times) - now) if times else 60.0

    def _run(self, user_id: int, trigger: str) -> None:
        try:
            self._runner(user_id, trigger)
        except Exception:
            logger.exception("scheduler: sync of user %s failed", user_id)
        finally:
            self.runs += 1
            close_old_connections()


_default: Scheduler | None = None
_default_lock = threading.Lock()


def default() -> Scheduler:
    """The process's scheduler (created on first use, started by ``calsync run``/``worker``)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Scheduler()
        return _default


def request_sync(user_id: int, delay: float = 0.0, trigger: str = "change") -> bool:
    """Ask the running scheduler for a sync; False when no scheduler runs in this process."""
    scheduler = _default
    if scheduler is None or not scheduler.running:
        return False
    scheduler.request(user_id, delay, trigger)
    return True


def poke() -> bool:
    """Wake the running scheduler to look at the database's sync requests; False when no
    scheduler runs in this process."""
    scheduler = _default
    if scheduler is None or not scheduler.running:
        return False
    scheduler.poke()
    return True
