"""calendarView over HTTPS: expansion, window rules, ordering, paging."""

from __future__ import annotations

import pytest
from tests.graph_emulator.calendar_http import Graph, event, mailboxes

__all__ = ["mailboxes"]


@pytest.fixture
def ada(mailboxes) -> Graph:
    return mailboxes("ada@example.com")[0]


def view(ada: Graph, start: str, end: str, **kwargs) -> dict:
    return ada.get(
        "/me/calendarView",
        params={"startDateTime": start, "endDateTime": end, **kwargs.pop("params", {})},
        expect=200,
        **kwargs,
    ).json()


def test_view_expands_series_and_orders_by_start(ada: Graph) -> None:
    ada.create(event("2026-02-03T12:00:00", "2026-02-03T13:00:00", subject="Lunch"))
    ada.create(event("2026-05-01T12:00:00", "2026-05-01T13:00:00", subject="Outside"))
    master = ada.create(
        event(
            "2026-02-02T09:00:00",
            "2026-02-02T10:00:00",
            subject="Daily",
            recurrence={
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "numbered", "startDate": "2026-02-02", "numberOfOccurrences": 3},
            },
        )
    )
    got = view(ada, "2026-02-01T00:00:00Z", "2026-02-10T00:00:00Z")["value"]
    assert [(e["subject"], e["type"]) for e in got] == [
        ("Daily", "occurrence"),
        ("Daily", "occurrence"),
        ("Lunch", "singleInstance"),
        ("Daily", "occurrence"),
    ]
    assert all(e["type"] != "seriesMaster" for e in got)
    assert {e.get("seriesMasterId") for e in got} == {master["id"], None}


def test_window_offsets_are_honoured_and_prefer_only_changes_output(ada: Graph) -> None:
    ada.create(event("2026-02-03T08:30:00", "2026-02-03T09:00:00"))  # 08:30Z = 10:30+02:00
    inside = view(
        ada,
        "2026-02-03T10:00:00+02:00",
        "2026-02-03T11:00:00+02:00",
        headers={"Prefer": 'outlook.timezone="Tokyo Standard Time"'},
    )["value"]
    assert len(inside) == 1
    assert inside[0]["start"] == {
        "dateTime": "2026-02-03T17:30:00.0000000",
        "timeZone": "Tokyo Standard Time",
    }
    # Without an offset the window is UTC: 10:00-11:00Z does not hold 08:30Z.
    assert view(ada, "2026-02-03T10:00:00", "2026-02-03T11:00:00")["value"] == []


@pytest.mark.parametrize(
    "params",
    [{}, {"startDateTime": "2026-02-01T00:00:00Z"}, {"endDateTime": "2026-02-01T00:00:00Z"}],
)
def test_both_bounds_are_required(ada: Graph, params: dict) -> None:
    status, code, message = ada.error(ada.get("/me/calendarView", params=params))
    assert (status, code) == (400, "ErrorInvalidParameter")
    assert "StartDateTime and EndDateTime" in message


def test_bad_bound_is_400(ada: Graph) -> None:
    response = ada.get(
        "/me/calendarView", params={"startDateTime": "yesterday", "endDateTime": "today"}
    )
    assert ada.error(response)[:2] == (400, "ErrorInvalidParameter")


def test_view_pages_by_ten(ada: Graph) -> None:
    for day in range(1, 16):
        ada.create(
            event(f"2026-02-{day:02d}T09:00:00", f"2026-02-{day:02d}T10:00:00", subject=f"D{day}")
        )
    first = view(ada, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
    assert len(first["value"]) == 10
    second = ada.get(first["@odata.nextLink"], expect=200).json()
    assert [e["subject"] for e in first["value"] + second["value"]] == [
        f"D{d}" for d in range(1, 16)
    ]
    calendar_path = ada.get(
        "/me/calendar/calendarView",
        params={
            "startDateTime": "2026-02-01T00:00:00Z",
            "endDateTime": "2026-03-01T00:00:00Z",
            "$top": "20",
        },
    ).json()
    assert len(calendar_path["value"]) == 15


def test_all_day_and_zero_length_events_at_the_edges(ada: Graph) -> None:
    ada.create(
        event("2026-02-03T00:00:00", "2026-02-04T00:00:00", isAllDay=True, subject="Holiday")
    )
    ada.create(event("2026-02-05T09:00:00", "2026-02-05T09:00:00", subject="Reminder"))
    subjects = [
        e["subject"] for e in view(ada, "2026-02-04T00:00:00Z", "2026-02-06T00:00:00Z")["value"]
    ]
    assert subjects == ["Reminder"]  # the all-day event ends exactly at the window's start
    subjects = [
        e["subject"] for e in view(ada, "2026-02-03T23:00:00Z", "2026-02-06T00:00:00Z")["value"]
    ]
    assert subjects == ["Holiday", "Reminder"]


def test_max_page_size_bounds_list_pages(ada: Graph) -> None:
    for day in range(1, 8):
        ada.create(event(f"2026-02-{day:02d}T09:00:00", f"2026-02-{day:02d}T10:00:00"))
    response = ada.get(
        "/me/calendarView",
        params={"startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-03-01T00:00:00Z"},
        headers={"Prefer": "odata.maxpagesize=3"},
        expect=200,
    )
    assert len(response.json()["value"]) == 3
    assert "odata.maxpagesize=3" in response.headers["preference-applied"]
    assert "$skip=3" in response.json()["@odata.nextLink"]
