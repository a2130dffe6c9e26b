"""The sync log speaks the reader's language: a run stores what its messages mean (msgid and
values, plus the English text), and the calendar page, the admin's log and the API render
them in the language of whoever reads them, whatever language the run itself had.

Real parts only: a user connected to the emulator by the consent flow, syncs through their
own Graph client over HTTPS, and Django's test client reading the pages with
``Accept-Language``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import formats, timezone, translation
from django.utils.html import escape
from tests.e2e import conftest as e2e
from tests.integration.sync_world import at, graph_time

from calsync.accounts.actions import do_create_user
from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.outlook import reset
from calsync.outlook.connection.graph import graph_client_for
from calsync.outlook.models import OutlookAccount, SyncRecord, SyncRun
from calsync.outlook.sync.log_messages import render
from calsync.outlook.sync.run import run_sync
from calsync.outlook.web.templatetags.outlook_log import run_message

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# the e2e fixtures, used here by name
emulator_session, emulator = e2e.emulator_session, e2e.emulator
azure_app, browsers, connect_by_consent = e2e.azure_app, e2e.browsers, e2e.connect_by_consent
_no_change_notifications = e2e._no_change_notifications

EMAIL = "alice@contoso.test"
STOPPED_VI = "Đã dừng: lần đồng bộ hóa này sẽ xóa 12 sự kiện trong Outlook"


@pytest.fixture
def alice(connect_by_consent: Callable[..., Any]) -> Any:
    return connect_by_consent(EMAIL, "Alice Nguyen")


def reader(user: Any, language: str) -> Client:
    """A browser of ``user`` asking for ``language`` (as LocaleMiddleware reads it)."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def in_language(language: str, part: dict[str, Any]) -> str:
    with translation.override(language):
        return render(part)


def account_of(browser: Any) -> OutlookAccount:
    return OutlookAccount.objects.get(pk=browser.account.pk)


def stopped_by_a_mass_delete(browser: Any) -> None:
    """Twelve events synced, then deleted here: the next sync stops for confirmation."""
    for n in range(12):
        actions.do_create_event(
            browser.user, {"title": f"M{n:02d}", "start": at(3 + n), "end": at(3 + n, 10)}
        )
    first = run_sync(account_of(browser), "schedule")
    assert first.ok, first.errors
    for event in Event.objects.filter(owner=browser.user):
        actions.do_delete_event(event)


def test_a_background_run_in_english_reads_in_vietnamese_on_the_page_and_the_admin_log(
    alice: Any,
) -> None:
    stopped_by_a_mass_delete(alice)
    with translation.override("en"):  # the scheduler's thread
        summary = run_sync(account_of(alice), "schedule")
    assert summary.status == SyncRun.STATUS_CONFIRM
    error = summary.errors[0]
    assert error["code"] == "mass_delete_refused"
    assert error["template"].startswith("Stopped: this sync would delete %(remote)s events")
    assert error["params"] == {"remote": 12, "local": 0, "limit": 10, "size": 12}
    assert error["message"].startswith("Stopped: this sync would delete 12 events in Outlook")
    run = SyncRun.objects.filter(account=alice.account).first()
    assert run is not None and run.errors == summary.errors  # stored by meaning
    vietnamese = in_language("vi", error)
    assert vietnamese.startswith(STOPPED_VI)

    page = reader(alice.user, "vi").get("/").content.decode()
    assert escape(vietnamese) in page
    assert error["message"] not in page
    english = reader(alice.user, "en").get("/").content.decode()
    assert escape(error["message"]) in english
    assert STOPPED_VI not in english

    admin = do_create_user("admin@example.com", "pw-admin", name="Ada", admin=True)
    log = reader(admin, "vi").get(f"/users/{alice.user.pk}/calendar").content.decode()
    assert escape(vietnamese) in log
    assert error["message"] not in log


def test_a_run_started_in_vietnamese_is_stored_in_english(alice: Any) -> None:
    stopped_by_a_mass_delete(alice)
    with translation.override("vi"):
        summary = run_sync(account_of(alice), "button")
    error = summary.errors[0]
    assert error["message"].startswith("Stopped: this sync would delete 12 events")
    assert SyncRun.objects.filter(account=alice.account).first().errors[0] == error  # type: ignore[union-attr]
    log = reader(alice.user, "en").get("/").content.decode()
    assert escape(error["message"]) in log and STOPPED_VI not in log


def test_the_api_answers_errors_in_the_language_of_the_request(alice: Any) -> None:
    stopped_by_a_mass_delete(alice)
    answer = reader(alice.user, "vi").post("/api/outlook/sync")
    assert answer.status_code == 200
    error = answer.json()["errors"][0]
    assert set(error) >= {"event", "message", "code", "template", "params"}
    assert error["event"] is None
    assert error["message"].startswith(STOPPED_VI)
    assert error["template"].startswith("Stopped: this sync would delete %(remote)s")
    stored = SyncRun.objects.filter(account=alice.account).first()
    assert stored is not None
    assert stored.errors[0]["message"].startswith("Stopped: this sync would delete 12 events")


def test_the_status_shows_the_last_error_in_the_readers_language(alice: Any, emulator: Any) -> None:
    assert run_sync(account_of(alice), "schedule").ok
    emulator.revoke(EMAIL)
    with translation.override("en"):
        failed = run_sync(account_of(alice), "schedule")
    assert failed.errors[0]["code"] == "reconnect_needed"
    assert failed.errors[0]["message"].startswith("Reconnect needed: ")
    stored = account_of(alice).last_error
    assert stored.startswith("Reconnect needed: ") and "invalid_grant" in stored

    vi = reader(alice.user, "vi").get("/api/outlook/status").json()
    assert vi["last_error"].startswith("Cần kết nối lại: ")
    assert "invalid_grant" in vi["last_error"]  # Microsoft's own words stay as sent
    assert vi["health_reason"] == vi["last_error"]
    en = reader(alice.user, "en").get("/api/outlook/status").json()
    assert en["last_error"] == stored


def test_a_failed_run_on_the_page_frames_graphs_words_in_the_readers_language(
    alice: Any, emulator: Any
) -> None:
    assert run_sync(account_of(alice), "schedule").ok
    emulator.revoke(EMAIL)
    with translation.override("en"):
        run_sync(account_of(alice), "schedule")
    run = SyncRun.objects.filter(account=alice.account).first()
    assert run is not None and run.status == SyncRun.STATUS_FAILED
    assert run.message.startswith("Reconnect needed: ")
    assert run.message_parts[0]["template"] == "Reconnect needed: %(reason)s"
    with translation.override("vi"):
        assert run_message(run).startswith("Cần kết nối lại: ")
    admin = do_create_user("admin@example.com", "pw-admin", name="Ada", admin=True)
    log = reader(admin, "vi").get(f"/users/{alice.user.pk}/calendar").content.decode()
    assert "Cần kết nối lại: " in log
    assert "Reconnect needed: " not in log  # the log and the "Last error" line


def test_conflict_lines_name_the_field_and_show_readable_values(alice: Any, settings: Any) -> None:
    # calsync wins every conflict, so Outlook's long HTML is the losing value shown: with
    # "latest" the winner would hang on which side's clock ticked later (a loaded machine)
    settings.CALSYNC_SYNC_CONFLICT = "local"
    long_html = "<p>" + "Agenda: budget, hiring and the offsite plan. " * 4 + "</p>"
    event = actions.do_create_event(
        alice.user,
        {
            "title": "Planning",
            "description": long_html,
            "start": at(3, 9),
            "end": at(3, 10),
            "timezone": "Europe/Paris",
        },
    )
    assert run_sync(account_of(alice), "schedule").ok
    remote_id = SyncRecord.objects.get(account=alice.account, event=event).remote_id
    event.refresh_from_db()
    actions.do_update_event(
        event,
        {
            "title": "Planning (here)",
            "description": "<p>Short note from here</p>",
            "start": at(4, 9),
            "end": at(4, 10),
        },
    )
    _outlook_patch(
        alice,
        remote_id,
        {
            "subject": "Planning (Outlook)",
            "body": {"contentType": "html", "content": long_html.replace("Agenda", "Plan")},
            "start": graph_time(at(5, 14), "Europe/Paris"),
            "end": graph_time(at(5, 15), "Europe/Paris"),
        },
    )
    summary = run_sync(account_of(alice), "schedule")
    assert summary.ok, summary.errors
    run = SyncRun.objects.filter(account=alice.account).first()
    assert run is not None
    fields = {c["field"] for c in run.conflicts}
    assert {"title", "description", "when"} <= fields
    when = next(c for c in run.conflicts if c["field"] == "when")
    assert when["timezone"] == "Europe/Paris"

    english = reader(alice.user, "en").get("/").content.decode()
    assert "Conflict on Title:" in english
    assert "Conflict on title:" not in english
    assert "Conflict on Description:" in english
    description = next(c for c in run.conflicts if c["field"] == "description")
    assert "<p>" in str(description["losing_value"])
    line = _line(english, "Conflict on Description:")
    assert "&lt;p&gt;" not in line and "…" in line
    time_line = _line(english, "Conflict on Time:")
    assert "T09:00" not in time_line and "T14:00" not in time_line and "+00:00" not in time_line
    start = when["losing_value"][0]
    with translation.override("en"):
        local = timezone.localtime(datetime.fromisoformat(start), ZoneInfo("Europe/Paris"))
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") in time_line
    assert "(CET)" in time_line or "(CEST)" in time_line

    vietnamese = reader(alice.user, "vi").get("/").content.decode()
    assert "Xung đột ở Tiêu đề:" in vietnamese
    assert "Conflict on" not in vietnamese


def test_a_reset_is_logged_by_meaning(alice: Any) -> None:
    admin = do_create_user("admin@example.com", "pw-admin", name="Ada", admin=True)
    with translation.override("en"):
        reset.reset_account(alice.user, reset.ExistingEvents.KEEP, reset.NextSync.NEW)
    run = SyncRun.objects.get(account=alice.account, trigger="reset")
    assert run.message.startswith(
        "Reset Account: existing events: Leave them untouched; next sync: "
        "Synchronize only new events."
    )
    assert run.message_parts[0]["params"]["existing"] == {
        "template": "Leave them untouched",
        "params": {},
    }
    log = reader(admin, "vi").get(f"/users/{alice.user.pk}/calendar").content.decode()
    assert (
        "Đặt lại tài khoản: sự kiện hiện có: Giữ nguyên; lần đồng bộ hóa tiếp theo: "
        "Chỉ đồng bộ hóa sự kiện mới." in log
    )
    english = reader(admin, "en").get(f"/users/{alice.user.pk}/calendar").content.decode()
    assert escape(run.message) in english


# -- helpers ---------------------------------------------------------------------------------


def _outlook_patch(browser: Any, remote_id: str, body: dict[str, Any]) -> None:
    with graph_client_for(account_of(browser)) as graph:
        graph.request("PATCH", f"/me/events/{remote_id}", json=body)


def _line(page: str, start: str) -> str:
    at_ = page.index(start)
    return page[at_ : page.index("</li>", at_)]
