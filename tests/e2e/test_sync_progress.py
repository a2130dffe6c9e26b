"""A sync tells how far it is: phases in order, events written of the total, on its run
row while it runs (for the page) and to a listener (the command line's bar)."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.outlook.management.commands.sync import EventBar
from calsync.outlook.models import OutlookAccount, SyncRun
from calsync.outlook.sync.progress import (
    COLLECTING,
    PLANNING,
    RECORDING,
    WRITING_HERE,
    WRITING_OUTLOOK,
    Snapshot,
)
from calsync.outlook.web.status import status_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(emulator: Any) -> SyncWorld:
    return SyncWorld(emulator, "alice@contoso.test", "Alice Nguyen")


def test_a_first_sync_reports_each_phase_and_every_event(alice: SyncWorld) -> None:
    for n in range(45):
        alice.create(title=f"Here {n}", start=at(1 + n % 20, 8 + n % 8), end=at(1 + n % 20, 17))
    for n in range(30):
        alice.outlook_create(
            {
                "subject": f"There {n}",
                "start": graph_time(at(2 + n % 10, 7)),
                "end": graph_time(at(2 + n % 10, 8)),
            }
        )
    heard: list[Snapshot] = []
    summary = alice.sync(listener=heard.append)
    assert summary.ok, summary.errors
    phases = [s.phase for s in heard]
    order = [COLLECTING, PLANNING, WRITING_HERE, WRITING_OUTLOOK, RECORDING]
    assert [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p] == order
    for phase, total in ((WRITING_HERE, 30), (WRITING_OUTLOOK, 45)):
        steps = [(s.done, s.total) for s in heard if s.phase == phase]
        assert steps[0] == (0, total) and steps[-1] == (total, total)
        assert [d for d, _ in steps] == sorted(d for d, _ in steps)  # never goes back
    run = SyncRun.objects.get(pk=summary.run_id)
    assert (run.phase, run.status) == (RECORDING, SyncRun.STATUS_OK)


def test_the_status_shows_the_progress_while_the_sync_runs(alice: SyncWorld) -> None:
    for n in range(40):
        alice.create(title=f"Slow {n}", start=at(1 + n % 20, 9), end=at(1 + n % 20, 10))
    alice.emulator.set_faults(latency_ms=150)  # each request takes a while
    seen: list[dict[str, Any]] = []
    done = threading.Event()
    account_user = alice.user

    def watch() -> None:
        from django.db import connection

        try:
            while not done.is_set():
                progress = status_for(account_user).get("progress")
                if progress:
                    seen.append(progress)
                done.wait(0.05)
        finally:
            connection.close()

    # the page shows progress of connected accounts (this one syncs with a static token)
    OutlookAccount.objects.filter(pk=alice.account.pk).update(token_cache_encrypted="x")
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        summary = alice.sync()
    finally:
        done.set()
        watcher.join()
    alice.emulator.set_faults()
    assert summary.ok, summary.errors
    assert seen, "no progress was visible while the sync ran"
    assert {p["phase"] for p in seen} <= {COLLECTING, PLANNING, WRITING_OUTLOOK, RECORDING}
    assert any(p["phase"] == WRITING_OUTLOOK and p["total"] == 40 for p in seen)
    assert status_for(account_user)["progress"] is None


def test_the_command_line_bar_names_each_phase() -> None:
    out = io.StringIO()
    bar = EventBar(out)
    bar(Snapshot(COLLECTING))
    bar(Snapshot(WRITING_OUTLOOK, 0, 200))
    bar(Snapshot(WRITING_OUTLOOK, 120, 200))
    bar.close()
    text = out.getvalue()
    assert "Reading changes from Outlook" in text
    assert "Sending changes to Outlook" in text and "120/200" in text
