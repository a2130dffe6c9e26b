"""Values: normalisation (equal content compares equal), hashing, diff, clear errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from tests.unit.syncengine.builders import NOW, event, linked, local_item

from calsync.syncengine import Attendee, EventData, InvalidData, Person, Policy, StatusEntry
from calsync.syncengine.model import FIELDS, occurrence_uid
from calsync.syncengine.status import Status


def test_same_instant_in_another_offset_is_the_same_content() -> None:
    paris = timezone(timedelta(hours=1))
    here = event(
        start=datetime(2026, 12, 1, 10, tzinfo=paris), end=datetime(2026, 12, 1, 11, tzinfo=paris)
    )
    utc = event(
        start=datetime(2026, 12, 1, 9, tzinfo=UTC), end=datetime(2026, 12, 1, 10, tzinfo=UTC)
    )
    assert here == utc
    assert here.content_hash() == utc.content_hash()
    assert here.start.tzinfo is UTC


def test_spelling_differences_do_not_count_as_changes() -> None:
    one = event(
        " Review ",
        description="<p>Agenda:\n  one</p>\n<p>two</p>",
        attendees=(Attendee("Bao@Example.com", "Bao"), Attendee("ana@example.com", "Ana")),
    )
    two = event(
        "Review",
        description="<p>Agenda: one</p><p>two</p>",
        attendees=(Attendee("ana@example.com", "Ana"), Attendee("bao@example.com", "Bao")),
    )
    assert one == two and one.content_hash() == two.content_hash()
    assert [a.email for a in one.attendees] == ["ana@example.com", "bao@example.com"]


def test_microseconds_are_dropped_like_graph_does() -> None:
    start = NOW.replace(microsecond=123456)
    assert event(start=start, end=start + timedelta(hours=1)).start == NOW


def test_different_content_hashes_differently_and_diff_names_the_fields() -> None:
    base = event("Review")
    other = base.with_fields({"title": "Retro", "location": "Room 1"})
    assert base.content_hash() != other.content_hash()
    assert base.diff(other) == {"title", "location"}
    assert base.diff(base) == set()


def test_content_hash_is_sha256_of_the_canonical_json() -> None:
    data = event("Review")
    assert len(data.content_hash()) == 64
    assert set(data.canonical()) == set(FIELDS) - {"cancelled"}
    assert data.canonical()["start"] == "2026-11-24T09:00:00Z"


def test_cancelled_occurrences_are_a_sorted_set_hashed_only_when_present() -> None:
    data = event("Weekly").with_fields({"recurrence": "FREQ=WEEKLY;BYDAY=TU"})
    later, earlier = datetime(2026, 12, 8, 9, tzinfo=UTC), datetime(2026, 12, 1, 9, tzinfo=UTC)
    with_two = data.with_fields({"cancelled": [later, earlier, later]})
    assert with_two.cancelled == (earlier, later)
    assert with_two.canonical()["cancelled"] == ["2026-12-01T09:00:00Z", "2026-12-08T09:00:00Z"]
    assert with_two.content_hash() != data.content_hash()
    with pytest.raises(InvalidData, match="cancelled"):
        data.with_fields({"cancelled": [date(2026, 12, 1)]})


def test_an_occurrence_uid_depends_only_on_its_master_and_original_start() -> None:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert occurrence_uid("m-1", start) == occurrence_uid("m-1", start.astimezone())
    assert occurrence_uid("m-1", start) != occurrence_uid("m-2", start)
    assert occurrence_uid("m-1", start) != occurrence_uid("m-1", date(2026, 12, 1))


def test_all_day_events_keep_their_dates() -> None:
    day = EventData(title="Holiday", start=date(2026, 12, 24), end=date(2026, 12, 26), all_day=True)
    assert day.start == date(2026, 12, 24) and day.canonical()["end"] == "2026-12-26"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": datetime(2026, 12, 1, 9)}, "start"),
        ({"end": NOW - timedelta(days=3)}, "end"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"show_as": "asleep"}, "show_as"),
        ({"privacy": "secret"}, "privacy"),
        ({"all_day": True}, "start"),
        ({"title": 42}, "title"),
        ({"recurrence": "BYDAY=MO"}, "recurrence"),
        ({"attendees": (Attendee("a@example.com"), Attendee("A@example.com"))}, "attendees"),
        ({"attendees": ("a@example.com",)}, "attendees"),
        ({"organizer": "me@example.com"}, "organizer"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidData) as caught:
        event(**changes)
    assert caught.value.field == field
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Attendee("not-an-email"), "attendees.email"),
        (lambda: Attendee("a@example.com", status="maybe"), "attendees.status"),
        (lambda: Attendee("a@example.com", type="vip"), "attendees.type"),
        (lambda: Person("@example.com"), "email"),
        (lambda: local_item(event(), uid=""), "uid"),
        (lambda: local_item(event(), modified_at=datetime(2026, 1, 1)), "modified_at"),
        (lambda: local_item(event(), my_response="sure"), "my_response"),
        (lambda: Policy(now=NOW, conflict="newest"), "conflict"),
        (lambda: Policy(now=NOW, max_delete_share=2), "max_delete_share"),
        (lambda: Policy(now=datetime(2026, 1, 1)), "now"),
        (lambda: event().with_fields({"colour": "red"}), "colour"),
    ],
)
def test_bad_values_name_their_field(build, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidData) as caught:
        build()
    assert caught.value.field == field


def test_status_refuses_two_entries_for_one_outlook_event() -> None:
    _, _, first = linked(event(), uid="u1", local_id="L1", remote_id="R1")
    _, _, second = linked(event(), uid="u2", local_id="L2", remote_id="R1")
    with pytest.raises(InvalidData) as caught:
        Status([first, second])
    assert caught.value.field == "remote_id"


def test_status_finds_entries_by_each_sides_id() -> None:
    _, _, entry = linked(event(), uid="u1", local_id="L1", remote_id="R1")
    status = Status([entry])
    assert status["u1"] is status.by_local_id("L1") is status.by_remote_id("R1") is entry
    assert status.by_ical_uid("ical-u1") is entry and status.by_remote_id("R2") is None
    moved = StatusEntry(**{**_fields(entry), "remote_id": "R2"})
    assert status.updated([moved], []).by_remote_id("R2") == moved
    assert len(status.updated([], ["u1"])) == 0


def _fields(entry: StatusEntry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in entry.__dataclass_fields__}
