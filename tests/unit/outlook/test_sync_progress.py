"""The progress of a running sync: stored on its run (throttled, phases at once), read by
``GET /api/outlook/status`` and the panel, forgotten once the run ended or died."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from django.utils.translation import override

from calsync.outlook.models import OutlookAccount, SyncRun
from calsync.outlook.sync import claims
from calsync.outlook.sync.progress import (
    COLLECTING,
    WRITING_HERE,
    WRITING_OUTLOOK,
    RunProgress,
    Snapshot,
    reading_of,
)
from calsync.outlook.web.status import status_for

from .conftest import connect

pytestmark = pytest.mark.django_db


def running(account: OutlookAccount, minutes_ago: int = 0) -> SyncRun:
    """A run's row, its account claimed as a live run holds it (renewed ``minutes_ago``)."""
    renewed = timezone.now() - timedelta(minutes=minutes_ago)
    OutlookAccount.objects.filter(pk=account.pk).update(sync_claim="a-run", sync_claimed_at=renewed)
    account.refresh_from_db()
    return SyncRun.objects.create(
        account=account, trigger="button", started_at=renewed, status=SyncRun.STATUS_RUNNING
    )


def stored(run: SyncRun) -> tuple[str, int, int]:
    run.refresh_from_db()
    return run.phase, run.progress_done, run.progress_total


def test_phases_are_stored_at_once_and_steps_at_most_every_interval(alice, configured):
    run = running(connect(alice))
    heard: list[Snapshot] = []
    progress = RunProgress(run.pk, heard.append, interval=3600)
    progress.phase(WRITING_HERE, 5)
    assert stored(run) == (WRITING_HERE, 0, 5)
    progress.at(WRITING_HERE, 2, 5)
    assert stored(run) == (WRITING_HERE, 0, 5)  # within the interval: not written
    progress.at(WRITING_HERE, 10, 5)  # capped at the total; the end is always written
    assert stored(run) == (WRITING_HERE, 5, 5)
    progress.reporter(WRITING_OUTLOOK)(0, 3)  # a new phase is written at once
    assert stored(run) == (WRITING_OUTLOOK, 0, 3)
    assert [(s.done, s.total) for s in heard] == [(0, 5), (2, 5), (5, 5), (0, 3)]


def test_without_a_run_only_the_listener_hears(alice, configured):
    heard: list[Snapshot] = []
    progress = RunProgress(None, heard.append)
    progress.phase(WRITING_OUTLOOK, 3)
    progress.at(WRITING_OUTLOOK, 1, 3)
    assert heard[-1] == Snapshot(WRITING_OUTLOOK, 1, 3)


def test_labels_say_what_and_how_far_in_each_language():
    assert Snapshot(WRITING_OUTLOOK, 40, 1000).label() == "Sending changes to Outlook: 40 of 1000"
    assert reading_of("nonsense", 1, 2) is None
    assert Snapshot(COLLECTING).label() == "Reading changes from Outlook…"
    with override("vi"):
        assert "40" in Snapshot(WRITING_OUTLOOK, 40, 1000).label()
        assert Snapshot(COLLECTING).title() != "Reading changes from Outlook"


def test_status_shows_the_running_sync_only(alice, configured):
    account = connect(alice)
    assert status_for(alice)["progress"] is None
    run = running(account)
    RunProgress(run.pk).phase(WRITING_HERE, 5000)
    assert status_for(alice)["progress"] == {
        "phase": WRITING_HERE,
        "done": 0,
        "total": 5000,
        "label": "Saving changes from Outlook: 0 of 5000",
    }
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.STATUS_OK)
    assert status_for(alice)["progress"] is None
    died = running(account, minutes_ago=2)  # its lease ran out: its process died
    RunProgress(died.pk).phase(WRITING_HERE, 10)
    assert status_for(alice)["progress"] is None


def test_the_next_claim_ends_a_dead_runs_row_as_interrupted(alice, configured):
    account = connect(alice)
    died = running(account, minutes_ago=2)
    RunProgress(died.pk).phase(WRITING_OUTLOOK, 300)
    assert claims.claim_account(account) is not None  # the dead run's lease ran out
    died.refresh_from_db()
    assert (died.status, died.ok, died.phase, died.progress_total) == (
        SyncRun.STATUS_INTERRUPTED,
        False,
        "",
        0,
    )
    assert died.finished_at is not None
    assert status_for(alice)["health"] == "degraded"
    with override("vi"):
        assert "gián đoạn" in status_for(alice)["health_reason"]


def test_a_live_run_keeps_its_claim_and_its_row(alice, configured):
    account = connect(alice)
    alive = running(account)
    assert claims.claim_account(account) is None
    alive.refresh_from_db()
    assert alive.status == SyncRun.STATUS_RUNNING


def test_the_panel_shows_the_bar_while_a_sync_runs(alice, configured):
    account = connect(alice)
    request = RequestFactory().get("/")
    request.user = alice

    def panel() -> str:
        return render_to_string(
            "calendars/_outlook_panel.html",
            {"outlook_panel": status_for(alice), "outlook_runs": [], "user": alice},
            request=request,
        )

    assert (
        'id="outlook-progress"' in panel()
        and "hidden" in panel().split('id="outlook-progress"')[1].split(">")[0]
    )
    RunProgress(running(account).pk).phase(WRITING_OUTLOOK, 200)
    html = panel()
    assert 'data-sync-running="true"' in html
    assert 'max="200" value="0"' in html and "Sending changes to Outlook: 0 of 200" in html
