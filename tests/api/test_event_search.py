"""``GET /api/events?q=``: search over title, location and attendees, only in one's own
calendar; and ``GET /api/changes``, the cursor an open page polls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars.search import QUERY_MAX

from .conftest import WINDOW, session_client, weekly_series

pytestmark = pytest.mark.django_db


def make(client: APIClient, title: str, days: int, **extra: object) -> dict:
    start = (timezone.now() + timedelta(days=days)).replace(microsecond=0)
    body = {
        "title": title,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "timezone": "UTC",
        **extra,
    }
    answer = client.post("/api/events", body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def titles(client: APIClient, **params: str) -> list[str]:
    answer = client.get("/api/events", params)
    assert answer.status_code == 200, answer.content
    return [event["title"] for event in answer.json()]


def test_search_matches_title_location_and_attendees_in_any_case(as_alice: APIClient) -> None:
    make(as_alice, "Budget review", 2)
    make(as_alice, "Lunch", 3, location="Phở Thìn, Hanoi")
    make(as_alice, "Call", 4, attendees=[{"email": "minh@contoso.test", "name": "Minh Vu"}])
    make(as_alice, "Unrelated", 5)
    assert titles(as_alice, q="budget") == ["Budget review"]
    assert titles(as_alice, q="HANOI") == ["Lunch"]
    assert titles(as_alice, q="minh") == ["Call"]
    assert titles(as_alice, q="vu call") == ["Call"]  # every word must match
    assert titles(as_alice, q="nothing like it") == []


def test_search_lists_upcoming_first_then_the_latest_past(as_alice: APIClient) -> None:
    for title, days in (("Sync A", -20), ("Sync B", 10), ("Sync C", -2), ("Sync D", 1)):
        make(as_alice, title, days)
    assert titles(as_alice, q="sync") == ["Sync D", "Sync B", "Sync C", "Sync A"]


def test_search_within_a_window_expands_series(as_alice: APIClient) -> None:
    as_alice.post("/api/events", weekly_series(title="Standup"), format="json")
    as_alice.post("/api/events", weekly_series(title="Retro"), format="json")
    found = titles(as_alice, q="standup", **WINDOW)
    assert found and set(found) == {"Standup"} and len(found) > 3


def test_search_never_shows_another_users_events(as_alice: APIClient, bob: User) -> None:
    as_bob = session_client(bob)
    make(as_bob, "Secret plan", 2)
    assert titles(as_alice, q="secret") == []
    assert titles(as_bob, q="secret") == ["Secret plan"]


def test_a_too_long_query_is_a_400(as_alice: APIClient) -> None:
    answer = as_alice.get("/api/events", {"q": "x" * (QUERY_MAX + 1)})
    assert answer.status_code == 400
    assert "q" in answer.json()


def test_the_change_cursor_moves_on_create_edit_and_delete(as_alice: APIClient) -> None:
    def events_part() -> str:
        answer = as_alice.get("/api/changes")
        assert answer.status_code == 200
        return answer.json()["parts"]["events"]

    empty = events_part()
    made = make(as_alice, "Walk", 1)
    created = events_part()
    assert created != empty
    as_alice.patch(f"/api/events/{made['id']}", {"title": "Run"}, format="json")
    edited = events_part()
    assert edited != created
    assert events_part() == edited  # nothing changed: the same cursor
    as_alice.delete(f"/api/events/{made['id']}")
    assert events_part() not in (edited, created)


def test_the_change_cursor_needs_a_login() -> None:
    assert APIClient().get("/api/changes").status_code in (401, 403)


def events_stamp(client: APIClient) -> int:
    """The stamp (microseconds) of the caller's ``events`` cursor part."""
    return int(client.get("/api/changes").json()["parts"]["events"].split(".")[0])


def in_march(client: APIClient, title: str, day: int) -> dict:
    body = {
        "title": title,
        "start": f"2026-03-{day:02d}T10:00:00",
        "end": f"2026-03-{day:02d}T11:00:00",
        "timezone": "Europe/Paris",
    }
    answer = client.post("/api/events", body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def changed_since(client: APIClient, stamp: int, **extra: str) -> dict:
    answer = client.get("/api/changes/events", {**WINDOW, "since": str(stamp), **extra})
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_changed_events_holds_only_what_changed_since_the_cursor(as_alice: APIClient) -> None:
    from calsync.calendars.models import Event

    kept, edited, deleted = (in_march(as_alice, t, d) for t, d in (("K", 2), ("E", 3), ("D", 4)))
    Event.objects.update(updated=timezone.now() - timedelta(minutes=5))
    stamp = events_stamp(as_alice)
    as_alice.patch(f"/api/events/{edited['id']}", {"title": "E2"}, format="json")
    made = in_march(as_alice, "N", 5)
    as_alice.delete(f"/api/events/{deleted['id']}")
    later = in_march(as_alice, "Late", 6)  # outside the window asked for below: not listed
    as_alice.patch(
        f"/api/events/{later['id']}",
        {"start": "2026-06-01T10:00:00", "end": "2026-06-01T11:00:00"},
        format="json",
    )

    delta = changed_since(as_alice, stamp)
    assert sorted(e["id"] for e in delta["events"]) == sorted([edited["id"], made["id"]])
    assert [e["title"] for e in delta["events"] if e["id"] == edited["id"]] == ["E2"]
    assert sorted(delta["ids"]) == sorted(str(e["id"]) for e in (kept, edited, made))
    # nothing changed after the newest stamp
    assert changed_since(as_alice, events_stamp(as_alice))["events"] == []


def test_a_cancelled_occurrence_brings_its_series_occurrences_and_leaves_ids(
    as_alice: APIClient,
) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    first = changed_since(as_alice, 0)
    occurrences = [e["id"] for e in first["events"] if e["series_id"] == series["id"]]
    assert len(occurrences) == 7 and first["ids"] == occurrences
    stamp = events_stamp(as_alice)
    assert changed_since(as_alice, stamp)["events"] == []
    assert as_alice.delete(f"/api/events/{occurrences[2]}").status_code == 204
    delta = changed_since(as_alice, stamp)
    assert occurrences[2] not in delta["ids"] and len(delta["ids"]) == 6
    assert sorted(e["id"] for e in delta["events"]) == sorted(delta["ids"])  # the series moved


@pytest.mark.parametrize(
    "query",
    [{"since": "yesterday", **WINDOW}, {"since": "1"}, {"since": "1" * 20, **WINDOW}],
    ids=["not-a-number", "no-window", "too-long"],
)
def test_changed_events_says_what_is_wrong(as_alice: APIClient, query: dict) -> None:
    answer = as_alice.get("/api/changes/events", query)
    assert answer.status_code == 400
    assert set(answer.json()) & {"since", "start"}


def test_changed_events_are_ones_own(as_alice: APIClient, bob: User) -> None:
    in_march(as_alice, "Alice's", 2)
    bobs = session_client(bob)
    assert changed_since(bobs, 0) == {"events": [], "ids": []}
