"""The per-(app, mailbox) Graph request budget (:mod:`calsync.msgraph.budget`), shared by
every process: in Redis when ``CALSYNC_REDIS_URL`` is set, else in the database
(:class:`~calsync.outlook.models.MailboxBudget`, one row per mailbox, changed under a row
lock).

A place in flight is a lease of :func:`slot_lease` seconds (``CALSYNC_GRAPH_SLOT_LEASE``,
:data:`SLOT_LEASE` by default), so a process killed mid-request frees it on its own. A
request that finds all places taken waits up to :data:`WAIT_AT_MOST` seconds; the window
(10,000 per 10 minutes, by minute) that is full raises
:class:`~calsync.msgraph.errors.Throttled` at once, until its oldest minute leaves it.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction

from calsync.msgraph.budget import IN_FLIGHT, WINDOW_REQUESTS, WINDOW_SECONDS
from calsync.msgraph.errors import Throttled
from calsync.outlook.models import MailboxBudget

SLOT_LEASE = 25.0
"""Seconds a place in flight is held at most by default: a little longer than a request's
timeout (20 s), so the places of a process killed mid-request free soon after."""
WAIT_AT_MOST = 30.0
"""Seconds a request waits for a free place before it gives up as throttled."""
MINUTES = WINDOW_SECONDS // 60


class Full(Exception):
    """The window is full until ``until`` (epoch seconds)."""

    def __init__(self, until: float) -> None:
        super().__init__(until)
        self.until = until


def slot_lease() -> float:
    """Seconds a place in flight is held at most (``CALSYNC_GRAPH_SLOT_LEASE``)."""
    return float(getattr(settings, "CALSYNC_GRAPH_SLOT_LEASE", SLOT_LEASE))


def gate_for(app_id: str, mailbox: str) -> MailboxGate:
    """The budget of ``mailbox`` for the app ``app_id``, in the configured store."""
    url = getattr(settings, "CALSYNC_REDIS_URL", "")
    store: Store = RedisStore(url) if url else DatabaseStore()
    return MailboxGate(app_id, mailbox.lower(), store)


class Store(Protocol):
    """Where the places and the window live; both methods are atomic."""

    def take(self, key: tuple[str, str], token: str, cost: int, now: float) -> bool:
        """Take a place for ``token`` and count ``cost`` (False: no free place, nothing
        counted); raises :class:`Full`."""
        ...

    def give_back(self, key: tuple[str, str], token: str) -> None:
        """Free ``token``'s place."""
        ...


class MailboxGate:
    """A :class:`calsync.msgraph.budget.RequestGate` over a :class:`Store`."""

    def __init__(
        self,
        app_id: str,
        mailbox: str,
        store: Store,
        *,
        wait_at_most: float = WAIT_AT_MOST,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = (app_id, mailbox)
        self.store = store
        self.wait_at_most = wait_at_most
        self.clock = clock

    def admit(self, cost: int) -> Callable[[], None]:
        token = uuid.uuid4().hex
        deadline = self.clock() + self.wait_at_most
        pause = 0.02
        while True:
            try:
                if self.store.take(self.key, token, cost, self.clock()):
                    return lambda: self.store.give_back(self.key, token)
            except Full as full:
                until = datetime.fromtimestamp(full.until, UTC)
                raise Throttled(
                    "this mailbox's request budget for the last ten minutes is spent",
                    status=429,
                    code="MailboxBudgetSpent",
                    retry_after=max(0.0, full.until - self.clock()),
                    until=until,
                ) from None
            if self.clock() >= deadline:
                raise Throttled(
                    "no request slot of this mailbox freed in time",
                    status=429,
                    code="MailboxConcurrency",
                    retry_after=5.0,
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _window(minutes: dict[str, int], now: float) -> tuple[dict[str, int], int]:
    """The minutes still in the window at ``now``, and their total."""
    first = math.floor(now / 60) - MINUTES + 1
    kept = {m: c for m, c in minutes.items() if int(m) >= first}
    return kept, sum(kept.values())


def _full_until(minutes: dict[str, int], cost: int) -> float:
    """When enough of the oldest minutes leave the window for ``cost`` more."""
    total = sum(minutes.values())
    for minute in sorted(minutes, key=int):
        total -= minutes[minute]
        if total + cost <= WINDOW_REQUESTS:
            return (int(minute) + MINUTES) * 60.0
    return (math.floor(time.time() / 60) + MINUTES) * 60.0


class DatabaseStore:
    """The budget in the database: one row per mailbox, read and written under its lock."""

    def take(self, key: tuple[str, str], token: str, cost: int, now: float) -> bool:
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    row = self._row(key)
                    return self._take(row, token, cost, now)
            except IntegrityError:  # another process made the row first
                continue
        return False

    @staticmethod
    def _row(key: tuple[str, str]) -> MailboxBudget:
        app_id, mailbox = key
        row = MailboxBudget.objects.select_for_update().filter(app_id=app_id, mailbox=mailbox)
        found = row.first()
        if found is None:
            with transaction.atomic():
                found = MailboxBudget.objects.create(app_id=app_id, mailbox=mailbox)
        return found

    @staticmethod
    def _take(row: MailboxBudget, token: str, cost: int, now: float) -> bool:
        minutes, total = _window(row.minutes, now)
        if total + cost > WINDOW_REQUESTS:
            raise Full(_full_until(minutes, cost))
        slots = [slot for slot in row.slots if slot[1] > now]
        if len(slots) >= IN_FLIGHT:
            return False
        slots.append([token, now + slot_lease()])
        minute = str(math.floor(now / 60))
        minutes[minute] = minutes.get(minute, 0) + cost
        MailboxBudget.objects.filter(pk=row.pk).update(slots=slots, minutes=minutes)
        return True

    def give_back(self, key: tuple[str, str], token: str) -> None:
        app_id, mailbox = key
        with transaction.atomic():
            row = (
                MailboxBudget.objects.select_for_update()
                .filter(app_id=app_id, mailbox=mailbox)
                .first()
            )
            if row is not None:
                slots = [slot for slot in row.slots if slot[0] != token]
                MailboxBudget.objects.filter(pk=row.pk).update(slots=slots)


_TAKE = """
local now, token, lease, cost = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local minute, first, in_flight, limit = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]),
    tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local all = redis.call('HGETALL', KEYS[2])
local total, oldest = 0, nil
for i = 1, #all, 2 do
  local m = tonumber(all[i])
  if m < first then
    redis.call('HDEL', KEYS[2], all[i])
  else
    total = total + tonumber(all[i + 1])
    if oldest == nil or m < oldest then oldest = m end
  end
end
if total + cost > limit then return {-1, tostring(oldest or first)} end
if redis.call('ZCARD', KEYS[1]) >= in_flight then return {0, ''} end
redis.call('ZADD', KEYS[1], now + lease, token)
redis.call('HINCRBY', KEYS[2], minute, cost)
redis.call('EXPIRE', KEYS[1], math.ceil(lease * 2))
redis.call('EXPIRE', KEYS[2], 660)
return {1, ''}
"""


class RedisStore:
    """The budget in Redis: a sorted set of places and a hash of minutes per mailbox, changed
    by one Lua script (atomic on the server)."""

    _clients: dict[str, Any] = {}
    _lock = threading.Lock()

    def __init__(self, url: str) -> None:
        import redis

        with self._lock:
            if url not in self._clients:
                self._clients[url] = redis.Redis.from_url(url)
            self.client = self._clients[url]
        self.script = self.client.register_script(_TAKE)

    @staticmethod
    def _keys(key: tuple[str, str]) -> list[str]:
        base = f"calsync:budget:{key[0]}:{key[1]}"
        return [f"{base}:slots", f"{base}:minutes"]

    def take(self, key: tuple[str, str], token: str, cost: int, now: float) -> bool:
        minute = math.floor(now / 60)
        args = [now, token, slot_lease(), cost, minute, minute - MINUTES + 1, IN_FLIGHT]
        result, oldest = self.script(keys=self._keys(key), args=[*args, WINDOW_REQUESTS])
        if int(result) == -1:
            raise Full((int(oldest) + MINUTES) * 60.0)
        return int(result) == 1

    def give_back(self, key: tuple[str, str], token: str) -> None:
        self.client.zrem(self._keys(key)[0], token)
