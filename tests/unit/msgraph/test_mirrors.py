"""A mirror copy's marker and Graph JSON (calsync.msgraph.mirrors)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.unit.msgraph.test_mapping import ME, graph_event

from calsync.msgraph import mirrors
from calsync.msgraph.calendar import CalendarPaths
from calsync.msgraph.mirror_calendar import EXCEPTIONS, MirrorCalendar, single_events_filter
from calsync.syncengine import Attendee, EventData
from calsync.syncengine.mirror import (
    CreateCopy,
    Destination,
    UpdateCopy,
    plan_mirror,
    project,
    projection_hash,
)

ORIGINAL = EventData(
    title="Merger talks",
    start=datetime(2026, 1, 5, 9, tzinfo=UTC),
    end=datetime(2026, 1, 5, 10, tzinfo=UTC),
    description="<p>secret</p>",
    location="Room 4",
    show_as="tentative",
    attendees=(Attendee("ceo@example.com"),),
)
BUSY = project(ORIGINAL, "busy")
CREATE = CreateCopy("AAMkOrig=", "work-cal", "busy", projection_hash(BUSY, "busy"), BUSY)


def test_the_marker_reads_back():
    value = mirrors.marker_value("work-cal", "AAMkOrig=", "busy", "abc")
    assert value == "1 busy abc work-cal AAMkOrig="
    assert mirrors.parse_marker(value) == ("work-cal", "AAMkOrig=", "busy", "abc")


@pytest.mark.parametrize("value", [None, "", "2 busy a b c", "1 two-way a b c", "1 busy a b"])
def test_a_foreign_marker_is_none(value):
    assert mirrors.parse_marker(value) is None


def test_a_word_with_a_space_cannot_be_marked():
    with pytest.raises(ValueError, match="mark"):
        mirrors.marker_value("my cal", "o1", "busy", "h")


def test_a_create_body_carries_nothing_but_the_projection():
    body = mirrors.create_copy_body(CREATE)
    assert body["subject"] == "Busy" and body["showAs"] == "tentative"
    assert body["body"] == {"contentType": "html", "content": ""}
    assert body["location"] == {"displayName": ""} and body["attendees"] == []
    assert body["isReminderOn"] is False and "sensitivity" not in body
    assert body["transactionId"] == mirrors.copy_transaction_id("work-cal", "AAMkOrig=")
    assert body["transactionId"].startswith("calsync-mirror:")
    [prop] = body["singleValueExtendedProperties"]
    assert prop == {
        "id": mirrors.MIRROR_PROPERTY_ID,
        "value": mirrors.marker_value("work-cal", "AAMkOrig=", "busy", CREATE.made_from),
    }
    assert "secret" not in str(body) and "Room 4" not in str(body) and "ceo@" not in str(body)


def test_an_update_body_has_no_transaction_id():
    update = UpdateCopy(
        "AAMkCopy=", *(getattr(CREATE, f) for f in ("of", "source", "mode", "made_from", "data"))
    )
    assert "transactionId" not in mirrors.update_copy_body(update)


def test_a_graph_copy_is_read_with_its_mark_and_content():
    body = mirrors.create_copy_body(CREATE)
    obj = {
        **body,
        "id": "AAMkCopy=",
        "start": {"dateTime": "2026-01-05T09:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-01-05T10:00:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "UTC",
    }
    copy = mirrors.read_copy(obj, mailbox="ada@example.com")
    assert copy is not None and (copy.key, copy.of, copy.source) == (
        "AAMkCopy=",
        "AAMkOrig=",
        "work-cal",
    )
    assert copy.made_from == CREATE.made_from and copy.data == BUSY
    assert mirrors.is_copy({"transactionId": body["transactionId"]})
    assert not mirrors.is_copy({"transactionId": "calsync:uid:1"})
    assert mirrors.read_copy({"id": "x"}, mailbox="ada@example.com") is None


def test_the_listing_filter_is_the_one_checked_with_the_sdk() -> None:
    """tests/graph_emulator/test_sdk_mirror_routes.py sends this text through msgraph-sdk."""
    window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    assert single_events_filter(window) == (
        "type eq 'singleInstance' and end/dateTime gt '2026-01-01T00:00:00'"
        " and start/dateTime lt '2026-02-01T00:00:00'"
    )


class _NoGraph:
    """A client that must not be used: a stored listing is read without Graph."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"Graph asked ({name})")


def test_a_stored_series_is_read_with_its_exceptions_and_asks_graph_nothing() -> None:
    """A series master stored with its ``exceptionOccurrences``: a moved one is a modified
    occurrence, one marked ``isCancelled`` (an occurrence its organiser cancelled, still
    shown to the attendee) a cancelled one, which the copy series cancels."""
    master = graph_event(
        id="M1", type="seriesMaster",
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"],
                        "firstDayOfWeek": "monday"},
            "range": {"type": "numbered", "startDate": "2026-11-24", "numberOfOccurrences": 4},
        },
    )  # fmt: skip
    moved = graph_event(
        id="X1", type="exception", seriesMasterId="M1", originalStart="2026-12-01T08:00:00Z",
        start={"dateTime": "2026-12-01T11:00:00.0000000", "timeZone": "UTC"},
        end={"dateTime": "2026-12-01T12:00:00.0000000", "timeZone": "UTC"},
    )  # fmt: skip
    cancelled = graph_event(
        id="X2", type="exception", seriesMasterId="M1", originalStart="2026-12-08T08:00:00Z",
        start={"dateTime": "2026-12-08T08:00:00.0000000", "timeZone": "UTC"},
        end={"dateTime": "2026-12-08T09:00:00.0000000", "timeZone": "UTC"},
        subject="Canceled: Review", isCancelled=True,
    )  # fmt: skip
    stored = {**master, EXCEPTIONS: [moved, cancelled]}
    paths = CalendarPaths.of_calendar("cal", shared=False)
    outlook = MirrorCalendar(_NoGraph(), paths, ME)  # type: ignore[arg-type]
    (original,) = outlook.read([stored]).originals
    assert [(o.original_start, o.cancelled) for o in original.exceptions] == [
        (datetime(2026, 12, 1, 8, tzinfo=UTC), False),
        (datetime(2026, 12, 8, 8, tzinfo=UTC), True),
    ]
    (create,) = plan_mirror("src", [original], [], Destination("redacted")).creates
    assert create.data.cancelled == (datetime(2026, 12, 8, 8, tzinfo=UTC),)
    assert [o.original_start for o in create.exceptions] == [datetime(2026, 12, 1, 8, tzinfo=UTC)]
