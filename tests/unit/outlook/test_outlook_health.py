"""The health word of an account (ok / degraded / reconnect_needed / stopped), in the API,
on the calendar panel and on the admin's user calendar page; the wizard's page steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from calsync.outlook.connection import actions
from calsync.outlook.models import OutlookAccount, SyncRun
from calsync.outlook.web.status import STOP_AFTER_FAILURES, status_for

from .conftest import connect

pytestmark = pytest.mark.django_db


def run(account: OutlookAccount, status: str, minutes_ago: int, **extra) -> SyncRun:
    when = timezone.now() - timedelta(minutes=minutes_ago)
    return SyncRun.objects.create(
        account=account,
        trigger="schedule",
        started_at=when,
        finished_at=when,
        status=status,
        ok=status == SyncRun.STATUS_OK,
        **extra,
    )


def test_ok_after_a_good_run(alice, configured):
    account = connect(alice)
    run(account, SyncRun.STATUS_FAILED, 10)
    run(account, SyncRun.STATUS_OK, 1)
    assert status_for(alice)["health"] == "ok"
    assert status_for(alice)["health_reason"] is None


def test_degraded_after_failed_events(alice, configured):
    account = connect(alice)
    run(account, SyncRun.STATUS_OK, 10)
    run(account, SyncRun.STATUS_PARTIAL, 1, errors=[{"event": 3, "message": "bad"}])
    body = status_for(alice)
    assert body["health"] == "degraded"
    assert body["health_label"] == "Degraded"


def test_a_preview_does_not_change_the_health(alice, configured):
    account = connect(alice)
    run(account, SyncRun.STATUS_OK, 10)
    run(account, SyncRun.STATUS_CONFIRM, 1, preview=True)
    assert status_for(alice)["health"] == "ok"


def test_stopped_when_a_run_waits_for_confirmation(alice, configured):
    account = connect(alice)
    run(account, SyncRun.STATUS_CONFIRM, 1)
    body = status_for(alice)
    assert body["health"] == "stopped"
    assert "confirmation" in body["health_reason"]


def test_stopped_after_consecutive_failures(alice, configured):
    account = connect(alice)
    for minutes in range(STOP_AFTER_FAILURES - 1, 0, -1):
        run(account, SyncRun.STATUS_FAILED, minutes)
    assert status_for(alice)["health"] == "degraded"
    run(account, SyncRun.STATUS_FAILED, 0)
    assert status_for(alice)["health"] == "stopped"


def test_stopped_when_sync_is_turned_off_while_connected(alice, configured):
    connect(alice)
    actions.do_update_settings(enabled=False)
    body = status_for(alice)
    assert body["health"] == "stopped"
    assert body["enabled"] is False


def test_reconnect_needed(alice, configured):
    account = connect(alice)
    actions.do_mark_reconnect_needed(account.pk, "invalid_grant")
    assert status_for(alice)["health"] == "reconnect_needed"


def test_api_and_panel_show_the_health(client, alice, configured):
    account = connect(alice)
    run(account, SyncRun.STATUS_PARTIAL, 1, errors=[{"event": 3, "message": "bad"}])
    client.force_login(alice)
    body = client.get("/api/outlook/status").json()
    assert body["health"] == "degraded"
    request = RequestFactory().get("/")
    request.user = alice
    page = render_to_string("calendars/_outlook_panel.html", request=request)
    assert 'id="outlook-health" data-health="degraded"' in page
    assert "RT-SECRET-VALUE" not in page


def test_user_calendar_page_shows_health_and_the_wizard(client, admin, alice, configured):
    account = connect(alice)
    run(account, SyncRun.STATUS_CONFIRM, 1)
    client.force_login(admin)
    page = client.get(f"/users/{alice.pk}/calendar").content.decode()
    assert 'data-health="stopped"' in page
    assert 'id="reset-form"' in page and "csrfmiddlewaretoken" in page
    assert "Leave them untouched" in page and "Synchronize all existing events" in page


def test_wizard_preview_step_changes_nothing(client, admin, alice, configured):
    connect(alice)
    client.force_login(admin)
    answer = client.post(
        f"/users/{alice.pk}/calendar/reset",
        {"existing": "delete-local", "next_sync": "all", "step": "preview"},
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'id="reset-confirm"' in page and 'name="step" value="confirm"' in page
    assert OutlookAccount.objects.get(user=alice).has_tokens


def test_wizard_confirm_disconnects(client, admin, alice, configured):
    connect(alice)
    client.force_login(admin)
    answer = client.post(
        f"/users/{alice.pk}/calendar/reset",
        {"existing": "keep", "next_sync": "new", "step": "confirm"},
        follow=True,
    )
    assert answer.status_code == 200
    assert "Reset done" in answer.content.decode()
    account = OutlookAccount.objects.get(user=alice)
    assert not account.has_tokens and account.sync_created_after is not None
    assert SyncRun.objects.filter(account=account, trigger="reset").count() == 1


def test_wizard_is_for_admins_only(client, alice, bob, configured):
    connect(alice)
    client.force_login(bob)
    answer = client.post(
        f"/users/{alice.pk}/calendar/reset",
        {"existing": "keep", "next_sync": "new", "step": "confirm"},
    )
    assert answer.status_code == 403
    assert OutlookAccount.objects.get(user=alice).has_tokens


def test_wizard_refuses_outlook_deletes_without_a_connection(client, admin, alice, configured):
    account = connect(alice)
    actions.do_mark_reconnect_needed(account.pk, "invalid_grant")
    client.force_login(admin)
    answer = client.post(
        f"/users/{alice.pk}/calendar/reset",
        {"existing": "delete-outlook", "next_sync": "all", "step": "preview"},
    )
    assert answer.status_code == 409
    assert 'id="reset-error"' in answer.content.decode()


def test_wizard_needs_csrf(admin, alice, configured):
    from django.test import Client

    connect(alice)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    answer = strict.post(
        f"/users/{alice.pk}/calendar/reset",
        {"existing": "keep", "next_sync": "new", "step": "confirm"},
    )
    assert answer.status_code == 403
    assert OutlookAccount.objects.get(user=alice).has_tokens
