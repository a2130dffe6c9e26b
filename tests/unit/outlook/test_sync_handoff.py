"""The database hand-off of sync requests (calsync.outlook.triggers.handoff), without Graph:
merging, taking once, waiting for a run that holds the account, giving back, the own-writes filter,
the receiver recording a request, and a scheduler polling for requests. The round trips with
the emulator are in tests/e2e/test_sync_notifications.py."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calsync.outlook.connection import crypto
from calsync.outlook.models import OutlookAccount, OutlookSubscription, SyncRecord, SyncRequest
from calsync.outlook.sync import claims
from calsync.outlook.triggers import due, handoff, notifications, scheduler

from .conftest import connect, notification_item, subscribe

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
URL = "/outlook/notifications"


@pytest.fixture
def account(alice: Any, configured: Any) -> OutlookAccount:
    return connect(alice)


def _add(account: OutlookAccount, *changes: list[Any], force: bool = False, **kw: Any) -> None:
    kw.setdefault("delay", 2.0)
    kw.setdefault("now", NOW)
    assert handoff.add(account.user_id, list(changes), force=force, trigger="notification", **kw)


def test_requests_merge_and_keep_their_first_due_time(account: OutlookAccount) -> None:
    _add(account, ["e1", "created", "k1"])
    _add(account, ["e1", "created", "k1"], ["e2", "updated", "k2"], now=NOW + timedelta(seconds=1))
    row = SyncRequest.objects.get()
    assert row.changes == [["e1", "created", "k1"], ["e2", "updated", "k2"]]
    assert row.not_before == NOW + timedelta(seconds=2)  # a burst is one run
    assert (row.version, row.force, row.trigger) == (1, False, "notification")
    assert not handoff.add(account.user_id + 999, [], force=True, delay=0, trigger="x")


def test_too_many_changes_make_the_request_forced(account: OutlookAccount) -> None:
    _add(account, *[[f"e{n}", "updated", "k"] for n in range(handoff.MAX_CHANGES)])
    assert not SyncRequest.objects.get().force
    _add(account, ["one-more", "created", "k"])
    row = SyncRequest.objects.get()
    assert row.force and row.changes == []
    _add(account, ["after", "created", "k"])
    assert SyncRequest.objects.get().force  # stays forced


def test_a_request_is_taken_once(account: OutlookAccount) -> None:
    _add(account, ["e1", "created", "k1"], force=False)
    with CaptureQueriesContext(connection) as queries:
        taken = handoff.take(account.user_id)
    [delete] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert '"version"' in delete  # one statement, only the version read: no lost addition
    assert taken == handoff.Taken(account.pk, "notification", [["e1", "created", "k1"]], False)
    assert handoff.take(account.user_id) is None
    assert not SyncRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_of_two_racing_takers_one_gets_it(account: OutlookAccount) -> None:
    _add(account, ["e1", "created", "k1"])
    results: list[Any] = []
    gate = threading.Barrier(2)

    def taker() -> None:
        from django.db import connection

        gate.wait()
        results.append(handoff.take(account.user_id))
        connection.close()

    threads = [threading.Thread(target=taker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(isinstance(r, handoff.Taken) for r in results) == [False, True]


def test_a_request_waits_while_a_run_holds_the_account(account: OutlookAccount) -> None:
    _add(account, ["e1", "created", "k1"], now=timezone.now() - timedelta(seconds=5))
    claim = claims.claim_account(account)
    assert claim is not None
    assert handoff.take(account.user_id) == handoff.BUSY
    assert handoff.pending() == []  # no scheduler wakes up for it meanwhile
    assert SyncRequest.objects.exists()
    claims.release_claim(account, claim)
    [(user_id, seconds)] = handoff.pending()
    assert user_id == account.user_id and seconds <= 0
    # a claim older than the TTL belongs to a dead process: the request can be taken
    stale = timezone.now() - claims.lease_length() - timedelta(minutes=1)
    OutlookAccount.objects.filter(pk=account.pk).update(sync_claimed_at=stale, sync_claim="x")
    assert isinstance(handoff.take(account.user_id), handoff.Taken)


def test_a_given_back_request_merges_with_a_newer_one_and_is_due(account: OutlookAccount) -> None:
    _add(account, ["e1", "created", "k1"])
    taken = handoff.take(account.user_id)
    assert isinstance(taken, handoff.Taken)
    later = timezone.now()
    _add(account, ["e2", "created", "k2"], now=later, delay=60)  # arrived during the run
    handoff.give_back(taken, now=later)
    row = SyncRequest.objects.get()
    assert row.changes == [["e2", "created", "k2"], ["e1", "created", "k1"]]
    assert row.not_before == later


def test_pending_lists_requests_soonest_first(account: OutlookAccount, bob: Any) -> None:
    other = OutlookAccount.objects.create(
        user=bob, mailbox=bob.email, token_cache_encrypted=crypto.encrypt("{}", crypto.TOKEN_CACHE)
    )
    now = timezone.now()
    _add(account, ["e1", "created", "k"], now=now, delay=5)
    _add(other, ["e2", "created", "k"], now=now - timedelta(seconds=3), delay=1)
    [(first, due), (second, later)] = handoff.pending(now)
    assert (first, second) == (bob.pk, account.user_id)
    assert due == pytest.approx(-2) and later == pytest.approx(5)


def test_news_is_what_the_last_syncs_did_not_record(account: OutlookAccount) -> None:
    SyncRecord.objects.create(
        account=account, uid="u1", local_id="1", remote_id="ours", base={}, local_version=1,
        remote_hash="h", remote_change_key="ck1", synced_at=NOW,
    )  # fmt: skip
    assert not handoff.news_in(account.pk, [["ours", "updated", "ck1"]])
    assert not handoff.news_in(account.pk, [["never-linked", "deleted", None]])
    assert handoff.news_in(account.pk, [["ours", "updated", "ck1"], ["ours", "updated", "ck2"]])
    assert handoff.news_in(account.pk, [["theirs", "created", "ck9"]])
    assert handoff.news_in(account.pk, [])  # nothing said: sync


def test_sync_requested_drops_our_own_writes_and_waits_for_a_busy_account(
    account: OutlookAccount,
) -> None:
    SyncRecord.objects.create(
        account=account, uid="u1", local_id="1", remote_id="ours", base={}, local_version=1,
        remote_hash="h", remote_change_key="ck1", synced_at=NOW,
    )  # fmt: skip
    assert scheduler.sync_requested(account.user_id) == due.Handled(due.NOTHING)
    _add(account, ["ours", "updated", "ck1"])
    assert scheduler.sync_requested(account.user_id).outcome == due.OWN_WRITES
    assert not SyncRequest.objects.exists()  # judged and gone
    _add(account, ["theirs", "created", "ck9"])
    claim = claims.claim_account(account)
    assert claim is not None
    assert scheduler.sync_requested(account.user_id).outcome == due.BUSY
    assert SyncRequest.objects.exists()  # still waiting for that run to end
    claims.release_claim(account, claim)
    OutlookAccount.objects.filter(pk=account.pk).update(token_cache_encrypted="")  # disconnected
    assert scheduler.sync_requested(account.user_id).outcome == due.NOTHING
    assert not SyncRequest.objects.exists()  # nobody could ever run it


# -- the receiver records the request ---------------------------------------------------------


@pytest.fixture
def subscribed(account: OutlookAccount) -> OutlookSubscription:
    return subscribe(account, NOW)


def test_a_notification_becomes_a_sync_request_in_the_database(
    client: Any, subscribed: OutlookSubscription, settings: Any
) -> None:
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 2
    client.handler.enforce_csrf_checks = True
    before = timezone.now()
    answer = client.post(URL, {"value": [notification_item()]}, content_type="application/json")
    assert answer.status_code == 202
    row = SyncRequest.objects.get()
    assert (row.account_id, row.trigger, row.force) == (
        subscribed.account_id,
        "notification",
        False,
    )
    assert row.changes == [["AAMk1", "created", "ck1"]]
    assert before + timedelta(seconds=2) <= row.not_before <= timezone.now() + timedelta(seconds=2)
    forged = [notification_item(clientState="wrong"), notification_item(subscriptionId="other")]
    assert notifications.handle(forged) == {}
    assert SyncRequest.objects.get().version == 0  # untouched
    assert notifications.handle([notification_item()]) == {subscribed.account.user_id: "database"}


def test_lifecycle_events_make_a_forced_request(subscribed: OutlookSubscription) -> None:
    lifecycle = {"subscriptionId": "sub-1", "clientState": "right-state"}
    notifications.handle([{**lifecycle, "lifecycleEvent": "missed"}])
    row = SyncRequest.objects.get()
    assert row.force and row.changes == []


# -- a scheduler polls for requests -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_scheduler_runs_each_request_when_it_falls_due(alice: Any, configured: Any) -> None:
    account = connect(alice)
    # no scheduler ran when it connected: its first sync was handed to the database
    assert SyncRequest.objects.get(account=account).force
    SyncRequest.objects.all().delete()
    calls: list[tuple[int, str, float]] = []
    ran = threading.Event()
    started = time.monotonic()

    def runner(job: due.Job, interval: float) -> None:
        calls.append((job.user_id, job.trigger, time.monotonic() - started))
        ran.set()

    background = scheduler.Scheduler(interval=0, poll=5.0, runner=runner).start()
    try:
        time.sleep(0.2)  # its first look found nothing: the next one is 5 s away...
        _add(account, ["e1", "created", "k"], now=timezone.now(), delay=0.6)
        background.poke()  # ...unless it is poked, as the receiver in its process does
        assert ran.wait(3)
        time.sleep(0.3)
    finally:
        background.stop()
    [(user_id, trigger, seconds)] = calls
    assert (user_id, trigger) == (account.user_id, "notification")
    assert 0.7 <= seconds < 1.5  # at the request's due time, not at the next poll
