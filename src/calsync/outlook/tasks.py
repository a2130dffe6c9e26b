"""Celery tasks for scaling sync out: the same functions the embedded scheduler calls.

Broker: ``CALSYNC_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). Run workers with
``celery -A calsync.outlook.tasks worker``; schedule ``sync_all`` periodically (beat) and
call ``sync_user.delay(user_id)`` on changes. One run per account at a time still holds:
:func:`~calsync.outlook.sync.run_sync` claims the account row.
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


def _setup() -> None:
    import django

    django.setup()


@app.task(name="calsync.outlook.sync_user")
def sync_user(user_id: int, trigger: str = "celery") -> dict[str, Any] | None:
    """Sync the user's connected account; returns CONTRACT §4's summary (None: not connected)."""
    _setup()
    from calsync.outlook import scheduler

    summary = scheduler.sync_user(user_id, trigger)
    return summary.as_json() if summary is not None else None


@app.task(name="calsync.outlook.sync_all")
def sync_all() -> int:
    """Queue a sync of every connected account; returns how many were queued."""
    _setup()
    from calsync.outlook import scheduler

    user_ids = scheduler.connected_user_ids()
    for user_id in user_ids:
        sync_user.delay(user_id, "schedule")
    return len(user_ids)
