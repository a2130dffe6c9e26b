"""Hostile requests get a quick 4xx that names the problem, never a 500 or a long lock.

Each input here once cost seconds or a 500: a rule that never yields (dateutil walked it to
the year 9999, inside the write transaction), JSON nested 5,000 deep (RecursionError), an
occurrence id whose date overflowed, a five-year window of fifty daily series (94,466 items,
51 MB). tests/e2e/test_hostile_inputs.py sends them over HTTP while another user reads.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from calsync.accounts.models import User
from calsync.calendars import actions
from calsync.calendars.api import MAX_WINDOW_ITEMS
from calsync.calendars.models import Event
from calsync.calendars.parsers import MAX_JSON_DEPTH, json_depth

from .conftest import weekly_series

NEVER = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=1"


def _timed(call: Any) -> tuple[Any, float]:
    """``call()``'s answer and the processor time this thread spent on it (the test client
    answers in this thread): the work done, which other processes on a busy machine (say
    the other test workers) do not stretch as they stretch the wall clock."""
    began = time.thread_time()
    answer = call()
    return answer, time.thread_time() - began


@pytest.mark.django_db
@pytest.mark.parametrize(
    "rule",
    [
        NEVER,
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=1",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_a_rule_that_never_yields_is_a_quick_400(as_alice: APIClient, rule: str) -> None:
    answer, seconds = _timed(
        lambda: as_alice.post("/api/events", weekly_series(recurrence=rule), format="json")
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "recurrence": ["This rule yields no occurrence within 100 years of the event's start."]
    }
    assert seconds < 1, seconds  # was 4.3 s for the first rule
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_patching_a_series_to_a_rule_that_never_yields_is_a_quick_400(
    as_alice: APIClient,
) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    answer, seconds = _timed(
        lambda: as_alice.patch(f"/api/events/{series['id']}", {"recurrence": NEVER}, format="json")
    )
    assert answer.status_code == 400
    assert "yields no occurrence" in answer.json()["recurrence"][0]
    assert seconds < 1, seconds
    assert Event.objects.get().recurrence == "FREQ=WEEKLY;BYDAY=MO"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("verb", ["post", "patch"])
def test_rules_are_checked_before_the_write_transaction(verb: str) -> None:
    """While another connection holds the database's write lock, a refused rule is
    answered at once: its check takes no lock. (SQLite: a write transaction begins with
    BEGIN IMMEDIATE, so a check inside one would wait here for the lock; PostgreSQL: the
    table lock stops any INSERT or UPDATE of events.)"""
    alice = User.objects.create_user(email="alice@example.com", password="pw", name="Alice")
    client = APIClient()
    client.force_authenticate(alice)
    series = client.post("/api/events", weekly_series(), format="json").json()
    holding, release, let_go = threading.Event(), threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("LOCK TABLE calendars_event IN EXCLUSIVE MODE")
                else:
                    User.objects.filter(pk=alice.pk).update(first_name="Held")
                holding.set()
                release.wait(timeout=60)  # the answer releases it: a wait for it lasts 60 s
        finally:
            let_go.set()
            holding.set()
            connections.close_all()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        if verb == "post":
            send = lambda: client.post(  # noqa: E731
                "/api/events", weekly_series(recurrence=NEVER), format="json"
            )
        else:
            send = lambda: client.patch(  # noqa: E731
                f"/api/events/{series['id']}", {"recurrence": NEVER}, format="json"
            )
        answer, seconds = _timed(send)
        answered_under_the_lock = not let_go.is_set()
    finally:
        release.set()
        holder.join(timeout=10)
    assert answer.status_code == 400, answer.content
    assert "yields no occurrence" in answer.json()["recurrence"][0]
    assert answered_under_the_lock  # it did not wait for the lock (however busy the machine)
    assert seconds < 1, seconds


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [5000, 900, MAX_JSON_DEPTH + 1])
def test_deeply_nested_json_is_a_400_naming_the_limit(as_alice: APIClient, depth: int) -> None:
    body = "[" * depth + "]" * depth
    answer = as_alice.generic("POST", "/api/events", body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {"detail": "The JSON body is nested more than 20 levels deep."}


@pytest.mark.django_db
def test_json_up_to_the_limit_is_read_as_usual(as_alice: APIClient) -> None:
    nested: Any = "x"
    for _level in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    answer = as_alice.post("/api/events", {**weekly_series(), "x": nested}, format="json")
    assert answer.status_code == 201  # unknown keys are ignored, however deep
    assert json_depth({"x": nested}) == MAX_JSON_DEPTH


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        (".00010101T000000Z", "“00010101T000000Z” is not the start of an occurrence"),
        (".99991231T235959Z", "between the years 1000 and 9000"),
        (".20261399T000000Z", "“20261399T000000Z” is not the start of an occurrence"),
        (".20260229T000000Z", "UTC start as YYYYMMDDTHHMMSSZ"),
        (".2", "is neither an event id (12) nor an occurrence id (12.20261124T080000Z)"),
        ("e5", "“{id}e5” is neither an event id"),
        ("0000000000000000000001", "is neither an event id"),
    ],
)
def test_malformed_ids_are_404s_naming_the_problem(
    as_alice: APIClient, suffix: str, message: str
) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    url = f"/api/events/{series['id']}{suffix}"
    expected = message.replace("{id}", str(series["id"]))
    for answer in (
        as_alice.get(url),
        as_alice.patch(url, {"title": "x"}, format="json"),
        as_alice.delete(url),
        as_alice.post(f"{url}/archive"),
        as_alice.post(f"{url}/unarchive"),
    ):
        assert answer.status_code == 404, answer.content
        assert expected in answer.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "0001-01-01", "end": "0001-01-05"}, "start"),
        ({"start": "2026-01-01", "end": "9999-12-31T23:59:59Z"}, "end"),
        ({"start": "2026-01-01T00:00:00+99:00", "end": "2026-01-02"}, "start"),
        ({"start": "2026-01-01", "end": "2026-01-02", "timezone": "\x00"}, "timezone"),
        ({"start": "2026-01-01", "end": "2031-02-01"}, "end"),
        ({"start": "2026-01-02", "end": "2026-01-01"}, "end"),
        ({"start": "2026-01-01"}, "end"),
        ({"user": "99999999999999999999999"}, "detail"),
    ],
)
def test_malformed_listing_parameters_are_4xx_naming_them(
    as_alice: APIClient, query: dict[str, str], field: str
) -> None:
    answer = as_alice.get("/api/events", query)
    assert answer.status_code in (400, 403), answer.content
    assert field in answer.json()


@pytest.mark.django_db
def test_an_admin_naming_a_user_id_out_of_range_gets_a_400(admin: User) -> None:
    client = APIClient()
    client.force_authenticate(admin)
    for wanted in ("99999999999999999999999", "9223372036854775808"):
        answer = client.get("/api/events", {"user": wanted})
        assert answer.status_code == 400
        assert answer.json() == {"user": ["No such user."]}


def _daily_series(owner: User, count: int) -> None:
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    for number in range(count):
        actions.do_create_event(
            owner,
            {
                "title": f"Daily {number}",
                "start": start,
                "end": start + timedelta(minutes=30),
                "timezone": "Europe/Paris",
                "recurrence": "FREQ=DAILY",
            },
        )


@pytest.mark.django_db
def test_a_window_holding_too_many_items_is_a_400_that_says_so(
    alice: User, as_alice: APIClient
) -> None:
    _daily_series(alice, 50)
    answer, seconds = _timed(
        lambda: as_alice.get("/api/events", {"start": "2026-01-01", "end": "2030-12-31"})
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "detail": (
            f"This window holds more than {MAX_WINDOW_ITEMS} events and occurrences: "
            "ask for a shorter one."
        )
    }
    assert seconds < 2, seconds  # the expansion stops at the limit (was 94,466 items)
    month = as_alice.get("/api/events", {"start": "2026-03-01", "end": "2026-04-12"})
    assert month.status_code == 200
    assert isinstance(month.json(), list) and len(month.json()) == 50 * 42


@pytest.mark.django_db
def test_a_window_at_the_limit_is_listed_whole(alice: User, as_alice: APIClient) -> None:
    _daily_series(alice, 10)
    days = MAX_WINDOW_ITEMS // 10  # exactly MAX_WINDOW_ITEMS occurrences
    end = (datetime(2026, 1, 1) + timedelta(days=days)).date().isoformat()
    answer = as_alice.get("/api/events", {"start": "2026-01-01", "end": end})
    assert answer.status_code == 200
    assert len(answer.json()) == MAX_WINDOW_ITEMS
    more = as_alice.post(
        "/api/events",
        {"title": "One more", "start": "2026-02-01T12:00:00Z", "end": "2026-02-01T13:00:00Z"},
        format="json",
    )
    assert more.status_code == 201
    assert as_alice.get("/api/events", {"start": "2026-01-01", "end": end}).status_code == 400


FAR_PAST_RULES = {
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR": 30,
    "FREQ=MONTHLY;BYDAY=2TU;COUNT=100000": 1,
    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1FR;COUNT=10000": 1,
    "FREQ=DAILY;BYMONTHDAY=1,15;COUNT=1000000": 3,
    "FREQ=WEEKLY;BYDAY=TU;BYMONTH=3,4;COUNT=1000000": 6,
    "FREQ=DAILY;COUNT=1000000": 42,
}
"""Rules of series begun in the year 1000, and their occurrences in six weeks of 2026."""


@pytest.mark.django_db
def test_series_begun_in_the_year_1000_cost_a_window_of_2026_what_it_holds(
    as_alice: APIClient,
) -> None:
    """Expansion starts at the window's period, COUNT reduced by what it skips: this listing
    took 1.5 s of CPU (each series walked 1,026 years of occurrences first), now 0.2 s on a
    first request (bench/recurrence_bench.py has the figures per rule)."""
    for rule in FAR_PAST_RULES:
        made = as_alice.post(
            "/api/events",
            {
                "title": rule,
                "start": "1000-03-10T09:00:00",
                "end": "1000-03-10T10:00:00",
                "timezone": "Europe/Paris",
                "recurrence": rule,
            },
            format="json",
        )
        assert made.status_code == 201, made.json()
    answer, seconds = _timed(
        lambda: as_alice.get("/api/events", {"start": "2026-03-01", "end": "2026-04-12"})
    )
    assert answer.status_code == 200
    found: dict[str, int] = {}
    for item in answer.json():
        found[item["title"]] = found.get(item["title"], 0) + 1
        assert item["start"].startswith("2026-")
    assert found == FAR_PAST_RULES
    assert seconds < 0.5, seconds
