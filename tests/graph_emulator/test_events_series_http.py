"""Series over HTTPS: masters, /instances, exceptions, cancelled occurrences, re-expansion."""

from __future__ import annotations

import pytest
from tests.graph_emulator.calendar_http import Graph, event, mailboxes, when

__all__ = ["mailboxes"]
WINDOW = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-03-01T00:00:00Z"}
WEEKLY = {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}


@pytest.fixture
def ada(mailboxes) -> Graph:
    return mailboxes("ada@example.com")[0]


def series(ada: Graph, count: int = 5, zone: str = "UTC") -> dict:
    return ada.create(
        event(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            zone,
            "Standup",
            recurrence={
                "pattern": WEEKLY,
                "range": {
                    "type": "numbered",
                    "startDate": "2026-01-05",
                    "numberOfOccurrences": count,
                },
            },
        )
    )


def instances(ada: Graph, master_id: str, **params) -> list[dict]:
    return ada.get(
        f"/me/events/{master_id}/instances", params={**WINDOW, **params}, expect=200
    ).json()["value"]


def test_master_and_occurrences(ada: Graph) -> None:
    master = series(ada)
    assert master["type"] == "seriesMaster"
    assert master["recurrence"]["range"]["numberOfOccurrences"] == 5
    assert master["recurrence"]["range"]["recurrenceTimeZone"] == "UTC"
    found = instances(ada, master["id"])
    assert [o["type"] for o in found] == ["occurrence"] * 5
    assert len({o["id"] for o in found}) == 5
    assert len({o["iCalUId"] for o in found} | {master["iCalUId"]}) == 6
    assert {o["seriesMasterId"] for o in found} == {master["id"]}
    assert found[2]["originalStart"] == "2026-01-19T09:00:00Z"
    assert found[2]["recurrence"] is None
    one = ada.get(f"/me/events/{found[2]['id']}", expect=200).json()
    assert one["id"] == found[2]["id"] and one["type"] == "occurrence"
    listed = ada.get("/me/events", expect=200).json()["value"]
    assert [e["type"] for e in listed] == ["seriesMaster"]


def test_patch_occurrence_makes_exception_and_delete_cancels(ada: Graph) -> None:
    master = series(ada)
    found = instances(ada, master["id"])
    changed = ada.patch(
        f"/me/events/{found[1]['id']}",
        json={
            "subject": "Moved standup",
            "start": when("2026-01-13T11:00:00"),
            "end": when("2026-01-13T12:00:00"),
        },
        expect=200,
    ).json()
    assert changed["type"] == "exception" and changed["id"] == found[1]["id"]
    ada.delete(f"/me/events/{found[3]['id']}", expect=204)
    after = instances(ada, master["id"])
    assert [(o["type"], o["subject"]) for o in after] == [
        ("occurrence", "Standup"),
        ("exception", "Moved standup"),
        ("occurrence", "Standup"),
        ("occurrence", "Standup"),
    ]
    assert ada.error(ada.get(f"/me/events/{found[3]['id']}"))[:2] == (404, "ErrorItemNotFound")
    selected = ada.get(
        f"/me/events/{master['id']}", params={"$select": "subject,cancelledOccurrences"}
    ).json()
    assert selected["cancelledOccurrences"] == [f"OID.{master['id']}.2026-01-26"]
    assert "cancelledOccurrences" not in ada.get(f"/me/events/{master['id']}").json()
    expanded = ada.get(
        f"/me/events/{master['id']}",
        params={"$select": "subject", "$expand": "exceptionOccurrences"},
    ).json()
    assert [e["id"] for e in expanded["exceptionOccurrences"]] == [found[1]["id"]]


def test_occurrence_cannot_cross_its_neighbours(ada: Graph) -> None:
    master = series(ada)
    second = instances(ada, master["id"])[1]
    response = ada.patch(
        f"/me/events/{second['id']}",
        json={"start": when("2026-01-05T11:00:00"), "end": when("2026-01-05T12:00:00")},
    )
    assert ada.error(response)[:2] == (400, "ErrorOccurrenceCrossingBoundary")


def test_patching_the_master_rule_re_expands_and_drops_misfits(ada: Graph) -> None:
    master = series(ada)
    found = instances(ada, master["id"])
    ada.patch(f"/me/events/{found[1]['id']}", json={"subject": "Special"}, expect=200)
    ada.patch(
        f"/me/events/{master['id']}",
        json={
            "start": when("2026-01-07T09:00:00"),
            "end": when("2026-01-07T10:00:00"),
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["wednesday"]},
                "range": {"type": "endDate", "startDate": "2026-01-07", "endDate": "2026-01-28"},
            },
        },
        expect=200,
    )
    after = instances(ada, master["id"])
    assert [o["start"]["dateTime"][:10] for o in after] == [
        "2026-01-07",
        "2026-01-14",
        "2026-01-21",
        "2026-01-28",
    ]
    assert {o["type"] for o in after} == {"occurrence"}
    assert ada.get(f"/me/events/{found[1]['id']}").status_code == 404


def test_master_wall_time_change_moves_every_occurrence(ada: Graph) -> None:
    master = series(ada, zone="Eastern Standard Time")
    ada.patch(
        f"/me/events/{master['id']}",
        json={
            "start": when("2026-01-05T14:00:00", "Eastern Standard Time"),
            "end": when("2026-01-05T15:00:00", "Eastern Standard Time"),
        },
        expect=200,
    )
    after = ada.get(
        f"/me/events/{master['id']}/instances",
        params=WINDOW,
        headers={"Prefer": 'outlook.timezone="Eastern Standard Time"'},
    ).json()["value"]
    assert {o["start"]["dateTime"][11:16] for o in after} == {"14:00"}


def test_instances_needs_a_window(ada: Graph) -> None:
    master = series(ada)
    response = ada.get(
        f"/me/events/{master['id']}/instances", params={"startDateTime": "2026-01-01T00:00:00Z"}
    )
    status, code, message = ada.error(response)
    assert (status, code) == (400, "ErrorInvalidParameter") and "EndDateTime" in message


def test_no_end_series_has_no_occurrence_cap(ada: Graph) -> None:
    master = ada.create(
        event(
            "2026-01-05T09:00:00",
            "2026-01-05T09:15:00",
            subject="Daily",
            recurrence={
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "noEnd", "startDate": "2026-01-05"},
            },
        )
    )
    far = ada.get(
        f"/me/events/{master['id']}/instances",
        params={
            "startDateTime": "2099-12-01T00:00:00Z",
            "endDateTime": "2100-01-01T00:00:00Z",
            "$top": "100",
        },
    ).json()["value"]
    assert len(far) == 31


def test_recurrence_validation_names_the_property(ada: Graph) -> None:
    response = ada.post(
        "/me/events",
        json=event(
            "2026-01-05T09:00:00",
            "2026-01-05T10:00:00",
            recurrence={"pattern": WEEKLY, "range": {"type": "noEnd", "startDate": "2026-01-06"}},
        ),
    )
    status, _code, message = ada.error(response)
    assert status == 400 and "recurrence.range.startDate" in message
