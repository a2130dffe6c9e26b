"""Several ``calsync worker`` processes share the accounts: each due sync runs once, wherever.

Three real worker processes against this test's database (SQLite or PostgreSQL, where they
take due accounts with ``SELECT … FOR UPDATE SKIP LOCKED``) and the emulator, 30 accounts
connected by the real consent flow, periodic syncs every 5 s, for 30 s: no account is synced
twice for one due time, none is left behind, and every worker takes a share.
"""

from __future__ import annotations

import itertools
import re
import signal
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from calsync.outlook.models import SyncRequest, SyncRun

from .processes import child_env
from .servers import CALSYNC

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ACCOUNTS = 30
WORKERS = 3
INTERVAL = 5.0
SECONDS = 30.0


def test_three_workers_divide_thirty_accounts_and_never_repeat_a_run(
    connect_by_consent: Any, emulator: Any, settings: Any, tmp_path: Path
) -> None:
    users = [
        connect_by_consent(f"u{n:02}@example.com", f"User {n:02}").user for n in range(ACCOUNTS)
    ]
    SyncRequest.objects.all().delete()  # only the periodic due times drive this test
    SyncRun.objects.all().delete()
    env = child_env(settings, emulator, tmp_path, log_level="INFO")
    logs = [tmp_path / f"worker-{n}.log" for n in range(WORKERS)]
    workers = [
        subprocess.Popen(
            [CALSYNC, "worker", "--interval", str(INTERVAL)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        for log in logs
    ]
    time.sleep(SECONDS)
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=60)

    runs = list(
        SyncRun.objects.filter(trigger="schedule").values_list(
            "account__user_id", "started_at", "finished_at", "status"
        )
    )
    assert all(status == SyncRun.STATUS_OK for *_rest, status in runs)
    by_user: dict[int, list[Any]] = defaultdict(list)
    for user_id, started, finished, _status in runs:
        by_user[user_id].append((started, finished))
    rounds = SECONDS / INTERVAL
    for user in users:
        mine = sorted(by_user[user.pk])
        assert rounds - 2 <= len(mine) <= rounds + 1, (user.email, len(mine))
        for (start, _end), (next_start, _next_end) in itertools.pairwise(mine):
            gap = (next_start - start).total_seconds()
            assert gap >= INTERVAL - 0.5, (user.email, gap)  # never one due time run twice
    shares = Counter()
    for n, log in enumerate(logs):
        shares[n] = len(re.findall(r"sync_run user=\d+ .* trigger=schedule", log.read_text()))
    print(f"{len(runs)} periodic runs; per worker: {dict(shares)}")
    assert sum(shares.values()) == len(runs)
    assert all(count > 0 for count in shares.values())  # all three took a share
