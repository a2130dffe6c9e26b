"""calendarView/delta in the pure model: rounds, cursors, tombstones, generations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.graph_emulator.calendar_helpers import event_body, make_store, series_body

from graph_emulator.calendar.errors import CalendarError

ADA, BOB = "ada@example.com", "bob@example.com"
WINDOW = {"start": datetime(2026, 1, 1, tzinfo=UTC), "end": datetime(2026, 2, 1, tzinfo=UTC)}


def day_event(store, day: int, subject: str = "E"):
    start = f"2026-01-{day:02d}T09:00:00"
    end = f"2026-01-{day:02d}T10:00:00"
    return store.create_event(ADA, event_body(start, end, subject=subject))[0]


def full_round(store, mailbox: str = ADA, token: str | None = None, size: int = 10):
    items, pages = [], 0
    page = store.delta(mailbox, token=token, max_page_size=size, **({} if token else WINDOW))
    while True:
        pages += 1
        items.extend(page.items)
        if page.delta_token:
            return items, page.delta_token, pages
        page = store.delta(mailbox, token=page.skip_token, max_page_size=size)


def test_initial_round_pages_through_everything_in_the_window() -> None:
    store = make_store(ADA)
    inside = [day_event(store, d) for d in range(1, 26)]
    store.create_event(ADA, event_body("2026-03-01T09:00:00", "2026-03-01T10:00:00"))
    items, _token, pages = full_round(store, size=10)
    assert pages == 3
    assert sorted(i["id"] for i in items) == sorted(e.id for e in inside)
    assert all("@removed" not in i for i in items)


def test_next_round_returns_only_changes_and_removals() -> None:
    store = make_store(ADA)
    events = [day_event(store, d) for d in range(1, 6)]
    _, token, _ = full_round(store)
    store.update_event(ADA, events[0].id, {"subject": "Changed"})
    store.delete_event(ADA, events[1].id)
    moved_out = events[2]
    store.update_event(
        ADA,
        moved_out.id,
        {
            "start": {"dateTime": "2026-05-01T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-05-01T10:00:00", "timeZone": "UTC"},
        },
    )
    new = day_event(store, 20, "New")
    items, token2, _ = full_round(store, token=token)
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {events[0].id, events[1].id, moved_out.id, new.id}
    assert by_id[events[0].id]["subject"] == "Changed"
    assert by_id[events[1].id]["@removed"] == {"reason": "deleted"}
    assert by_id[moved_out.id]["@removed"] == {"reason": "deleted"}
    assert by_id[new.id]["subject"] == "New"
    items, _, _ = full_round(store, token=token2)
    assert items == []


def test_a_round_begun_on_an_untouched_mailbox_still_reports_removals() -> None:
    # The first round starts at mailbox sequence 0: its deltaLink must open a *next* round
    # (changes and @removed), not another initial listing that forgets deletions. A client
    # that created an event itself (it knows the id) must hear that it was deleted.
    store = make_store(ADA)
    items, token, _ = full_round(store)
    assert items == []
    kept = day_event(store, 2, "Kept")
    gone = day_event(store, 3, "Gone")
    store.delete_event(ADA, gone.id)
    items, token, _ = full_round(store, token=token)
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {kept.id, gone.id}
    assert by_id[gone.id]["@removed"] == {"reason": "deleted"}
    assert by_id[kept.id]["subject"] == "Kept"
    items, _, _ = full_round(store, token=token)
    assert items == []


def test_created_and_deleted_before_the_round_never_appears() -> None:
    store = make_store(ADA)
    gone = day_event(store, 3)
    store.delete_event(ADA, gone.id)
    items, _, _ = full_round(store)
    assert items == []


def test_series_occurrences_are_skeletal_and_a_series_is_not_split() -> None:
    store = make_store(ADA)
    day_event(store, 1)
    store.create_event(
        ADA,
        series_body(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            "UTC",
            {"type": "daily", "interval": 1},
            {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 7},
        ),
    )
    page = store.delta(ADA, max_page_size=2, **WINDOW)
    assert len(page.items) == 8  # one single + the whole series on the same page
    occurrence = page.items[1]
    assert set(occurrence) == {
        "@odata.type",
        "@odata.etag",
        "id",
        "seriesMasterId",
        "type",
        "start",
        "end",
    }
    assert occurrence["type"] == "occurrence"
    assert all(i["type"] != "seriesMaster" for i in page.items)


def test_cancelled_occurrence_shows_as_removed_next_round() -> None:
    store = make_store(ADA)
    master = store.create_event(
        ADA,
        series_body(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            "UTC",
            {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            {"type": "noEnd", "startDate": "2026-01-05"},
        ),
    )[0]
    first, token, _ = full_round(store)
    assert len(first) == 4
    store.delete_event(ADA, first[1]["id"])
    items, _, _ = full_round(store, token=token)
    removed = [i["id"] for i in items if "@removed" in i]
    assert removed == [first[1]["id"]]
    assert {i["seriesMasterId"] for i in items if "@removed" not in i} == {master.id}


def test_rule_change_removes_old_occurrences() -> None:
    store = make_store(ADA)
    master = store.create_event(
        ADA,
        series_body(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            "UTC",
            {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 4},
        ),
    )[0]
    before, token, _ = full_round(store)
    store.update_event(
        ADA,
        master.id,
        {
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                "range": {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 2},
            }
        },
    )
    items, _, _ = full_round(store, token=token)
    removed = {i["id"] for i in items if "@removed" in i}
    assert removed == {before[2]["id"], before[3]["id"]}


def test_deleted_series_removes_master_and_occurrences() -> None:
    store = make_store(ADA)
    master = store.create_event(
        ADA,
        series_body(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            "UTC",
            {"type": "daily", "interval": 7},
            {"type": "noEnd", "startDate": "2026-01-05"},
        ),
    )[0]
    before, token, _ = full_round(store)
    store.delete_event(ADA, master.id)
    items, _, _ = full_round(store, token=token)
    assert {i["id"] for i in items} == {master.id} | {i["id"] for i in before}
    assert all(i["@removed"] == {"reason": "deleted"} for i in items)


def test_changes_during_a_round_are_never_lost() -> None:
    store = make_store(ADA)
    events = [day_event(store, d) for d in range(1, 21)]
    page = store.delta(ADA, max_page_size=5, **WINDOW)
    seen = {i["id"] for i in page.items}
    # Mid-round: change an item already served, delete one not yet served.
    store.update_event(ADA, events[0].id, {"subject": "Late edit"})
    store.delete_event(ADA, events[15].id)
    while page.skip_token:
        page = store.delta(ADA, token=page.skip_token, max_page_size=5)
        seen |= {i["id"] for i in page.items}
    assert events[15].id not in seen
    items, _, _ = full_round(store, token=page.delta_token)
    by_id = {i["id"]: i for i in items}
    assert by_id[events[0].id]["subject"] == "Late edit"
    assert "@removed" in by_id[events[15].id]


def test_only_recent_generations_stay_valid() -> None:
    store = make_store(ADA)
    for d in range(1, 4):
        day_event(store, d)
    _, old_token, _ = full_round(store)
    for _ in range(4):  # four newer rounds (one page each) push the old token out
        full_round(store)
    with pytest.raises(CalendarError) as caught:
        store.delta(ADA, token=old_token)
    assert (caught.value.status, caught.value.code) == (410, "SyncStateNotFound")
    assert "generation=" in caught.value.message and "highest=" in caught.value.message
    _, fresh, _ = full_round(store)
    assert store.delta(ADA, token=fresh).delta_token


def test_reusing_an_old_next_link_after_moving_on_is_410() -> None:
    store = make_store(ADA, delta_generations=3)
    for d in range(1, 11):
        day_event(store, d)
    page = store.delta(ADA, max_page_size=2, **WINDOW)
    first_skip = page.skip_token
    for _ in range(3):
        page = store.delta(ADA, token=page.skip_token, max_page_size=2)
    with pytest.raises(CalendarError) as caught:
        store.delta(ADA, token=first_skip)
    assert caught.value.status == 410


def test_garbage_altered_or_foreign_tokens_are_400() -> None:
    store = make_store(ADA, BOB)
    day_event(store, 1)
    _, token, _ = full_round(store)
    for bad in ("not-a-token", token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        with pytest.raises(CalendarError) as caught:
            store.delta(ADA, token=bad)
        assert (caught.value.status, caught.value.code) == (400, "InvalidDeltaToken")
    with pytest.raises(CalendarError) as caught:
        store.delta(BOB, token=token)
    assert caught.value.code == "InvalidDeltaToken"


def test_window_is_required_on_the_first_call() -> None:
    store = make_store(ADA)
    with pytest.raises(CalendarError) as caught:
        store.delta(ADA, start=WINDOW["start"])
    assert caught.value.status == 400 and "StartDateTime and EndDateTime" in caught.value.message


def test_tokens_are_opaque() -> None:
    store = make_store(ADA)
    day_event(store, 1)
    _, token, _ = full_round(store)
    assert ADA not in token and "2026" not in token and ":" not in token
