"""`GET /api/events?calendar=<id>[,<id>…]` (docs/contract.md, REST API): only the events of
those calendars of the caller, the meetings others organise in the default one; an id that
is not one of the caller's calendars is a 400 naming it."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars.calendar_list import default_calendar

from .conftest import session_client, weekly_series

pytestmark = pytest.mark.django_db

WINDOW = "start=2026-05-01T00:00:00Z&end=2026-06-01T00:00:00Z"


def event(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "start": "2026-05-04T09:00:00+02:00",
        "end": "2026-05-04T10:00:00+02:00",
        "timezone": "Europe/Paris",
        **extra,
    }


def post(client: APIClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(path, body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def titles(client: APIClient, query: str) -> list[str]:
    answer = client.get(f"/api/events?{query}")
    assert answer.status_code == 200, answer.content
    return sorted({item["title"] for item in answer.json()})


@pytest.fixture
def filed(alice: User, bob: User, as_alice: APIClient) -> dict[str, int]:
    """Alice's default calendar holds "Home" and Bob's meeting; "Work" holds "Standup" (a
    weekly series) and "Review"; "Side" holds "Gym"."""
    work = post(as_alice, "/api/calendars", {"name": "Work"})["id"]
    side = post(as_alice, "/api/calendars", {"name": "Side"})["id"]
    post(as_alice, "/api/events", event("Home"))
    post(as_alice, "/api/events", event("Review", calendar=work))
    post(as_alice, "/api/events", weekly_series(title="Standup", calendar=work))
    post(as_alice, "/api/events", event("Gym", calendar=side))
    post(
        session_client(bob),
        "/api/events",
        event("Bob's meeting", attendees=[{"email": alice.email, "name": "Alice"}]),
    )
    return {"default": default_calendar(alice).pk, "work": work, "side": side}


def test_only_the_chosen_calendars_are_listed(as_alice: APIClient, filed: dict[str, int]) -> None:
    everything = ["Bob's meeting", "Gym", "Home", "Review", "Standup"]
    assert titles(as_alice, WINDOW) == everything
    assert titles(as_alice, f"{WINDOW}&calendar=") == everything
    assert titles(as_alice, f"{WINDOW}&calendar={filed['work']}") == ["Review", "Standup"]
    assert titles(as_alice, f"{WINDOW}&calendar={filed['default']}") == ["Bob's meeting", "Home"]
    both = f"{filed['side']}, {filed['default']}"
    assert titles(as_alice, f"{WINDOW}&calendar={both}") == ["Bob's meeting", "Gym", "Home"]
    # without a window (series unexpanded) and with a search, the same filter applies
    assert titles(as_alice, f"calendar={filed['work']}") == ["Review", "Standup"]
    assert titles(as_alice, f"q=review&calendar={filed['side']}") == []


def test_every_occurrence_of_a_series_follows_its_calendar(
    as_alice: APIClient, filed: dict[str, int]
) -> None:
    work = as_alice.get(f"/api/events?{WINDOW}&calendar={filed['work']}").json()
    standups = [item for item in work if item["title"] == "Standup"]
    assert len(standups) >= 4
    assert {item["calendar"] for item in work} == {filed["work"]}


def test_a_calendar_of_someone_else_is_a_400_naming_it(
    bob: User, as_alice: APIClient, filed: dict[str, int]
) -> None:
    bobs = default_calendar(bob).pk
    answer = as_alice.get(f"/api/events?{WINDOW}&calendar={filed['work']},{bobs}")
    assert answer.status_code == 400
    assert answer.json() == {"calendar": [f"Calendar {bobs} is not one of yours."]}
    # Bob may not read Alice's calendars either, though he attends a meeting in one
    answer = session_client(bob).get(f"/api/events?calendar={filed['default']}")
    assert answer.status_code == 400
    assert str(filed["default"]) in answer.json()["calendar"][0]


@pytest.mark.parametrize("bad", ["abc", "1;2", "-3", "1,,2", "9" * 30])
def test_a_malformed_id_is_a_400_naming_it(as_alice: APIClient, bad: str) -> None:
    answer = as_alice.get("/api/events", {"calendar": bad})
    assert answer.status_code == 400
    message = answer.json()["calendar"][0]
    assert "is not a calendar id" in message


def test_an_unknown_id_is_a_400_naming_it(as_alice: APIClient, filed: dict[str, int]) -> None:
    answer = as_alice.get(f"/api/events?calendar={filed['side']},987654")
    assert answer.status_code == 400
    assert answer.json() == {"calendar": ["Calendar 987654 is not one of yours."]}


def test_the_error_is_in_the_readers_language(alice: User, filed: dict[str, int]) -> None:
    client = session_client(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi-VN,vi;q=0.9"
    answer = client.get("/api/events?calendar=987654")
    assert answer.status_code == 400
    assert "987654" in answer.json()["calendar"][0]
    assert "not one of yours" not in answer.json()["calendar"][0]


def test_an_administrator_filters_by_the_read_users_calendars(
    admin: User, alice: User, filed: dict[str, int]
) -> None:
    as_admin = session_client(admin)
    listed = f"user={alice.pk}&{WINDOW}"
    assert titles(as_admin, f"{listed}&calendar={filed['side']}") == ["Gym"]
    mine = default_calendar(admin).pk
    assert as_admin.get(f"/api/events?{listed}&calendar={mine}").status_code == 400


def test_the_changes_delta_is_narrowed_the_same_way(
    as_alice: APIClient, filed: dict[str, int]
) -> None:
    """`GET /api/changes/events?calendar=` (the page's live updates): the changed events and
    the window's ids of those calendars only; an event moved out of them leaves `ids`."""
    delta_url = f"/api/changes/events?{WINDOW}&since=0&calendar={filed['work']},{filed['default']}"
    delta = as_alice.get(delta_url).json()
    shown = {e["title"] for e in delta["events"]}
    assert shown == {"Home", "Review", "Standup", "Bob's meeting"}
    assert sorted(delta["ids"]) == sorted(str(e["id"]) for e in delta["events"])
    review = next(e for e in delta["events"] if e["title"] == "Review")
    moved = as_alice.patch(
        f"/api/events/{review['id']}", {"calendar": filed["side"]}, format="json"
    )
    assert moved.status_code == 200, moved.content
    after = as_alice.get(delta_url).json()
    assert str(review["id"]) not in after["ids"]
    assert "Review" not in {e["title"] for e in after["events"]}
    gone = as_alice.get(f"/api/changes/events?{WINDOW}&since=0&calendar=987654")
    assert gone.status_code == 400
    assert gone.json() == {"calendar": ["Calendar 987654 is not one of yours."]}
