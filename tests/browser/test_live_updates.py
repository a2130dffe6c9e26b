"""An open calendar page learns of changes by itself: another tab (here, the REST API) adds,
edits and deletes events, a background sync brings Outlook's, and the page redraws only
what changed, within 2 seconds, without a reload. The Sync button answers at once, shows
the progress bar, and the panel shows the finished run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.db.transaction import atomic
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from calsync.accounts.models import User
from calsync.calendars.models import Event
from calsync.outlook.connection import actions as outlook_actions
from calsync.outlook.models import OutlookAccount, SyncRequest, SyncRun
from calsync.outlook.triggers import scheduler
from graph_emulator.testing import EmulatorServer

from .conftest import TIMEZONE, Screen, assert_laid_out_as_microsoft, signed_in

pytestmark = pytest.mark.browser

PARIS = ZoneInfo(TIMEZONE)
LIVE_WITHIN_MS = 2000


def at(hour: int) -> str:
    day = datetime.now(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
    return (day + timedelta(hours=hour)).isoformat()


def create(client: httpx.Client, title: str, hour: int) -> dict[str, Any]:
    body = {"title": title, "start": at(hour), "end": at(hour + 1), "timezone": TIMEZONE}
    answer = client.post("/api/events", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def shown_within(page: Page, selector: str, count: int, since: float) -> float:
    """Wait until ``selector`` matches ``count`` elements; the seconds since ``since``."""
    expect(page.locator(selector)).to_have_count(count, timeout=LIVE_WITHIN_MS + 1000)
    return time.monotonic() - since


def test_changes_from_another_tab_appear_within_two_seconds_and_only_they_redraw(
    screen: Screen, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    api = api_as(user.email)
    kept = create(api, "Stays as it is", 8)
    edited = create(api, "Old name", 10)
    deleted = create(api, "Going away", 12)
    # they last changed hours ago (the cursor's stamp is then the renamed one's): no
    # "changed since" may hold the others
    hours_ago = timezone.now() - timedelta(hours=2)
    Event.objects.update(updated=hours_ago)
    Event.objects.filter(pk=edited["id"]).update(updated=hours_ago + timedelta(hours=1))
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    page.locator("body").press("w" if not screen.phone else "d")
    kept_el = page.locator(f'.fc-event[data-event-id="{kept["id"]}"]')
    edited_el = page.locator(f'.fc-event[data-event-id="{edited["id"]}"]')
    expect(kept_el).to_have_count(1)
    page.wait_for_load_state("networkidle")
    kept_el.evaluate("el => { el.dataset.probe = 'drawn once'; }")
    edited_el.evaluate("el => { el.dataset.probe = 'drawn once'; }")
    page.evaluate("window.notReloaded = true")
    asked: list[str] = []
    deltas: list[dict[str, Any]] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/events" in r.url else None)
    page.on(
        "response",
        lambda r: deltas.append(r.json()) if "/api/changes/events" in r.url and r.ok else None,
    )

    started = time.monotonic()
    arrived = create(api, "Arrived live", 14)
    seconds = shown_within(page, '.fc-event:has-text("Arrived live")', 1, started)
    assert seconds * 1000 < LIVE_WITHIN_MS, seconds

    started = time.monotonic()
    api.patch(f"/api/events/{edited['id']}", json={"title": "New name"})
    api.delete(f"/api/events/{deleted['id']}")
    shown_within(page, '.fc-event:has-text("New name")', 1, started)
    seconds = shown_within(page, f'.fc-event[data-event-id="{deleted["id"]}"]', 0, started)
    assert seconds * 1000 < LIVE_WITHIN_MS, seconds

    # the untouched event is the very element drawn first, and so is the renamed one
    # (updated in place); the page never reloaded
    expect(kept_el).to_have_attribute("data-probe", "drawn once")
    expect(edited_el).to_have_attribute("data-probe", "drawn once")
    expect(edited_el).to_have_attribute("title", "New name")
    assert page.evaluate("window.notReloaded === true")
    # only the changed events came over the wire: never the whole window again
    assert asked == [], asked
    fetched = {str(event["id"]) for delta in deltas for event in delta["events"]}
    assert {str(arrived["id"]), str(edited["id"])} <= fetched
    assert str(kept["id"]) not in fetched and str(deleted["id"]) not in fetched
    assert str(deleted["id"]) not in deltas[-1]["ids"]
    assert str(kept["id"]) in deltas[-1]["ids"]


def test_a_second_tab_of_the_same_browser_hears_at_once(
    every_screen: Screen, live_server: Any, user: User
) -> None:
    context = every_screen.context
    first = signed_in(context, live_server.url, user.email)
    second = context.new_page()
    second.goto(f"{live_server.url}/")
    second.wait_for_selector("#calendar[data-ready=true]")
    first.page.locator("#new-event").click()
    first.page.locator("#ev-title").fill("Made in tab one")
    first.page.locator("#ev-save").click()
    expect(second.locator('.fc-event:has-text("Made in tab one")')).to_have_count(
        1, timeout=LIVE_WITHIN_MS
    )


def test_a_write_that_committed_late_appears_when_the_tab_comes_back(
    context: BrowserContext, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    """A row stamped long before it committed is older than the delta looks back: the cursor
    moves (one more event) but the delta cannot see it. The page redraws its window when the
    tab is seen again, and then it is there."""
    create(api_as(user.email), "Fresh", 8)  # the cursor's stamp: now
    page = signed_in(context, live_server.url, user.email).page
    page.locator("body").press("w")
    page.wait_for_load_state("networkidle")
    # committed now, stamped five minutes ago (the transaction ends before the wait)
    with page.expect_response(lambda r: "/api/changes/events" in r.url) as answer, atomic():
        late = Event.objects.get(title="Fresh")
        late.pk, late.uid, late.title = None, uuid.uuid4(), "Committed late"
        late.save()
        Event.objects.filter(pk=late.pk).update(updated=timezone.now() - timedelta(minutes=5))
    assert str(late.pk) in answer.value.json()["ids"]
    shown = page.locator(f'.fc-event[data-event-id="{late.pk}"]')
    expect(shown).to_have_count(0)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(shown).to_have_count(1)


# -- the Sync button and a background sync, with the emulator as Microsoft ------------------

MAILBOX = "ana@contoso.test"
MS_PASSWORD = "pw-microsoft"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def outlook_page(
    every_screen: Screen, live_server: Any, emulator: EmulatorServer, settings: Any, user: User
) -> Iterator[Page]:
    """Ana on her calendar (in each language and screen), connected to Outlook by the real
    consent flow in Chromium (the emulator over HTTPS, its page laid out as Microsoft's),
    with the process's engine taking sync requests."""
    emulator.reset()
    settings.CALSYNC_MS_AUTHORITY_HOST = emulator.url
    settings.CALSYNC_GRAPH_URL = emulator.graph_url
    settings.CALSYNC_CA_BUNDLE = emulator.ca_path
    client_id, secret = str(uuid.uuid4()), f"Bx8~{uuid.uuid4().hex}"
    emulator.add_app(client_id, secret, [f"{live_server.url}/microsoft_account/authentication"])
    emulator.add_user(MAILBOX, "Ana Lima", MS_PASSWORD)
    outlook_actions.do_update_settings(
        enabled=True, client_id=client_id, client_secret=secret, base_url=live_server.url
    )
    engine = scheduler.default()
    engine.interval, engine.poll = 0, 0.2
    engine.start()
    try:
        page = signed_in(every_screen.context, live_server.url, user.email).page
        page.locator("#outlook-sync").click()
        page.wait_for_url(f"{emulator.url}/**")
        assert_laid_out_as_microsoft(page)
        page.locator("input[name=login]").fill(MAILBOX)
        page.locator("input[name=password]").fill(MS_PASSWORD)
        page.get_by_role("button", name="Accept").click()
        page.wait_for_url(f"{live_server.url}/")
        expect(page.locator("#outlook-panel")).to_contain_text(
            every_screen.text("Connected as", "Đã kết nối với tư cách") + f" {MAILBOX}"
        )
        yield page
    finally:
        engine.stop()


def outlook_create(emulator: EmulatorServer, subject: str, hour: int) -> None:
    body = {
        "subject": subject,
        "start": {"dateTime": at(hour)[:19], "timeZone": TIMEZONE},
        "end": {"dateTime": at(hour + 1)[:19], "timeZone": TIMEZONE},
    }
    with emulator.client() as http:
        answer = http.post(
            f"{emulator.graph_url}/me/events",
            json=body,
            headers={"Authorization": f"Bearer {emulator.token_for(MAILBOX)}"},
        )
    assert answer.status_code == 201, answer.text


def page_requests() -> list[tuple[str, int]]:
    """The sync requests waiting (trigger, version): opening the page adds or bumps one when
    it asks for a run."""
    return list(SyncRequest.objects.values_list("trigger", "version"))


@pytest.mark.e2e
def test_the_sync_button_answers_at_once_and_the_page_shows_what_came_in(
    outlook_page: Page, emulator: EmulatorServer, every_screen: Screen
) -> None:
    """In each language and screen: the Sync button answers at once with the progress bar,
    what the run brought in appears without a reload and the log says it in words; opening
    the page again within a minute asks for no run; a last sync minutes ago reads "3 minutes
    ago", the exact time in the reader's zone on hover."""
    page, text = outlook_page, every_screen.text
    expect(page.locator("#outlook-last-sync")).to_be_visible(timeout=15_000)  # the first sync
    page.evaluate("window.notReloaded = true")
    outlook_create(emulator, "Dentist from Outlook", 16)
    emulator.set_faults(latency_ms=300)  # a run that takes a moment
    try:
        started = time.monotonic()
        page.locator("#outlook-sync").click()
        expect(page.locator("#outlook-progress")).to_be_visible(timeout=1000)
        assert time.monotonic() - started < 1.0
        expect(page.locator('.fc-event:has-text("Dentist from Outlook")')).to_have_count(
            1, timeout=20_000
        )
    finally:
        emulator.set_faults()
    expect(page.locator("#outlook-progress")).to_be_hidden(timeout=10_000)
    expect(page.locator("#outlook-log")).to_contain_text(
        text("From Outlook: 1 new", "Từ Outlook: 1 mới")
    )
    last_sync = page.locator("#outlook-last-sync time")
    expect(last_sync).to_have_text(text("now", "bây giờ"))
    assert "T" not in (last_sync.get_attribute("title") or "T")  # a readable time on hover
    assert page.evaluate("window.notReloaded === true")
    assert SyncRun.objects.filter(trigger="button", status="ok").exists()
    # the run lists the event it wrote, linked: the link opens it
    page.locator("#outlook-log summary").click()
    page.locator("#outlook-log a", has_text="Dentist from Outlook").click()
    page.wait_for_selector("#event-dialog[open]")
    expect(page.locator("#ev-title")).to_have_value("Dentist from Outlook")
    page.locator("#ev-cancel").click()
    expect(page.locator("#event-dialog")).to_be_hidden()

    # opened twice more within the minute: no run asked for (the engine is stopped so that
    # a request would stay to be seen)
    scheduler.default().stop()
    runs, waiting = SyncRun.objects.count(), page_requests()
    for _ in range(2):
        page.reload()
        page.wait_for_selector("#calendar[data-ready=true]")
    assert (SyncRun.objects.count(), page_requests()) == (runs, waiting)

    # the last run three minutes ago: the panel says so in words, the exact time on hover in
    # Paris' clock; and this time the page asks for a run
    ago = timezone.now() - timedelta(minutes=3)
    SyncRun.objects.update(started_at=ago - timedelta(seconds=2), finished_at=ago)
    OutlookAccount.objects.update(last_sync=ago)
    waiting = page_requests()
    page.reload()
    page.wait_for_selector("#calendar[data-ready=true]")
    expect(last_sync).to_have_text(text("3 minutes ago", "3 phút trước"))
    here = ago.astimezone(PARIS)
    hour = f"{here:%H}" if every_screen.language == "vi" else str(here.hour % 12 or 12)
    hover = last_sync.get_attribute("title") or ""
    assert f"{hour}:{here:%M}" in hover and str(here.day) in hover and "T" not in hover, hover
    assert page_requests() != waiting  # a request added, or the waiting one bumped
