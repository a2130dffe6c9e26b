"""Pulling a whole Outlook calendar creates the events here in bulk: a few queries for many
events, each event, attendee list, Outlook link and sync record as one by one would make
them, and a later sync finds nothing to do."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.calendars.models import Event
from calsync.outlook.models import OutlookLink

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COUNT = 60


def test_a_pulled_calendar_is_created_in_bulk(emulator: Any) -> None:
    world = SyncWorld(emulator, "pat@contoso.test", "Pat Quinn")
    for n in range(COUNT):
        body: dict[str, Any] = {
            "subject": f"Pulled {n:02d}",
            "start": graph_time(at(1 + n % 20, 8 + n % 8), "Romance Standard Time"),
            "end": graph_time(at(1 + n % 20, 9 + n % 8), "Romance Standard Time"),
            "location": {"displayName": f"Room {n}"},
        }
        if n % 3 == 0:
            body["attendees"] = [
                {"emailAddress": {"address": f"guest{n}@external.test", "name": f"Guest {n}"},
                 "type": "required"}
            ]  # fmt: skip
        world.outlook_create(body)
    with CaptureQueriesContext(connection) as queries:
        summary = world.sync()
    assert summary.ok, summary.errors
    assert summary.pulled["created"] == COUNT
    assert len(queries) < COUNT  # one by one would be ~10 queries per event
    events = world.events()
    assert sorted(e.title for e in events) == [f"Pulled {n:02d}" for n in range(COUNT)]
    by_title = {e.title: e for e in events}
    assert [(a.email, a.name) for a in by_title["Pulled 03"].attendees.all()] == [
        ("guest3@external.test", "Guest 3")
    ]
    assert by_title["Pulled 04"].location == "Room 4"
    assert by_title["Pulled 04"].timezone == "Europe/Paris"
    remote = {e["subject"]: e for e in world.outlook_events()}
    links = OutlookLink.objects.filter(account=world.account).select_related("event")
    assert {link.event.title: link.remote_id for link in links} == {
        title: remote[title]["id"] for title in remote
    }
    assert len(world.records()) == COUNT
    assert {str(r.uid) for r in world.records()} == {str(e.uid) for e in events}
    again = world.sync()
    assert again.ok and again.pulled == {"created": 0, "updated": 0, "deleted": 0}
    assert again.pushed == {"created": 0, "updated": 0, "deleted": 0}
    assert Event.objects.count() == COUNT
