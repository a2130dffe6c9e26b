"""The calendar store: CRUD, etags, transactionId, If-Match, series, exceptions (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.graph_emulator.calendar_helpers import (
    event_body,
    make_store,
    series_body,
    starts_utc,
)

from graph_emulator.calendar import ids
from graph_emulator.calendar.errors import CalendarError
from graph_emulator.calendar.serialize import View, event_json
from graph_emulator.calendar.timezones import find_zone

ADA = "ada@example.com"
WEEKLY = {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}


def weekly_series(store, count: int = 5):
    body = series_body(
        "2026-01-05T09:00:00",
        "2026-01-05T10:00:00",
        "UTC",
        WEEKLY,
        {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": count},
    )
    return store.create_event(ADA, body)[0]


JANUARY = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))


def test_create_read_update_delete_rotates_change_key() -> None:
    store = make_store(ADA)
    created, was_new = store.create_event(
        ADA, event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00")
    )
    assert was_new
    first_key = created.change_key
    assert created.id.startswith("AAMkAG") and len(created.id) > 90
    fetched = store.get_event(ADA, created.id)
    assert fetched.prop("subject") == "Event"
    updated = store.update_event(ADA, created.id, {"subject": "Renamed"})
    assert updated.prop("subject") == "Renamed"
    assert updated.change_key != first_key
    assert event_json(updated)["@odata.etag"] == f'W/"{updated.change_key}"'
    store.delete_event(ADA, created.id)
    with pytest.raises(CalendarError) as caught:
        store.get_event(ADA, created.id)
    assert (caught.value.status, caught.value.code) == (404, "ErrorItemNotFound")
    assert [n[2] for n in store.notes] == ["created", "updated", "deleted"]


def test_ids_are_case_sensitive() -> None:
    store = make_store(ADA)
    created, _ = store.create_event(ADA, event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00"))
    swapped = created.id[:6] + created.id[6:].swapcase()  # same shape, other case
    with pytest.raises(CalendarError) as caught:
        store.get_event(ADA, swapped)
    assert caught.value.status == 404


def test_another_mailbox_cannot_reach_the_event() -> None:
    store = make_store(ADA, "bob@example.com")
    created, _ = store.create_event(ADA, event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00"))
    with pytest.raises(CalendarError) as caught:
        store.get_event("bob@example.com", created.id)
    assert caught.value.status == 404


def test_transaction_id_returns_the_first_event() -> None:
    store = make_store(ADA)
    body = event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00", transactionId="txn-1")
    first, created_first = store.create_event(ADA, body)
    again, created_again = store.create_event(ADA, {**body, "subject": "Different"})
    assert created_first and not created_again
    assert again.id == first.id
    assert again.prop("subject") == "Event"
    assert len(store.list_events(ADA)) == 1
    assert event_json(first)["transactionId"] == "txn-1"
    store.delete_event(ADA, first.id)
    fresh, created_fresh = store.create_event(ADA, body)
    assert created_fresh and fresh.id != first.id


def test_if_match_with_stale_etag_is_412_and_changes_nothing() -> None:
    store = make_store(ADA)
    created, _ = store.create_event(ADA, event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00"))
    stale = created.etag
    store.update_event(ADA, created.id, {"subject": "B"}, if_match=stale)
    with pytest.raises(CalendarError) as caught:
        store.update_event(ADA, created.id, {"subject": "C"}, if_match=stale)
    assert (caught.value.status, caught.value.code) == (412, "ErrorIrresolvableConflict")
    assert store.get_event(ADA, created.id).prop("subject") == "B"
    with pytest.raises(CalendarError):
        store.delete_event(ADA, created.id, if_match=stale)
    store.delete_event(ADA, created.id, if_match="*")


@pytest.mark.parametrize(
    ("body", "status", "code", "prop"),
    [
        (
            event_body("2026-01-05T10:00:00", "2026-01-05T09:00:00"),
            400,
            "ErrorPropertyValidationFailure",
            "end",
        ),
        (
            {"subject": "x", "end": {"dateTime": "2026-01-05T09:00:00", "timeZone": "UTC"}},
            400,
            "ErrorPropertyValidationFailure",
            "start",
        ),
        (
            event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00", "Mars Standard Time"),
            400,
            "TimeZoneNotSupportedException",
            "start.timeZone",
        ),
        (
            event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00", showAs="sleeping"),
            400,
            "RequestBodyRead",
            "showAs",
        ),
        (
            event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00", colour="red"),
            400,
            "RequestBodyRead",
            "colour",
        ),
        (
            event_body(
                "2026-01-05T09:00:00",
                "2026-01-05T10:00:00",
                attendees=[{"emailAddress": {"address": "nobody"}}],
            ),
            400,
            "ErrorPropertyValidationFailure",
            "attendees[0].emailAddress.address",
        ),
        (
            event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00", isAllDay=True),
            400,
            "ErrorPropertyValidationFailure",
            "isAllDay",
        ),
        (
            event_body("2026-01-05T00:00:00", "2026-01-05T12:00:00", isAllDay=True),
            400,
            "ErrorPropertyValidationFailure",
            "isAllDay",
        ),
        (
            event_body(
                "2026-01-05T09:00:00",
                "2026-01-05T10:00:00",
                singleValueExtendedProperties=[{"id": "bogus", "value": "1"}],
            ),
            400,
            "ErrorPropertyValidationFailure",
            "singleValueExtendedProperties[0].id",
        ),
    ],
)
def test_invalid_create_is_rejected_naming_the_property(body, status, code, prop) -> None:
    store = make_store(ADA)
    with pytest.raises(CalendarError) as caught:
        store.create_event(ADA, body)
    assert (caught.value.status, caught.value.code) == (status, code)
    assert prop in caught.value.message
    assert store.list_events(ADA) == []


def test_failed_patch_loses_nothing() -> None:
    store = make_store(ADA)
    created, _ = store.create_event(ADA, event_body("2026-01-05T09:00:00", "2026-01-05T10:00:00"))
    with pytest.raises(CalendarError):
        store.update_event(ADA, created.id, {"subject": "New", "importance": "urgent"})
    after = store.get_event(ADA, created.id)
    assert after.prop("subject") == "Event" and after.change_key == created.change_key


def test_windows_and_iana_input_and_prefer_zone_output() -> None:
    store = make_store(ADA)
    created, _ = store.create_event(
        ADA, event_body("2026-07-01T09:00:00", "2026-07-01T10:00:00", "Pacific Standard Time")
    )
    data = event_json(created)
    assert data["start"] == {"dateTime": "2026-07-01T16:00:00.0000000", "timeZone": "UTC"}
    assert data["originalStartTimeZone"] == "Pacific Standard Time"
    paris = event_json(created, View(zone=find_zone("Europe/Paris")))
    assert paris["start"] == {"dateTime": "2026-07-01T18:00:00.0000000", "timeZone": "Europe/Paris"}
    iana, _ = store.create_event(
        ADA, event_body("2026-07-01T09:00:00", "2026-07-01T10:00:00", "America/Los_Angeles")
    )
    assert event_json(iana)["start"]["dateTime"] == "2026-07-01T16:00:00.0000000"


def test_a_repeated_wall_time_is_its_first_pass_and_a_skipped_one_moves_forward() -> None:
    """The emulator's choices (Exchange documents neither; calsync sends neither): 02:30
    Paris the night clocks go back is 00:30 UTC (CEST), not 01:30 (CET); 02:30 the night
    they go forward does not exist and reads as 03:30 CEST (01:30 UTC). UTC says either."""
    store = make_store(ADA)
    back, _ = store.create_event(
        ADA, event_body("2026-10-25T02:30:00", "2026-10-25T03:30:00", "Romance Standard Time")
    )
    assert event_json(back)["start"]["dateTime"] == "2026-10-25T00:30:00.0000000"
    forward, _ = store.create_event(
        ADA, event_body("2026-03-29T02:30:00", "2026-03-29T04:00:00", "Europe/Paris")
    )
    assert event_json(forward)["start"]["dateTime"] == "2026-03-29T01:30:00.0000000"
    second, _ = store.create_event(
        ADA, event_body("2026-10-25T01:30:00", "2026-10-25T02:00:00", "UTC")
    )
    assert event_json(second)["start"]["dateTime"] == "2026-10-25T01:30:00.0000000"
    assert event_json(second)["originalStartTimeZone"] == "UTC"


def test_all_day_stays_midnight_to_midnight_in_any_zone() -> None:
    store = make_store(ADA)
    created, _ = store.create_event(
        ADA,
        event_body(
            "2026-11-24T00:00:00", "2026-11-25T00:00:00", "Tokyo Standard Time", isAllDay=True
        ),
    )
    for zone in ("UTC", "Pacific Standard Time", "Asia/Tokyo"):
        data = event_json(created, View(zone=find_zone(zone)))
        assert data["start"]["dateTime"] == "2026-11-24T00:00:00.0000000"
        assert data["end"]["dateTime"] == "2026-11-25T00:00:00.0000000"
        assert data["isAllDay"] is True


def test_occurrences_have_own_ids_and_ical_uids() -> None:
    store = make_store(ADA)
    master = weekly_series(store)
    occurrences = store.instances(ADA, master.id, *JANUARY)
    assert len(occurrences) == 5
    assert len({o.id for o in occurrences}) == 5
    assert len({o.ical_uid for o in occurrences} | {master.ical_uid}) == 6
    first = event_json(occurrences[0])
    assert first["type"] == "occurrence"
    assert first["seriesMasterId"] == master.id
    assert first["originalStart"] == "2026-01-05T09:00:00Z"
    assert first["recurrence"] is None
    assert store.get_event(ADA, occurrences[0].id).id == occurrences[0].id


def test_patch_occurrence_makes_an_exception_and_delete_cancels_one() -> None:
    store = make_store(ADA)
    master = weekly_series(store)
    occurrences = store.instances(ADA, master.id, *JANUARY)
    moved = store.update_event(
        ADA,
        occurrences[1].id,
        {
            "subject": "Moved",
            "start": {"dateTime": "2026-01-13T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-01-13T10:00:00", "timeZone": "UTC"},
        },
    )
    assert moved.kind == "exception" and moved.id == occurrences[1].id
    assert moved.prop("subject") == "Moved"
    store.delete_event(ADA, occurrences[3].id)
    after = store.instances(ADA, master.id, *JANUARY)
    assert [i.kind for i in after] == ["occurrence", "exception", "occurrence", "occurrence"]
    assert starts_utc(after)[1] == "2026-01-13T09:00"
    with pytest.raises(CalendarError):
        store.get_event(ADA, occurrences[3].id)
    selected = event_json(
        store.get_event(ADA, master.id), View(select=frozenset({"cancelledOccurrences"}))
    )
    assert selected["cancelledOccurrences"] == [f"OID.{master.id}.2026-01-26"]
    assert "cancelledOccurrences" not in event_json(store.get_event(ADA, master.id))
    # A later series-wide subject change reaches occurrences, not the exception's override.
    store.update_event(ADA, master.id, {"subject": "Series renamed", "importance": "high"})
    after = store.instances(ADA, master.id, *JANUARY)
    assert [i.prop("subject") for i in after] == [
        "Series renamed",
        "Moved",
        "Series renamed",
        "Series renamed",
    ]
    assert {i.prop("importance") for i in after} == {"high"}


def test_moving_an_occurrence_across_a_neighbour_is_rejected() -> None:
    store = make_store(ADA)
    master = weekly_series(store)
    second = store.instances(ADA, master.id, *JANUARY)[1]
    with pytest.raises(CalendarError) as caught:
        store.update_event(
            ADA,
            second.id,
            {
                "start": {"dateTime": "2026-01-19T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-01-19T10:00:00", "timeZone": "UTC"},
            },
        )
    assert caught.value.code == "ErrorOccurrenceCrossingBoundary"
    with pytest.raises(CalendarError) as caught:
        store.update_event(ADA, second.id, {"recurrence": None})
    assert "recurrence" in caught.value.message


def test_changing_the_rule_drops_exceptions_that_no_longer_fit() -> None:
    store = make_store(ADA)
    master = weekly_series(store)
    occurrences = store.instances(ADA, master.id, *JANUARY)
    store.update_event(ADA, occurrences[1].id, {"subject": "Kept"})
    store.delete_event(ADA, occurrences[2].id)
    # Mondays and Tuesdays: every old Monday still fits, so the exception stays.
    store.update_event(
        ADA,
        master.id,
        {
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "tuesday"]},
                "range": {"type": "endDate", "startDate": "2026-01-05", "endDate": "2026-02-02"},
            }
        },
    )
    kinds = [(i.kind, i.prop("subject")) for i in store.instances(ADA, master.id, *JANUARY)]
    assert ("exception", "Kept") in kinds
    assert len(kinds) == 8  # 9 dates minus one cancelled
    # Tuesdays only: the Monday exception and cancellation no longer fit and are dropped.
    store.update_event(
        ADA,
        master.id,
        {
            "start": {"dateTime": "2026-01-06T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-01-06T10:00:00", "timeZone": "UTC"},
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"]},
                "range": {"type": "numbered", "startDate": "2026-01-06", "numberOfOccurrences": 3},
            },
        },
    )
    after = store.instances(ADA, master.id, *JANUARY)
    assert [i.kind for i in after] == ["occurrence"] * 3
    assert store.get_event(ADA, master.id).record.cancelled == set()


def test_recurrence_null_turns_a_series_into_a_single_event() -> None:
    store = make_store(ADA)
    master = weekly_series(store)
    store.update_event(ADA, master.id, {"recurrence": None})
    single = store.get_event(ADA, master.id)
    assert single.kind == "singleInstance"
    assert store.instances(ADA, master.id, *JANUARY) == []
    assert len(store.calendar_view(ADA, *JANUARY)) == 1


def test_extended_property_round_trip() -> None:
    store = make_store(ADA)
    prop_id = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name calsync_id"
    created, _ = store.create_event(
        ADA,
        event_body(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            singleValueExtendedProperties=[{"id": prop_id, "value": "uuid-1"}],
        ),
    )
    assert "singleValueExtendedProperties" not in event_json(created)
    shown = event_json(created, View(expand_extended=(prop_id.upper(),)))
    assert shown["singleValueExtendedProperties"] == [{"id": prop_id, "value": "uuid-1"}]
    other = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name other"
    assert "singleValueExtendedProperties" not in event_json(
        created, View(expand_extended=(other,))
    )


def test_text_body_comes_back_as_html_or_text() -> None:
    store = make_store(ADA)
    created, _ = store.create_event(
        ADA,
        event_body(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            body={"contentType": "text", "content": "Line 1\nA < B"},
        ),
    )
    html_body = event_json(created)["body"]
    assert html_body["contentType"] == "html"
    assert "A &lt; B" in html_body["content"] and html_body["content"].startswith("<html>")
    text_body = event_json(created, View(body_type="text"))["body"]
    assert text_body == {"contentType": "text", "content": "Line 1\nA < B"}
    assert event_json(created)["bodyPreview"] == "Line 1 A < B"


def test_occurrence_ids_decode_only_for_real_occurrences() -> None:
    store = make_store(ADA)
    master = weekly_series(store)
    not_a_monday = ids.occurrence_id(master.id, datetime(2026, 1, 6).date())
    with pytest.raises(CalendarError):
        store.get_event(ADA, not_a_monday)
    after_the_end = ids.occurrence_id(master.id, datetime(2026, 2, 9).date())
    with pytest.raises(CalendarError):
        store.get_event(ADA, after_the_end)


def test_state_round_trip_keeps_everything() -> None:
    store = make_store(ADA)
    master = weekly_series(store)
    occurrences = store.instances(ADA, master.id, *JANUARY)
    store.update_event(ADA, occurrences[0].id, {"subject": "Exception"})
    store.delete_event(ADA, occurrences[1].id)
    page = store.delta(ADA, start=JANUARY[0], end=JANUARY[1])
    state = store.to_state()
    import json

    restored = make_store()
    restored.load_state(json.loads(json.dumps(state)))
    assert [event_json(i) for i in restored.calendar_view(ADA, *JANUARY)] == [
        event_json(i) for i in store.calendar_view(ADA, *JANUARY)
    ]
    again = restored.delta(ADA, token=page.delta_token)
    assert again.items == [] and again.delta_token
