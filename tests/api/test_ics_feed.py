"""The private ICS feed: a weekly series with a moved and a cancelled occurrence survives
the trip API -> ICS -> icalendar; the URL is private and revocable."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr
from rest_framework.test import APIClient

from calsync.accounts.models import User

from .conftest import WINDOW, weekly_series

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _feed(client: APIClient) -> str:
    answer = client.get("/api/ics")
    assert answer.status_code == 200
    url = answer.json()["url"]
    assert url.startswith("http://testserver/api/ics/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


def _calendar(path: str) -> icalendar.Calendar:
    answer = APIClient().get(path)  # no credentials: the token is the key
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    assert "private" in answer["Cache-Control"]
    return icalendar.Calendar.from_ical(answer.content)


def test_weekly_series_with_moved_and_cancelled_occurrences_round_trips(
    as_alice: APIClient,
) -> None:
    series = as_alice.post(
        "/api/events",
        weekly_series(
            description="<p>Agenda <b>items</b></p>",
            attendees=[{"email": "bob@example.com", "name": "Bob", "status": "accepted"}],
        ),
        format="json",
    ).json()
    moved = as_alice.patch(
        f"/api/events/{series['id']}.20260323T080000Z",
        {"start": "2026-03-24T14:00:00", "end": "2026-03-24T15:00:00", "title": "Moved"},
        format="json",
    ).json()
    assert as_alice.delete(f"/api/events/{series['id']}.20260330T070000Z").status_code == 204
    holiday = as_alice.post(
        "/api/events",
        {
            "title": "Holiday",
            "all_day": True,
            "start": "2026-04-01",
            "end": "2026-04-03",
            "timezone": "Europe/Paris",
        },
        format="json",
    ).json()

    # the API view of the window
    listed = as_alice.get("/api/events", WINDOW).json()
    weekly = [e for e in listed if e["series_id"] == series["id"]]
    assert len(weekly) == 6
    assert [(e["title"], e["start"]) for e in weekly][:4] == [
        ("Weekly sync", "2026-03-16T09:00:00+01:00"),
        ("Moved", "2026-03-24T14:00:00+01:00"),
        ("Weekly sync", "2026-04-06T09:00:00+02:00"),
        ("Weekly sync", "2026-04-13T09:00:00+02:00"),
    ]

    calendar = _calendar(_feed(as_alice))
    vevents = calendar.walk("VEVENT")
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {"Europe/Paris"}
    master = next(v for v in vevents if "RRULE" in v)
    assert str(master["UID"]) == series["uid"]
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=MO"
    assert master.decoded("DTSTART") == datetime(2026, 3, 16, 9, tzinfo=PARIS)
    assert master["DTSTART"].params["TZID"] == "Europe/Paris"
    assert master["X-ALT-DESC"].params["FMTTYPE"] == "text/html"
    assert str(master["DESCRIPTION"]) == "Agenda items"
    attendee = master["ATTENDEE"]
    assert str(attendee) == "mailto:bob@example.com"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    exdates = [d.dt for d in master["EXDATE"].dts]
    assert exdates == [datetime(2026, 3, 30, 9, tzinfo=PARIS)]

    exception = next(v for v in vevents if "RECURRENCE-ID" in v)
    assert str(exception["UID"]) == series["uid"]
    assert exception.decoded("RECURRENCE-ID") == datetime(2026, 3, 23, 9, tzinfo=PARIS)
    assert exception.decoded("DTSTART") == datetime(2026, 3, 24, 14, tzinfo=PARIS)
    assert exception.decoded("DTEND") == datetime(2026, 3, 24, 15, tzinfo=PARIS)
    assert str(exception["SUMMARY"]) == moved["title"]

    # a reader of the ICS that expands it on its own sees what the API lists
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=master.decoded("DTSTART"))
    low, high = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 30, tzinfo=UTC)
    expanded = {
        moment
        for moment in rule.between(low, high, inc=True)
        if moment not in exdates and moment != exception.decoded("RECURRENCE-ID")
    } | {exception.decoded("DTSTART")}
    assert sorted(expanded) == [datetime.fromisoformat(e["start"]) for e in weekly]

    all_day = next(v for v in vevents if str(v["UID"]) == holiday["uid"])
    assert all_day.decoded("DTSTART") == date(2026, 4, 1)
    assert all_day.decoded("DTEND") == date(2026, 4, 3)
    assert len(vevents) == 3


def test_series_rule_until_and_first_occurrence_follow_rfc5545(as_alice: APIClient) -> None:
    as_alice.post(
        "/api/events",
        weekly_series(
            start="2026-03-18T09:00:00",  # a Wednesday: the first occurrence is Monday 23rd
            end="2026-03-18T10:00:00",
            recurrence="FREQ=WEEKLY;BYDAY=MO;UNTIL=20260501",
        ),
        format="json",
    ).json()
    as_alice.post(
        "/api/events",
        {
            "title": "Days",
            "all_day": True,
            "start": "2026-03-02",
            "end": "2026-03-03",
            "timezone": "Europe/Paris",
            "recurrence": "FREQ=DAILY;UNTIL=20260305T120000Z",
        },
        format="json",
    )
    vevents = _calendar(_feed(as_alice)).walk("VEVENT")
    timed = next(v for v in vevents if str(v["SUMMARY"]) == "Weekly sync")
    assert timed.decoded("DTSTART") == datetime(2026, 3, 23, 9, tzinfo=PARIS)
    assert timed["RRULE"]["UNTIL"] == [datetime(2026, 5, 1, 21, 59, 59, tzinfo=UTC)]
    assert timed["RRULE"]["BYDAY"] == ["MO"]
    days = next(v for v in vevents if str(v["SUMMARY"]) == "Days")
    assert days["RRULE"]["UNTIL"] == [date(2026, 3, 5)]


def test_feed_leaves_out_archived_events_and_occurrences(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    archived_occurrence = as_alice.post(
        f"/api/events/{series['id']}.20260323T080000Z/archive"
    ).json()
    gone = as_alice.post(
        "/api/events",
        {"title": "Gone", "start": "2026-03-17T10:00:00Z", "end": "2026-03-17T11:00:00Z"},
        format="json",
    ).json()
    as_alice.post(f"/api/events/{gone['id']}/archive")
    vevents = _calendar(_feed(as_alice)).walk("VEVENT")
    assert [str(v["SUMMARY"]) for v in vevents] == ["Weekly sync"]
    assert [d.dt for d in vevents[0]["EXDATE"].dts] == [datetime(2026, 3, 23, 9, tzinfo=PARIS)]
    assert archived_occurrence["active"] is False


def test_feed_url_is_stable_private_and_revocable(as_alice: APIClient, bob: User, login) -> None:
    as_alice.post("/api/events", weekly_series(), format="json")
    first = _feed(as_alice)
    assert _feed(as_alice) == first
    token = first.removeprefix("/api/ics/").removesuffix(".ics")
    assert len(token) >= 43
    rotated = as_alice.post("/api/ics/rotate")
    assert rotated.status_code == 200
    second = rotated.json()["url"].removeprefix("http://testserver")
    assert second != first
    assert APIClient().get(first).status_code == 404
    assert len(_calendar(second).walk("VEVENT")) == 1
    # another user's feed shows their own (empty) calendar, and a guess opens nothing
    assert _calendar(_feed(login(bob))).walk("VEVENT") == []
    assert APIClient().get("/api/ics/" + "A" * 43 + ".ics").status_code == 404
    assert APIClient().get("/api/ics").status_code in (401, 403)


def test_feed_answers_304_until_the_calendar_changes(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    path = _feed(as_alice)
    reader = APIClient()
    first = reader.get(path)
    etag = first["ETag"]
    assert reader.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    as_alice.delete(f"/api/events/{series['id']}.20260330T070000Z")
    after_cancel = reader.get(path, HTTP_IF_NONE_MATCH=etag)
    assert after_cancel.status_code == 200
    assert after_cancel["ETag"] != etag
    etag = after_cancel["ETag"]
    as_alice.patch(f"/api/events/{series['id']}", {"title": "Renamed"}, format="json")
    renamed = reader.get(path, HTTP_IF_NONE_MATCH=etag)
    assert renamed.status_code == 200
    assert b"SUMMARY:Renamed" in renamed.content
    as_alice.delete(f"/api/events/{series['id']}")
    emptied = reader.get(path, HTTP_IF_NONE_MATCH=renamed["ETag"])
    assert emptied.status_code == 200
    assert icalendar.Calendar.from_ical(emptied.content).walk("VEVENT") == []
