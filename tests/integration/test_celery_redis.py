"""Celery on Redis for scale-out: a real worker runs calsync's sync task against the emulator.

The worker is Celery's own (``celery.contrib.testing.worker``, a thread pool of two in this
process) on the Redis broker and result backend at ``CALSYNC_REDIS_URL``, fed through a queue
of its own; the account is connected through the real consent flow. Proves that the task
syncs a connected account, and that two tasks for one account at once make one run (the
account claim), the other answering that a sync is running.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.conftest import outlook_subjects
from tests.integration.sync_world import at

from calsync.calendars import actions
from calsync.outlook.models import SyncRun

pytestmark = [pytest.mark.redis, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAILBOX = "carol@example.com"
PASSWORD = "pw-calsync"


@pytest.fixture
def worker(celery_queue: str) -> str:
    """The queue a Celery worker consumes."""
    return celery_queue


@pytest.fixture
def carol(connect_by_consent: Any) -> Any:
    """Carol, connected to her Outlook mailbox by the real consent flow."""
    user = connect_by_consent(MAILBOX, "Carol Diaz", PASSWORD).user
    SyncRun.objects.all().delete()  # the connect flow may have synced once already
    return user


def test_a_worker_syncs_a_connected_account(carol: Any, emulator: Any, worker: str) -> None:
    from calsync.outlook.triggers import tasks

    for n in range(30):  # more than one $batch: concurrent batches from the worker's thread
        actions.do_create_event(
            carol, {"title": f"Via Celery {n:02d}", "start": at(2 + n), "end": at(2 + n, 10)}
        )
    summary = tasks.sync_user.apply_async((carol.pk,), queue=worker).get(timeout=60)
    assert summary["ok"], summary["errors"]
    assert summary["user"] == MAILBOX
    assert summary["pushed"]["created"] == 30
    assert outlook_subjects(emulator, MAILBOX) == [f"Via Celery {n:02d}" for n in range(30)]
    run = SyncRun.objects.get()
    assert (run.trigger, run.status) == ("celery", "ok")


def test_two_tasks_for_one_account_at_once_run_once(carol: Any, emulator: Any, worker: str) -> None:
    from calsync.outlook.triggers import tasks

    actions.do_create_event(carol, {"title": "Once", "start": at(3), "end": at(3, 10)})
    emulator.set_faults(latency_ms=400)  # each run takes a while: the two overlap
    pending = [tasks.sync_user.apply_async((carol.pk,), queue=worker) for _ in range(2)]
    summaries = [result.get(timeout=90) for result in pending]
    emulator.set_faults()
    assert sorted(s["ok"] for s in summaries) == [False, True]
    refused = next(s for s in summaries if not s["ok"])
    assert [(e["code"], e["message"]) for e in refused["errors"]] == [
        ("sync_running", "A sync of this account is running.")
    ]
    assert SyncRun.objects.count() == 1
    assert outlook_subjects(emulator, MAILBOX) == ["Once"]
