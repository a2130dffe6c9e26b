"""Change notifications with ``CALSYNC_CELERY`` on: the live server (no engine in its
process) records the sync request; the beat's ``dispatch_due`` (sent here every 0.2 s, as
``celery beat`` would) queues ``drain_due`` tasks, and a real Celery worker (two threads, a
queue of its own, Redis at ``CALSYNC_REDIS_URL``) takes the request with the same own-writes
filter as every engine, and waits for a run held elsewhere instead of losing the request.
The emulator sends the notifications over HTTPS, as Microsoft would."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from tests.integration.sync_world import at

from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.outlook.models import OutlookSubscription, SyncRequest, SyncRun
from calsync.outlook.sync import claims
from calsync.outlook.sync.run import run_sync
from calsync.outlook.triggers import scheduler, tasks

pytestmark = [pytest.mark.redis, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAILBOX = "dora@example.com"
PASSWORD = "pw-calsync"


@pytest.fixture
def celery_worker_queue(
    celery_queue: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The Celery worker's queue, which the drains go to, and a beat sending
    ``dispatch_due`` to it."""
    monkeypatch.setattr(tasks, "QUEUE", celery_queue)
    settings.CALSYNC_CELERY = True
    settings.CALSYNC_NOTIFICATIONS = True
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 0.3
    settings.CALSYNC_SYNC_INTERVAL = 0  # requests only: no periodic syncs in these tests
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(0.2):
            tasks.dispatch_due.apply_async(queue=celery_queue)

    beating = threading.Thread(target=beat, daemon=True)
    beating.start()
    yield celery_queue
    stop.set()
    beating.join()


@pytest.fixture
def dora(connect_by_consent: Any, celery_worker_queue: str) -> Any:
    """Dora connected by the real consent flow, synced once (so she is subscribed)."""
    browser = connect_by_consent(MAILBOX, "Dora Le", PASSWORD)
    assert not scheduler.poke()  # no scheduler in the process that receives notifications
    # connecting queued a first sync on Celery, which may be running: sync until subscribed
    subscribed = OutlookSubscription.objects.filter(account=browser.account, subscription_id__gt="")
    wait_for(lambda: run_sync(browser.account, "cli").ok and subscribed.exists())
    return browser


def outlook_create(emulator: Any, subject: str) -> str:
    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    body = {
        "subject": subject,
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "end": {"dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC"},
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {emulator.token_for(MAILBOX)}"}
    with emulator.client() as http:
        answer: httpx.Response = http.post(
            f"{emulator.graph_url}/me/events", json=body, headers=headers
        )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def wait_for(condition: Any, timeout: float = 10) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out: {list(SyncRun.objects.values('trigger', 'status'))}")


def runs(trigger: str) -> int:
    return SyncRun.objects.filter(trigger=trigger, finished_at__isnull=False).count()


def test_celery_filters_our_own_writes_and_syncs_outlook_changes(dora: Any, emulator: Any) -> None:
    delivered = emulator.stats().get("notifications_sent", 0)
    actions.do_create_event(dora.user, {"title": "Ours", "start": at(3), "end": at(3, 10)})
    call_command("sync", MAILBOX)  # pushes it: Outlook notifies about our own write
    wait_for(lambda: emulator.stats().get("notifications_sent", 0) > delivered)
    wait_for(lambda: not SyncRequest.objects.exists())  # the task took it...
    time.sleep(0.5)
    assert runs("notification") == 0  # ...and ran nothing
    outlook_create(emulator, "Theirs, via Celery")
    wait_for(Event.objects.filter(owner=dora.user, title="Theirs, via Celery").exists)
    wait_for(lambda: runs("notification") == 1)
    assert not SyncRequest.objects.exists()


def test_celery_waits_for_a_run_held_elsewhere(dora: Any, emulator: Any) -> None:
    claim = claims.claim_account(dora.account)  # e.g. the button's run, elsewhere
    assert claim is not None
    remote_id = outlook_create(emulator, "While busy, via Celery")
    wait_for(lambda: SyncRequest.objects.exists())
    time.sleep(1.0)  # the drains came and left it: a run holds the account
    assert runs("notification") == 0
    [changes] = SyncRequest.objects.values_list("changes", flat=True)
    assert remote_id in {row[0] for row in changes}
    claims.release_claim(dora.account, claim)
    wait_for(Event.objects.filter(owner=dora.user, title="While busy, via Celery").exists)
    wait_for(lambda: runs("notification") == 1)
    assert not SyncRequest.objects.exists()
