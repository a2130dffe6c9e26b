"""Mailbox aliases and answers to one occurrence, over HTTPS.

Aliases: ``POST /_emulator/users`` takes ``"aliases"``; ``/me?$select=proxyAddresses``
lists them as Exchange does (``SMTP:`` the primary, ``smtp:`` each alias); an invitation
to an alias reaches the mailbox, and the answer from it reaches the organizer.
One occurrence: an answer to an occurrence id answers that occurrence only, on both sides.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.graph_emulator.calendar_http import Graph, attendee, event, schema_errors
from tests.graph_emulator.test_user_subscription_schema import USER

from graph_emulator.testing import EmulatorServer

ADA, BOB = "ada@example.com", "bob@example.com"
BOB_ALIAS = "robert@contoso.example"


@pytest.fixture
def pair(emulator: EmulatorServer) -> Any:
    emulator.add_user(ADA, "Ada")
    emulator.add_user(BOB, "Bob", aliases=[BOB_ALIAS, "bob.smith@contoso.example"])
    ada, bob = Graph(emulator, ADA), Graph(emulator, BOB)
    yield ada, bob
    ada.close()
    bob.close()


def copy_in(client: Graph, ical_uid: str) -> dict[str, Any] | None:
    listed = client.get("/me/events", params={"$top": "100"}).json()["value"]
    return next((e for e in listed if e["iCalUId"] == ical_uid), None)


def test_me_lists_the_proxy_addresses_only_when_selected(
    emulator: EmulatorServer, http: httpx.Client, pair: Any
) -> None:
    headers = {"Authorization": f"Bearer {emulator.token_for(BOB)}"}
    plain = http.get(f"{emulator.graph_url}/me", headers=headers).json()
    assert "proxyAddresses" not in plain
    picked = http.get(
        f"{emulator.graph_url}/me",
        params={"$select": "mail,userPrincipalName,proxyAddresses"},
        headers=headers,
    ).json()
    assert picked["proxyAddresses"] == [
        f"SMTP:{BOB}",
        f"smtp:{BOB_ALIAS}",
        "smtp:bob.smith@contoso.example",
    ]
    assert (picked["mail"], picked["userPrincipalName"]) == (BOB, BOB)
    assert "displayName" not in picked
    assert schema_errors(USER, picked) == []
    listed = {u["email"]: u["aliases"] for u in emulator.users()}
    assert listed[BOB] == [BOB_ALIAS, "bob.smith@contoso.example"]


def test_an_address_belongs_to_one_mailbox(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.add_user(BOB, "Bob", aliases=[BOB_ALIAS])
    url = f"{emulator.url}/_emulator/users"
    taken = http.post(url, json={"email": "x@example.com", "name": "X", "password": "p",
                                 "aliases": [BOB_ALIAS.upper()]})  # fmt: skip
    assert taken.status_code == 409
    assert taken.json()["error"]["field"] == "aliases"
    primary = http.post(url, json={"email": BOB_ALIAS, "name": "X", "password": "p"})
    assert primary.status_code == 409
    bad = http.post(url, json={"email": "y@example.com", "name": "Y", "password": "p",
                               "aliases": "y2@example.com"})  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "aliases"


def test_an_invitation_to_an_alias_arrives_and_its_answer_returns(
    emulator: EmulatorServer, pair: Any
) -> None:
    ada, bob = pair
    meeting = ada.create(
        event("2026-03-02T09:00:00", "2026-03-02T10:00:00", subject="Plan",
              attendees=[attendee(BOB_ALIAS)])
    )  # fmt: skip
    copy = copy_in(bob, meeting["iCalUId"])
    assert copy is not None and copy["isOrganizer"] is False
    emulator.clear_outbox()
    bob.post(f"/me/events/{copy['id']}/tentativelyAccept", json={}, expect=202)
    tracked = ada.get(f"/me/events/{meeting['id']}").json()["attendees"]
    assert [(a["emailAddress"]["address"], a["status"]["response"]) for a in tracked] == [
        (BOB_ALIAS, "tentativelyAccepted")
    ]
    assert [(m["kind"], m["from"], m["to"]) for m in emulator.outbox()] == [
        ("response", BOB, [ADA])
    ]


def weekly(ada: Graph, *who: str) -> dict[str, Any]:
    body = event(
        "2026-03-02T09:00:00",
        "2026-03-02T10:00:00",
        subject="Stand-up",
        attendees=[attendee(a) for a in who],
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            "range": {"type": "numbered", "startDate": "2026-03-02", "numberOfOccurrences": 4},
        },
    )
    return ada.create(body)


def occurrences(client: Graph, master_id: str) -> list[dict[str, Any]]:
    params = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-04-01T00:00:00Z"}
    return client.get(f"/me/events/{master_id}/instances", params=params).json()["value"]


def test_declining_one_occurrence_removes_it_there_only(
    emulator: EmulatorServer, pair: Any
) -> None:
    ada, bob = pair
    series = weekly(ada, BOB)
    copy = copy_in(bob, series["iCalUId"])
    assert copy is not None
    second = occurrences(bob, copy["id"])[1]
    emulator.clear_outbox()
    bob.post(f"/me/events/{second['id']}/decline", json={"comment": "away"}, expect=202)
    left = [o["start"]["dateTime"][:10] for o in occurrences(bob, copy["id"])]
    assert left == ["2026-03-02", "2026-03-16", "2026-03-23"]
    assert bob.get(f"/me/events/{copy['id']}").json()["responseStatus"]["response"] == (
        "notResponded"
    )
    organizer = occurrences(ada, series["id"])
    assert [o["type"] for o in organizer] == ["occurrence", "exception", "occurrence", "occurrence"]
    assert organizer[1]["attendees"][0]["status"]["response"] == "declined"
    assert organizer[0]["attendees"][0]["status"]["response"] == "none"
    assert [(m["kind"], m["response"], m["comment"]) for m in emulator.outbox()] == [
        ("response", "declined", "away")
    ]
    # the organizer's change of the series reaches the copy; the declined day stays away
    ada.patch(f"/me/events/{series['id']}", json={"subject": "Daily sync"}, expect=200)
    left = [o["start"]["dateTime"][:10] for o in occurrences(bob, copy["id"])]
    assert left == ["2026-03-02", "2026-03-16", "2026-03-23"]


def test_accepting_one_occurrence_answers_it_alone(emulator: EmulatorServer, pair: Any) -> None:
    ada, bob = pair
    series = weekly(ada, BOB_ALIAS)
    copy = copy_in(bob, series["iCalUId"])
    assert copy is not None
    third = occurrences(bob, copy["id"])[2]
    bob.post(f"/me/events/{third['id']}/accept", json={}, expect=202)
    mine = occurrences(bob, copy["id"])
    assert [o["responseStatus"]["response"] for o in mine] == [
        "notResponded", "notResponded", "accepted", "notResponded"
    ]  # fmt: skip
    assert mine[2]["type"] == "exception" and mine[2]["showAs"] == "busy"
    ada.patch(f"/me/events/{series['id']}", json={"subject": "Daily sync"}, expect=200)
    renamed = occurrences(bob, copy["id"])
    assert {o["subject"] for o in renamed} == {"Daily sync"}
    assert renamed[2]["responseStatus"]["response"] == "accepted"
    tracked = occurrences(ada, series["id"])[2]["attendees"][0]["status"]["response"]
    assert tracked == "accepted"


def test_declined_days_survive_a_restart(emulator: EmulatorServer, pair: Any) -> None:
    ada, bob = pair
    series = weekly(ada, BOB)
    copy = copy_in(bob, series["iCalUId"])
    assert copy is not None
    first = occurrences(bob, copy["id"])[0]
    bob.post(f"/me/events/{first['id']}/decline", json={}, expect=202)
    state = emulator.world.to_state()
    emulator.world.load_state(state)
    assert len(occurrences(Graph(emulator, BOB), copy["id"])) == 3
    mailbox = emulator.world.calendars.mailbox_by_address(BOB_ALIAS)
    assert mailbox is not None and mailbox.address == BOB
