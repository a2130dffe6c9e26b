"""How a sync starts, end to end with a user connected through the real consent flow:
the Sync with Outlook button (POST, CSRF), ``POST /api/outlook/sync`` (+ preview),
``calsync sync --json``, opening the calendar page (a background sync: the page does not
wait), the scheduler on a change here, and the sync log on the panel and the admin page."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
from django.core.management import call_command
from tests.integration.sync_world import at

from calsync.accounts.actions import do_create_user
from calsync.calendars import actions
from calsync.outlook.models import SyncRequest, SyncRun
from calsync.outlook.triggers import scheduler

from .conftest import csrf_token, outlook_subjects, press_sync_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-calsync"
MAILBOX = "alice@example.com"


@pytest.fixture
def connected(connect_by_consent: Any) -> Any:
    """Alice (same email here and in Outlook) connected by the real consent flow."""
    do_create_user("admin@example.com", PASSWORD, name="Ada Admin", admin=True)
    return connect_by_consent(MAILBOX, "Alice Nguyen", PASSWORD)


def test_the_button_asks_for_a_sync_and_answers_at_once(connected: Any, emulator: Any) -> None:
    page = connected.web.get("/")
    assert 'action="/outlook/sync"' in page.text
    SyncRequest.objects.all().delete()  # the one opening the page asked for
    started = time.monotonic()
    answer = connected.web.post(
        "/outlook/sync",
        data={"csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Accept": "application/json"},
    )
    assert time.monotonic() - started < 2
    assert answer.status_code == 202 and answer.json() == {"asked": True}
    request = SyncRequest.objects.get(account=connected.account)
    assert request.trigger == "button"
    assert not SyncRun.objects.exists()  # nothing ran in the request
    without_csrf = connected.web.post("/outlook/sync")
    assert without_csrf.status_code == 403


def test_the_button_syncs_and_the_panel_shows_the_log(
    connected: Any, emulator: Any, engine: Any
) -> None:
    actions.do_create_event(
        connected.user, {"title": "From the button", "start": at(2), "end": at(2, 10)}
    )
    run = press_sync_and_wait(connected)
    page = connected.web.get("/")
    assert "Sync with Outlook started" in page.text
    assert 'id="outlook-log"' in page.text and "To Outlook: 1 new" in page.text
    assert run.trigger in ("button", "page") and run.status == "ok"
    assert SyncRun.objects.filter(pushed_created=1).count() == 1


def test_opening_the_page_right_after_a_sync_starts_no_run(
    connected: Any, emulator: Any, engine: Any
) -> None:
    press_sync_and_wait(connected)
    runs = SyncRun.objects.count()
    connected.web.get("/")
    connected.web.get("/")
    assert not SyncRequest.objects.filter(account=connected.account).exists()
    time.sleep(0.5)
    assert SyncRun.objects.count() == runs


def test_the_page_asks_to_confirm_a_stopped_mass_delete(
    connected: Any, emulator: Any, engine: Any
) -> None:
    for n in range(12):
        actions.do_create_event(
            connected.user, {"title": f"M{n:02d}", "start": at(3 + n), "end": at(3 + n, 10)}
        )
    press_sync_and_wait(connected)
    assert len(outlook_subjects(emulator, MAILBOX)) == 12
    for event in list(connected.user.events.all()):
        actions.do_delete_event(event)
    stopped = press_sync_and_wait(connected)
    assert stopped.status == "needs_confirmation"
    page = connected.web.get("/")
    assert 'id="outlook-confirm"' in page.text and 'name="confirm" value="1"' in page.text
    assert len(outlook_subjects(emulator, MAILBOX)) == 12
    connected.web.post(
        "/outlook/sync", data={"csrfmiddlewaretoken": csrf_token(page.text), "confirm": "1"}
    )
    assert outlook_subjects(emulator, MAILBOX) == []
    assert 'id="outlook-confirm"' not in connected.web.get("/").text


def test_the_api_syncs_and_previews(connected: Any, emulator: Any) -> None:
    actions.do_create_event(connected.user, {"title": "Via API", "start": at(2), "end": at(2, 10)})
    connected.web.cookies.clear()  # a script: token authentication, no session
    token = connected.web.post("/api/token", json={"email": MAILBOX, "password": PASSWORD}).json()[
        "token"
    ]
    auth = {"Authorization": f"Token {token}"}
    preview = connected.web.post("/api/outlook/sync?preview=1", headers=auth)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert set(body) == {
        "user", "ok", "pulled", "pushed", "conflicts", "errors", "graph_requests", "seconds",
        "invitations",
    }  # fmt: skip
    assert body["pushed"]["created"] == 1 and body["ok"] is True
    assert connected.web.post("/api/outlook/sync?preview=maybe", headers=auth).status_code == 400
    done = connected.web.post("/api/outlook/sync", headers=auth).json()
    assert done["pushed"]["created"] == 1 and done["graph_requests"] >= 2
    again = connected.web.post("/api/outlook/sync", headers=auth).json()
    assert again["pushed"] == {"created": 0, "updated": 0, "deleted": 0}


def test_calsync_sync_json_prints_the_summary(connected: Any) -> None:
    actions.do_create_event(connected.user, {"title": "Via CLI", "start": at(2), "end": at(2, 10)})
    out = io.StringIO()
    call_command("sync", MAILBOX, "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["user"] == MAILBOX and summary["pushed"]["created"] == 1
    with pytest.raises(Exception, match="No user with the email"):
        call_command("sync", "nobody@example.com")


def test_opening_the_calendar_and_a_change_start_background_syncs(
    connected: Any, settings: Any
) -> None:
    settings.CALSYNC_SYNC_DEBOUNCE = 0.5  # a change waits this long for more changes
    background = scheduler.default()
    background.interval = 0  # no periodic sweep in this test
    background.start()
    try:
        started = time.monotonic()
        page = connected.web.get("/")
        assert page.status_code == 200 and time.monotonic() - started < 2
        _wait(lambda: SyncRun.objects.filter(trigger="page", finished_at__isnull=False).exists())
        actions.do_create_event(
            connected.user, {"title": "Changed", "start": at(3), "end": at(3, 10)}
        )
        changed = SyncRun.objects.filter(trigger="change", pushed_created=1)
        _wait(changed.exists, 20, lambda: list(SyncRun.objects.values_list("trigger", "status")))
        runs = SyncRun.objects.count()
        time.sleep(1.5)
        assert SyncRun.objects.count() == runs  # the sync's own writes start no new sync
    finally:
        background.stop()


def test_the_admin_reads_a_users_sync_log(connected: Any, browsers: Any) -> None:
    call_command("sync", MAILBOX, stdout=io.StringIO())
    admin = browsers()
    admin.log_in("admin@example.com", PASSWORD)
    page = admin.web.get(f"/users/{connected.user.pk}/calendar")
    assert page.status_code == 200
    assert "Sync log" in page.text and 'id="reset-account"' in page.text
    assert "Healthy" in page.text
    assert connected.web.get(f"/users/{connected.user.pk}/calendar").status_code == 403


def _wait(condition: Any, timeout: float = 15, show: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out: {show() if show else ''}")
