"""The page's own JavaScript modules, run in Chromium: time zones, series moves, RRULEs,
text helpers and API error parsing. No Node needed: the browser imports the static files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser


def wall(*parts: int) -> int:
    """A wall value (see tz.js): the clock reading as milliseconds read in UTC."""
    return int(datetime(*parts, tzinfo=UTC).timestamp() * 1000)


def times(start: int, end: int, *, all_day: bool = False, zone: str = "Europe/Paris") -> dict:
    return {"allDay": all_day, "zone": zone, "startWall": start, "endWall": end}


@pytest.fixture
def js(context: BrowserContext, live_server: Any) -> Iterator[Any]:
    """``js(module, expression, arg)``: evaluate ``expression`` with ``m`` the module."""
    page: Page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")

    def run(module: str, expression: str, arg: Any = None) -> Any:
        source = (
            f"async (arg) => {{ const m = await import('/static/calendars/{module}.js'); "
            f"return {expression}; }}"
        )
        return page.evaluate(source, arg)

    yield run
    page.close()


def iso(js: Any, instant: int, zone: str) -> str:
    return js("tz", "m.isoWithOffset(arg[0], arg[1])", [instant, zone])


def from_wall(js: Any, value: int, zone: str) -> int:
    return js("tz", "m.instantFromWall(arg[0], arg[1])", [value, zone])


def test_offsets_follow_the_zone_and_its_dst(js: Any) -> None:
    assert iso(js, wall(2026, 7, 1, 12), "Europe/Paris") == "2026-07-01T14:00:00+02:00"
    assert iso(js, wall(2026, 12, 1, 12), "Europe/Paris") == "2026-12-01T13:00:00+01:00"
    assert iso(js, wall(2026, 11, 24, 3, 30), "Asia/Kolkata") == "2026-11-24T09:00:00+05:30"
    # 09:00 on the wall either side of New York's DST change stays 09:00.
    ny = "America/New_York"
    assert iso(js, from_wall(js, wall(2026, 3, 7, 9), ny), "UTC") == "2026-03-07T14:00:00+00:00"
    assert iso(js, from_wall(js, wall(2026, 3, 9, 9), ny), "UTC") == "2026-03-09T13:00:00+00:00"
    # 02:30 does not exist on 2026-03-08 in New York: it lands after the gap.
    assert iso(js, from_wall(js, wall(2026, 3, 8, 2, 30), ny), ny) == "2026-03-08T03:30:00-04:00"
    # 01:30 happens twice on 2026-11-01: the first one (still EDT) is meant.
    assert iso(js, from_wall(js, wall(2026, 11, 1, 1, 30), ny), ny) == "2026-11-01T01:30:00-04:00"
    assert js("tz", "m.isValidZone(arg)", "Europe/Paris") is True
    assert js("tz", "m.isValidZone(arg)", "Mars/Olympus") is False


def test_a_series_moved_from_an_occurrence_keeps_its_first_day(js: Any) -> None:
    series = times(wall(2026, 11, 2, 9), wall(2026, 11, 2, 10))
    before = times(wall(2026, 11, 18, 9), wall(2026, 11, 18, 10))
    after = times(wall(2026, 11, 19, 10, 30), wall(2026, 11, 19, 12))
    shifted = js("times", "m.shiftSeries(arg[0], arg[1], arg[2])", [series, before, after])
    assert shifted == times(wall(2026, 11, 3, 10, 30), wall(2026, 11, 3, 12))

    all_day = times(wall(2026, 11, 24), wall(2026, 11, 26), all_day=True)
    assert js("times", "m.timesToApi(arg)", all_day) == {
        "start": "2026-11-24",
        "end": "2026-11-26",
        "all_day": True,
        "timezone": "Europe/Paris",
    }
    event = {
        "start": "2026-11-24T09:00:00+01:00",
        "end": "2026-11-24T10:00:00+01:00",
        "timezone": "Asia/Ho_Chi_Minh",
        "all_day": False,
    }
    read = js("times", "m.timesFromApi(arg, 'UTC')", event)
    assert read == times(wall(2026, 11, 24, 15), wall(2026, 11, 24, 16), zone="Asia/Ho_Chi_Minh")


def test_rules_the_builder_writes_and_reads(js: Any) -> None:
    spec = {
        "freq": "WEEKLY",
        "interval": 2,
        "byday": ["WE", "MO"],
        "ends": "until",
        "until": "2026-12-31",
        "count": 1,
    }
    build = "m.buildRule(arg[0], {allDay: arg[1], zone: 'Europe/Paris'})"
    assert js("rrule", build, [spec, False]) == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20261231T225959Z"
    )
    assert js("rrule", build, [spec, True]) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20261231"
    parse = "m.parseRule(arg[0], arg[1])"
    read = js(
        "rrule",
        parse,
        ["FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20261231T225959Z", "Europe/Paris"],
    )
    assert read == {**spec, "byday": ["MO", "WE"], "count": 10}
    assert js("rrule", parse, ["RRULE:FREQ=DAILY;COUNT=5", "UTC"])["count"] == 5
    assert js("rrule", "m.buildRule(m.emptySpec(), {allDay: false, zone: 'UTC'})") is None
    for custom in ("FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=WEEKLY;BYDAY=1MO", "FREQ=HOURLY", "junk"):
        assert js("rrule", parse, [custom, "UTC"]) is None, custom


def test_text_helpers(js: Any) -> None:
    lines = "Bao Tran <bao@example.com>\n\nbao@EXAMPLE.com\nnot-an-email\ncara@example.com,"
    assert js("text", "m.parseAttendees(arg)", lines) == {
        "attendees": [
            {"email": "bao@example.com", "name": "Bao Tran"},
            {"email": "cara@example.com", "name": ""},
        ],
        "invalid": ["not-an-email"],
    }
    long_email = "x" * 243 + "@example.com"  # 255 characters: one past Django's EmailField
    assert js("text", "m.tooLong(arg)", long_email) is True
    assert js("text", "m.tooLong(arg)", f"{'N' * 256} <bao@example.com>") is True
    assert js("text", "m.tooLong(arg)", f"{'N' * 255} <{'x' * 242}@example.com>") is False
    assert js("text", "m.parseAttendees(arg)", long_email)["invalid"] == [long_email]
    html = "<p>a</p><p>b<br>c</p><script>x()</script>"
    assert js("text", "m.htmlToText(arg)", html) == "a\nb\nc"
    escaped = js("text", "m.textToHtml(arg)", '1 < 2 & "q"\nnext')
    assert escaped == "1 &lt; 2 &amp; &quot;q&quot;<br>\nnext"


def test_api_errors_are_keyed_by_field(js: Any) -> None:
    body = {
        "attendees": [{}, {"email": ["Enter a valid email address."]}],
        "end": ["The end must be after the start."],
        "detail": "Bad request",
        "non_field_errors": ["Clash"],
    }
    assert js("api", "m.fieldErrors(arg)", body) == {
        "attendees": ["#2 email: Enter a valid email address."],
        "end": ["The end must be after the start."],
        "__all__": ["Bad request", "Clash"],
    }
    assert js("api", "m.fieldErrors(arg)", ["Oops"]) == {"__all__": ["Oops"]}
