"""Meetings as Outlook treats them, with two and three calsync users over real HTTPS.

Bob's mailbox address (``bob@contoso.test``) is not his login; Carol is invited by an alias
of her mailbox. Meetings are organised here (through the API) and in Outlook (through
Graph); every user syncs their own mailbox, in varying orders. After each step the test
reads both sides: calsync through the API as each user sees it, Outlook through Graph, and
the emulator's outbox, which must hold exactly the mails Outlook would send.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.calendars import people
from calsync.calendars.models import Attendee, Event
from calsync.outlook.sync.run import SyncSummary, run_sync

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BOB_MAILBOX = "bob@contoso.test"
CAROL_ALIAS = "carol.tran@contoso.test"
DAILY = "FREQ=DAILY;COUNT=5"


@pytest.fixture
def team(emulator: Any, settings: Any) -> tuple[SyncWorld, SyncWorld, SyncWorld]:
    alice = SyncWorld(emulator, "alice@contoso.test", "Alice")
    bob = SyncWorld(emulator, "bob@example.test", "Bob", mailbox=BOB_MAILBOX)
    carol = SyncWorld(emulator, "carol@contoso.test", "Carol", aliases=(CAROL_ALIAS,))
    return alice, bob, carol


def sync(*worlds: SyncWorld) -> list[SyncSummary]:
    summaries = [world.sync() for world in worlds]
    for world, summary in zip(worlds, summaries, strict=True):
        assert summary.ok, (world.email, summary.errors)
        assert summary.conflicts == 0, (world.email, summary.conflict_details)
    return summaries


def mails(emulator: Any) -> list[tuple[Any, ...]]:
    return [
        (m["kind"], m["from"], tuple(sorted(m["to"])), m.get("response")) for m in emulator.outbox()
    ]


def attendee(address: str) -> dict[str, Any]:
    return {"emailAddress": {"address": address}, "type": "required"}


def read(world: SyncWorld, ref: Any) -> dict[str, Any]:
    answer = world.api().get(f"/api/events/{ref}")
    assert answer.status_code == 200, (world.email, answer.content)
    return answer.json()


def listed(world: SyncWorld, **params: str) -> list[dict[str, Any]]:
    window = {"start": at(-1).isoformat(), "end": at(30).isoformat(), **params}
    answer = world.api().get("/api/events", window)
    assert answer.status_code == 200, answer.content
    return answer.json()


def outlook_copy(world: SyncWorld, ical_uid: str) -> dict[str, Any] | None:
    found = [e for e in world.outlook_events() if e["iCalUId"] == ical_uid]
    assert len(found) <= 1, found
    return found[0] if found else None


def status_of(event_json: dict[str, Any], address: str) -> str:
    return next(a for a in event_json["attendees"] if a["email"] == address)["status"]


def graph_status(outlook_event: dict[str, Any], address: str) -> str:
    return next(
        a["status"]["response"]
        for a in outlook_event["attendees"]
        if a["emailAddress"]["address"].lower() == address
    )


def organise_here(bob: SyncWorld, *, series: bool = False, **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Stand-up",
        "start": at(2, 9).isoformat(),
        "end": at(2, 9, 30).isoformat(),
        "timezone": "Europe/Paris",
        "attendees": [{"email": "alice@contoso.test"}, {"email": CAROL_ALIAS}],
        **({"recurrence": DAILY} if series else {}),
        **extra,
    }
    answer = bob.api().post("/api/events", body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def meeting_row() -> Event:
    rows = list(Event.objects.filter(series__isnull=True))
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize("order", ["attendees first", "organiser first"])
def test_every_participant_reads_their_copy_whoever_synced_first(
    team: tuple[SyncWorld, ...], emulator: Any, order: str
) -> None:
    alice, bob, carol = team
    created = bob.outlook_create(
        {
            "subject": "Customer call",
            "start": graph_time(at(3, 9)),
            "end": graph_time(at(3, 10)),
            "attendees": [attendee(alice.mailbox), attendee(CAROL_ALIAS)],
        }
    )
    invitation = [("invitation", BOB_MAILBOX, tuple(sorted([alice.mailbox, CAROL_ALIAS])), None)]
    assert mails(emulator) == invitation
    worlds = (alice, carol, bob) if order == "attendees first" else (bob, alice, carol)
    sync(*worlds)
    row = meeting_row()
    assert (row.owner, row.title) == (bob.user, "Customer call")
    for world in worlds:
        mine = read(world, row.pk)
        organiser = world is bob
        assert (mine["editable"], mine["my_response"]) == (organiser, None if organiser else "none")
        assert [e["id"] for e in listed(world)] == [row.pk]
    # each mailbox's copy is linked to the one event: a second round writes nothing
    for summary in sync(*worlds):
        assert summary.pushed == summary.pulled == {"created": 0, "updated": 0, "deleted": 0}
    assert outlook_copy(bob, created["iCalUId"]) is not None
    assert mails(emulator) == invitation


def organise_in_outlook(bob: SyncWorld, *, series: bool = False) -> dict[str, Any]:
    """Bob's meeting made in his Outlook (as organise_here's), synced by nobody yet."""
    body: dict[str, Any] = {
        "subject": "Stand-up",
        "start": graph_time(at(2, 9)),
        "end": graph_time(at(2, 9, 30)),
        "attendees": [attendee("alice@contoso.test"), attendee(CAROL_ALIAS)],
    }
    if series:
        body["recurrence"] = {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": at(2).date().isoformat(),
                      "numberOfOccurrences": 5},
        }  # fmt: skip
    return bob.outlook_create(body)


@pytest.mark.parametrize("how", ["delete", "decline"])
@pytest.mark.parametrize("where", ["here", "in Outlook"])
@pytest.mark.parametrize("series", [False, True], ids=["single", "series"])
def test_an_attendees_delete_is_a_decline_and_the_organiser_keeps_it(
    team: tuple[SyncWorld, ...], emulator: Any, series: bool, where: str, how: str
) -> None:
    alice, bob, carol = team
    if where == "here":
        meeting = organise_here(bob, series=series)
    else:
        organise_in_outlook(bob, series=series)
    sync(bob, alice, carol)
    if where != "here":
        meeting = {"id": meeting_row().pk}
    ical = meeting_row().outlook_link.ical_uid
    assert outlook_copy(alice, ical) is not None and outlook_copy(carol, ical) is not None
    emulator.clear_outbox()
    if how == "delete":
        assert alice.api().delete(f"/api/events/{meeting['id']}").status_code == 204
    else:
        declined = alice.api().post(
            f"/api/events/{meeting['id']}/respond", {"response": "declined"}, format="json"
        )
        assert declined.status_code == 200, declined.content
    assert listed(alice) == []
    (by_alice,) = sync(alice)
    assert by_alice.invitations == 1
    assert mails(emulator) == [("response", alice.mailbox, (BOB_MAILBOX,), "declined")]
    assert outlook_copy(alice, ical) is None  # Outlook took it out of her calendar
    sync(bob, carol, alice)
    assert mails(emulator) == [("response", alice.mailbox, (BOB_MAILBOX,), "declined")]
    kept = read(bob, meeting["id"])
    assert kept["active"] is True and status_of(kept, "alice@contoso.test") == "declined"
    organiser_copy = outlook_copy(bob, ical)
    assert organiser_copy is not None and not organiser_copy["isCancelled"]
    assert graph_status(organiser_copy, "alice@contoso.test") == "declined"
    declined = listed(alice, archived="1")
    assert {(e["active"], e["my_response"]) for e in declined} == {(False, "declined")}
    assert {e["my_response"] for e in listed(carol)} == {"none"}
    assert outlook_copy(carol, ical) is not None


@pytest.mark.parametrize("where", ["here", "in Outlook"])
@pytest.mark.parametrize("series", [False, True], ids=["single", "series"])
def test_an_attendees_edit_is_refused_with_a_reason_and_reaches_no_one(
    team: tuple[SyncWorld, ...], emulator: Any, series: bool, where: str
) -> None:
    alice, bob, carol = team
    if where == "here":
        organise_here(bob, series=series)
    else:
        organise_in_outlook(bob, series=series)
    sync(bob, alice, carol)
    meeting = {"id": meeting_row().pk}
    emulator.clear_outbox()
    refs = [meeting["id"]]
    if series:
        refs.append(f"{meeting['id']}.{at(3, 9).strftime('%Y%m%dT%H%M%SZ')}")
    for ref in refs:
        refused = alice.api().patch(f"/api/events/{ref}", {"title": "Mine now"}, format="json")
        assert refused.status_code == 403
        assert "Only the organiser changes a meeting" in refused.json()["detail"]
        in_vietnamese = alice.api().patch(
            f"/api/events/{ref}", {"title": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="vi"
        )
        assert in_vietnamese.status_code == 403
        assert "Chỉ người tổ chức" in in_vietnamese.json()["detail"]
        later = {"start": at(3, 15).isoformat(), "end": at(3, 16).isoformat()}
        moved = alice.api().patch(f"/api/events/{ref}", later, format="json")
        assert moved.status_code == 403, moved.content
    sync(alice, bob, carol)
    assert mails(emulator) == []
    assert {e["title"] for e in listed(carol)} == {"Stand-up"}
    assert {e["subject"] for e in alice.outlook_events()} == {"Stand-up"}


def test_answers_to_one_occurrence_reach_the_organiser_on_both_sides(
    team: tuple[SyncWorld, ...], emulator: Any
) -> None:
    alice, bob, carol = team
    meeting = organise_here(bob, series=True)
    sync(bob, alice, carol)
    ical = meeting_row().outlook_link.ical_uid
    emulator.clear_outbox()
    second, third = (
        e["id"] for e in listed(alice) if e["start"][:10] in {at(3).date().isoformat(),
                                                               at(4).date().isoformat()}
    )  # fmt: skip
    api = alice.api()
    declined = api.post(f"/api/events/{second}/respond", {"response": "declined",
                        "comment": "Dentist"}, format="json")  # fmt: skip
    assert declined.status_code == 200, declined.content
    accepted = api.delete(f"/api/events/{third}")  # a delete of one occurrence: a decline too
    assert accepted.status_code == 204
    (by_alice,) = sync(alice)
    assert by_alice.invitations == 2
    assert sorted(mails(emulator)) == [
        ("response", alice.mailbox, (BOB_MAILBOX,), "declined"),
        ("response", alice.mailbox, (BOB_MAILBOX,), "declined"),
    ]
    assert [m["comment"] for m in emulator.outbox() if "comment" in m] == ["Dentist"]
    copy = outlook_copy(alice, ical)
    assert copy is not None
    days = [o["start"]["dateTime"][:10] for o in alice.graph(
        "GET", f"/me/events/{copy['id']}/instances",
        params={"startDateTime": at(0).isoformat(), "endDateTime": at(10).isoformat()},
    ).json()["value"]]  # fmt: skip
    assert len(days) == 3 and at(3).date().isoformat() not in days
    sync(bob, carol, alice)
    assert len(mails(emulator)) == 2  # the organiser's and Carol's runs mailed nobody
    organiser_view = [e for e in listed(bob) if e["series_id"] == meeting["id"]]
    answers = [status_of(e, "alice@contoso.test") for e in organiser_view]
    assert answers == ["none", "declined", "declined", "none", "none"]
    instances = bob.graph(
        "GET", f"/me/events/{outlook_copy(bob, ical)['id']}/instances",  # type: ignore[index]
        params={"startDateTime": at(0).isoformat(), "endDateTime": at(10).isoformat()},
    ).json()["value"]  # fmt: skip
    assert [graph_status(o, "alice@contoso.test") for o in instances] == answers
    assert [e["my_response"] for e in listed(alice)] == ["none", "none", "none"]
    assert len(listed(carol)) == 5
    # the organiser renames the series: the occurrences holding answers follow it
    renamed = bob.api().patch(f"/api/events/{meeting['id']}", {"title": "Daily sync"},
                              format="json")  # fmt: skip
    assert renamed.status_code == 200
    sync(bob, alice, carol, bob)
    for world in (alice, bob, carol):
        assert {e["title"] for e in listed(world)} == {"Daily sync"}, world.email


def test_declining_an_occurrence_and_the_following_ones_answers_each_in_outlook(
    team: tuple[SyncWorld, ...], emulator: Any
) -> None:
    alice, bob, carol = team
    meeting = organise_here(bob, series=True)
    sync(bob, alice, carol)
    ical = meeting_row().outlook_link.ical_uid
    emulator.clear_outbox()
    third = f"{meeting['id']}.{at(4, 9).strftime('%Y%m%dT%H%M%SZ')}"
    declined = alice.api().post(
        f"/api/events/{third}/respond",
        {"response": "declined", "comment": "On leave", "following": True},
        format="json",
    )
    assert declined.status_code == 200, declined.content
    assert [e["my_response"] for e in listed(alice)] == ["none", "none"]
    (by_alice,) = sync(alice)
    assert by_alice.invitations == 3
    assert mails(emulator) == [("response", alice.mailbox, (BOB_MAILBOX,), "declined")] * 3
    assert [m["comment"] for m in emulator.outbox()] == ["On leave"] * 3
    window = {"startDateTime": at(0).isoformat(), "endDateTime": at(10).isoformat()}
    copy = outlook_copy(alice, ical)
    assert copy is not None
    left = alice.graph("GET", f"/me/events/{copy['id']}/instances", params=window).json()
    assert [o["start"]["dateTime"][:10] for o in left["value"]] == [
        at(2).date().isoformat(),
        at(3).date().isoformat(),
    ]
    sync(bob, carol, alice)
    assert len(mails(emulator)) == 3  # the others' runs mailed nobody
    answers = ["none", "none", "declined", "declined", "declined"]
    organiser_view = [e for e in listed(bob) if e["series_id"] == meeting["id"]]
    assert [status_of(e, "alice@contoso.test") for e in organiser_view] == answers
    tracked = bob.graph(
        "GET",
        f"/me/events/{outlook_copy(bob, ical)['id']}/instances",
        params=window,  # type: ignore[index]
    ).json()["value"]
    assert [graph_status(o, "alice@contoso.test") for o in tracked] == answers
    assert [e["my_response"] for e in listed(alice)] == ["none", "none"]
    assert [e["my_response"] for e in listed(carol)] == ["none"] * 5


def test_the_organisers_changes_reach_every_attendee(
    team: tuple[SyncWorld, ...], emulator: Any
) -> None:
    alice, bob, carol = team
    meeting = organise_here(bob)
    sync(bob, carol, alice)
    ical = meeting_row().outlook_link.ical_uid
    emulator.clear_outbox()
    later = {"start": at(2, 14).isoformat(), "end": at(2, 15).isoformat(), "location": "Room 5"}
    moved = bob.api().patch(f"/api/events/{meeting['id']}", later, format="json")
    assert moved.status_code == 200, moved.content
    (by_bob,) = sync(bob)
    assert mails(emulator) == [
        ("update", BOB_MAILBOX, tuple(sorted(["alice@contoso.test", CAROL_ALIAS])), None)
    ]
    assert by_bob.invitations == 2
    for world in (alice, carol):
        (summary,) = sync(world)
        assert summary.pushed == {"created": 0, "updated": 0, "deleted": 0}
        mine = read(world, meeting["id"])
        assert (mine["start"], mine["location"]) == (read(bob, meeting["id"])["start"], "Room 5")
        copy = outlook_copy(world, ical)
        assert copy is not None and copy["location"]["displayName"] == "Room 5"
    emulator.clear_outbox()
    assert bob.api().delete(f"/api/events/{meeting['id']}").status_code == 204
    sync(bob, alice, carol)
    assert mails(emulator) == [
        ("cancellation", BOB_MAILBOX, tuple(sorted(["alice@contoso.test", CAROL_ALIAS])), None)
    ]
    for world in (alice, bob, carol):
        assert listed(world) == []
        assert world.api().get(f"/api/events/{meeting['id']}").status_code == 404


def stamp(value: Any) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def instances(world: SyncWorld, ical: str) -> list[dict[str, Any]]:
    """The occurrences of ``world``'s Outlook copy of the series ``ical`` over ten days."""
    copy = outlook_copy(world, ical)
    assert copy is not None, world.email
    window = {"startDateTime": at(0).isoformat(), "endDateTime": at(10).isoformat()}
    found = world.graph("GET", f"/me/events/{copy['id']}/instances", params=window)
    return list(found.json()["value"])


def starts(world: SyncWorld) -> list[datetime]:
    return [datetime.fromisoformat(e["start"]).astimezone(UTC) for e in listed(world)]


@pytest.mark.parametrize("where", ["here", "in Outlook"])
def test_the_organisers_changes_to_a_series_and_one_occurrence_reach_every_attendee(
    team: tuple[SyncWorld, ...], emulator: Any, where: str
) -> None:
    alice, bob, carol = team
    meeting = organise_here(bob, series=True) if where == "here" else None
    if meeting is None:
        organise_in_outlook(bob, series=True)
    sync(bob, alice, carol)
    row = meeting_row()
    ical = row.outlook_link.ical_uid
    emulator.clear_outbox()
    moved = {"start": at(3, 15), "end": at(3, 15, 30)}
    if meeting is not None:
        changed = bob.api().patch(
            f"/api/events/{row.pk}.{stamp(at(3, 9))}",
            {name: value.isoformat() for name, value in moved.items()},
            format="json",
        )
        assert changed.status_code == 200, changed.content
        assert bob.api().delete(f"/api/events/{row.pk}.{stamp(at(5, 9))}").status_code == 204
    else:
        by_day = {o["start"]["dateTime"][:10]: o["id"] for o in instances(bob, ical)}
        bob.outlook_patch(
            by_day[at(3).date().isoformat()],
            {name: graph_time(value) for name, value in moved.items()},
        )
        bob.outlook_delete(by_day[at(5).date().isoformat()])
    (by_bob,) = sync(bob)
    everyone = tuple(sorted(["alice@contoso.test", CAROL_ALIAS]))
    expected = [
        ("cancellation", BOB_MAILBOX, everyone, None),
        ("update", BOB_MAILBOX, everyone, None),
    ]
    assert sorted(mails(emulator)) == expected
    assert by_bob.invitations == (4 if meeting is not None else 0)
    sync(alice, carol, bob)
    assert sorted(mails(emulator)) == expected  # the attendees' runs mailed nobody
    days = [at(2, 9), at(3, 15), at(4, 9), at(6, 9)]
    for world in (alice, bob, carol):
        assert starts(world) == days, world.email
        outlook_starts = [o["start"]["dateTime"][:16] for o in instances(world, ical)]
        assert outlook_starts == [d.strftime("%Y-%m-%dT%H:%M") for d in days], world.email

    emulator.clear_outbox()
    if meeting is not None:
        renamed = bob.api().patch(f"/api/events/{row.pk}", {"title": "Daily sync"}, format="json")
        assert renamed.status_code == 200, renamed.content
    else:
        bob.outlook_patch(outlook_copy(bob, ical)["id"], {"subject": "Daily sync"})  # type: ignore[index]
    sync(bob, alice, carol, bob)
    # Outlook mails an update for the series and one more for its modified occurrence
    assert mails(emulator) == [("update", BOB_MAILBOX, everyone, None)] * 2
    for world in (alice, bob, carol):
        assert {e["title"] for e in listed(world)} == {"Daily sync"}, world.email
        assert {o["subject"] for o in instances(world, ical)} == {"Daily sync"}, world.email


def test_an_outside_meeting_is_each_attendees_own_copy(
    team: tuple[SyncWorld, ...], emulator: Any
) -> None:
    alice, _bob, carol = team
    dave = SyncWorld.outside(emulator, "dave@fabrikam.test", "Dave")
    created = dave.outlook_create(
        {
            "subject": "Vendor review",
            "start": graph_time(at(5, 13)),
            "end": graph_time(at(5, 14)),
            "attendees": [attendee("alice@contoso.test"), attendee(CAROL_ALIAS)],
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1,
                            "daysOfWeek": [at(5).strftime("%A").lower()]},
                "range": {"type": "numbered", "startDate": at(5).date().isoformat(),
                          "numberOfOccurrences": 3},
            },
        }
    )  # fmt: skip
    emulator.clear_outbox()
    sync(alice, carol)
    alices, carols = (w.api().get("/api/events").json() for w in (alice, carol))
    assert len(alices) == len(carols) == 1 and alices[0]["id"] != carols[0]["id"]
    assert (alices[0]["editable"], alices[0]["my_response"]) == (False, "none")
    assert carol.api().get(f"/api/events/{alices[0]['id']}").status_code == 404
    assert alice.api().delete(f"/api/events/{alices[0]['id']}").status_code == 204
    sync(alice, carol, alice)
    assert mails(emulator) == [("response", "alice@contoso.test", ("dave@fabrikam.test",),
                                "declined")]  # fmt: skip
    assert outlook_copy(alice, created["iCalUId"]) is None
    assert alice.api().get("/api/events").json() == []
    assert Event.objects.get(pk=alices[0]["id"]).active is False  # archived, kept
    assert carol.api().get("/api/events").json()[0]["my_response"] == "none"
    tracked = dave.outlook_event(created["id"])
    assert graph_status(tracked, "alice@contoso.test") == "declined"
    assert graph_status(tracked, CAROL_ALIAS) == "none"


def test_an_attendees_own_show_as_reaches_their_copy_and_mails_nobody(
    team: tuple[SyncWorld, ...], emulator: Any
) -> None:
    alice, bob, carol = team
    meeting = organise_here(bob)
    sync(bob, alice, carol)
    ical = meeting_row().outlook_link.ical_uid
    emulator.clear_outbox()
    changed = alice.api().patch(f"/api/events/{meeting['id']}", {"show_as": "free"},
                                format="json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["show_as"] == "free"
    (by_alice,) = sync(alice)
    assert by_alice.invitations == 0
    copy = outlook_copy(alice, ical)
    assert copy is not None and copy["showAs"] == "free"
    sync(bob, carol)
    assert read(bob, meeting["id"])["show_as"] == "busy"
    assert outlook_copy(bob, ical)["showAs"] == "busy"  # type: ignore[index]
    assert mails(emulator) == []


def test_people_connected_by_consent_are_known_by_every_address(
    connect_by_consent: Any, emulator: Any
) -> None:
    ana = connect_by_consent("ana@contoso.test", "Ana", aliases=("ana.lima@contoso.test",))
    bao = connect_by_consent("bao@contoso.test", "Bao")
    graph = emulator.client(
        headers={"Authorization": f"Bearer {emulator.token_for(bao.user.email)}"}
    )
    created = graph.post(
        f"{emulator.graph_url}/me/events",
        json={"subject": "Planning", "start": graph_time(at(4, 8)), "end": graph_time(at(4, 9)),
              "attendees": [attendee("ana.lima@contoso.test")]},
    ).json()  # fmt: skip
    graph.close()
    emulator.clear_outbox()
    assert run_sync(ana.account, "test").ok  # reads her mailbox's addresses first
    assert "ana.lima@contoso.test" in people.addresses_of(ana.user)
    page = ana.web.get("/")
    token = CSRF_META.search(page.text)
    assert token is not None
    (invitation,) = ana.web.get("/api/events").json()
    assert (invitation["title"], invitation["my_response"]) == ("Planning", "none")
    answered = ana.web.post(
        f"/api/events/{invitation['id']}/respond",
        json={"response": "accepted", "comment": "Yes"},
        headers={"X-CSRFToken": token.group(1)},
    )
    assert answered.status_code == 200, answered.text
    assert run_sync(ana.account, "test").ok
    assert run_sync(bao.account, "test").ok
    assert [(m["kind"], m["from"], m["to"], m["comment"]) for m in emulator.outbox()] == [
        ("response", "ana@contoso.test", ["bao@contoso.test"], "Yes")
    ]
    (mine,) = bao.web.get("/api/events").json()
    assert (mine["id"], mine["editable"]) == (invitation["id"], True)
    assert status_of(mine, "ana.lima@contoso.test") == "accepted"
    assert created["iCalUId"] == Event.objects.get(pk=mine["id"]).outlook_link.ical_uid


@pytest.mark.parametrize("series", [False, True], ids=["single", "series"])
@pytest.mark.parametrize("login", ["bob@example.test", BOB_MAILBOX])
def test_an_organiser_who_connects_late_gets_one_meeting_with_every_answer(
    emulator: Any, series: bool, login: str
) -> None:
    """Alice and Carol synced Bob's meeting before Bob, a calsync user, connected his
    mailbox; Alice answered it. With a login that is not his mailbox's address nobody knew
    it was his, so each made their own copy; with that address as his login it was his
    event already. Bob connects: one meeting, his, with each answer; no copy twice on
    either side, and no mail."""
    alice = SyncWorld(emulator, "alice@contoso.test", "Alice")
    carol = SyncWorld(emulator, "carol@contoso.test", "Carol", aliases=(CAROL_ALIAS,))
    bob = SyncWorld(emulator, login, "Bob", mailbox=BOB_MAILBOX, connected=False)
    body: dict[str, Any] = {
        "subject": "Planning",
        "start": graph_time(at(3, 9)),
        "end": graph_time(at(3, 10)),
        "attendees": [attendee(alice.mailbox), attendee(CAROL_ALIAS)],
    }
    if series:
        body["recurrence"] = {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": at(3).date().isoformat(),
                      "numberOfOccurrences": 4},
        }  # fmt: skip
    created = bob.outlook_create(body)
    sync(alice, carol)
    copies = {e["series_id"] or e["id"] for world in (alice, carol) for e in listed(world)}
    own = Event.objects.filter(series__isnull=True)
    known = login == BOB_MAILBOX
    assert {e.owner for e in own} == ({bob.user} if known else {alice.user, carol.user})
    alices = own.get(owner=bob.user if known else alice.user).pk
    answered = alice.api().post(
        f"/api/events/{alices}/respond", {"response": "accepted", "comment": "Yes"}, format="json"
    )
    assert answered.status_code == 200, answered.content
    if series:
        second = f"{alices}.{at(4, 9).strftime('%Y%m%dT%H%M%SZ')}"
        declined = alice.api().post(f"/api/events/{second}/respond", {"response": "declined"},
                                    format="json")  # fmt: skip
        assert declined.status_code == 200, declined.content
    sync(alice, carol, alice)
    answers = [("response", alice.mailbox, (BOB_MAILBOX,), "accepted")]
    if series:
        answers.append(("response", alice.mailbox, (BOB_MAILBOX,), "declined"))
    assert sorted(mails(emulator))[1:] == sorted(answers)  # after Bob's invitation
    emulator.clear_outbox()

    bob.connect()
    (by_bob,) = sync(bob)
    assert by_bob.invitations == 0
    row = meeting_row()
    assert row.owner == bob.user and (row.pk in copies) == known
    occurrences = 4 if series else 1
    assert [e["my_response"] for e in listed(alice)] == ["accepted"] * (occurrences - series)
    assert [e["my_response"] for e in listed(carol)] == ["none"] * occurrences
    mine = listed(bob)
    assert len(mine) == occurrences and {e["series_id"] or e["id"] for e in mine} == {row.pk}
    expected = ["accepted", "declined", "accepted", "accepted"] if series else ["accepted"]
    assert [status_of(e, alice.mailbox) for e in mine] == expected
    assert {status_of(e, CAROL_ALIAS) for e in mine} == {"none"}
    assert Attendee.objects.get(event=row, email=alice.mailbox).comment == "Yes"
    # every mailbox keeps its one copy, linked: later rounds write nothing and mail nobody
    for _round in range(2):
        for summary in sync(alice, carol, bob):
            assert summary.pushed == {"created": 0, "updated": 0, "deleted": 0}
    for world in (alice, bob, carol):
        assert outlook_copy(world, created["iCalUId"]) is not None, world.email
    assert len(listed(alice)) == occurrences - series and len(listed(carol)) == occurrences
    assert Event.objects.filter(series__isnull=True).count() == 1
    assert graph_status(outlook_copy(bob, created["iCalUId"]), alice.mailbox) == "accepted"  # type: ignore[arg-type]
    assert mails(emulator) == []


def test_an_outside_meetings_following_occurrences_are_answered_from_the_own_copy(
    team: tuple[SyncWorld, ...], emulator: Any
) -> None:
    alice, _bob, _carol = team
    dave = SyncWorld.outside(emulator, "dave@fabrikam.test", "Dave")
    created = dave.outlook_create(
        {
            "subject": "Vendor sync",
            "start": graph_time(at(2, 13)),
            "end": graph_time(at(2, 14)),
            "attendees": [attendee("alice@contoso.test")],
            "recurrence": {
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "numbered", "startDate": at(2).date().isoformat(),
                          "numberOfOccurrences": 4},
            },
        }
    )  # fmt: skip
    sync(alice)
    emulator.clear_outbox()
    (_first, second, _third, _fourth) = listed(alice)
    answered = alice.api().post(
        f"/api/events/{second['id']}/respond",
        {"response": "tentative", "following": True},
        format="json",
    )
    assert answered.status_code == 200, answered.content
    (by_alice,) = sync(alice)
    assert by_alice.invitations == 3
    assert (
        mails(emulator)
        == [("response", "alice@contoso.test", ("dave@fabrikam.test",), "tentativelyAccepted")] * 3
    )
    sync(alice)
    assert [e["my_response"] for e in listed(alice)] == ["none"] + ["tentative"] * 3
    assert len(mails(emulator)) == 3
    window = {"startDateTime": at(0).isoformat(), "endDateTime": at(10).isoformat()}
    tracked = dave.graph("GET", f"/me/events/{created['id']}/instances", params=window)
    answers = [graph_status(o, "alice@contoso.test") for o in tracked.json()["value"]]
    assert answers == ["none"] + ["tentativelyAccepted"] * 3


def test_two_users_a_meeting_from_invitation_to_cancellation(emulator: Any) -> None:
    """Two calsync users only: each step's mails, exactly, and both sides after it."""
    alice = SyncWorld(emulator, "alice@contoso.test", "Alice")
    bob = SyncWorld(emulator, "bob@example.test", "Bob", mailbox=BOB_MAILBOX)
    meeting = organise_here(bob, attendees=[{"email": "alice@contoso.test"}])
    sync(bob, alice)
    assert mails(emulator) == [("invitation", BOB_MAILBOX, ("alice@contoso.test",), None)]
    emulator.clear_outbox()
    answered = alice.api().post(f"/api/events/{meeting['id']}/respond",
                                {"response": "accepted"}, format="json")  # fmt: skip
    assert answered.status_code == 200, answered.content
    sync(alice, bob)
    assert mails(emulator) == [("response", "alice@contoso.test", (BOB_MAILBOX,), "accepted")]
    ical = meeting_row().outlook_link.ical_uid
    assert graph_status(outlook_copy(bob, ical), "alice@contoso.test") == "accepted"  # type: ignore[arg-type]
    emulator.clear_outbox()
    moved = bob.api().patch(f"/api/events/{meeting['id']}",
                            {"start": at(2, 11).isoformat(), "end": at(2, 12).isoformat()},
                            format="json")  # fmt: skip
    assert moved.status_code == 200, moved.content
    sync(bob, alice)
    assert mails(emulator) == [("update", BOB_MAILBOX, ("alice@contoso.test",), None)]
    copy = outlook_copy(alice, ical)
    assert copy is not None and copy["start"]["dateTime"][:16] == at(2, 11).strftime(
        "%Y-%m-%dT%H:%M"
    )
    assert starts(alice) == [at(2, 11)]
    emulator.clear_outbox()
    assert bob.api().delete(f"/api/events/{meeting['id']}").status_code == 204
    sync(bob, alice)
    assert mails(emulator) == [("cancellation", BOB_MAILBOX, ("alice@contoso.test",), None)]
    assert listed(alice) == [] and listed(bob) == []
