"""A long pull is applied page by page: each delta page's events are written and recorded as
the page arrives, the delta link only after the last page. A pull killed midway (``kill -9``
of a real ``calsync sync``) keeps what its pages did, and the next sync finishes it with no
duplicate and no loss; a complete round spread over pages deletes nothing it listed.

Pages of 20 events (``CALSYNC_GRAPH_PAGE_SIZE``), the emulator over HTTPS.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from tests.integration.sync_world import StaticToken, SyncWorld, at, graph_time

from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.msgraph import GraphClient
from calsync.msgraph.batching import SubRequest, run_batch
from calsync.outlook.models import OutlookAccount, SyncRecord

from .conftest import outlook_subjects
from .processes import child_env, wait_for
from .servers import CALSYNC

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGE = 20
COUNT = 97


def fill(emulator: Any, mailbox: str, count: int = COUNT) -> list[str]:
    """``count`` events made in the Outlook mailbox ``mailbox``; their subjects, sorted."""
    subjects = [f"Pulled {n:03}" for n in range(count)]
    bodies = [
        {"subject": subject, "start": graph_time(at(1 + n % 60, 8 + n % 9)),
         "end": graph_time(at(1 + n % 60, 9 + n % 9))}
        for n, subject in enumerate(subjects)
    ]  # fmt: skip
    token = StaticToken(emulator.token_for(mailbox))
    with GraphClient(emulator.graph_url, token, verify=emulator.ca_path) as graph:
        made = run_batch(graph, [SubRequest("POST", "/me/events", body) for body in bodies])
    assert all(answer.status == 201 for answer in made)
    return subjects


def local_titles(user: Any) -> list[str]:
    return sorted(Event.objects.filter(owner=user).values_list("title", flat=True))


def test_a_pull_killed_midway_resumes_with_no_duplicate_and_no_loss(
    connect_by_consent: Any, emulator: Any, settings: Any, tmp_path: Path
) -> None:
    pat = connect_by_consent("pat@example.com", "Pat Quinn")
    subjects = fill(emulator, "pat@example.com")
    env = child_env(settings, emulator, tmp_path, graph_page_size=PAGE, sync_lease=2)
    emulator.set_faults(latency_ms=400)  # a slow Outlook: the kill lands between pages
    child = subprocess.Popen([CALSYNC, "sync", pat.user.email], env=env)
    records = SyncRecord.objects.filter(account=pat.account)
    assert wait_for(lambda: child.poll() is not None or records.count() >= 2 * PAGE, 120)
    child.send_signal(signal.SIGKILL)
    child.wait()
    halfway = records.count()
    assert PAGE <= halfway < COUNT  # the pages before the kill were committed, not the rest
    assert Event.objects.filter(owner=pat.user).count() >= halfway
    assert OutlookAccount.objects.get(pk=pat.account.pk).delta_link == ""  # the last page's
    emulator.set_faults()
    time.sleep(2.3)  # the dead run's lease runs out
    done = subprocess.run(
        [CALSYNC, "sync", "--json", pat.user.email],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["ok"], summary["errors"]
    assert summary["pushed"] == {"created": 0, "updated": 0, "deleted": 0}
    assert local_titles(pat.user) == subjects  # none twice, none lost
    assert records.count() == COUNT
    assert outlook_subjects(emulator, "pat@example.com") == subjects
    assert OutlookAccount.objects.get(pk=pat.account.pk).delta_link
    again = subprocess.run(
        [CALSYNC, "sync", "--json", pat.user.email],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    quiet = json.loads(again.stdout)
    assert quiet["ok"] and quiet["pulled"] == {"created": 0, "updated": 0, "deleted": 0}


def test_a_complete_round_over_pages_deletes_only_what_it_misses(
    emulator: Any, settings: Any
) -> None:
    settings.CALSYNC_GRAPH_PAGE_SIZE = PAGE
    world = SyncWorld(emulator, "pat@contoso.test", "Pat Quinn")
    subjects = fill(emulator, "pat@contoso.test")
    mine = world.create(title="Made here", start=at(3, 7), end=at(3, 8))
    first = world.sync()
    assert first.ok, first.errors
    assert first.pulled["created"] == COUNT and first.pushed["created"] == 1
    assert first.graph_requests > COUNT // PAGE  # one delta request per page, and more
    assert local_titles(world.user) == sorted([*subjects, "Made here"])
    remote = {e["subject"]: e["id"] for e in world.outlook_events()}
    world.outlook_delete(remote["Pulled 050"])  # while no delta link is kept
    world.outlook_patch(remote["Pulled 010"], {"subject": "Renamed in Outlook"})
    actions.do_update_event(
        Event.objects.get(owner=world.user, title="Pulled 090"), {"location": "Room 9"}
    )
    OutlookAccount.objects.filter(pk=world.account.pk).update(delta_link="")  # a new round
    round_ = world.sync()
    assert round_.ok, round_.errors
    assert round_.pulled == {"created": 0, "updated": 1, "deleted": 1}
    assert round_.pushed == {"created": 0, "updated": 1, "deleted": 0}
    active = sorted(
        Event.objects.filter(owner=world.user, active=True).values_list("title", flat=True)
    )
    expected = {*subjects, "Made here", "Renamed in Outlook"} - {"Pulled 010", "Pulled 050"}
    assert active == sorted(expected)
    assert not Event.objects.get(owner=world.user, title="Pulled 050").active  # archived
    assert Event.objects.get(pk=mine.pk).active
    moved = {e["subject"]: e for e in world.outlook_events()}
    assert moved["Pulled 090"]["location"]["displayName"] == "Room 9"
    assert SyncRecord.objects.filter(account=world.account).count() == COUNT + 1 - 1
