"""Celery tasks: the same due-time engine as ``calsync worker``, on Celery workers.

Broker: ``CALSYNC_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). With
``CALSYNC_CELERY=1`` the web process runs no engine of its own; run the workers with their
beat (``celery -A calsync.outlook.triggers.tasks worker --beat``, or a separate ``beat``).

Every :data:`DISPATCH_EVERY` seconds the beat sends ``dispatch_due``; when syncs are due, it
queues up to :data:`DRAINS` ``drain_due`` tasks (each expiring if not started within one
beat, so a busy queue never piles them up). A ``drain_due`` takes due syncs one by one
(:func:`calsync.outlook.triggers.due.take_next`: exactly once, whoever else takes) and runs
them, for up to :data:`DRAIN_SECONDS`. ``sync_user`` runs one account now (the button's way,
outside the due times); ``sync_all`` asks for a sync of every connected account now.
"""

from __future__ import annotations

import os
import time
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calsync.settings")

DISPATCH_EVERY = 1.0
"""Seconds between two beats (a due sync waits at most this long for a drain)."""
DRAINS = int(os.environ.get("CALSYNC_CELERY_DRAINS", "4"))
"""``drain_due`` tasks queued per beat when syncs are due (about the workers' concurrency)."""
DRAIN_SECONDS = 55.0
"""How long one ``drain_due`` keeps taking due syncs."""
QUEUE: str | None = None
"""The queue ``dispatch_due`` sends ``drain_due`` to (None: Celery's default queue)."""

app = Celery("calsync")
app.conf.broker_url = os.environ.get("CALSYNC_REDIS_URL", "redis://127.0.0.1:6379/0")
app.conf.result_backend = app.conf.broker_url
app.conf.task_serializer = "json"
app.conf.accept_content = ["json"]
app.conf.broker_connection_retry_on_startup = True
app.conf.worker_hijack_root_logger = False  # calsync's logging: one line per event, one format
app.conf.beat_schedule = {
    "calsync-dispatch-due": {"task": "calsync.outlook.dispatch_due", "schedule": DISPATCH_EVERY}
}


def _setup() -> None:
    import django

    django.setup()


@app.task(name="calsync.outlook.dispatch_due")
def dispatch_due() -> int:
    """Queue ``drain_due`` tasks when syncs are due; returns how many were queued."""
    _setup()
    from calsync.outlook.triggers import due, scheduler

    soonest = due.soonest(scheduler.default_interval())
    if soonest is None or soonest > 0:
        return 0
    options: dict[str, Any] = {"expires": DISPATCH_EVERY * 2}
    if QUEUE:
        options["queue"] = QUEUE
    for _n in range(DRAINS):
        drain_due.apply_async(**options)
    return DRAINS


@app.task(name="calsync.outlook.drain_due")
def drain_due(seconds: float = DRAIN_SECONDS) -> int:
    """Take and run due syncs until none is due or ``seconds`` passed; returns how many."""
    _setup()
    from calsync.outlook.triggers import due, scheduler

    interval = scheduler.default_interval()
    deadline = time.monotonic() + seconds
    ran = 0
    while time.monotonic() < deadline:
        job = due.take_next(interval)
        if job is None:
            break
        due.run(job, interval)
        ran += 1
    return ran


@app.task(name="calsync.outlook.sync_user")
def sync_user(user_id: int, trigger: str = "celery") -> dict[str, Any] | None:
    """Sync the user's connected account now; returns its summary (None: not connected)."""
    _setup()
    from calsync.outlook.triggers import scheduler

    summary = scheduler.sync_user(user_id, trigger)
    return summary.as_json() if summary is not None else None


@app.task(name="calsync.outlook.sync_all")
def sync_all() -> int:
    """Ask for a sync of every connected account now (the drains run them); returns how
    many were asked for."""
    _setup()
    from calsync.outlook.models import OutlookAccount
    from calsync.outlook.triggers import due, scheduler

    user_ids = list(
        OutlookAccount.objects.filter(due.connected()).values_list("user_id", flat=True)
    )
    for user_id in user_ids:
        scheduler.ask(user_id, 0.0, "schedule")
    return len(user_ids)
