"""Events CRUD over real HTTPS: status codes, error bodies, etags, paging, Prefer headers."""

from __future__ import annotations

import pytest
from tests.graph_emulator.calendar_http import (
    ERROR,
    EVENT,
    Graph,
    attendee,
    event,
    mailboxes,
    validated,
    when,
)

__all__ = ["mailboxes"]
ADA = "ada@example.com"
PROP = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name calsync_id"


@pytest.fixture
def ada(mailboxes) -> Graph:
    return mailboxes(ADA)[0]


def test_create_get_patch_delete(ada: Graph) -> None:
    checked_events, checked_errors = validated[EVENT], validated[ERROR]
    response = ada.post(
        "/me/events",
        json=event(
            "2026-03-02T09:00:00", "2026-03-02T10:00:00", "Pacific Standard Time", "Kick-off"
        ),
        expect=201,
    )
    created = response.json()
    assert response.headers["location"].endswith(f"/events/{created['id']}")
    assert created["@odata.context"].endswith("/events/$entity")
    assert created["start"] == {"dateTime": "2026-03-02T17:00:00.0000000", "timeZone": "UTC"}
    assert created["originalStartTimeZone"] == "Pacific Standard Time"
    assert created["type"] == "singleInstance" and created["isOrganizer"] is True
    assert created["responseStatus"] == {"response": "organizer", "time": "0001-01-01T00:00:00Z"}
    assert created["@odata.etag"] == f'W/"{created["changeKey"]}"'
    assert created["organizer"]["emailAddress"]["address"] == ADA
    fetched = ada.get(f"/me/events/{created['id']}", expect=200).json()
    assert fetched["subject"] == "Kick-off" and fetched["id"] == created["id"]
    patched = ada.patch(
        f"/me/events/{created['id']}", json={"subject": "Renamed"}, expect=200
    ).json()
    assert patched["subject"] == "Renamed"
    assert patched["changeKey"] != created["changeKey"]
    assert patched["lastModifiedDateTime"] >= created["lastModifiedDateTime"]
    ada.delete(f"/me/events/{created['id']}", expect=204)
    status, code, message = ada.error(ada.get(f"/me/events/{created['id']}"))
    assert (status, code) == (404, "ErrorItemNotFound")
    assert message == "The specified object was not found in the store."
    # Every body above went through Microsoft's schema (POST, GET, PATCH; one error).
    assert validated[EVENT] - checked_events == 3
    assert validated[ERROR] - checked_errors == 1


def test_users_path_addresses_the_same_mailbox(ada: Graph) -> None:
    created = ada.post(
        f"/users/{ADA}/events", json=event("2026-03-02T09:00:00", "2026-03-02T10:00:00"), expect=201
    ).json()
    assert ada.get(f"/me/events/{created['id']}", expect=200).json()["id"] == created["id"]
    assert ada.get(f"/users/{ADA.upper()}/calendar/events/{created['id']}", expect=200)


def test_transaction_id_dedupes_to_the_first_event(ada: Graph) -> None:
    body = event("2026-03-02T09:00:00", "2026-03-02T10:00:00", transactionId="7E163156-7762-4BEB")
    first = ada.create(body)
    second = ada.post("/me/events", json={**body, "subject": "Retry"}, expect=201).json()
    assert second["id"] == first["id"] and second["subject"] == "Event"
    assert second["transactionId"] == "7E163156-7762-4BEB"
    assert len(ada.get("/me/events", expect=200).json()["value"]) == 1


def test_if_match_stale_etag_is_412(ada: Graph) -> None:
    created = ada.create(event("2026-03-02T09:00:00", "2026-03-02T10:00:00"))
    stale = created["@odata.etag"]
    fresh = ada.patch(
        f"/me/events/{created['id']}",
        json={"subject": "B"},
        headers={"If-Match": stale},
        expect=200,
    ).json()
    response = ada.patch(
        f"/me/events/{created['id']}", json={"subject": "C"}, headers={"If-Match": stale}
    )
    assert ada.error(response)[:2] == (412, "ErrorIrresolvableConflict")
    response = ada.delete(f"/me/events/{created['id']}", headers={"If-Match": stale})
    assert response.status_code == 412
    ada.delete(
        f"/me/events/{created['id']}", headers={"If-Match": fresh["@odata.etag"]}, expect=204
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "named"),
    [
        (
            event("2026-03-02T10:00:00", "2026-03-02T09:00:00"),
            400,
            "ErrorPropertyValidationFailure",
            "end",
        ),
        (
            event("2026-03-02T09:00:00", "2026-03-02T10:00:00", "Middle Earth Time"),
            400,
            "TimeZoneNotSupportedException",
            "start.timeZone",
        ),
        (
            event("2026-03-02T09:00:00", "2026-03-02T10:00:00", sensitivity="secret"),
            400,
            "RequestBodyRead",
            "sensitivity",
        ),
        (
            event("2026-03-02T09:00:00", "2026-03-02T10:00:00", subjekt="typo"),
            400,
            "RequestBodyRead",
            "subjekt",
        ),
        ({"subject": "no times"}, 400, "ErrorPropertyValidationFailure", "start"),
        (
            event("2026-03-02T09:00:00", "2026-03-02T10:00:00", attendees=[{"emailAddress": {}}]),
            400,
            "ErrorPropertyValidationFailure",
            "attendees[0].emailAddress.address",
        ),
    ],
)
def test_bad_input_is_400_naming_the_field(ada: Graph, body, status, code, named) -> None:
    response = ada.post("/me/events", json=body)
    got_status, got_code, message = ada.error(response)
    assert (got_status, got_code) == (status, code)
    assert named in message
    assert ada.get("/me/events", expect=200).json()["value"] == []


def test_body_that_is_not_json_is_400(ada: Graph) -> None:
    response = ada.post(
        "/me/events", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_malformed_and_unknown_ids(ada: Graph) -> None:
    assert ada.error(ada.get("/me/events/not-an-id"))[:2] == (400, "ErrorInvalidIdMalformed")
    created = ada.create(event("2026-03-02T09:00:00", "2026-03-02T10:00:00"))
    ada.delete(f"/me/events/{created['id']}", expect=204)
    assert ada.error(ada.patch(f"/me/events/{created['id']}", json={"subject": "x"}))[:2] == (
        404,
        "ErrorItemNotFound",
    )
    assert ada.error(ada.delete(f"/me/events/{created['id']}"))[0] == 404


def test_list_pages_by_ten_with_next_link(ada: Graph) -> None:
    for day in range(1, 13):
        ada.create(
            event(f"2026-03-{day:02d}T09:00:00", f"2026-03-{day:02d}T10:00:00", subject=f"E{day}")
        )
    first = ada.get("/me/events", expect=200).json()
    assert len(first["value"]) == 10
    assert "$skip=10" in first["@odata.nextLink"]
    second = ada.get(first["@odata.nextLink"], expect=200).json()
    assert len(second["value"]) == 2 and "@odata.nextLink" not in second
    subjects = {e["subject"] for e in first["value"] + second["value"]}
    assert subjects == {f"E{d}" for d in range(1, 13)}
    top = ada.get(
        "/me/events", params={"$top": "5", "$orderby": "start/dateTime desc"}, expect=200
    ).json()
    assert [e["subject"] for e in top["value"]] == ["E12", "E11", "E10", "E9", "E8"]


def test_select_returns_only_the_chosen_fields(ada: Graph) -> None:
    created = ada.create(event("2026-03-02T09:00:00", "2026-03-02T10:00:00"))
    selected = ada.get(
        f"/me/events/{created['id']}", params={"$select": "subject,start"}, expect=200
    ).json()
    assert set(selected) == {"@odata.context", "@odata.etag", "id", "subject", "start"}


def test_prefer_time_zone_windows_or_iana_and_immutable_id(ada: Graph) -> None:
    created = ada.create(event("2026-07-01T09:00:00", "2026-07-01T10:00:00", "Europe/Paris"))
    for zone, expected in (
        ("Pacific Standard Time", "2026-07-01T00:00:00.0000000"),
        ("Asia/Tokyo", "2026-07-01T16:00:00.0000000"),
    ):
        response = ada.get(
            f"/me/events/{created['id']}",
            headers={"Prefer": f'outlook.timezone="{zone}", IdType="ImmutableId"'},
            expect=200,
        )
        assert response.json()["start"] == {"dateTime": expected, "timeZone": zone}
        applied = response.headers["preference-applied"]
        assert f'outlook.timezone="{zone}"' in applied and 'IdType="ImmutableId"' in applied
    unknown = ada.get(
        f"/me/events/{created['id']}", headers={"Prefer": 'outlook.timezone="Nowhere"'}
    )
    assert unknown.json()["start"]["timeZone"] == "UTC"
    assert "preference-applied" not in unknown.headers


def test_all_day_event_stays_midnight_in_the_response_zone(ada: Graph) -> None:
    created = ada.create(
        event(
            "2026-11-24T00:00:00", "2026-11-26T00:00:00", "W. Europe Standard Time", isAllDay=True
        )
    )
    for zone in ("Pacific Standard Time", "Tokyo Standard Time"):
        got = ada.get(
            f"/me/events/{created['id']}", headers={"Prefer": f'outlook.timezone="{zone}"'}
        ).json()
        assert got["start"] == {"dateTime": "2026-11-24T00:00:00.0000000", "timeZone": zone}
        assert got["end"] == {"dateTime": "2026-11-26T00:00:00.0000000", "timeZone": zone}
    response = ada.post(
        "/me/events", json=event("2026-11-24T00:00:00", "2026-11-24T12:00:00", isAllDay=True)
    )
    assert ada.error(response)[1] == "ErrorPropertyValidationFailure"


def test_extended_properties_read_back_and_filter(ada: Graph) -> None:
    mine = ada.create(
        event(
            "2026-03-02T09:00:00",
            "2026-03-02T10:00:00",
            singleValueExtendedProperties=[{"id": PROP, "value": "local-42"}],
        )
    )
    ada.create(event("2026-03-03T09:00:00", "2026-03-03T10:00:00", subject="Other"))
    assert "singleValueExtendedProperties" not in mine
    expanded = ada.get(
        f"/me/events/{mine['id']}",
        params={"$expand": f"singleValueExtendedProperties($filter=id eq '{PROP}')"},
    ).json()
    assert expanded["singleValueExtendedProperties"] == [{"id": PROP, "value": "local-42"}]
    found = ada.get(
        "/me/events",
        params={
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{PROP}' "
            "and ep/value eq 'local-42')"
        },
        expect=200,
    ).json()["value"]
    assert [e["id"] for e in found] == [mine["id"]]
    none = ada.get(
        "/me/events",
        params={
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{PROP}' "
            "and ep/value eq 'nope')"
        },
        expect=200,
    ).json()["value"]
    assert none == []
    bad = ada.get("/me/events", params={"$filter": "contains(subject, 'x')"})
    assert ada.error(bad)[:2] == (400, "ErrorInvalidUrlQuery")


def test_body_text_becomes_html_unless_text_is_preferred(ada: Graph) -> None:
    created = ada.create(
        event(
            "2026-03-02T09:00:00",
            "2026-03-02T10:00:00",
            body={"contentType": "text", "content": "Agenda:\n1. <budget>"},
        )
    )
    assert created["body"]["contentType"] == "html"
    assert "&lt;budget&gt;" in created["body"]["content"]
    text = ada.get(
        f"/me/events/{created['id']}", headers={"Prefer": 'outlook.body-content-type="text"'}
    ).json()
    assert text["body"] == {"contentType": "text", "content": "Agenda:\n1. <budget>"}


def test_location_and_attendees_shapes(ada: Graph) -> None:
    created = ada.create(
        event(
            "2026-03-02T09:00:00",
            "2026-03-02T10:00:00",
            location={"displayName": "Harry's Bar"},
            attendees=[attendee("someone@elsewhere.example")],
        )
    )
    assert created["location"]["displayName"] == "Harry's Bar"
    assert created["location"]["uniqueIdType"] == "private"
    assert created["locations"][0]["displayName"] == "Harry's Bar"
    assert created["attendees"][0]["status"] == {"response": "none", "time": "0001-01-01T00:00:00Z"}
    assert created["webLink"].startswith("https://outlook.office365.com/owa/?itemid=")


def test_patch_start_only_before_end_keeps_end_and_validates(ada: Graph) -> None:
    created = ada.create(event("2026-03-02T09:00:00", "2026-03-02T10:00:00"))
    moved = ada.patch(
        f"/me/events/{created['id']}", json={"start": when("2026-03-02T09:30:00")}
    ).json()
    assert moved["start"]["dateTime"].startswith("2026-03-02T09:30")
    assert moved["end"]["dateTime"].startswith("2026-03-02T10:00")
    response = ada.patch(f"/me/events/{created['id']}", json={"start": when("2026-03-02T11:00:00")})
    assert ada.error(response)[:2] == (400, "ErrorPropertyValidationFailure")
