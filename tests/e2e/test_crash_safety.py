"""A sync killed outright (``kill -9``) at random points of a push: its claim is a lease that
nobody renews any more, so the account syncs again within a minute, the dead run's row ends
"interrupted" with its progress cleared, and nothing is duplicated or lost.

Real processes: ``calsync sync`` runs as a child process against the test database and the
emulator over HTTPS, and is killed with SIGKILL while it writes to Outlook.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.outlook.models import SyncRecord, SyncRun
from calsync.outlook.sync.progress import WRITING_OUTLOOK

from .conftest import outlook_subjects
from .processes import child_env, wait_for
from .servers import CALSYNC

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LEASE = 2.0
SLOT_LEASE = 4.0
"""A request's place in the mailbox's budget (``CALSYNC_GRAPH_SLOT_LEASE``): a killed run's
places free this long after, as its claim does after ``LEASE``."""


def writing_to_outlook(account_pk: int, after_run: int) -> bool:
    """A run newer than ``after_run`` writes to Outlook (a dead one stays "running" until
    the next claim ends it)."""
    return SyncRun.objects.filter(
        account_id=account_pk,
        pk__gt=after_run,
        status=SyncRun.STATUS_RUNNING,
        phase=WRITING_OUTLOOK,
    ).exists()


def test_kill_9_during_a_push_then_a_sync_within_a_minute_with_no_duplicate(
    connect_by_consent: Any, emulator: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CALSYNC_SYNC_LEASE = LEASE
    kim = connect_by_consent("kim@example.com", "Kim")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    titles = [f"Meeting {n:03}" for n in range(200)]
    for n, title in enumerate(titles):
        begins = start + timedelta(hours=n)
        actions.do_create_event(
            kim.user, {"title": title, "start": begins, "end": begins + timedelta(minutes=30)}
        )
    env = child_env(settings, emulator, tmp_path, sync_lease=LEASE, graph_slot_lease=SLOT_LEASE)
    emulator.set_faults(latency_ms=1000)  # a slow Outlook: a push takes seconds, kills land in it
    rng = random.Random(20261203)
    killed = 0
    for _attempt in range(3):
        last = SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        child = subprocess.Popen([CALSYNC, "sync", kim.user.email], env=env)
        wait_for(
            lambda c=child, n=last: c.poll() is not None or writing_to_outlook(kim.account.pk, n),
            60,
        )
        time.sleep(rng.uniform(0.2, 2.0))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.wait()
        time.sleep(LEASE + 0.3)  # nobody renews the dead run's lease
    assert killed >= 2  # most attempts were killed mid-push
    emulator.set_faults()
    after_kill = time.monotonic()
    done = subprocess.run(
        [CALSYNC, "sync", "--json", kim.user.email],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["ok"], summary["errors"]
    assert time.monotonic() - after_kill < 60
    assert outlook_subjects(emulator, kim.user.email) == titles  # none lost, none twice
    local = Event.objects.filter(owner=kim.user).order_by("title")
    assert [event.title for event in local] == titles
    assert SyncRecord.objects.filter(account=kim.account).count() == len(titles)
    interrupted = SyncRun.objects.filter(account=kim.account, status=SyncRun.STATUS_INTERRUPTED)
    assert interrupted.count() == killed
    assert all(run.phase == "" and run.progress_total == 0 for run in interrupted)
    assert not SyncRun.objects.filter(account=kim.account, status=SyncRun.STATUS_RUNNING)
