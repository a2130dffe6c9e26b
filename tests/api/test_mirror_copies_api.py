"""A mirror copy in the event API: ``mirror`` names its original, ``editable`` is false, a
PATCH never reaches the mark; every other event reads ``"mirror": null``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars import actions
from calsync.calendars.models import Event

pytestmark = pytest.mark.django_db

MARK = {
    "mirror_of": "AAMkOriginal=",
    "mirror_mode": "busy",
    "mirror_source": "work-calendar-id",
    "mirror_source_name": "Work",
    "mirror_hash": "0123456789abcdef",
}


def busy_copy(owner: User, **extra: str) -> Event:
    values = {
        "title": "Busy",
        "start": datetime(2026, 11, 24, 9, tzinfo=UTC),
        "end": datetime(2026, 11, 24, 10, tzinfo=UTC),
        **MARK,
        **extra,
    }
    return actions.do_create_event(owner, values)


def test_a_copy_names_its_original_and_is_not_editable(alice: User, as_alice: APIClient) -> None:
    copy = busy_copy(alice)
    body = as_alice.get(f"/api/events/{copy.pk}").json()
    assert body["mirror"] == {"of": "AAMkOriginal=", "mode": "busy", "calendar": "Work"}
    assert body["editable"] is False and body["title"] == "Busy"


def test_an_own_event_is_no_copy(as_alice: APIClient) -> None:
    made = as_alice.post(
        "/api/events",
        {"title": "Mine", "start": "2026-11-24T09:00:00Z", "end": "2026-11-24T10:00:00Z"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["mirror"] is None
    assert made.json()["editable"] is True


def test_the_mark_cannot_be_written_through_the_api(alice: User, as_alice: APIClient) -> None:
    copy = busy_copy(alice, mirror_mode="redacted", title="Dentist")
    sent = {"title": "Mine now", "mirror": None, "mirror_of": "", "mirror_mode": "busy"}
    changed = as_alice.patch(f"/api/events/{copy.pk}", sent, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["mirror"] == {
        "of": "AAMkOriginal=",
        "mode": "redacted",
        "calendar": "Work",
    }
    copy.refresh_from_db()
    assert (copy.mirror_of, copy.mirror_hash) == ("AAMkOriginal=", "0123456789abcdef")


def test_an_occurrence_of_a_copied_series_is_a_copy(alice: User, as_alice: APIClient) -> None:
    busy_copy(alice, recurrence="FREQ=DAILY;COUNT=3")
    listed = as_alice.get(
        "/api/events", {"start": "2026-11-23T00:00:00Z", "end": "2026-11-30T00:00:00Z"}
    ).json()
    assert len(listed) == 3 and all(e["mirror"]["of"] == "AAMkOriginal=" for e in listed)
