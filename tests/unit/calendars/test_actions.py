"""The do_* actions: invariants, versions, series bookkeeping and the change signal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from calsync.accounts.models import User
from calsync.calendars import actions
from calsync.calendars.models import CancelledOccurrence, Event
from calsync.calendars.signals import calendar_changed

from .conftest import utc

pytestmark = pytest.mark.django_db

WEEKLY_MONDAY = "FREQ=WEEKLY;BYDAY=MO"


@pytest.fixture
def signals() -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []

    def receiver(sender: type, **kwargs: Any) -> None:
        received.append({"sender": sender, **kwargs})

    calendar_changed.connect(receiver, weak=False)
    yield received
    calendar_changed.disconnect(receiver)


def test_create_defaults_the_organizer_to_the_owner(
    make_event: Callable[..., Event], alice: User
) -> None:
    event = make_event(attendees=[{"email": "Bob@Example.com", "name": "Bob"}])
    assert event.organizer_email == "alice@example.com"
    assert event.organizer_name == "Alice"
    assert [a.email for a in event.attendees.all()] == ["bob@example.com"]
    assert event.version == 1
    assert event.uid is not None


def test_signal_is_sent_only_after_commit(
    make_event: Callable[..., Event],
    signals: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = make_event()
    assert signals == []
    for callback in callbacks:
        callback()
    assert signals == [
        {
            "sender": Event,
            "signal": calendar_changed,
            "user_id": event.owner_id,
            "event_id": event.pk,
        }
    ]


def test_version_grows_on_content_changes_only(make_event: Callable[..., Event]) -> None:
    event = make_event()
    event = actions.do_update_event(event, {"title": "Meeting"})
    assert event.version == 1
    event = actions.do_update_event(event, {"title": "Renamed"})
    assert event.version == 2
    event = actions.do_update_event(event, {"attendees": [{"email": "x@example.com"}]})
    assert event.version == 3
    event = actions.do_update_event(
        event, {"attendees": [{"email": "x@example.com", "status": "accepted"}]}
    )
    assert event.version == 4
    event = actions.do_archive_event(event)
    assert (event.active, event.version) == (False, 5)
    event = actions.do_archive_event(event)
    assert event.version == 5
    event = actions.do_unarchive_event(event)
    assert (event.active, event.version) == (True, 6)


def test_actions_recheck_values_and_name_the_field(
    make_event: Callable[..., Event], alice: User
) -> None:
    with pytest.raises(ValidationError) as bad_span:
        make_event(end=utc(2026, 3, 16, 7))
    assert "end" in bad_span.value.message_dict
    with pytest.raises(ValidationError) as bad_zone:
        make_event(timezone="Nowhere/City")
    assert "timezone" in bad_zone.value.message_dict
    with pytest.raises(ValidationError) as empty_rule:
        make_event(recurrence="FREQ=DAILY;UNTIL=20200101T000000Z")
    assert "recurrence" in empty_rule.value.message_dict
    assert Event.objects.count() == 0


def test_update_occurrence_creates_then_updates_one_exception(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(recurrence=WEEKLY_MONDAY, attendees=[{"email": "bob@example.com"}])
    original = utc(2026, 3, 30, 7)  # 09:00 CEST
    exception = actions.do_update_occurrence(series, original, {"title": "Moved"})
    assert exception.series_id == series.pk
    assert exception.original_start == original
    assert (exception.start, exception.end) == (original, utc(2026, 3, 30, 8))
    assert exception.title == "Moved"
    assert [a.email for a in exception.attendees.all()] == ["bob@example.com"]
    again = actions.do_update_occurrence(series, original, {"location": "Room 2"})
    assert again.pk == exception.pk
    assert (again.title, again.location) == ("Moved", "Room 2")
    assert Event.objects.filter(series=series).count() == 1


def test_update_occurrence_refuses_a_time_that_is_not_an_occurrence(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(recurrence=WEEKLY_MONDAY)
    with pytest.raises(ValidationError):
        actions.do_update_occurrence(series, utc(2026, 3, 31, 7), {"title": "x"})
    single = make_event()
    with pytest.raises(ValidationError):
        actions.do_update_occurrence(single, single.start, {"title": "x"})


def test_exception_cannot_get_its_own_rule(make_event: Callable[..., Event]) -> None:
    series = make_event(recurrence=WEEKLY_MONDAY)
    exception = actions.do_update_occurrence(series, utc(2026, 3, 23, 8), {})
    with pytest.raises(ValidationError) as raised:
        actions.do_update_event(exception, {"recurrence": "FREQ=DAILY"})
    assert "recurrence" in raised.value.message_dict


def test_cancel_occurrence_and_delete_exception_both_cancel(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(recurrence=WEEKLY_MONDAY)
    actions.do_cancel_occurrence(series, utc(2026, 3, 23, 8))
    exception = actions.do_update_occurrence(series, utc(2026, 3, 30, 7), {"title": "x"})
    actions.do_delete_event(exception)
    assert not Event.objects.filter(pk=exception.pk).exists()
    assert sorted(CancelledOccurrence.objects.values_list("original_start", flat=True)) == [
        utc(2026, 3, 23, 8),
        utc(2026, 3, 30, 7),
    ]
    series.refresh_from_db()
    assert series.version == 3
    with pytest.raises(ValidationError):
        actions.do_cancel_occurrence(series, utc(2026, 3, 24, 8))


def test_rule_change_keeps_exceptions_that_still_match(make_event: Callable[..., Event]) -> None:
    series = make_event(recurrence="FREQ=WEEKLY;BYDAY=MO,WE")
    monday = actions.do_update_occurrence(series, utc(2026, 3, 23, 8), {"title": "Mon"})
    wednesday = actions.do_update_occurrence(series, utc(2026, 3, 25, 8), {"title": "Wed"})
    actions.do_cancel_occurrence(series, utc(2026, 3, 30, 7))
    actions.do_cancel_occurrence(series, utc(2026, 4, 1, 7))
    actions.do_update_event(series, {"recurrence": "FREQ=WEEKLY;BYDAY=MO"})
    assert list(Event.objects.filter(series=series)) == [monday]
    assert not Event.objects.filter(pk=wednesday.pk).exists()
    assert list(CancelledOccurrence.objects.values_list("original_start", flat=True)) == [
        utc(2026, 3, 30, 7)
    ]


def test_moving_the_series_time_keeps_exceptions_by_date_as_outlook_does(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(recurrence=WEEKLY_MONDAY)
    exception = actions.do_update_occurrence(series, utc(2026, 3, 23, 8), {"title": "x"})
    actions.do_cancel_occurrence(series, utc(2026, 3, 30, 7))
    actions.do_update_event(series, {"start": utc(2026, 3, 16, 9), "end": utc(2026, 3, 16, 10)})
    exception.refresh_from_db()
    assert exception.original_start == utc(2026, 3, 23, 9)  # the same Monday, the new time
    assert exception.title == "x" and exception.start == utc(2026, 3, 23, 8)  # its own time
    assert list(CancelledOccurrence.objects.values_list("original_start", flat=True)) == [
        utc(2026, 3, 30, 8)
    ]


def test_moving_the_series_to_another_day_drops_exceptions_off_the_new_grid(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(recurrence=WEEKLY_MONDAY)
    actions.do_update_occurrence(series, utc(2026, 3, 23, 8), {"title": "x"})
    actions.do_update_event(
        series,
        {
            "start": utc(2026, 3, 17, 8),
            "end": utc(2026, 3, 17, 9),
            "recurrence": "FREQ=WEEKLY;BYDAY=TU",
        },
    )
    assert not Event.objects.filter(series=series).exists()


def test_all_day_series_keeps_exceptions_by_date_when_its_zone_changes(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(
        all_day=True,
        start_date=date(2026, 3, 16),
        end_date=date(2026, 3, 17),
        recurrence="FREQ=WEEKLY",
    )
    exception = actions.do_update_occurrence(series, utc(2026, 3, 22, 23), {"title": "x"})
    actions.do_cancel_occurrence(series, utc(2026, 3, 29, 22))
    actions.do_update_event(series, {"timezone": "America/New_York"})
    exception.refresh_from_db()
    assert exception.original_start == utc(2026, 3, 23, 4)  # midnight in New York
    assert exception.start_date == date(2026, 3, 23)
    assert list(CancelledOccurrence.objects.values_list("original_start", flat=True)) == [
        utc(2026, 3, 30, 4)
    ]


def test_removing_the_rule_turns_the_series_into_a_single_event(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(recurrence=WEEKLY_MONDAY)
    actions.do_update_occurrence(series, utc(2026, 3, 23, 8), {"title": "x"})
    actions.do_cancel_occurrence(series, utc(2026, 3, 30, 7))
    series = actions.do_update_event(series, {"recurrence": ""})
    assert not series.is_series
    assert series.series_end is None
    assert not Event.objects.filter(series=series).exists()
    assert not CancelledOccurrence.objects.exists()


def test_series_end_follows_count_and_until(make_event: Callable[..., Event]) -> None:
    counted = make_event(recurrence="FREQ=DAILY;COUNT=3")
    assert counted.series_end == utc(2026, 3, 18, 9)
    open_ended = make_event(recurrence="FREQ=DAILY")
    assert open_ended.series_end is None
    counted = actions.do_update_event(counted, {"recurrence": "FREQ=DAILY;COUNT=2"})
    assert counted.series_end == utc(2026, 3, 17, 9)


def test_deleting_a_series_deletes_its_exceptions(make_event: Callable[..., Event]) -> None:
    series = make_event(recurrence=WEEKLY_MONDAY)
    actions.do_update_occurrence(series, utc(2026, 3, 23, 8), {"title": "x"})
    actions.do_cancel_occurrence(series, utc(2026, 3, 30, 7))
    actions.do_delete_event(series)
    assert not Event.objects.exists()
    assert not CancelledOccurrence.objects.exists()


def test_exceptions_follow_the_series_in_what_they_did_not_change(
    make_event: Callable[..., Event],
) -> None:
    series = make_event(title="Stand-up", location="Room 1", recurrence=WEEKLY_MONDAY)
    renamed_here = actions.do_update_occurrence(series, utc(2026, 3, 23, 8), {"title": "Retro"})
    answers_only = actions.do_update_occurrence(series, utc(2026, 3, 30, 7), {})
    version = answers_only.version
    actions.do_update_event(series, {"title": "Daily sync", "location": "Room 2"})
    renamed_here.refresh_from_db()
    answers_only.refresh_from_db()
    assert (renamed_here.title, renamed_here.location) == ("Retro", "Room 2")
    assert (answers_only.title, answers_only.location) == ("Daily sync", "Room 2")
    assert answers_only.version == version + 1  # a sync sees it
