"""What the calendar shows: the agenda view, search, colours by kind with their legend,
long titles cut with an ellipsis (full text on hover), and fields that say when they reach
the server's limit. English on a laptop, Vietnamese on a phone; console errors fail a test."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from calsync.accounts.models import User
from calsync.calendars.calendar_list import default_calendar
from calsync.calendars.models import LOCATION_MAX, ORIGIN_OUTLOOK, TITLE_MAX, Event
from calsync.calendars.page_views import LIMITS
from calsync.outlook.models import OutlookAccount, OutlookLink

from .conftest import EVENT_FILL, KIND_EDGE, TIMEZONE, Screen, rgb, signed_in

pytestmark = pytest.mark.browser

PARIS = ZoneInfo(TIMEZONE)


def at(hour: int, days: int = 0) -> str:
    day = datetime.now(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
    return (day + timedelta(days=days, hours=hour)).isoformat()


def create(client: httpx.Client, title: str, hour: int, **extra: Any) -> dict[str, Any]:
    body = {"title": title, "start": at(hour), "end": at(hour + 1), "timezone": TIMEZONE, **extra}
    answer = client.post("/api/events", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def four_kinds(
    user: User, other_user: User, api_as: Callable[[str], httpx.Client]
) -> dict[str, dict[str, Any]]:
    """One event of each kind on Ana's calendar today."""
    ana, bao = api_as(user.email), api_as(other_user.email)
    mine = create(ana, "Mine only", 8)
    synced = create(ana, "Synced one", 10)  # came from Outlook: a sync made it here
    account = OutlookAccount.objects.create(user=user, mailbox="ana@contoso.test")
    Event.objects.filter(pk=synced["id"]).update(origin=ORIGIN_OUTLOOK)
    OutlookLink.objects.create(event_id=synced["id"], account=account, remote_id="AAMk-1")
    pushed = create(ana, "Pushed one", 11)  # made here, copied to Outlook: still "mine"
    OutlookLink.objects.create(event_id=pushed["id"], account=account, remote_id="AAMk-2")
    invited = create(
        bao, "Bao's invitation", 12, attendees=[{"email": user.email, "name": "Ana Lima"}]
    )
    archived = create(ana, "Old plan", 14)
    assert ana.post(f"/api/events/{archived['id']}/archive").status_code == 200
    return {
        "mine": mine,
        "outlook": synced,
        "invitation": invited,
        "archived": archived,
        "pushed": pushed,
    }


KIND_GREY = "#8a94a3"
"""Archived events keep a grey fill (calendar.css), whatever their calendar."""


def test_colours_by_kind_match_the_legend(
    every_screen: Screen, live_server: Any, user: User, four_kinds: dict[str, dict[str, Any]]
) -> None:
    """Each event's left edge is its kind's colour, the same as its legend swatch's edge;
    its fill is its calendar's colour (the default one here), grey once archived."""
    screen = every_screen
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    page.locator("#show-archived").check()
    expect(page.locator(".fc-event.is-archived")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    calendar_colour = rgb(default_calendar(user).color)
    edges = {}
    for name, event in four_kinds.items():
        kind = "mine" if name == "pushed" else name
        element = page.locator(f'.fc-event[data-event-id="{event["id"]}"]')
        expect(element).to_have_attribute("data-kind", kind)
        edges[name] = element.evaluate(KIND_EDGE)
        swatch = page.locator(f"#legend .swatch.kind-{kind}")
        expect(swatch).to_be_attached()
        assert swatch.evaluate(KIND_EDGE) == edges[name], name
        fill = rgb(KIND_GREY) if name == "archived" else calendar_colour
        assert element.evaluate(EVENT_FILL) == fill, name
    assert len(set(edges.values())) == 4, edges
    assert edges["pushed"] == edges["mine"]
    assert calendar_colour not in edges.values()  # the edge is not the fill
    legend = page.locator("#legend")
    legend.scroll_into_view_if_needed()
    expect(page.locator("#legend-note")).to_contain_text(
        screen.text("its left edge says what it is", "mép trái cho biết đó là loại gì")
    )
    expect(legend).to_contain_text(screen.text("Invitations (read-only)", "Lời mời (chỉ xem)"))
    expect(legend).to_contain_text(screen.text("From Outlook", "Từ Outlook"))


def test_the_agenda_lists_the_week(
    screen: Screen, live_server: Any, user: User, four_kinds: dict[str, dict[str, Any]]
) -> None:
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    page.locator("body").press("a")
    expect(page.locator("#calendar")).to_have_attribute("data-view", "listWeek")
    rows = page.locator(".fc-list-event")
    expect(rows).to_have_count(4)  # archived ones stay hidden
    expect(rows.nth(0)).to_contain_text("Mine only")
    rows.nth(3).locator(".fc-list-event-title").click()
    expect(page.locator("#event-dialog")).to_be_visible()
    expect(page.locator("#event-readonly-note")).to_be_visible()


def test_search_finds_by_attendee_and_opens_the_event(
    screen: Screen, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    ana = api_as(user.email)
    create(ana, "Budget", 9, attendees=[{"email": "minh@contoso.test", "name": "Minh Vu"}])
    create(ana, "Lunch", 12)
    far = ana.post(
        "/api/events",
        json={"title": "Board", "start": at(9, 40), "end": at(10, 40), "timezone": TIMEZONE},
    ).json()
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    box = page.locator("#event-search-input")
    box.fill("minh")
    results = page.locator("#event-search-results .search-result")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Budget")
    box.fill("board")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Board")
    results.first.click()
    expect(page.locator("#event-dialog")).to_be_visible()
    expect(page.locator("#ev-title")).to_have_value("Board")
    # the calendar went to the event's date
    expect(page.locator(f'.fc-event[data-event-id="{far["id"]}"]')).to_have_count(1)


def test_a_long_title_is_cut_with_an_ellipsis_and_shown_whole_on_hover(
    every_screen: Screen, live_server: Any, user: User, api_as: Callable[[str], httpx.Client]
) -> None:
    screen = every_screen
    long_title = "Quarterly planning with every team lead and the finance department " * 2
    create(api_as(user.email), long_title.strip(), 9)
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    page.locator("body").press("m")
    element = page.locator(".fc-event").first
    expect(element).to_have_attribute("title", long_title.strip())
    expect(element.locator(".fc-event-title")).to_have_css("text-overflow", "ellipsis")
    page.wait_for_function(
        "() => { const t = document.querySelector('.fc-event .fc-event-title');"
        " return t && t.scrollWidth > t.clientWidth; }"
    )


def test_every_field_has_the_servers_limit_and_says_when_it_is_reached(
    screen: Screen, live_server: Any, user: User
) -> None:
    signed = signed_in(screen.context, live_server.url, user.email)
    page = signed.page
    assert LIMITS["title"] == TITLE_MAX and LIMITS["location"] == LOCATION_MAX
    expected = {
        "#ev-title": TITLE_MAX,
        "#ev-location": LOCATION_MAX,
        "#ev-timezone": 64,
        "#ev-description": LIMITS["description"],
        "#rr-raw": 1000,
        "#qc-title": TITLE_MAX,
        "#event-search-input": LIMITS["search"],
    }
    for selector, limit in expected.items():
        assert page.locator(selector).get_attribute("maxlength") == str(limit), selector
    page.locator("#new-event").click()
    counter = page.locator("#ev-title-count")
    expect(counter).to_be_hidden()
    page.locator("#ev-title").fill("x" * (TITLE_MAX + 20))
    expect(page.locator("#ev-title")).to_have_value("x" * TITLE_MAX)
    expect(counter).to_be_visible()
    expect(counter).to_contain_text(str(TITLE_MAX))
    # the people field takes a pasted list (no maxlength): an entry past the server's limits
    # becomes a red chip that says so
    page.locator("#ev-attendee-input").fill(f"{'N' * 256} <minh@contoso.test>")
    page.locator("#ev-attendee-input").press("Enter")
    chip = page.locator("#ev-attendee-chips .chip-invalid")
    expect(chip).to_have_count(1)
    expect(chip).to_have_attribute("title", re.compile(screen.text("^Too long", "^Quá dài")))
    chip.locator("button").click()
    page.locator("#ev-save").click()
    expect(page.locator("#event-dialog")).to_be_hidden()
    assert Event.objects.get().title == "x" * TITLE_MAX
