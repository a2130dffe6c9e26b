"""Over real HTTP: hostile requests get a 4xx within a second while another user's calendar
listing stays quick, measured at the same time.

Before, eight parallel POSTs of a rule that never yields held the SQLite write lock for 7 s
each (another user got a 500 "database is locked"), JSON nested 5,000 deep and an
out-of-range occurrence id were 500s, and a five-year window of fifty daily series was
94,466 items (51 MB).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from calsync.accounts.models import User
from calsync.calendars import actions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-hostile"
NEVER = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=1"
SERIES = {
    "title": "x",
    "start": "2026-03-02T09:00:00",
    "end": "2026-03-02T10:00:00",
    "timezone": "Europe/Paris",
}


@pytest.fixture
def clients(live_server: Any) -> Iterator[dict[str, httpx.Client]]:
    """Token clients of the API for a hostile user (with fifty daily series) and a victim
    (with a weekly series)."""
    made: dict[str, httpx.Client] = {}
    for name in ("mallory", "victim"):
        User.objects.create_user(email=f"{name}@example.com", password=PASSWORD, name=name)
        client = httpx.Client(base_url=live_server.url, trust_env=False, timeout=30)
        token = client.post(
            "/api/token", json={"email": f"{name}@example.com", "password": PASSWORD}
        )
        token.raise_for_status()
        client.headers["Authorization"] = f"Token {token.json()['token']}"
        made[name] = client
    mallory = User.objects.get(email="mallory@example.com")
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    for number in range(50):
        actions.do_create_event(
            mallory,
            {
                "title": f"Daily {number}",
                "start": start,
                "end": start + timedelta(minutes=30),
                "timezone": "Europe/Paris",
                "recurrence": "FREQ=DAILY",
            },
        )
    victim = made["victim"].post(
        "/api/events", json={**SERIES, "recurrence": "FREQ=WEEKLY;BYDAY=MO"}
    )
    assert victim.status_code == 201
    yield made
    for client in made.values():
        client.close()


def _hostile_requests(mallory: httpx.Client) -> list[tuple[str, Any]]:
    """(name, request) pairs; each request returns an httpx.Response."""
    deep = "[" * 5000 + "]" * 5000
    first = mallory.get("/api/events", params={"start": "2026-01-01", "end": "2026-01-02"})
    series_id = first.json()[0]["series_id"]
    requests: list[tuple[str, Any]] = [
        (
            f"rule that never yields #{n}",
            lambda: mallory.post("/api/events", json={**SERIES, "recurrence": NEVER}),
        )
        for n in range(8)
    ]
    requests += [
        (
            "JSON nested 5,000 deep",
            lambda: mallory.post(
                "/api/events", content=deep, headers={"Content-Type": "application/json"}
            ),
        ),
        (
            "occurrence id in the year 1",
            lambda: mallory.patch(f"/api/events/{series_id}.00010101T000000Z", json={"title": "x"}),
        ),
        (
            "occurrence id in the year 9999",
            lambda: mallory.get(f"/api/events/{series_id}.99991231T235959Z"),
        ),
        (
            "five years of fifty daily series",
            lambda: mallory.get("/api/events", params={"start": "2026-01-01", "end": "2030-12-31"}),
        ),
        (
            "window bound out of range",
            lambda: mallory.get("/api/events", params={"start": "0001-01-01", "end": "2026-01-01"}),
        ),
    ]
    return requests


def test_hostile_requests_are_quick_4xx_while_another_user_reads(
    clients: dict[str, httpx.Client],
) -> None:
    mallory, victim = clients["mallory"], clients["victim"]
    hostile = _hostile_requests(mallory)
    results: dict[str, tuple[int, float, str]] = {}
    victim_times: list[float] = []
    done = threading.Event()

    def send(name: str, request: Any) -> None:
        began = time.perf_counter()
        answer = request()
        results[name] = (answer.status_code, time.perf_counter() - began, answer.text[:200])

    def read_as_victim() -> None:
        while not done.is_set() or len(victim_times) < 10:
            began = time.perf_counter()
            answer = victim.get("/api/events", params={"start": "2026-03-01", "end": "2026-04-12"})
            victim_times.append(time.perf_counter() - began)
            assert answer.status_code == 200 and len(answer.json()) == 6
            if len(victim_times) > 200:
                break

    reader = threading.Thread(target=read_as_victim)
    reader.start()
    senders = [threading.Thread(target=send, args=item) for item in hostile]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=30)
    done.set()
    reader.join(timeout=30)

    assert set(results) == {name for name, _request in hostile}
    for name, (status, seconds, body) in results.items():
        assert 400 <= status < 500, (name, status, body)
        assert seconds < 1, (name, seconds)
    assert victim_times, "the victim's reads did not run"
    assert max(victim_times) < 0.3, (max(victim_times), statistics.median(victim_times))
