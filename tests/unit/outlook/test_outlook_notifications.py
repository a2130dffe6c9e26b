"""Change notifications without Graph: the pure rules (which Base URL can receive them, what a
notification says, what is news), the receiver's checks through Django's test client, and
the scheduler's merging of notification requests. The emulator round trips are in
tests/e2e/test_sync_notifications.py."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calsync.outlook.connection import crypto
from calsync.outlook.models import OutlookAccount, OutlookSubscription, SyncRecord, SyncRequest
from calsync.outlook.triggers import due, handoff, notifications, scheduler, subscriptions
from calsync.outlook.triggers.handoff import Change, is_news
from calsync.outlook.triggers.notifications import change_key_of, change_of
from calsync.outlook.triggers.scheduler import Scheduler
from calsync.outlook.triggers.subscriptions import endpoint_problem, needs_work

from .conftest import notification_item, subscribe

URL = "/outlook/notifications"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("base_url", "ok"),
    [
        ("https://calendar.example.com", True),
        ("https://calendar.example.com/sub/", True),
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://calendar.example.com", False),
        ("http://10.0.0.5:8000", False),
        ("ftp://calendar.example.com", False),
        ("", False),
    ],
)
def test_which_base_urls_can_receive_notifications(base_url: str, ok: bool) -> None:
    assert (endpoint_problem(base_url) is None) is ok


def test_the_urls_registered_at_graph() -> None:
    assert subscriptions.notification_url_for("https://c.example/") == (
        "https://c.example/outlook/notifications"
    )
    assert subscriptions.lifecycle_url_for("https://c.example") == (
        "https://c.example/outlook/notifications?lifecycle=1"
    )


def test_graph_times_round_trip() -> None:
    text = subscriptions.graph_time(NOW)
    assert text == "2026-12-01T12:00:00.0000000Z"
    assert subscriptions.parse_graph_time(text) == NOW
    assert subscriptions.parse_graph_time("2026-12-01T12:00:00.1234567Z") == NOW.replace(
        microsecond=123456
    )
    assert subscriptions.parse_graph_time("soon") is None
    assert subscriptions.parse_graph_time(None) is None


def test_when_a_subscription_needs_work() -> None:
    url = "https://c.example/outlook/notifications"
    live = OutlookSubscription(
        subscription_id="s1", notification_url=url, expires_at=NOW + timedelta(days=2)
    )
    assert needs_work(None, url, NOW)
    assert not needs_work(live, url, NOW)
    assert needs_work(live, url, NOW + timedelta(days=1, hours=1))  # expires within a day
    assert needs_work(live, "https://moved.example/outlook/notifications", NOW)
    live.renew_requested = True
    assert needs_work(live, url, NOW)
    assert needs_work(OutlookSubscription(notification_url=url), url, NOW)
    failed = OutlookSubscription(retry_after=NOW + timedelta(minutes=5))
    assert not needs_work(failed, url, NOW)  # the last attempt failed a moment ago
    assert needs_work(failed, url, NOW + timedelta(minutes=6))


def test_client_states_are_random_and_fit_graph() -> None:
    states = {subscriptions.new_client_state() for _ in range(50)}
    assert len(states) == 50
    assert all(32 <= len(state) <= 128 for state in states)


def test_what_a_notification_says() -> None:
    item = {
        "changeType": "updated",
        "resource": "Users/u1/Events/AAMk1",
        "resourceData": {"id": "AAMk1", "@odata.etag": 'W/"DwAAABYA"'},
    }
    assert change_of(item) == Change("AAMk1", "updated", "DwAAABYA")
    assert change_of({"changeType": "deleted", "resource": "Users/u1/Events/AAMk2"}) == Change(
        "AAMk2", "deleted", None
    )
    assert change_of({"changeType": "created"}) is None
    assert change_key_of('"abc"') == "abc" and change_key_of(None) is None


def test_what_is_news() -> None:
    known = {"ours": "ck1"}
    assert not is_news(Change("ours", "updated", "ck1"), known)  # our own write came back
    assert is_news(Change("ours", "updated", "ck2"), known)
    assert is_news(Change("ours", "updated", None), known)
    assert is_news(Change("theirs", "created", "ck9"), known)
    assert is_news(Change("ours", "deleted"), known)
    assert not is_news(Change("never-linked", "deleted"), known)


def test_items_and_secrets() -> None:
    assert notifications.items_of(b'{"value": [{"a": 1}, 2]}') == [{"a": 1}]
    assert notifications.items_of(b"[]") is None
    assert notifications.items_of(b"\xff") is None
    assert notifications.same_secret("s3cret", "s3cret")
    assert not notifications.same_secret("s3cret", "s3creT")
    assert not notifications.same_secret("s3cret", None)
    assert not notifications.same_secret(None, "")


# -- the receiver, through Django's test client (CSRF checks on) ------------------------------


@pytest.fixture
def subscribed(alice: Any, configured: Any) -> OutlookSubscription:
    account = OutlookAccount.objects.create(
        user=alice,
        mailbox=alice.email,
        token_cache_encrypted=crypto.encrypt("{}", crypto.TOKEN_CACHE),
    )
    return subscribe(account, NOW)


@pytest.fixture
def csrf_client(client: Any) -> Any:
    client.handler.enforce_csrf_checks = True
    return client


def test_the_handshake_echoes_the_decoded_token(csrf_client: Any) -> None:
    plain = "text/plain; charset=utf-8"
    answer = csrf_client.post(f"{URL}?validationToken=Validation%3A%20a%2Bb", b"", plain)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert answer.content == b"Validation: a+b"
    too_long = csrf_client.post(f"{URL}?validationToken={'x' * 2000}", b"", plain)
    assert too_long.status_code == 400


def test_a_valid_notification_is_accepted_and_remembered(
    csrf_client: Any, subscribed: OutlookSubscription
) -> None:
    answer = csrf_client.post(
        URL, {"value": [notification_item()]}, content_type="application/json"
    )
    assert answer.status_code == 202
    request = SyncRequest.objects.get(account=subscribed.account)
    assert [Change.of_row(row) for row in request.changes] == [Change("AAMk1", "created", "ck1")]
    assert OutlookSubscription.objects.get().last_notification_at is not None
    assert handoff.news_in(request.account_id, request.changes)  # never synced: news


def test_forged_and_unknown_notifications_are_ignored(
    csrf_client: Any, subscribed: OutlookSubscription, caplog: Any
) -> None:
    forged = [
        notification_item(clientState="wrong-state"),
        notification_item(clientState=None),
        notification_item(subscriptionId="x"),
    ]
    answer = csrf_client.post(URL, {"value": forged}, content_type="application/json")
    assert answer.status_code == 202
    assert not SyncRequest.objects.exists()
    assert "wrong clientState" in caplog.text and "right-state" not in caplog.text
    assert csrf_client.post(URL, b"{", content_type="application/json").status_code == 400
    assert csrf_client.get(URL).status_code == 405
    assert notifications.handle([notification_item()]) == {subscribed.account.user_id: "database"}


def test_a_post_of_a_thousand_forged_items_costs_one_query(
    csrf_client: Any, subscribed: OutlookSubscription
) -> None:
    forged = [
        notification_item(subscriptionId=f"forged-{n}", clientState="guess") for n in range(1000)
    ]
    body = json.dumps({"value": forged})
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        answer = csrf_client.post(URL, body, content_type="application/json")
        seconds = time.perf_counter() - started
    assert answer.status_code == 202
    statements = [q["sql"] for q in queries.captured_queries]
    assert len([s for s in statements if "outlook_outlooksubscription" in s]) == 1
    assert not SyncRequest.objects.exists()
    print(f"1000 forged items: {seconds * 1000:.0f} ms, {len(statements)} queries")


def test_a_source_posting_too_often_is_told_to_come_back(
    csrf_client: Any, subscribed: OutlookSubscription, settings: Any
) -> None:
    cache.clear()
    settings.CALSYNC_NOTIFICATION_RATE = 3
    body = {"value": [notification_item(clientState="guess")]}
    answers = [
        csrf_client.post(URL, body, content_type="application/json", REMOTE_ADDR="203.0.113.9")
        for _n in range(4)
    ]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    other = csrf_client.post(URL, body, content_type="application/json", REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 202  # another source has its own allowance


def test_our_own_change_coming_back_is_not_news(subscribed: OutlookSubscription) -> None:
    account = subscribed.account
    SyncRecord.objects.create(
        account=account, uid="u1", local_id="1", remote_id="AAMk1", base={}, local_version=1,
        remote_hash="h", remote_change_key="ck1", synced_at=NOW,
    )  # fmt: skip
    notifications.handle([notification_item()])
    assert not handoff.news_in(account.pk, SyncRequest.objects.get().changes)
    notifications.handle(
        [notification_item(resourceData={"id": "AAMk1", "@odata.etag": 'W/"ck2"'})]
    )
    assert handoff.news_in(account.pk, SyncRequest.objects.get().changes)


def test_lifecycle_events_mark_the_subscription(subscribed: OutlookSubscription) -> None:
    lifecycle = {"subscriptionId": "sub-1", "clientState": "right-state"}
    notifications.handle([{**lifecycle, "lifecycleEvent": "reauthorizationRequired"}])
    assert OutlookSubscription.objects.get().renew_requested
    assert SyncRequest.objects.get().force  # a sync, whatever the changes
    notifications.handle([{**lifecycle, "lifecycleEvent": "subscriptionRemoved"}])
    row = OutlookSubscription.objects.get()
    assert (row.subscription_id, row.client_state_encrypted, row.expires_at) == ("", "", None)
    assert notifications.handle([{**lifecycle, "lifecycleEvent": "missed"}]) == {}  # forgotten


# -- the scheduler ----------------------------------------------------------------------------


def _recording_scheduler() -> tuple[Scheduler, list[tuple[int, str]], threading.Event]:
    calls: list[tuple[int, str]] = []
    ran = threading.Event()

    def runner(job: due.Job, interval: float) -> None:
        calls.append((job.user_id, job.trigger))
        ran.set()

    return Scheduler(interval=0, poll=0, runner=runner), calls, ran


def test_a_notification_never_replaces_a_pending_sync_of_another_kind(
    subscribed: OutlookSubscription,
) -> None:
    user_id = subscribed.account.user_id
    now = timezone.now()
    handoff.add(user_id, [], force=True, delay=0.3, trigger="change", now=now)
    handoff.add(user_id, [["e", "created", "k"]], force=False, delay=5, trigger="notification")
    row = SyncRequest.objects.get()  # keeps "change", and its earlier time
    assert (row.trigger, row.not_before, row.force) == (
        "change",
        now + timedelta(seconds=0.3),
        True,
    )
    SyncRequest.objects.all().delete()
    handoff.add(user_id, [["e", "created", "k"]], force=False, delay=2, trigger="notification")
    handoff.add(user_id, [], force=True, delay=5, trigger="page", now=now)
    assert SyncRequest.objects.get().trigger == "page"  # any other kind names the run


@pytest.mark.django_db(transaction=True)
def test_notifications_in_a_burst_make_one_run(subscribed: OutlookSubscription) -> None:
    user_id = subscribed.account.user_id
    background, calls, ran = _recording_scheduler()
    background.start()
    try:
        for _ in range(5):
            scheduler.ask(user_id, 0.3, "notification", [["e", "updated", "k"]], force=False)
            background.poke()  # as ask() wakes the engine of its own process
            time.sleep(0.05)
        assert ran.wait(10)
        time.sleep(0.5)
    finally:
        background.stop()
    assert calls == [(user_id, "notification")]


def test_the_button_names_the_run_it_joins(subscribed: OutlookSubscription) -> None:
    user_id = subscribed.account.user_id
    handoff.add(user_id, [], force=True, delay=0, trigger="page")
    handoff.add(user_id, [], force=True, delay=0, trigger="button")
    assert SyncRequest.objects.get().trigger == "button"
    handoff.add(user_id, [], force=True, delay=0, trigger="change")
    assert SyncRequest.objects.get().trigger == "button"  # and keeps it
