"""The event JSON: reading rows and occurrences, and turning input into action changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from rest_framework.exceptions import ValidationError

from calsync.accounts.models import User
from calsync.calendars import actions, recurrence
from calsync.calendars.models import Event
from calsync.calendars.occurrences import Occurrence
from calsync.calendars.serializers import EventSerializer, EventWriteSerializer
from calsync.outlook.models import OutlookLink

from .conftest import utc

pytestmark = pytest.mark.django_db


def changes(data: dict[str, Any], current: Any = None) -> dict[str, Any]:
    form = EventWriteSerializer(
        data=data, partial=current is not None, context={"current": current}
    )
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def test_naive_input_is_wall_time_in_the_given_zone() -> None:
    result = changes(
        {"start": "2026-11-24T09:00", "end": "2026-11-24T10:00", "timezone": "Europe/Paris"}
    )
    assert (result["start"], result["end"]) == (utc(2026, 11, 24, 8), utc(2026, 11, 24, 9))
    assert (result["all_day"], result["start_date"], result["timezone"]) == (
        False,
        None,
        "Europe/Paris",
    )


def test_offset_input_wins_over_the_zone_and_drops_microseconds() -> None:
    result = changes(
        {
            "start": "2026-11-24T09:00:00.123456-05:00",
            "end": "2026-11-24T10:00:00-05:00",
            "timezone": "Europe/Paris",
        }
    )
    assert result["start"] == utc(2026, 11, 24, 14)


def test_all_day_input_yields_dates_and_local_midnights() -> None:
    result = changes(
        {"start": "2026-03-28", "end": "2026-03-30", "all_day": True, "timezone": "Europe/Paris"}
    )
    assert (result["start_date"], result["end_date"]) == (date(2026, 3, 28), date(2026, 3, 30))
    assert (result["start"], result["end"]) == (utc(2026, 3, 27, 23), utc(2026, 3, 29, 22))


def test_default_zone_is_utc_and_organizer_null_means_the_owner() -> None:
    result = changes({"start": "2026-11-24T09:00", "end": "2026-11-24T10:00", "organizer": None})
    assert result["timezone"] == "UTC"
    assert (result["organizer_email"], result["organizer_name"]) == ("", "")


def test_recurrence_is_normalised_and_null_clears_it() -> None:
    base = {"start": "2026-11-24T09:00", "end": "2026-11-24T10:00"}
    assert changes({**base, "recurrence": "rrule:freq=daily"})["recurrence"] == "FREQ=DAILY"
    assert changes({**base, "recurrence": None})["recurrence"] == ""


def test_errors_are_keyed_by_field() -> None:
    with pytest.raises(ValidationError) as raised:
        changes({"start": "2026-11-24T11:00", "end": "2026-11-24T10:00", "title": "x" * 300})
    assert set(raised.value.detail) == {"title"}  # field errors come before cross-field ones
    with pytest.raises(ValidationError) as raised:
        changes({"start": "2026-11-24T11:00", "end": "2026-11-24T10:00"})
    assert set(raised.value.detail) == {"end"}


def test_patch_without_times_touches_no_time_field(make_event: Callable[..., Event]) -> None:
    event = make_event()
    assert changes({"title": "New"}, current=event) == {"title": "New"}


def test_patch_of_an_occurrence_starts_from_the_occurrence(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(recurrence="FREQ=WEEKLY;BYDAY=MO")
    slot = recurrence.slot_at(recurrence.SeriesTimes.of(series), utc(2026, 3, 30, 7))
    assert slot is not None
    result = changes({"start": "2026-03-31T09:00"}, current=Occurrence(series, slot))
    assert (result["start"], result["end"]) == (utc(2026, 3, 31, 7), utc(2026, 3, 31, 8))
    with pytest.raises(ValidationError) as raised:
        changes({"recurrence": "FREQ=DAILY"}, current=Occurrence(series, slot))
    assert "recurrence" in raised.value.detail


def _read(item: Any, user: User) -> dict[str, Any]:
    return EventSerializer(item, context={"user": user}).data


def test_rendering_uses_the_event_zone_and_reports_editability(
    make_event: Callable[..., Event], alice: User, bob: User
) -> None:
    event = make_event(attendees=[{"email": "bob@example.com", "status": "tentative"}])
    body = _read(event, alice)
    assert (body["start"], body["end"]) == (
        "2026-03-16T09:00:00+01:00",
        "2026-03-16T10:00:00+01:00",
    )
    assert body["attendees"] == [
        {"email": "bob@example.com", "name": "", "status": "tentative", "type": "required"}
    ]
    assert body["editable"] is True
    assert _read(event, bob)["editable"] is False


def test_outlook_link_is_rendered_when_the_outlook_app_attached_one(
    make_event: Callable[..., Event], alice: User
) -> None:
    event = make_event()
    assert _read(event, alice)["outlook"] is None
    event.outlook_link = OutlookLink(  # attached by the Outlook app, unknown to calendars
        event=event,
        remote_id="AAMkAG=",
        ical_uid="040000008200E",
        synced_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert _read(event, alice)["outlook"] == {
        "id": "AAMkAG=",
        "ical_uid": "040000008200E",
        "synced_at": "2026-03-01T00:00:00+00:00",
    }


def test_occurrence_rendering(make_event: Callable[..., Event], alice: User) -> None:
    series = make_event(recurrence="FREQ=WEEKLY;BYDAY=MO", title="Standup")
    slot = recurrence.slot_at(recurrence.SeriesTimes.of(series), utc(2026, 3, 30, 7))
    assert slot is not None
    body = _read(Occurrence(series, slot), alice)
    assert body["id"] == f"{series.pk}.20260330T070000Z"
    assert (body["series_id"], body["recurrence"], body["outlook"]) == (series.pk, None, None)
    assert (body["start"], body["original_start"]) == (
        "2026-03-30T09:00:00+02:00",
        "2026-03-30T09:00:00+02:00",
    )
    assert body["title"] == "Standup"
    exception = actions.do_update_occurrence(series, utc(2026, 3, 30, 7), {"title": "Moved"})
    body = _read(exception, alice)
    assert (body["id"], body["series_id"], body["original_start"]) == (
        exception.pk,
        series.pk,
        "2026-03-30T09:00:00+02:00",
    )
