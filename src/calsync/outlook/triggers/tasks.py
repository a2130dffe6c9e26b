"""Celery tasks for scaling sync out: the same functions the embedded scheduler calls.

Broker: ``CALSYNC_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). Run workers with
``celery -A calsync.outlook.triggers.tasks worker``; schedule ``sync_all`` periodically (beat) and
call ``sync_user.delay(user_id)`` on changes. One run per account at a time still holds:
:func:`~calsync.outlook.sync.run.run_sync` claims the account row.

A change notification received with ``CALSYNC_CELERY`` set (and no scheduler in the web
process) is recorded as the account's sync request and :func:`enqueue_requested` queues
``sync_requested`` after the debounce: the task takes the request and applies the same
own-writes filter as the schedulers (:func:`calsync.outlook.triggers.scheduler.sync_requested`);
while a run holds the account it queues itself again, backing off up to
:data:`RETRY_AT_MOST` seconds, so a request arriving during a run still runs after it.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calsync.settings")

app = Celery("calsync")
app.conf.broker_url = os.environ.get("CALSYNC_REDIS_URL", "redis://127.0.0.1:6379/0")
app.conf.result_backend = app.conf.broker_url
app.conf.task_serializer = "json"
app.conf.accept_content = ["json"]
app.conf.broker_connection_retry_on_startup = True

QUEUE: str | None = None
"""The queue :func:`enqueue_requested` sends to (None: Celery's default queue)."""
RETRY_AT_MOST = 60.0
"""Longest wait (seconds) before a busy ``sync_requested`` looks again."""
MAX_ATTEMPTS = 60
"""Then the request waits in the database for the next notification or a polling scheduler."""


def _setup() -> None:
    import django

    django.setup()


@app.task(name="calsync.outlook.sync_user")
def sync_user(user_id: int, trigger: str = "celery") -> dict[str, Any] | None:
    """Sync the user's connected account; returns CONTRACT §4's summary (None: not connected)."""
    _setup()
    from calsync.outlook.triggers import scheduler

    summary = scheduler.sync_user(user_id, trigger)
    return summary.as_json() if summary is not None else None


@app.task(name="calsync.outlook.sync_all")
def sync_all() -> int:
    """Queue a sync of every connected account; returns how many were queued."""
    _setup()
    from calsync.outlook.triggers import scheduler

    user_ids = scheduler.connected_user_ids()
    for user_id in user_ids:
        sync_user.delay(user_id, "schedule")
    return len(user_ids)


def enqueue_requested(
    user_id: int, countdown: float, attempt: int = 0, queue: str | None = None
) -> None:
    """Queue ``sync_requested`` for the user's sync request in ``countdown`` seconds."""
    options: dict[str, Any] = {"countdown": countdown}
    if queue or QUEUE:
        options["queue"] = queue or QUEUE
    sync_requested.apply_async(args=(user_id, attempt), **options)


@app.task(name="calsync.outlook.sync_requested", bind=True)
def sync_requested(self: Any, user_id: int, attempt: int = 0) -> dict[str, Any] | None:
    """Take and run the user's sync request (a change notification); returns the run's
    summary (None: nothing ran). Busy: queued again, on the queue it came from."""
    _setup()
    from calsync.outlook.triggers import scheduler

    handled = scheduler.sync_requested(user_id)
    if handled.outcome == scheduler.BUSY and attempt + 1 < MAX_ATTEMPTS:
        wait = min(RETRY_AT_MOST, max(1.0, scheduler.notification_debounce()) * 2**attempt)
        queue = (self.request.delivery_info or {}).get("routing_key")
        enqueue_requested(user_id, wait, attempt + 1, queue)
    if handled.outcome != scheduler.RAN:
        return None
    return handled.summary.as_json()
