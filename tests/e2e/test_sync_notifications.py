"""Graph change notifications end to end: a user connected through the real consent flow, the
emulator over HTTPS as Microsoft, and calsync's live server (http on loopback) as the
notification URL. The background scheduler runs without its periodic sweep, so only a
notification can start the syncs these tests wait for. The ``worker`` tests run no scheduler
in the live server's process: a separate :class:`~calsync.outlook.triggers.scheduler.Scheduler`, as
``calsync worker`` runs it, learns of notifications only through the database hand-off."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.db import transaction

from calsync.calendars import actions
from calsync.calendars.models import Calendar, Event
from calsync.outlook.connection import actions as outlook_actions
from calsync.outlook.models import CalendarLink, OutlookSubscription, SyncRequest, SyncRun
from calsync.outlook.sync import claims
from calsync.outlook.sync.progress import WRITING_OUTLOOK
from calsync.outlook.triggers import scheduler, subscriptions
from graph_emulator.webhooks import validate_endpoint

from .conftest import csrf_token
from .test_sync_calendar_links import api, calsync_calendar, link
from .test_sync_mirrors import dentist

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "pw-calsync"
MAILBOX = "alice@example.com"


@pytest.fixture(autouse=True)
def _change_notifications_on(settings: Any) -> None:
    settings.CALSYNC_NOTIFICATIONS = True


@pytest.fixture
def connected(connect_by_consent: Any) -> Any:
    """Alice connected by the real consent flow; Base URL = the live server (loopback)."""
    return connect_by_consent(MAILBOX, "Alice Nguyen", PASSWORD)


@pytest.fixture
def background(connected: Any) -> Iterator[scheduler.Scheduler]:
    """The process's scheduler (started once Alice is connected), with no periodic sweep:
    only requests start syncs."""
    runner = scheduler.default()
    runner.interval = 0
    runner.start()
    yield runner
    runner.stop()


@pytest.fixture
def worker(connected: Any, settings: Any) -> Iterator[scheduler.Scheduler]:
    """A scheduler of its own (no periodic sweep), as ``calsync worker`` runs it, while the
    web server's process runs none: notifications reach it only through the database."""
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 0.3
    assert not scheduler.poke()  # no scheduler in the process that receives notifications
    runner = scheduler.Scheduler(interval=0).start()
    yield runner
    runner.stop()


def emulator_subscriptions(emulator: Any) -> list[dict[str, Any]]:
    with emulator.client() as http:
        return http.get(f"{emulator.url}/_emulator/subscriptions").json()


def outlook(emulator: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A change made in Alice's Outlook (Graph over HTTPS with her delegated token)."""
    headers = {"Authorization": f"Bearer {emulator.token_for(MAILBOX)}"}
    with emulator.client() as http:
        return http.request(method, f"{emulator.graph_url}{path}", headers=headers, **kwargs)


def outlook_event(subject: str, days: int = 2) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=1)
    return {
        "subject": subject,
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
    }


def first_sync(connected: Any) -> OutlookSubscription:
    call_command("sync", MAILBOX)
    row = OutlookSubscription.objects.get(account=connected.account, remote_calendar_id="")
    assert row.subscription_id, row.last_error
    return row


def wait_for(condition: Callable[[], Any], timeout: float = 15, show: Any = None) -> float:
    """Seconds until ``condition()`` held (AssertionError after ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"timed out: {show() if show else ''}")


def created_in_outlook_arrives(
    connected: Any, emulator: Any, subject: str, path: str, within: float
) -> httpx.Response:
    """After a first sync, an event created in Outlook reaches calsync within ``within``
    seconds (printed, with the ``path`` it took); returns Graph's answer to the create."""
    first_sync(connected)
    created = outlook(emulator, "POST", "/me/events", json=outlook_event(subject))
    assert created.status_code == 201, created.text
    mine = Event.objects.filter(owner=connected.user, title=subject)
    seconds = wait_for(mine.exists, 15, lambda: list(SyncRun.objects.values("trigger", "status")))
    print(f"\nOutlook create -> calsync event{path}: {seconds:.2f} s")
    assert seconds < within
    return created


def runs(trigger: str) -> int:
    return SyncRun.objects.filter(trigger=trigger, finished_at__isnull=False).count()


def requested_ids() -> set[str]:
    """The Outlook event ids the waiting sync requests are about."""
    return {
        row[0]
        for changes in SyncRequest.objects.values_list("changes", flat=True)
        for row in changes
    }


def local_event(title: str, days: int) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=days)
    return {"title": title, "start": start, "end": start + timedelta(hours=1)}


def test_the_handshake_answers_graph(live_server: Any) -> None:
    url = f"{live_server.url}/outlook/notifications"
    assert validate_endpoint(url) is None  # the emulator's own check of Graph's rules
    assert validate_endpoint(f"{url}?lifecycle=1") is None
    with httpx.Client(trust_env=False) as http:
        answer = http.post(url, params={"validationToken": "a b+c&<d>"}, content=b"")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain")
        assert answer.text == "a b+c&<d>"
        assert http.get(url).status_code == 405
        assert http.post(url, content=b"not json").status_code == 400
        assert http.post(url, json={"value": []}).status_code == 202


def test_the_first_sync_subscribes_with_a_secret_client_state(
    connected: Any, emulator: Any, live_server: Any
) -> None:
    row = first_sync(connected)
    [sub] = emulator_subscriptions(emulator)
    assert sub["id"] == row.subscription_id
    assert sub["notificationUrl"] == f"{live_server.url}/outlook/notifications"
    assert sub["lifecycleNotificationUrl"] == f"{live_server.url}/outlook/notifications?lifecycle=1"
    assert sub["resource"] == "/me/events" and sub["changeType"] == "created,updated,deleted"
    state = subscriptions.client_state_of(row)
    assert state and sub["clientState"] == state
    assert state not in row.client_state_encrypted  # encrypted at rest
    call_command("sync", MAILBOX)  # a live subscription is left alone
    assert [s["id"] for s in emulator_subscriptions(emulator)] == [row.subscription_id]
    status = connected.web.get("/api/outlook/status").json()
    assert status["notifications"]["active"] is True and status["notifications"]["problem"] is None


def test_an_outlook_change_arrives_within_seconds(
    connected: Any, emulator: Any, background: scheduler.Scheduler, settings: Any
) -> None:
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 0.5  # of the 2 s default, for a quicker test
    created = created_in_outlook_arrives(connected, emulator, "Made in Outlook", "", 10)
    wait_for(lambda: runs("notification") == 1 and runs("schedule") == 0)
    event_id = created.json()["id"]
    outlook(emulator, "PATCH", f"/me/events/{event_id}", json={"subject": "Renamed in Outlook"})
    renamed = Event.objects.filter(owner=connected.user, title="Renamed in Outlook", active=True)
    wait_for(renamed.exists, 15)
    outlook(emulator, "DELETE", f"/me/events/{event_id}")
    archived = Event.objects.filter(owner=connected.user, title="Renamed in Outlook", active=False)
    wait_for(archived.exists, 15)
    wait_for(lambda: runs("notification") == 3)
    assert OutlookSubscription.objects.get().last_notification_at is not None


def test_our_own_writes_coming_back_start_no_sync(
    connected: Any, emulator: Any, background: scheduler.Scheduler, settings: Any
) -> None:
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 0.3
    settings.CALSYNC_SYNC_DEBOUNCE = 0.1
    first_sync(connected)
    delivered = emulator.stats().get("notifications_sent", 0)
    actions.do_create_event(
        connected.user,
        {
            "title": "Made here",
            "start": datetime.now(UTC) + timedelta(days=3),
            "end": datetime.now(UTC) + timedelta(days=3, hours=1),
        },
    )
    wait_for(lambda: SyncRun.objects.filter(trigger="change", pushed_created=1).exists())
    wait_for(lambda: emulator.stats().get("notifications_sent", 0) > delivered, 10, emulator.stats)
    time.sleep(1.5)  # the debounce, then the check against what the sync recorded
    assert runs("notification") == 0
    assert SyncRun.objects.count() == 2  # the first sync and the push


def test_a_wrong_client_state_starts_nothing(
    connected: Any, background: scheduler.Scheduler, live_server: Any, settings: Any
) -> None:
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 0.1
    row = first_sync(connected)
    url = f"{live_server.url}/outlook/notifications"

    def notify(client_state: str) -> int:
        item = {
            "subscriptionId": row.subscription_id,
            "clientState": client_state,
            "changeType": "created",
            "resource": "Users/x/Events/AAMkForged",
            "resourceData": {"id": "AAMkForged", "@odata.etag": 'W/"forged"'},
        }
        with httpx.Client(trust_env=False) as http:
            return http.post(url, json={"value": [item]}).status_code

    assert notify("guessed-" + "x" * 56) == 202
    time.sleep(1.5)
    assert runs("notification") == 0
    assert notify(subscriptions.client_state_of(row) or "") == 202  # the control: it does run
    wait_for(lambda: runs("notification") == 1)


def test_reauthorization_renews_and_a_removed_subscription_is_recreated(
    connected: Any, emulator: Any, background: scheduler.Scheduler, settings: Any
) -> None:
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 0.1
    row = first_sync(connected)
    # the access token the subscription was made with expires: Graph asks to reauthorize
    emulator.advance_clock(2 * 3600)
    renewed = OutlookSubscription.objects.filter(pk=row.pk, renewed_at__isnull=False)
    wait_for(renewed.exists, 15, lambda: list(SyncRun.objects.values("trigger", "status")))
    after = renewed.get()
    assert after.subscription_id == row.subscription_id and not after.renew_requested
    assert after.expires_at > row.expires_at
    # Outlook removes it (e.g. a password reset): subscriptionRemoved -> a new one
    with emulator.client() as http:
        http.post(f"{emulator.url}/_emulator/subscriptions/{row.subscription_id}/remove")
    recreated = OutlookSubscription.objects.exclude(subscription_id__in=["", row.subscription_id])
    wait_for(recreated.exists, 15)
    assert [s["id"] for s in emulator_subscriptions(emulator)] == [recreated.get().subscription_id]
    # and it works: a change in Outlook still arrives
    outlook(emulator, "POST", "/me/events", json=outlook_event("After the recreation"))
    wait_for(Event.objects.filter(title="After the recreation").exists, 15)


def test_a_subscription_gone_silently_is_recreated_at_renewal(
    connected: Any, emulator: Any
) -> None:
    row = first_sync(connected)
    with emulator.world.lock:
        emulator.world.subscriptions.items.pop(row.subscription_id)
    later = datetime.now(UTC) + timedelta(days=2, hours=1)  # within a day of expiring
    assert subscriptions.keep_alive(connected.account.pk, now=later) == subscriptions.CREATED
    new = OutlookSubscription.objects.get()
    assert new.subscription_id != row.subscription_id
    assert [s["id"] for s in emulator_subscriptions(emulator)] == [new.subscription_id]
    assert subscriptions.keep_alive(connected.account.pk) == subscriptions.UNCHANGED


def test_a_create_whose_answer_was_lost_leaves_no_orphan(connected: Any, emulator: Any) -> None:
    """Graph made the subscription but the answer never came (the connection dropped after
    the write): the next attempt deletes it before making its own, so Graph holds one."""
    call_command("sync", MAILBOX)
    assert len(emulator_subscriptions(emulator)) == 1
    OutlookSubscription.objects.update(subscription_id="")  # as if never made
    later = datetime.now(UTC) + timedelta(minutes=1)
    emulator.set_faults(drop_after_apply_rate=1.0)
    try:
        assert subscriptions.keep_alive(connected.account.pk, now=later) == subscriptions.FAILED
    finally:
        emulator.set_faults()
    [lost] = emulator_subscriptions(emulator)  # the lost answer's (the first was cleaned up)
    assert OutlookSubscription.objects.get().subscription_id != lost["id"]  # unknown to us
    retry = OutlookSubscription.objects.get().retry_after + timedelta(seconds=1)
    assert subscriptions.keep_alive(connected.account.pk, now=retry) == subscriptions.CREATED
    row = OutlookSubscription.objects.get()
    assert [s["id"] for s in emulator_subscriptions(emulator)] == [row.subscription_id]


def test_disconnect_deletes_the_subscription(connected: Any, emulator: Any) -> None:
    first_sync(connected)
    assert len(emulator_subscriptions(emulator)) == 1
    page = connected.web.get("/")
    answer = connected.web.post(
        "/outlook/disconnect", data={"csrfmiddlewaretoken": csrf_token(page.text)}
    )
    assert answer.status_code == 302
    assert emulator_subscriptions(emulator) == []
    assert not OutlookSubscription.objects.exists()


def test_a_base_url_graph_cannot_reach_keeps_the_periodic_sync(
    connected: Any, emulator: Any
) -> None:
    outlook_actions.do_update_settings(base_url="http://calendar.example.com")
    call_command("sync", MAILBOX)
    assert SyncRun.objects.get().status == "ok"
    assert emulator_subscriptions(emulator) == []
    row = OutlookSubscription.objects.get()
    assert not row.subscription_id and "https" in row.last_error
    status = connected.web.get("/api/outlook/status").json()
    assert status["notifications"]["active"] is False
    assert "https" in status["notifications"]["problem"]


def test_a_failed_subscription_is_not_retried_on_every_sync(connected: Any, emulator: Any) -> None:
    outlook_actions.do_update_settings(base_url="https://localhost:9")  # nothing listens
    emulator.clear_stats()
    call_command("sync", MAILBOX)
    assert SyncRun.objects.get().status == "ok"  # the sync itself is fine
    row = OutlookSubscription.objects.get()
    assert not row.subscription_id and "validation" in row.last_error
    assert row.retry_after is not None
    call_command("sync", MAILBOX)
    assert subscriptions.keep_alive(connected.account.pk) == subscriptions.UNCHANGED
    assert emulator.stats()["by_route"].get("POST /subscriptions") == 1
    later = row.retry_after + timedelta(seconds=1)
    assert subscriptions.keep_alive(connected.account.pk, now=later) == subscriptions.FAILED
    status = connected.web.get("/api/outlook/status").json()
    assert "validation" in status["notifications"]["problem"]


# -- a web process without a scheduler: the database hand-off to a worker ----------------------


def test_a_worker_syncs_an_outlook_change_that_the_web_process_received(
    connected: Any, emulator: Any, worker: scheduler.Scheduler
) -> None:
    created_in_outlook_arrives(connected, emulator, "Via the worker", " (web -> worker)", 5)
    wait_for(lambda: runs("notification") == 1)
    assert not SyncRequest.objects.exists()  # taken
    wait_for(lambda: worker.runs == 1, 5)


def test_a_worker_runs_nothing_for_our_own_writes_coming_back(
    connected: Any, emulator: Any, worker: scheduler.Scheduler
) -> None:
    first_sync(connected)
    delivered = emulator.stats().get("notifications_sent", 0)
    actions.do_create_event(connected.user, local_event("Pushed by the CLI", 3))
    call_command("sync", MAILBOX)  # pushes it: Outlook notifies about our own write
    assert SyncRun.objects.filter(trigger="cli", pushed_created=1).exists()
    wait_for(lambda: emulator.stats().get("notifications_sent", 0) > delivered, 10, emulator.stats)
    wait_for(lambda: not SyncRequest.objects.exists(), 5)  # the worker took it...
    time.sleep(0.5)
    assert runs("notification") == 0  # ...and ran nothing
    wait_for(lambda: worker.runs == 1, 5)
    # the control: a change made in Outlook does run
    outlook(emulator, "POST", "/me/events", json=outlook_event("Theirs"))
    wait_for(Event.objects.filter(owner=connected.user, title="Theirs").exists, 10)
    wait_for(lambda: runs("notification") == 1)


def test_a_request_waits_for_a_run_held_elsewhere_and_is_not_lost(
    connected: Any, emulator: Any, worker: scheduler.Scheduler
) -> None:
    first_sync(connected)
    claim = claims.claim_account(connected.account)  # e.g. the button's run, elsewhere
    assert claim is not None
    created = outlook(emulator, "POST", "/me/events", json=outlook_event("While busy"))
    wait_for(lambda: created.json()["id"] in requested_ids(), 5)
    time.sleep(1.5)  # past the debounce, and more than one poll
    assert SyncRun.objects.filter(trigger="notification").count() == 0
    assert created.json()["id"] in requested_ids()  # still waiting
    claims.release_claim(connected.account, claim)
    wait_for(Event.objects.filter(owner=connected.user, title="While busy").exists, 5)
    time.sleep(1.2)
    assert runs("notification") == 1 and not SyncRequest.objects.exists()


def test_a_worker_pushes_a_change_made_where_no_scheduler_runs(
    connected: Any, emulator: Any, worker: scheduler.Scheduler, settings: Any
) -> None:
    settings.CALSYNC_SYNC_DEBOUNCE = 0.3
    first_sync(connected)
    actions.do_create_event(connected.user, local_event("Made on the web", 3))
    pushed = SyncRun.objects.filter(trigger="change", pushed_created=1, finished_at__isnull=False)
    seconds = wait_for(pushed.exists, 10)
    print(f"\ncalsync change (web, no scheduler) -> worker -> Outlook: {seconds:.2f} s")
    assert "Made on the web" in [
        e["subject"] for e in outlook(emulator, "GET", "/me/events").json()["value"]
    ]


def test_a_notification_during_a_run_makes_exactly_one_more_run(
    connected: Any, emulator: Any, worker: scheduler.Scheduler, settings: Any
) -> None:
    settings.CALSYNC_SYNC_DEBOUNCE = 0.3
    first_sync(connected)
    emulator.set_faults(processing_ms=400)  # the run's pushes take a while
    with transaction.atomic():  # one commit: the 16 changes are handed on in one burst
        for n in range(16):
            actions.do_create_event(connected.user, local_event(f"Pushed {n:02d}", 3 + n))
    # no scheduler in this process: the changes were handed to the worker (one request)
    wait_for(SyncRun.objects.filter(trigger="change", phase=WRITING_OUTLOOK).exists, 10)
    created = outlook(emulator, "POST", "/me/events", json=outlook_event("During the run"))
    event_id = created.json()["id"]
    wait_for(lambda: event_id in requested_ids(), 5)
    assert SyncRun.objects.get(trigger="change").finished_at is None  # it came during the run
    emulator.set_faults()
    wait_for(Event.objects.filter(owner=connected.user, title="During the run").exists, 10)
    wait_for(lambda: runs("notification") == 1)
    time.sleep(1.2)  # the pushes' own notifications came back too: they start nothing more
    assert runs("notification") == 1
    change = SyncRun.objects.get(trigger="change")
    assert (change.pushed_created, change.pulled_created) == (16, 0)
    assert SyncRun.objects.get(trigger="notification").pulled_created == 1


def test_a_change_in_a_linked_calendar_arrives_through_its_own_subscription(
    connected: Any, emulator: Any, background: scheduler.Scheduler, settings: Any
) -> None:
    """Outlook's ``/me/events`` subscription hears the default calendar only, so each own
    calendar a link syncs (busy, two-way) gets a subscription of its own: an event made
    there reaches calsync through a notification (no periodic sweep runs). A calendar
    another mailbox shares gets none (Graph refuses it). A link turned off, or deleted,
    loses its subscription at the next sync; disconnecting removes them all."""
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 0.3
    work = outlook(emulator, "POST", "/me/calendars", json={"name": "Work"}).json()["id"]
    team = outlook(emulator, "POST", "/me/calendars", json={"name": "Team"}).json()["id"]
    emulator.add_user("lee@example.com", "Lee", "pw")
    shared = emulator.share_calendar("lee@example.com", MAILBOX, can_edit=False)["id"]
    personal = calsync_calendar(connected, "Personal")
    team_here = calsync_calendar(connected, "Team here")
    lee_here = calsync_calendar(connected, "Lee here")
    assert link(connected, work, personal, "busy").status_code == 200
    assert link(connected, team, team_here, "two-way").status_code == 200
    assert link(connected, shared, lee_here, "from-outlook").status_code == 200
    first_sync(connected)
    by_resource = {s["resource"]: s for s in emulator_subscriptions(emulator)}
    assert set(by_resource) == {"/me/events", f"/me/calendars/{work}/events",
                                f"/me/calendars/{team}/events"}  # fmt: skip
    rows = OutlookSubscription.objects.filter(account=connected.account).all
    assert {r.remote_calendar_id: r.subscription_id for r in rows()} == {
        "": by_resource["/me/events"]["id"],
        work: by_resource[f"/me/calendars/{work}/events"]["id"],
        team: by_resource[f"/me/calendars/{team}/events"]["id"],
    }
    for row in rows():  # each with a secret of its own, checked as the default one's
        assert by_resource_state(by_resource, row) == subscriptions.client_state_of(row)
    before = SyncRun.objects.count()

    board = outlook(emulator, "POST", f"/me/calendars/{work}/events", json=outlook_event("Board"))
    assert board.status_code == 201, board.text
    copy = Event.objects.filter(calendar_id=personal, mirror_of=board.json()["id"])
    wait_for(copy.exists, 15, lambda: list(SyncRun.objects.values("trigger", "status")))
    assert copy.get().title == "Busy"
    standup = outlook(
        emulator, "POST", f"/me/calendars/{team}/events", json=outlook_event("Standup", days=3)
    )
    assert standup.status_code == 201, standup.text
    pulled = Event.objects.filter(calendar_id=team_here, title="Standup")
    wait_for(pulled.exists, 15, lambda: list(SyncRun.objects.values("trigger", "status")))
    triggers = set(SyncRun.objects.order_by("pk")[before:].values_list("trigger", flat=True))
    assert triggers == {"notification"}

    background.stop()  # the runs notifications still start end here; nothing runs now
    assert link(connected, work, personal, "off").status_code == 200
    delete = api(connected, "DELETE", f"/api/outlook/calendars/{team}")
    assert delete.is_success, delete.text
    # what every successful sync calls last
    assert subscriptions.keep_alive(connected.account.pk) == subscriptions.UNCHANGED
    assert [s["resource"] for s in emulator_subscriptions(emulator)] == ["/me/events"]
    assert list(rows().values_list("remote_calendar_id", flat=True)) == [""]
    assert link(connected, work, personal, "redacted").status_code == 200
    subscriptions.keep_alive(connected.account.pk)
    assert len(emulator_subscriptions(emulator)) == 2 and rows().count() == 2
    outlook_actions.do_disconnect(connected.user)
    assert emulator_subscriptions(emulator) == [] and not rows().exists()


def test_a_link_turned_off_or_deleted_loses_its_subscription_without_waiting_for_a_sweep(
    connected: Any, emulator: Any, background: scheduler.Scheduler, settings: Any
) -> None:
    """Turning a link off, or deleting one, asks for a sync of the account (trigger
    ``change``): the calendar's subscription goes at Graph and here, and a mirror's copy in
    Outlook with it, with no periodic sweep and no sync asked by hand."""
    settings.CALSYNC_SYNC_DEBOUNCE = 0.3
    work = outlook(emulator, "POST", "/me/calendars", json={"name": "Work"}).json()["id"]
    personal = calsync_calendar(connected, "Personal")
    dentist(connected, personal)
    assert link(connected, work, personal, "busy").status_code == 200
    first_sync(connected)

    def resources() -> list[str]:
        return sorted(s["resource"] for s in emulator_subscriptions(emulator))

    def copies_in_work() -> int:
        listed = outlook(emulator, "GET", f"/me/calendars/{work}/events").json()["value"]
        return len(listed)

    assert resources() == ["/me/calendars/" + work + "/events", "/me/events"]
    assert copies_in_work() == 1
    rows = OutlookSubscription.objects.filter(account=connected.account)

    assert link(connected, work, personal, "off").status_code == 200
    wait_for(lambda: resources() == ["/me/events"], 15, resources)
    wait_for(lambda: copies_in_work() == 0, 15, copies_in_work)
    assert list(rows.values_list("remote_calendar_id", flat=True)) == [""]
    assert runs("change") >= 1

    assert link(connected, work, personal, "busy").status_code == 200
    call_command("sync", MAILBOX)
    assert len(resources()) == 2 and copies_in_work() == 1
    delete = api(connected, "DELETE", f"/api/outlook/calendars/{work}")
    assert delete.is_success, delete.text
    wait_for(lambda: resources() == ["/me/events"], 15, resources)
    wait_for(lambda: copies_in_work() == 0, 15, copies_in_work)
    assert list(rows.values_list("remote_calendar_id", flat=True)) == [""]


def by_resource_state(by_resource: dict[str, Any], row: OutlookSubscription) -> str:
    resource = subscriptions.resource_for(row.remote_calendar_id)
    return str(by_resource[resource]["clientState"])


def test_a_mirror_s_own_copy_writes_coming_back_start_no_sync(
    connected: Any, emulator: Any, background: scheduler.Scheduler, settings: Any
) -> None:
    """A copy a busy link writes in Outlook comes back as a notification on that calendar's
    subscription; the copy's id and changeKey, kept by the pass, say it is our own write."""
    settings.CALSYNC_NOTIFICATION_DEBOUNCE = 0.3
    settings.CALSYNC_SYNC_DEBOUNCE = 0.1
    work = outlook(emulator, "POST", "/me/calendars", json={"name": "Work"}).json()["id"]
    personal = calsync_calendar(connected, "Personal")
    assert link(connected, work, personal, "busy").status_code == 200
    first_sync(connected)
    wait_for(lambda: not SyncRequest.objects.exists())
    runs_before = SyncRun.objects.count()
    delivered = emulator.stats().get("notifications_sent", 0)
    actions.do_create_event(
        connected.user,
        {**local_event("Dentist", 3), "calendar": Calendar.objects.get(pk=personal)},
    )
    wait_for(lambda: SyncRun.objects.filter(trigger="change", pushed_created=1).exists())
    wait_for(lambda: emulator.stats().get("notifications_sent", 0) > delivered, 10, emulator.stats)
    time.sleep(1.5)  # the debounce, then the check against what the pass kept
    assert runs("notification") == 0
    assert SyncRun.objects.count() == runs_before + 1
    (copy_id,) = CalendarLink.objects.get(remote_id=work).mirror_written
    assert outlook(emulator, "GET", f"/me/events/{copy_id}").json()["subject"] == "Busy"
