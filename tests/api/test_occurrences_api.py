"""Occurrence ids on the event URLs: GET reads, PATCH makes an exception, DELETE cancels."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from calsync.calendars.models import CancelledOccurrence, Event

from .conftest import WINDOW, weekly_series

pytestmark = pytest.mark.django_db


def _window(client: APIClient) -> list[dict]:
    answer = client.get("/api/events", WINDOW)
    assert answer.status_code == 200
    return answer.json()


def test_get_an_occurrence_by_its_id(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    occurrence_id = f"{series['id']}.20260330T070000Z"
    body = as_alice.get(f"/api/events/{occurrence_id}").json()
    assert body["id"] == occurrence_id
    assert (body["start"], body["end"]) == (
        "2026-03-30T09:00:00+02:00",
        "2026-03-30T10:00:00+02:00",
    )
    assert body["series_id"] == series["id"]
    assert body["editable"] is True


@pytest.mark.parametrize(
    "suffix",
    [".20260330T080000Z", ".20260331T070000Z", ".20260330T070000", ".2026-03-30", "x"],
)
def test_ids_that_are_not_occurrences_are_404(as_alice: APIClient, suffix: str) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    answer = as_alice.get(f"/api/events/{series['id']}{suffix}")
    assert answer.status_code == 404
    assert answer.json()["detail"]
    assert (
        as_alice.patch(
            f"/api/events/{series['id']}{suffix}", {"title": "x"}, format="json"
        ).status_code
        == 404
    )
    assert as_alice.delete(f"/api/events/{series['id']}{suffix}").status_code == 404


def test_occurrence_ids_of_a_single_event_are_404(as_alice: APIClient) -> None:
    single = as_alice.post(
        "/api/events", {**weekly_series(), "recurrence": None}, format="json"
    ).json()
    assert as_alice.get(f"/api/events/{single['id']}.20260316T080000Z").status_code == 404


def test_patch_an_occurrence_makes_a_stable_exception(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    occurrence_id = f"{series['id']}.20260323T080000Z"
    moved = as_alice.patch(
        f"/api/events/{occurrence_id}",
        {"start": "2026-03-24T14:00:00", "title": "Moved to Tuesday"},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    exception = moved.json()
    assert isinstance(exception["id"], int)
    assert exception["series_id"] == series["id"]
    assert exception["original_start"] == "2026-03-23T09:00:00+01:00"
    assert (exception["start"], exception["end"]) == (
        "2026-03-24T14:00:00+01:00",
        "2026-03-24T15:00:00+01:00",
    )
    # the occurrence id now leads to the exception, and a second PATCH changes that one
    assert as_alice.get(f"/api/events/{occurrence_id}").json()["id"] == exception["id"]
    again = as_alice.patch(f"/api/events/{occurrence_id}", {"location": "B"}, format="json")
    assert again.json()["id"] == exception["id"]
    assert Event.objects.filter(series_id=series["id"]).count() == 1
    listed = _window(as_alice)
    assert [e["title"] for e in listed].count("Moved to Tuesday") == 1
    assert occurrence_id not in [e["id"] for e in listed]
    assert exception["id"] in [e["id"] for e in listed]
    # the series itself is untouched
    assert as_alice.get(f"/api/events/{series['id']}").json()["version"] == 1


def test_patch_on_an_occurrence_cannot_set_a_rule(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    answer = as_alice.patch(
        f"/api/events/{series['id']}.20260323T080000Z",
        {"recurrence": "FREQ=DAILY"},
        format="json",
    )
    assert answer.status_code == 400
    assert "recurrence" in answer.json()
    assert not Event.objects.filter(series_id=series["id"]).exists()


def test_delete_an_occurrence_cancels_only_that_one(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    occurrence_id = f"{series['id']}.20260330T070000Z"
    count = len(_window(as_alice))
    assert as_alice.delete(f"/api/events/{occurrence_id}").status_code == 204
    listed = _window(as_alice)
    assert len(listed) == count - 1
    assert occurrence_id not in [e["id"] for e in listed]
    assert as_alice.get(f"/api/events/{occurrence_id}").status_code == 404
    assert as_alice.delete(f"/api/events/{occurrence_id}").status_code == 404
    assert CancelledOccurrence.objects.count() == 1


def test_delete_an_exception_cancels_its_occurrence(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    occurrence_id = f"{series['id']}.20260330T070000Z"
    exception = as_alice.patch(
        f"/api/events/{occurrence_id}", {"title": "Special"}, format="json"
    ).json()
    assert as_alice.delete(f"/api/events/{exception['id']}").status_code == 204
    ids = [e["id"] for e in _window(as_alice)]
    assert exception["id"] not in ids
    assert occurrence_id not in ids


def test_archive_an_occurrence_hides_just_it(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    occurrence_id = f"{series['id']}.20260330T070000Z"
    archived = as_alice.post(f"/api/events/{occurrence_id}/archive")
    assert archived.status_code == 200
    assert archived.json()["active"] is False
    ids = [e["id"] for e in _window(as_alice)]
    assert occurrence_id not in ids
    assert f"{series['id']}.20260323T080000Z" in ids
    restored = as_alice.post(f"/api/events/{archived.json()['id']}/unarchive")
    assert restored.json()["active"] is True
    assert archived.json()["id"] in [e["id"] for e in _window(as_alice)]


def test_series_verbs_on_the_series_id(as_alice: APIClient) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    exception = as_alice.patch(
        f"/api/events/{series['id']}.20260316T080000Z", {"title": "First"}, format="json"
    ).json()
    as_alice.delete(f"/api/events/{series['id']}.20260323T080000Z")
    later = as_alice.patch(
        f"/api/events/{series['id']}", {"start": "2026-03-16T10:00:00"}, format="json"
    )
    assert later.status_code == 200
    assert later.json()["end"] == "2026-03-16T11:00:00+01:00"
    listed = _window(as_alice)
    # as in Outlook, the exception and the cancellation stay on their dates (the exception
    # at its own time), the other occurrences move to the new time
    assert {e["start"][11:16] for e in listed if e["id"] != exception["id"]} == {"10:00"}
    kept = next(e for e in listed if e["id"] == exception["id"])
    assert (kept["title"], kept["start"]) == ("First", "2026-03-16T09:00:00+01:00")
    assert [c.isoformat() for c in CancelledOccurrence.objects.values_list(
        "original_start", flat=True)] == ["2026-03-23T09:00:00+00:00"]  # fmt: skip
    assert as_alice.delete(f"/api/events/{series['id']}").status_code == 204
    assert _window(as_alice) == []


def test_all_day_series_occurrences_are_dates(as_alice: APIClient) -> None:
    series = as_alice.post(
        "/api/events",
        {
            "title": "Holiday",
            "all_day": True,
            "start": "2026-03-20",
            "end": "2026-03-21",
            "timezone": "Europe/Paris",
            "recurrence": "FREQ=WEEKLY;COUNT=3",
        },
        format="json",
    ).json()
    listed = _window(as_alice)
    assert [(e["start"], e["end"]) for e in listed] == [
        ("2026-03-20", "2026-03-21"),
        ("2026-03-27", "2026-03-28"),
        ("2026-04-03", "2026-04-04"),
    ]
    assert listed[2]["id"] == f"{series['id']}.20260402T220000Z"
    moved = as_alice.patch(
        f"/api/events/{listed[2]['id']}", {"start": "2026-04-06"}, format="json"
    ).json()
    assert (moved["start"], moved["end"], moved["original_start"]) == (
        "2026-04-06",
        "2026-04-07",
        "2026-04-03",
    )


def test_archiving_a_series_hides_its_exceptions_but_not_other_events(
    as_alice: APIClient,
) -> None:
    series = as_alice.post("/api/events", weekly_series(), format="json").json()
    exception = as_alice.patch(
        f"/api/events/{series['id']}.20260323T080000Z", {"title": "Moved"}, format="json"
    ).json()
    single = as_alice.post(
        "/api/events",
        {"title": "Single", "start": "2026-03-18T12:00:00Z", "end": "2026-03-18T13:00:00Z"},
        format="json",
    ).json()
    as_alice.post(f"/api/events/{series['id']}/archive")
    assert [e["id"] for e in _window(as_alice)] == [single["id"]]
    assert [e["id"] for e in as_alice.get("/api/events").json()] == [single["id"]]
    with_archived = as_alice.get("/api/events", {**WINDOW, "archived": "1"}).json()
    assert exception["id"] in [e["id"] for e in with_archived]
    assert as_alice.get(f"/api/events/{exception['id']}").json()["active"] is False


def test_listing_cost_does_not_grow_with_the_number_of_events(
    as_alice: APIClient, django_assert_max_num_queries
) -> None:
    for day in range(1, 29):
        as_alice.post(
            "/api/events",
            {
                "title": f"Day {day}",
                "start": f"2026-03-{day:02}T12:00:00Z",
                "end": f"2026-03-{day:02}T13:00:00Z",
                "attendees": [{"email": f"p{day}@example.com"}],
            },
            format="json",
        )
    for hour in range(8, 12):
        series = as_alice.post(
            "/api/events",
            weekly_series(
                start=f"2026-03-16T{hour:02}:00:00",
                end=f"2026-03-16T{hour:02}:30:00",
                attendees=[{"email": "bob@example.com"}],
            ),
            format="json",
        ).json()
        as_alice.patch(
            f"/api/events/{series['id']}.20260323T080000Z".replace(
                "T080000Z", f"T{hour - 1:02}0000Z"
            ),
            {"title": "x"},
            format="json",
        )
    with django_assert_max_num_queries(13):  # one of them reads the reader's addresses
        listed = as_alice.get("/api/events", WINDOW).json()
    assert len(listed) == 28 + 4 * 7
