"""calendarView/delta over HTTPS: rounds, paging links, @removed, skeletal items, token expiry."""

from __future__ import annotations

import pytest
from tests.graph_emulator.calendar_http import Graph, event, mailboxes

__all__ = ["mailboxes"]
WINDOW = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-02-01T00:00:00Z"}


@pytest.fixture
def ada(mailboxes) -> Graph:
    return mailboxes("ada@example.com")[0]


def run_round(
    ada: Graph, first: str, page_size: int = 4, **params
) -> tuple[list[dict], str, list[dict]]:
    """Follow nextLinks to the deltaLink; returns (items, deltaLink, pages)."""
    prefer = {"Prefer": f"odata.maxpagesize={page_size}"}
    pages = [ada.get(first, params=params or None, headers=prefer, expect=200)]
    while "@odata.nextLink" in pages[-1].json():
        pages.append(ada.get(pages[-1].json()["@odata.nextLink"], headers=prefer, expect=200))
    bodies = [p.json() for p in pages]
    items = [item for body in bodies for item in body["value"]]
    assert all("preference-applied" in p.headers for p in pages)
    return items, bodies[-1]["@odata.deltaLink"], bodies


def day(n: int, subject: str = "E") -> dict:
    return event(f"2026-01-{n:02d}T09:00:00", f"2026-01-{n:02d}T10:00:00", subject=subject)


def test_initial_round_pages_then_delta_link(ada: Graph) -> None:
    created = [ada.create(day(n)) for n in range(1, 11)]
    ada.create(event("2026-06-01T09:00:00", "2026-06-01T10:00:00"))  # outside the window
    items, delta_link, pages = run_round(ada, "/me/calendarView/delta", **WINDOW)
    assert len(pages) == 3
    assert all("$skiptoken=" in p["@odata.nextLink"] for p in pages[:-1])
    assert "$deltatoken=" in delta_link and "@odata.nextLink" not in pages[-1]
    assert pages[0]["@odata.context"].endswith("/$metadata#Collection(event)")
    assert sorted(i["id"] for i in items) == sorted(e["id"] for e in created)
    assert all(len(p["value"]) <= 4 for p in pages)


def test_later_round_has_changes_and_removals_only(ada: Graph) -> None:
    events = [ada.create(day(n)) for n in range(1, 5)]
    _, delta_link, _ = run_round(ada, "/me/calendarView/delta", **WINDOW)
    empty, delta_link, _ = run_round(ada, delta_link)
    assert empty == []
    ada.patch(f"/me/events/{events[0]['id']}", json={"subject": "Changed"}, expect=200)
    ada.delete(f"/me/events/{events[1]['id']}", expect=204)
    added = ada.create(day(20, "Added"))
    items, _, _ = run_round(ada, delta_link)
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {events[0]["id"], events[1]["id"], added["id"]}
    assert by_id[events[0]["id"]]["subject"] == "Changed"
    assert by_id[events[1]["id"]] == {
        "@odata.type": "#microsoft.graph.event",
        "id": events[1]["id"],
        "@removed": {"reason": "deleted"},
    }


def test_occurrences_are_skeletal_and_masters_absent(ada: Graph) -> None:
    master = ada.create(
        event(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            subject="Weekly",
            recurrence={
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                "range": {"type": "noEnd", "startDate": "2026-01-05"},
            },
        )
    )
    items, _, _ = run_round(ada, "/me/calendarView/delta", page_size=2, **WINDOW)
    assert len(items) == 4  # Jan 5, 12, 19, 26: one series is never split across pages
    for item in items:
        assert set(item) == {
            "@odata.type",
            "@odata.etag",
            "id",
            "seriesMasterId",
            "type",
            "start",
            "end",
        }
        assert item["seriesMasterId"] == master["id"] and item["type"] == "occurrence"


def test_users_path_and_function_forms_keep_their_shape_in_links(ada: Graph) -> None:
    ada.create(day(3))
    path = "/users/ada@example.com/calendarView/delta()"
    response = ada.get(path, params=WINDOW, expect=200).json()
    assert (
        "/users/ada@example.com/calendarView/delta()?$deltatoken=" in response["@odata.deltaLink"]
    )
    again = ada.get("/me/calendarView/microsoft.graph.delta", params=WINDOW, expect=200).json()
    assert len(again["value"]) == 1


def test_old_generations_answer_410_and_garbage_400(ada: Graph) -> None:
    ada.create(day(3))
    _, old_link, _ = run_round(ada, "/me/calendarView/delta", **WINDOW)
    for _ in range(4):
        run_round(ada, "/me/calendarView/delta", **WINDOW)
    status, code, message = ada.error(ada.get(old_link))
    assert (status, code) == (410, "SyncStateNotFound")
    assert message.startswith("The sync state generation is not found; generation=")
    garbage = ada.get("/me/calendarView/delta", params={"$deltatoken": "R0usmcMDNGg0J1E"})
    assert ada.error(garbage)[:2] == (400, "InvalidDeltaToken")


def test_unsupported_query_options_and_missing_window(ada: Graph) -> None:
    response = ada.get("/me/calendarView/delta", params={**WINDOW, "$select": "subject"})
    status, code, message = ada.error(response)
    assert (status, code) == (400, "ErrorInvalidUrlQuery") and "$select" in message
    response = ada.get("/me/calendarView/delta", params={"startDateTime": WINDOW["startDateTime"]})
    assert ada.error(response)[:2] == (400, "ErrorInvalidParameter")


def test_prefer_time_zone_applies_to_delta_items(ada: Graph) -> None:
    ada.create(day(3))
    response = ada.get(
        "/me/calendarView/delta",
        params=WINDOW,
        headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'},
        expect=200,
    )
    assert response.json()["value"][0]["start"] == {
        "dateTime": "2026-01-03T01:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    }
    assert "odata.track-changes" in response.headers["preference-applied"]


def test_event_moved_out_of_the_window_is_removed(ada: Graph) -> None:
    moving = ada.create(day(3))
    _, delta_link, _ = run_round(ada, "/me/calendarView/delta", **WINDOW)
    ada.patch(
        f"/me/events/{moving['id']}",
        json={
            "start": {"dateTime": "2026-03-03T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-03T10:00:00", "timeZone": "UTC"},
        },
        expect=200,
    )
    items, _, _ = run_round(ada, delta_link)
    assert items == [
        {
            "@odata.type": "#microsoft.graph.event",
            "id": moving["id"],
            "@removed": {"reason": "deleted"},
        }
    ]
