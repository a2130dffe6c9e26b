"""Events Outlook cannot hold (calsync.outlook.sync.unsyncable): left out of the sync while
unchanged, counted in ``GET /api/outlook/status`` and explained on the calendar panel and
the admin's user calendar page, in the reader's language, without touching the health.

Real parts: the calendar actions, the ORM local side's snapshot, the recurrence mapping
that refuses the rule, the API and the pages through Django's test client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.msgraph.patterned_recurrence import UnsupportedRecurrence, to_graph
from calsync.outlook.connection import actions as outlook_actions
from calsync.outlook.models import OutlookAccount, UnsyncableEvent
from calsync.outlook.sync import unsyncable
from calsync.outlook.sync.local_side import OrmLocalSide
from calsync.outlook.sync.log_messages import entry, render

from .conftest import FAKE_CACHE, connect

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
FIRST = datetime(2027, 3, 16, 9, tzinfo=PARIS)
ONE = "1 event stays only in calsync: Outlook cannot repeat it this way."
TWO = "2 events stay only in calsync: Outlook cannot repeat them this way."


def series(user: Any, title: str, rule: str) -> Event:
    return actions.do_create_event(user, {
        "title": title, "start": FIRST, "end": FIRST.replace(hour=10),
        "timezone": "Europe/Paris", "recurrence": rule,
    })  # fmt: skip


def refused(event: Event) -> dict[str, Any]:
    """The log entry of a push of ``event`` (its rule as Outlook's mapping refuses it)."""
    with pytest.raises(UnsupportedRecurrence) as caught:
        to_graph(event.recurrence, event.start, event.timezone, event.all_day)
    return entry("unsupported", caught.value.template, event.pk, **caught.value.params)


def failed_push(account: OutlookAccount, *events: Event) -> None:
    """What a run does after pushes of ``events`` failed for good."""
    side = OrmLocalSide(account)
    fresh = [Event.objects.get(pk=e.pk) for e in events]
    unsyncable.remember(
        account, [side.item(e) for e in fresh], {str(e.pk): refused(e) for e in fresh}
    )


def render_in(language: str, event: Event) -> str:
    with translation.override(language):
        return render(UnsyncableEvent.objects.get(event=event).entry)


def offered(account: OutlookAccount) -> set[int]:
    return {int(item.local_id) for item in OrmLocalSide(account).snapshot().items}


def reader(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_left_out_with_its_exceptions_until_edited(alice, configured):
    account = connect(alice)
    odd = series(alice, "Odd", "FREQ=MONTHLY;BYMONTHDAY=31")
    last = datetime(2027, 3, 31, 9, tzinfo=PARIS)
    moved = actions.do_update_occurrence(odd, last, {"title": "Odd (moved)"})
    plain = actions.do_create_event(
        alice, {"title": "Plain", "start": FIRST, "end": FIRST.replace(hour=10)}
    )
    assert offered(account) == {odd.pk, moved.pk, plain.pk}
    failed_push(account, odd)
    assert offered(account) == {plain.pk}
    actions.do_update_event(moved, {"title": "Odd (moved again)"})  # the series still cannot go
    assert offered(account) == {plain.pk}
    actions.do_update_event(odd, {"title": "Odd (renamed)"})
    assert offered(account) == {odd.pk, moved.pk, plain.pk}
    assert unsyncable.listing(account) == (0, [])  # a new version: tried again
    unsyncable.remember(account, OrmLocalSide(account).snapshot().items, {})  # it synced
    assert not UnsyncableEvent.objects.exists()


def test_only_a_rule_outlook_cannot_repeat_is_remembered(alice, configured):
    account = connect(alice)
    odd = series(alice, "Odd", "FREQ=MONTHLY;BYMONTHDAY=31")
    moved = actions.do_update_occurrence(
        odd, datetime(2027, 3, 31, 9, tzinfo=PARIS), {"title": "Odd (moved)"}
    )
    side = OrmLocalSide(account)
    items = side.snapshot().items
    failure = refused(odd)
    unsyncable.remember(account, items, {str(odd.pk): failure, str(moved.pk): failure})
    row = UnsyncableEvent.objects.get()
    assert (row.event_id, row.version, row.entry) == (odd.pk, odd.version, failure)  # no exception


def test_a_deleted_event_is_forgotten(alice, configured):
    account = connect(alice)
    odd = series(alice, "Odd", "FREQ=MONTHLY;BYMONTHDAY=1,15")
    failed_push(account, odd)
    assert UnsyncableEvent.objects.count() == 1
    actions.do_delete_event(odd)
    assert not UnsyncableEvent.objects.exists()


def test_the_status_counts_them_and_the_health_stays_ok(alice, configured):
    account = connect(alice)
    odd = series(alice, "Odd", "FREQ=MONTHLY;BYMONTHDAY=31")
    failed_push(account, odd)
    body = reader(alice).get("/api/outlook/status").json()
    assert body["not_in_outlook"] == 1
    assert body["health"] == "ok" and body["health_reason"] is None
    [listed] = body["not_in_outlook_events"]
    assert listed["event"] == odd.pk and listed["title"] == "Odd"
    assert listed["reason"].startswith("Outlook puts day 31 on the last day of shorter months")
    vietnamese = reader(alice, "vi").get("/api/outlook/status").json()
    reason_vi = vietnamese["not_in_outlook_events"][0]["reason"]
    assert reason_vi and "Outlook puts day" not in reason_vi
    with translation.override("vi"):
        assert reason_vi == render(UnsyncableEvent.objects.get().entry)


def test_the_panel_and_the_admin_page_say_which_and_why(alice, admin, configured):
    account = connect(alice)
    odd = series(alice, "Odd", "FREQ=MONTHLY;BYMONTHDAY=31")
    failed_push(account, odd)
    page = reader(alice).get("/").content.decode()
    assert ONE in page and TWO not in page
    reason = escape(render(UnsyncableEvent.objects.get().entry))
    assert reason in page
    pulse = series(alice, "Pulse", "FREQ=MONTHLY;BYMONTHDAY=1,15")
    failed_push(account, pulse)
    page = reader(alice).get("/").content.decode()
    assert TWO in page and "Pulse" in page
    log = reader(admin).get(f"/users/{alice.pk}/calendar").content.decode()
    assert TWO in log and reason in log
    vi = reader(alice, "vi").get("/").content.decode()
    assert reason not in vi and escape(render_in("vi", odd)) in vi
    actions.do_update_event(odd, {"title": "Odd (edited)"})
    actions.do_delete_event(pulse)
    page = reader(alice).get("/").content.decode()
    assert "stay only in calsync" not in page and "stays only in calsync" not in page


def test_each_user_sees_only_their_own(alice, bob, configured):
    account = connect(alice)
    failed_push(account, series(alice, "Odd", "FREQ=MONTHLY;BYMONTHDAY=31"))
    outlook_actions.do_connect_account(
        bob, mailbox="bob@contoso.test", display_name="Bob", oid="oid-bob", tid="tid-1",
        home_account_id="oid-bob.tid-1", token_cache=FAKE_CACHE,
    )  # fmt: skip
    assert reader(bob).get("/api/outlook/status").json()["not_in_outlook"] == 0
    assert reader(alice).get("/api/outlook/status").json()["not_in_outlook"] == 1
