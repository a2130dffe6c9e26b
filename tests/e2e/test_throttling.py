"""Outlook's throttling as an operator meets it, through real processes: a ``Retry-After``
longer than calsync waits (300 s) ends a ``calsync sync`` at once as "throttled", says until
when in the status and the sync log, starts nothing before then, and a ``calsync worker``
syncs the account once the time Outlook gave has passed."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from calsync.calendars import actions
from calsync.outlook.models import OutlookAccount, SyncRun

from .conftest import outlook_subjects
from .processes import child_env, wait_for
from .servers import CALSYNC

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make_events(user: Any, count: int) -> list[str]:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    titles = [f"Push {n:02}" for n in range(count)]
    for n, title in enumerate(titles):
        begins = start + timedelta(hours=n)
        actions.do_create_event(
            user, {"title": title, "start": begins, "end": begins + timedelta(minutes=30)}
        )
    return titles


def sync_json(env: dict[str, str], email: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    done = subprocess.run(
        [CALSYNC, "sync", "--json", email], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout), time.monotonic() - started


def test_a_300_second_retry_after_ends_the_run_at_once_and_says_until_when(
    connect_by_consent: Any, emulator: Any, settings: Any, tmp_path: Path
) -> None:
    lan = connect_by_consent("lan@example.com", "Lan")
    make_events(lan.user, 45)
    env = child_env(settings, emulator, tmp_path)
    emulator.set_faults(throttle_rate=0.5, retry_after=300, seed=7)
    emulator.clear_stats()
    summary, seconds = sync_json(env, lan.user.email)
    requests = emulator.stats()["requests"]
    print(f"throttled sync: {seconds:.2f} s, {requests} Graph requests")
    assert seconds < 60
    assert requests <= 10
    assert not summary["ok"]
    until = datetime.fromisoformat(summary["throttled_until"])
    assert timedelta(seconds=250) < until - datetime.now(UTC) <= timedelta(seconds=300)
    run = SyncRun.objects.filter(account=lan.account).latest("pk")
    assert run.status == SyncRun.STATUS_THROTTLED
    account = OutlookAccount.objects.get(pk=lan.account.pk)
    assert account.throttled_until == until

    emulator.clear_stats()
    again, _seconds = sync_json(env, lan.user.email)  # before the deadline: nothing is sent
    assert emulator.stats()["requests"] == 0
    assert again["errors"][0]["code"] == "throttled"
    assert f"{until:%H:%M}" in again["errors"][0]["message"]
    status = lan.web.get("/api/outlook/status").json()
    assert status["health"] == "throttled"
    assert f"{until:%H:%M}" in status["health_reason"]
    vietnamese = lan.web.get("/api/outlook/status", headers={"Accept-Language": "vi"}).json()
    assert "chờ đến" in vietnamese["health_reason"]


def test_a_worker_syncs_the_account_once_the_time_outlook_gave_has_passed(
    connect_by_consent: Any, emulator: Any, settings: Any, tmp_path: Path
) -> None:
    mai = connect_by_consent("mai@example.com", "Mai")
    titles = make_events(mai.user, 30)
    env = child_env(settings, emulator, tmp_path, graph_max_retry_after=1)
    emulator.set_faults(throttle_rate=1.0, retry_after=4)
    summary, _seconds = sync_json(env, mai.user.email)
    until = datetime.fromisoformat(summary["throttled_until"])
    emulator.set_faults()
    worker = subprocess.Popen([CALSYNC, "worker"], env=env)  # its first round waits too
    try:
        after_deadline = SyncRun.objects.filter(
            account=mai.account, status=SyncRun.STATUS_OK, started_at__gte=until
        )
        assert wait_for(after_deadline.exists, timeout=60, every=0.2)
        scheduled = after_deadline.get()  # the changes' request, held until the deadline
        assert scheduled.trigger in {"change", "schedule"}
        assert scheduled.started_at < until + timedelta(seconds=10)
        assert (
            not SyncRun.objects.filter(
                account=mai.account, started_at__gt=scheduled.started_at - timedelta(seconds=30)
            )
            .exclude(pk=scheduled.pk)
            .exclude(status=SyncRun.STATUS_THROTTLED)
        )
        assert outlook_subjects(emulator, mai.user.email) == titles
        assert OutlookAccount.objects.get(pk=mai.account.pk).throttled_until is None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
