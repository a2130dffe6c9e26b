"""`/api/calendars` (docs/contract.md, REST API): a user's calendars, the default one,
events filed in a calendar, deleting a calendar, and the ICS feed per calendar."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars.calendar_list import default_calendar
from calsync.calendars.models import Calendar, Event

from .conftest import session_client, weekly_series

pytestmark = pytest.mark.django_db


def event(title: str = "Dentist", **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "start": "2026-05-04T09:00:00+02:00",
        "end": "2026-05-04T10:00:00+02:00",
        "timezone": "Europe/Paris",
        **extra,
    }


def create(client: APIClient, name: str, **extra: Any) -> dict[str, Any]:
    answer = client.post("/api/calendars", {"name": name, **extra}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_new_user_has_exactly_one_default_calendar(alice: User, as_alice: APIClient) -> None:
    assert Calendar.objects.filter(owner=alice).count() == 1
    listed = as_alice.get("/api/calendars").json()
    assert listed == [
        {
            "id": default_calendar(alice).pk,
            "name": "Calendar",
            "color": "#3b82f6",
            "is_default": True,
            "events": 0,
        }
    ]
    in_vietnamese = session_client(alice)
    in_vietnamese.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi-VN,vi;q=0.9"
    assert in_vietnamese.get("/api/calendars").json()[0]["name"] == "Lịch"


def test_create_rename_recolour_and_list(as_alice: APIClient) -> None:
    work = create(as_alice, "  Work ")
    assert work["name"] == "Work" and work["is_default"] is False and work["events"] == 0
    assert work["color"].startswith("#") and len(work["color"]) == 7
    home = create(as_alice, "Home", color="#10B981")
    assert home["color"] == "#10b981"
    changed = as_alice.patch(
        f"/api/calendars/{work['id']}", {"name": "Job", "color": "#ef4444"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Job"
    names = [c["name"] for c in as_alice.get("/api/calendars").json()]
    assert names == ["Calendar", "Job", "Home"]
    assert as_alice.get(f"/api/calendars/{home['id']}").json()["name"] == "Home"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "calendar"}, "name"),
        ({"name": "Work", "color": "red"}, "color"),
        ({"name": "Work", "colour": "#000000"}, "colour"),
        ({"name": "Work", "is_default": True}, "is_default"),
    ],
)
def test_bad_calendars_are_a_400_naming_the_field(
    as_alice: APIClient, body: dict[str, Any], field: str
) -> None:
    answer = as_alice.post("/api/calendars", body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert len(as_alice.get("/api/calendars").json()) == 1


def test_a_user_sees_and_changes_only_their_own(
    alice: User, bob: User, as_alice: APIClient
) -> None:
    bobs = default_calendar(bob)
    for answer in (
        as_alice.get(f"/api/calendars/{bobs.pk}"),
        as_alice.patch(f"/api/calendars/{bobs.pk}", {"name": "Mine"}, format="json"),
        as_alice.delete(f"/api/calendars/{bobs.pk}"),
        as_alice.get(f"/api/calendars/{bobs.pk}/ics"),
    ):
        assert answer.status_code == 404
    assert [c["id"] for c in as_alice.get("/api/calendars").json()] == [default_calendar(alice).pk]
    refused = as_alice.post("/api/events", event(calendar=bobs.pk), format="json")
    assert refused.status_code == 400 and "calendar" in refused.json()
    assert Calendar.objects.get(pk=bobs.pk).name == ""


def test_events_go_to_the_default_calendar_unless_told(alice: User, as_alice: APIClient) -> None:
    work = create(as_alice, "Work")
    plain = as_alice.post("/api/events", event("Plain"), format="json").json()
    assert plain["calendar"] == default_calendar(alice).pk
    filed = as_alice.post("/api/events", event("Filed", calendar=work["id"]), format="json")
    assert filed.status_code == 201 and filed.json()["calendar"] == work["id"]
    moved = as_alice.patch(
        f"/api/events/{plain['id']}", {"calendar": work["id"]}, format="json"
    ).json()
    assert moved["calendar"] == work["id"] and moved["version"] == plain["version"]
    counts = {c["id"]: c["events"] for c in as_alice.get("/api/calendars").json()}
    assert counts == {default_calendar(alice).pk: 0, work["id"]: 2}


def test_a_series_moves_with_its_exceptions(alice: User, as_alice: APIClient) -> None:
    work = create(as_alice, "Work")
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    window = {"start": "2026-03-16", "end": "2026-04-06", "timezone": "Europe/Paris"}
    second = as_alice.get("/api/events", window).json()[1]
    exception = as_alice.patch(
        f"/api/events/{second['id']}", {"title": "Moved"}, format="json"
    ).json()
    refused = as_alice.patch(
        f"/api/events/{exception['id']}", {"calendar": work["id"]}, format="json"
    )
    assert refused.status_code == 400 and "calendar" in refused.json()
    as_alice.patch(f"/api/events/{series['id']}", {"calendar": work["id"]}, format="json")
    assert set(Event.objects.filter(owner=alice).values_list("calendar_id", flat=True)) == {
        work["id"]
    }
    assert all(
        item["calendar"] == work["id"] for item in as_alice.get("/api/events", window).json()
    )


def test_deleting_a_calendar_moves_its_events_to_the_default(
    alice: User, as_alice: APIClient
) -> None:
    work = create(as_alice, "Work")
    made = [
        as_alice.post("/api/events", event(f"E{n}", calendar=work["id"]), format="json").json()
        for n in range(3)
    ]
    answer = as_alice.delete(f"/api/calendars/{work['id']}")
    assert answer.status_code == 200
    default = default_calendar(alice).pk
    assert answer.json() == {"deleted": work["id"], "moved_to": default, "moved": 3}
    for item in made:
        assert as_alice.get(f"/api/events/{item['id']}").json()["calendar"] == default
    assert as_alice.get(f"/api/calendars/{work['id']}").status_code == 404


def test_the_default_calendar_is_never_deleted_nor_unset(alice: User, as_alice: APIClient) -> None:
    default = default_calendar(alice).pk
    answer = as_alice.delete(f"/api/calendars/{default}")
    assert answer.status_code == 409
    assert "default calendar" in answer.json()["detail"]
    unset = as_alice.patch(f"/api/calendars/{default}", {"is_default": False}, format="json")
    assert unset.status_code == 400 and "is_default" in unset.json()
    # another calendar may become the default; the old one keeps the name it showed
    work = create(as_alice, "Work")
    made = as_alice.patch(f"/api/calendars/{work['id']}", {"is_default": True}, format="json")
    assert made.status_code == 200 and made.json()["is_default"] is True
    listed = as_alice.get("/api/calendars").json()
    assert [(c["name"], c["is_default"]) for c in listed] == [("Work", True), ("Calendar", False)]
    assert as_alice.post("/api/events", event(), format="json").json()["calendar"] == work["id"]
    assert as_alice.delete(f"/api/calendars/{default}").status_code == 200


def test_a_meeting_i_attend_shows_in_my_default_calendar(
    alice: User, bob: User, as_alice: APIClient
) -> None:
    work = create(as_alice, "Work")
    meeting = as_alice.post(
        "/api/events",
        event("Review", calendar=work["id"], attendees=[{"email": bob.email, "name": "Bob"}]),
        format="json",
    ).json()
    as_bob = session_client(bob)
    read = as_bob.get(f"/api/events/{meeting['id']}").json()
    assert read["calendar"] == default_calendar(bob).pk
    # sending back what was read is no change of the organiser's fields
    answer = as_bob.patch(f"/api/events/{meeting['id']}", read, format="json")
    assert answer.status_code == 200, answer.content
    assert as_alice.get(f"/api/events/{meeting['id']}").json()["calendar"] == work["id"]


def _feed(client: APIClient, path: str) -> icalendar.Calendar:
    url = client.get(path).json()["url"].removeprefix("http://testserver")
    answer = APIClient().get(url)
    assert answer.status_code == 200, answer.content
    return icalendar.Calendar.from_ical(answer.content)


def _titles(feed: icalendar.Calendar) -> list[str]:
    return sorted(str(c["summary"]) for c in feed.walk("VEVENT"))


def test_the_ics_feed_per_calendar(alice: User, bob: User, as_alice: APIClient) -> None:
    work = create(as_alice, "Work")
    default = default_calendar(alice).pk
    as_alice.post("/api/events", event("Home thing"), format="json")
    as_alice.post("/api/events", event("Work thing", calendar=work["id"]), format="json")
    session_client(bob).post(
        "/api/events",
        event("Bob's meeting", attendees=[{"email": alice.email, "name": "Alice"}]),
        format="json",
    )
    everything = _feed(as_alice, "/api/ics")
    assert _titles(everything) == ["Bob's meeting", "Home thing", "Work thing"]
    only_work = _feed(as_alice, f"/api/calendars/{work['id']}/ics")
    assert _titles(only_work) == ["Work thing"]
    assert str(only_work["x-wr-calname"]) == "calsync: Alice, Work"
    assert _titles(_feed(as_alice, f"/api/calendars/{default}/ics")) == [
        "Bob's meeting",
        "Home thing",
    ]
    # each feed has its own URL; rotating one leaves the others working
    old = as_alice.get(f"/api/calendars/{work['id']}/ics").json()["url"]
    assert old != as_alice.get("/api/ics").json()["url"]
    new = as_alice.post(f"/api/calendars/{work['id']}/ics/rotate").json()["url"]
    assert new != old
    assert APIClient().get(old.removeprefix("http://testserver")).status_code == 404
    assert _titles(_feed(as_alice, "/api/ics")) == ["Bob's meeting", "Home thing", "Work thing"]
    # deleting the calendar ends its feed; its events are then in the default's
    as_alice.delete(f"/api/calendars/{work['id']}")
    assert APIClient().get(new.removeprefix("http://testserver")).status_code == 404
    assert "Work thing" in _titles(_feed(as_alice, f"/api/calendars/{default}/ics"))


def test_the_default_calendar_is_made_once_under_concurrent_first_use(alice: User) -> None:
    Calendar.objects.filter(owner=alice).delete()
    first = default_calendar(User.objects.get(pk=alice.pk))
    second = default_calendar(User.objects.get(pk=alice.pk))
    assert first.pk == second.pk
    assert Calendar.objects.filter(owner=alice, is_default=True).count() == 1


def test_a_user_leaves_with_their_calendars_and_events(alice: User, as_alice: APIClient) -> None:
    work = create(as_alice, "Work")
    as_alice.post("/api/events", event("Filed", calendar=work["id"]), format="json")
    as_alice.post("/api/events", event("Plain"), format="json")
    alice.delete()
    assert not Calendar.objects.exists() and not Event.objects.exists()


def test_deleting_a_mirrored_calendar_stops_its_mirror(alice: User, as_alice: APIClient) -> None:
    """A calendar a busy link mirrors with: its copies go at once (they do not move), the
    link and its status rows go, and the Outlook side's cleanup is recorded; a two-way
    link's calendar deleted records none."""
    from datetime import timedelta

    from django.utils import timezone

    from calsync.calendars import actions
    from calsync.outlook.models import CalendarLink, MirrorCleanup, OutlookAccount, SyncRecord
    from calsync.outlook.sync.mirrors import outlook_source

    account = OutlookAccount.objects.create(user=alice, mailbox=alice.email)
    personal = as_alice.post("/api/calendars", {"name": "Personal"}, format="json").json()["id"]
    family = as_alice.post("/api/calendars", {"name": "Family"}, format="json").json()["id"]
    busy = CalendarLink.objects.create(
        account=account, remote_id="AAMkWork=", calendar_id=personal, mode="busy"
    )
    CalendarLink.objects.create(
        account=account, remote_id="AAMkHome=", calendar_id=family, mode="two-way"
    )
    scope = busy.scope
    SyncRecord.objects.create(
        account=account,
        scope=scope,
        uid="u1",
        local_id="1",
        remote_id="r1",
        base={},
        local_version=1,
        remote_hash="h",
        synced_at=timezone.now(),
    )
    start = timezone.now().replace(microsecond=0)
    when = {"start": start, "end": start + timedelta(hours=1)}
    there = Calendar.objects.get(pk=personal)
    mine = actions.do_create_event(alice, {"title": "Dentist", "calendar": there, **when})
    copy = actions.do_create_event(
        alice,
        {
            "title": "Busy",
            "calendar": there,
            "mirror_of": "AAMkOriginal=",
            "mirror_mode": "busy",
            "mirror_source": outlook_source("AAMkWork="),
            "mirror_hash": "h",
            **when,
        },
    )
    answer = as_alice.delete(f"/api/calendars/{personal}")
    assert answer.status_code == 200 and answer.json()["moved"] == 1
    assert not Event.objects.filter(pk=copy.pk).exists()
    assert Event.objects.get(pk=mine.pk).calendar.is_default
    assert not CalendarLink.objects.filter(pk=busy.pk).exists()
    assert not SyncRecord.objects.filter(scope=scope).exists()
    [cleanup] = MirrorCleanup.objects.all()
    assert (cleanup.remote_id, cleanup.calendar_id) == ("AAMkWork=", personal)
    assert as_alice.delete(f"/api/calendars/{family}").status_code == 200
    assert MirrorCleanup.objects.count() == 1
