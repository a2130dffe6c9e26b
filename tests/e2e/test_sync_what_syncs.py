"""Each row of "what syncs", both ways, over real HTTPS against the emulator.

calsync-side changes go through the calendar actions (as the page and the API make them);
Outlook-side changes are Graph HTTP calls on the emulator. After each sync the test reads
the other side back: Outlook through Graph, calsync through the ORM.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.calendars.models import ORIGIN_OUTLOOK
from calsync.msgraph import mapping

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(emulator: Any, settings: Any) -> SyncWorld:
    return SyncWorld(emulator, "alice@contoso.test", "Alice Nguyen")


def only(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]


def test_a_local_event_is_pushed_with_every_field_and_its_zone(alice: SyncWorld) -> None:
    event = alice.create(
        title="Design review",
        description="<p>Bring the <b>draft</b></p>",
        location="Room 1",
        start=at(3, 8),
        end=at(3, 9, 30),
        timezone="Europe/Paris",
        show_as="tentative",
        privacy="private",
    )
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pushed == {"created": 1, "updated": 0, "deleted": 0}
    remote = only(alice.outlook_events())
    assert remote["subject"] == "Design review"
    assert mapping.body_html(remote["body"]) == "<p>Bring the <b>draft</b></p>"
    assert remote["location"]["displayName"] == "Room 1"
    assert remote["originalStartTimeZone"] == "Romance Standard Time"
    assert remote["start"] == graph_time(at(3, 8)) | {"dateTime": remote["start"]["dateTime"]}
    assert remote["start"]["dateTime"].startswith(at(3, 8).strftime("%Y-%m-%dT%H:%M:%S"))
    assert remote["end"]["dateTime"].startswith(at(3, 9, 30).strftime("%Y-%m-%dT%H:%M:%S"))
    assert remote["showAs"] == "tentative"
    assert remote["sensitivity"] == "private"
    with_uid = alice.graph(
        "GET",
        f"/me/events/{remote['id']}",
        params={
            "$expand": f"singleValueExtendedProperties($filter=id eq '{mapping.UID_PROPERTY_ID}')"
        },
    ).json()
    assert mapping.uid_from_extended(with_uid) == str(event.uid)
    assert alice.event(event.pk).outlook_link.remote_id == remote["id"]
    assert alice.event(event.pk).origin == ""  # made here: "mine" on the page, not "from Outlook"
    read = alice.api().get(f"/api/events/{event.pk}").json()
    assert read["in_outlook"] is True and read["from_outlook"] is False
    again = alice.sync()
    assert again.ok and again.pushed["created"] == 0 and again.pulled["created"] == 0


def test_an_outlook_event_is_pulled_with_every_field(alice: SyncWorld) -> None:
    made = alice.outlook_create(
        {
            "subject": "Dentist",
            "body": {"contentType": "html", "content": "<p>Check-up</p>"},
            "location": {"displayName": "Rue de Rivoli"},
            "start": graph_time(at(5, 10), "W. Europe Standard Time"),
            "end": graph_time(at(5, 11), "W. Europe Standard Time"),
            "showAs": "oof",
            "sensitivity": "confidential",
        }
    )
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pulled["created"] == 1
    event = only(alice.events())
    assert event.title == "Dentist"
    assert event.description == "<p>Check-up</p>"
    assert event.location == "Rue de Rivoli"
    assert event.timezone == "Europe/Berlin"
    # wall time 10:00 in Berlin, whatever the offset of that day
    from zoneinfo import ZoneInfo

    assert event.start.astimezone(ZoneInfo("Europe/Berlin")).hour == 10
    assert event.show_as == "oof"
    assert event.privacy == "confidential"
    assert event.organizer_email == "alice@contoso.test"
    assert event.outlook_link.remote_id == made["id"]
    assert event.outlook_link.ical_uid == made["iCalUId"]
    assert event.origin == ORIGIN_OUTLOOK  # the page colours it "From Outlook"
    assert event.uid.version == 5  # a derived uid (migration 0003 relies on it)
    read = alice.api().get(f"/api/events/{event.pk}").json()
    assert read["in_outlook"] is True and read["from_outlook"] is True


def test_events_pulled_together_are_all_from_outlook(alice: SyncWorld) -> None:
    for hour in (9, 11, 14):  # several creates: the bulk path
        alice.outlook_create(
            {
                "subject": f"Call at {hour}",
                "start": graph_time(at(4, hour), "W. Europe Standard Time"),
                "end": graph_time(at(4, hour + 1), "W. Europe Standard Time"),
            }
        )
    summary = alice.sync()
    assert summary.ok and summary.pulled["created"] == 3
    assert {e.origin for e in alice.events()} == {ORIGIN_OUTLOOK}
    assert {e.uid.version for e in alice.events()} == {5}


def test_all_day_events_keep_their_dates_both_ways(alice: SyncWorld) -> None:
    day = at(10).date()
    alice.create(
        title="Holiday",
        all_day=True,
        start_date=day,
        end_date=date.fromordinal(day.toordinal() + 2),
        timezone="Pacific/Auckland",
        start=at(10),
        end=at(12),
    )
    alice.outlook_create(
        {
            "subject": "Offsite",
            "isAllDay": True,
            "start": {"dateTime": f"{day.isoformat()}T00:00:00", "timeZone": "Tokyo Standard Time"},
            "end": {
                "dateTime": f"{date.fromordinal(day.toordinal() + 1).isoformat()}T00:00:00",
                "timeZone": "Tokyo Standard Time",
            },
        }
    )
    summary = alice.sync()
    assert summary.ok, summary.errors
    pushed = only([e for e in alice.outlook_events() if e["subject"] == "Holiday"])
    assert pushed["isAllDay"] is True
    assert pushed["start"]["dateTime"].startswith(day.isoformat())
    assert pushed["end"]["dateTime"].startswith(date.fromordinal(day.toordinal() + 2).isoformat())
    pulled = only([e for e in alice.events() if e.title == "Offsite"])
    assert pulled.all_day and pulled.start_date == day
    assert pulled.end_date == date.fromordinal(day.toordinal() + 1)
    assert pulled.timezone == "Asia/Tokyo"
    assert alice.sync().pushed == {"created": 0, "updated": 0, "deleted": 0}
