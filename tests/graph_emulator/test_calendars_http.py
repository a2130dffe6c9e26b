"""A mailbox's calendars over HTTPS: the list, creating one, events filed per calendar,
calendarView and delta per calendar with their own tokens, and calendars another mailbox
shares (read-only or editable). Every body is checked against Microsoft's schema."""

from __future__ import annotations

import pytest
from tests.graph_emulator.calendar_http import (
    CALENDAR,
    CALENDARS,
    Graph,
    event,
    mailboxes,
    validated,
)

from graph_emulator.calendar import ids
from graph_emulator.testing import EmulatorServer

__all__ = ["mailboxes"]
WINDOW = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-02-01T00:00:00Z"}
ADA, BOB = "ada@example.com", "bob@example.com"


@pytest.fixture
def ada(mailboxes) -> Graph:
    return mailboxes(ADA)[0]


def day(n: int, subject: str = "E") -> dict:
    return event(f"2026-01-{n:02d}T09:00:00", f"2026-01-{n:02d}T10:00:00", subject=subject)


def new_calendar(graph: Graph, name: str, **extra: str) -> dict:
    return graph.post("/me/calendars", json={"name": name, **extra}, expect=201).json()


def delta_round(graph: Graph, first: str, **params: str) -> tuple[list[dict], str]:
    """Follow nextLinks to the deltaLink: (items, deltaLink)."""
    body = graph.get(first, params=params or None, expect=200).json()
    items = list(body["value"])
    while "@odata.nextLink" in body:
        body = graph.get(body["@odata.nextLink"], expect=200).json()
        items.extend(body["value"])
    return items, body["@odata.deltaLink"]


def test_every_mailbox_has_one_default_calendar(ada: Graph) -> None:
    checked = validated[CALENDARS], validated[CALENDAR]
    listed = ada.get("/me/calendars", expect=200).json()
    assert listed["@odata.context"].endswith("/calendars")
    [default] = listed["value"]
    assert default["name"] == "Calendar" and default["isDefaultCalendar"] is True
    assert default["canEdit"] is True and default["isRemovable"] is False
    assert default["owner"] == {"name": "Ada", "address": ADA}
    assert default["color"] == "auto" and default["hexColor"] == ""
    assert ada.get("/me/calendar", expect=200).json()["id"] == default["id"]
    one = ada.get(f"/me/calendars/{default['id']}", expect=200).json()
    assert one["id"] == default["id"] and one["changeKey"] == default["changeKey"]
    by_user = ada.get(f"/users/{ADA}/calendars", expect=200).json()["value"]
    assert [c["id"] for c in by_user] == [default["id"]]
    assert validated[CALENDARS] - checked[0] == 2 and validated[CALENDAR] - checked[1] == 2


def test_create_a_calendar_with_a_colour(ada: Graph) -> None:
    created = ada.post("/me/calendars", json={"name": "Volunteer", "color": "lightGreen"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"].endswith(f"/calendars/{body['id']}")
    assert body["@odata.context"].endswith("/calendars/$entity")
    assert body["isDefaultCalendar"] is False and body["isRemovable"] is True
    assert body["color"] == "lightGreen" and body["hexColor"].startswith("#")
    names = [c["name"] for c in ada.get("/me/calendars", expect=200).json()["value"]]
    assert names == ["Calendar", "Volunteer"]
    renamed = ada.patch(f"/me/calendars/{body['id']}", json={"name": "Club"}, expect=200).json()
    assert renamed["name"] == "Club" and renamed["changeKey"] != body["changeKey"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "ErrorPropertyValidationFailure"),
        ({"name": "  "}, 400, "ErrorPropertyValidationFailure"),
        ({"name": 3}, 400, "RequestBodyRead"),
        ({"name": "X", "color": "purple"}, 400, "RequestBodyRead"),
        ({"name": "X", "colour": "auto"}, 400, "RequestBodyRead"),
        ({"name": "calendar"}, 409, "ErrorFolderExists"),
    ],
)
def test_bad_calendars_are_refused(ada: Graph, body: dict, status: int, code: str) -> None:
    response = ada.post("/me/calendars", json=body)
    assert ada.error(response)[:2] == (status, code)
    assert len(ada.get("/me/calendars", expect=200).json()["value"]) == 1


def test_unknown_and_malformed_calendar_ids(ada: Graph) -> None:
    assert ada.error(ada.get("/me/calendars/nope"))[:2] == (400, "ErrorInvalidIdMalformed")
    gone = ids.new_calendar_id(bytes(16))  # well-formed, in no mailbox
    assert ada.error(ada.get(f"/me/calendars/{gone}"))[:2] == (404, "ErrorItemNotFound")


def test_events_are_filed_per_calendar(ada: Graph) -> None:
    work = new_calendar(ada, "Work")
    default = ada.get("/me/calendar", expect=200).json()
    in_default = ada.create(day(2, "home"))
    created = ada.post(f"/me/calendars/{work['id']}/events", json=day(3, "work"), expect=201)
    in_work = created.json()
    assert in_work["@odata.context"].endswith(f"/calendars('{work['id']}')/events/$entity")
    # /events is the default calendar's; each calendar lists its own
    assert [e["subject"] for e in ada.get("/me/events", expect=200).json()["value"]] == ["home"]
    listed = ada.get(f"/me/calendars/{work['id']}/events", expect=200).json()["value"]
    assert [e["subject"] for e in listed] == ["work"]
    listed = ada.get(f"/me/calendars/{default['id']}/events", expect=200).json()["value"]
    assert [e["subject"] for e in listed] == ["home"]
    view = ada.get(f"/me/calendars/{work['id']}/calendarView", params=WINDOW, expect=200)
    assert [e["subject"] for e in view.json()["value"]] == ["work"]
    view = ada.get("/me/calendarView", params=WINDOW, expect=200).json()["value"]
    assert [e["subject"] for e in view] == ["home"]
    # an event is reached by its id through /events too, and says where it is filed
    assert ada.get(f"/me/events/{in_work['id']}", expect=200).json()["subject"] == "work"
    filed = ada.get(f"/me/events/{in_work['id']}/calendar", expect=200).json()
    assert filed["id"] == work["id"]
    assert (
        ada.get(f"/me/events/{in_default['id']}/calendar", expect=200).json()["id"]
        == (default["id"])
    )
    # through a calendar's URL, another calendar's event is not found
    path = f"/me/calendars/{work['id']}/events/{in_default['id']}"
    assert ada.error(ada.get(path))[:2] == (404, "ErrorItemNotFound")
    assert ada.error(ada.patch(path, json={"subject": "x"}))[:2] == (404, "ErrorItemNotFound")
    mine = f"/me/calendars/{work['id']}/events/{in_work['id']}"
    assert ada.patch(mine, json={"subject": "work 2"}, expect=200).json()["subject"] == "work 2"
    ada.delete(mine, expect=204)
    assert ada.get(f"/me/calendars/{work['id']}/events", expect=200).json()["value"] == []


def test_delta_per_calendar_with_its_own_tokens(ada: Graph) -> None:
    work = new_calendar(ada, "Work")["id"]
    work_delta = f"/me/calendars/{work}/calendarView/delta"
    home = ada.create(day(2, "home"))
    job = ada.post(f"/me/calendars/{work}/events", json=day(3, "job"), expect=201).json()
    items, work_link = delta_round(ada, work_delta, **WINDOW)
    assert [i["id"] for i in items] == [job["id"]]
    items, home_link = delta_round(ada, "/me/calendarView/delta", **WINDOW)
    assert [i["id"] for i in items] == [home["id"]]
    # a change in one calendar shows in its own next round only
    ada.patch(f"/me/events/{home['id']}", json={"subject": "home 2"}, expect=200)
    items, work_link = delta_round(ada, work_link)
    assert items == []
    items, home_link = delta_round(ada, home_link)
    assert [i["subject"] for i in items] == ["home 2"]
    ada.delete(f"/me/events/{job['id']}", expect=204)
    items, work_link = delta_round(ada, work_link)
    assert [(i["id"], i["@removed"]) for i in items] == [(job["id"], {"reason": "deleted"})]
    # many rounds of one calendar never expire the other's token
    for _ in range(6):
        _, home_link = delta_round(ada, home_link)
    assert delta_round(ada, work_link)[0] == []
    # one calendar's token on another calendar's URL is refused
    token = home_link.split("$deltatoken=")[1]
    response = ada.get(work_delta, params={"$deltatoken": token})
    assert ada.error(response)[:2] == (400, "InvalidDeltaToken")
    # the default calendar's URL by id shares the default calendar's tokens
    default = ada.get("/me/calendar", expect=200).json()["id"]
    by_id = f"/me/calendars/{default}/calendarView/delta"
    assert ada.get(by_id, params={"$deltatoken": token}, expect=200).json()["value"] == []


@pytest.fixture
def shared(mailboxes, emulator: EmulatorServer) -> tuple[Graph, Graph]:
    return mailboxes(ADA, BOB)


def test_a_read_only_shared_calendar(shared: tuple[Graph, Graph], emulator: EmulatorServer) -> None:
    ada, bob = shared
    meeting = ada.create(day(5, "Ada's day"))
    entry = emulator.share_calendar(ADA, BOB)
    assert entry["canEdit"] is False and entry["isDefaultCalendar"] is False
    assert entry["owner"] == {"name": "Ada", "address": ADA} and entry["name"] == "Ada"
    listed = bob.get("/me/calendars", expect=200).json()["value"]
    assert [c["id"] for c in listed][1:] == [entry["id"]]
    path = f"/me/calendars/{entry['id']}"
    events = bob.get(f"{path}/events", expect=200).json()["value"]
    assert [(e["id"], e["subject"]) for e in events] == [(meeting["id"], "Ada's day")]
    assert bob.get(f"{path}/events/{meeting['id']}", expect=200).json()["subject"] == "Ada's day"
    items, _ = delta_round(bob, f"{path}/calendarView/delta", **WINDOW)
    assert [i["id"] for i in items] == [meeting["id"]]
    for response in (
        bob.post(f"{path}/events", json=day(6)),
        bob.patch(f"{path}/events/{meeting['id']}", json={"subject": "mine"}),
        bob.delete(f"{path}/events/{meeting['id']}"),
    ):
        assert bob.error(response) == (
            403,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )
    assert ada.get(f"/me/events/{meeting['id']}", expect=200).json()["subject"] == "Ada's day"
    # Bob's own calendar is untouched, and Ada's events are not Bob's through /events
    assert bob.get("/me/events", expect=200).json()["value"] == []
    assert bob.error(bob.get(f"/me/events/{meeting['id']}"))[:2] == (404, "ErrorItemNotFound")


def test_an_editable_shared_calendar(shared: tuple[Graph, Graph], emulator: EmulatorServer) -> None:
    ada, bob = shared
    family = new_calendar(ada, "Family", color="lightPink")
    entry = emulator.share_calendar(ADA, BOB, calendar=family["id"], can_edit=True)
    assert entry["canEdit"] is True and entry["name"] == "Family"
    assert entry["color"] == "lightPink" and entry["canShare"] is False
    path = f"/me/calendars/{entry['id']}"
    _, ada_link = delta_round(ada, f"/me/calendars/{family['id']}/calendarView/delta", **WINDOW)
    made = bob.post(f"{path}/events", json=day(7, "by Bob"), expect=201).json()
    listed = ada.get(f"/me/calendars/{family['id']}/events", expect=200).json()["value"]
    assert [e["id"] for e in listed] == [made["id"]]
    bob.patch(f"{path}/events/{made['id']}", json={"subject": "by Bob 2"}, expect=200)
    items, _ = delta_round(ada, ada_link)
    assert [i["subject"] for i in items] == ["by Bob 2"]
    bob.delete(f"{path}/events/{made['id']}", expect=204)
    assert ada.get(f"/me/calendars/{family['id']}/events", expect=200).json()["value"] == []
    # sharing again changes the access of the same entry
    again = emulator.share_calendar(ADA, BOB, calendar=family["id"], can_edit=False)
    assert again["id"] == entry["id"] and again["canEdit"] is False
    assert bob.error(bob.post(f"{path}/events", json=day(8)))[0] == 403


def test_share_control_plane_errors(shared: tuple[Graph, Graph], emulator: EmulatorServer) -> None:
    with emulator.client() as http:
        url = f"{emulator.url}/_emulator/users/{ADA}/share"
        assert http.post(url, json={"with": "nobody@example.com"}).status_code == 404
        answer = http.post(url, json={"with": ADA})
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "with"
        answer = http.post(url, json={"with": BOB, "canEdit": "yes"})
        assert answer.json()["error"]["field"] == "canEdit"
        answer = http.post(url, json={"with": BOB, "calendar": "AAMkAGnope"})
        assert answer.status_code in (400, 404)


def test_calendars_survive_a_restart_of_the_state(emulator: EmulatorServer) -> None:
    from graph_emulator.world import World

    world = World()
    world.add_user(ADA, "Ada", "pw")
    world.add_user(BOB, "Bob", "pw")
    store = world.calendars
    ada_id = world.directory.find_user(ADA).id
    work = store.create_calendar(ada_id, {"name": "Work", "color": "lightBlue"})
    store.create_event(ada_id, day(3, "job"), work["id"])
    store.share_calendar(ada_id, None, world.directory.find_user(BOB).id, can_edit=False)
    again = World()
    again.load_state(world.to_state())
    names = [c["name"] for c in again.calendars.list_calendars(ada_id)]
    assert names == ["Calendar", "Work"]
    assert [i.prop("subject") for i in again.calendars.list_events(ada_id, work["id"])] == ["job"]
    assert again.calendars.list_events(ada_id) == []
    bob_calendars = again.calendars.list_calendars(world.directory.find_user(BOB).id)
    assert [c["canEdit"] for c in bob_calendars] == [True, False]


def test_select_on_calendars(ada: Graph) -> None:
    listed = ada.get("/me/calendars", params={"$select": "name,canEdit"}, expect=200)
    [only] = listed.json()["value"]
    assert set(only) == {"id", "name", "canEdit"}
    one = ada.get(f"/me/calendars/{only['id']}", params={"$select": "owner"}, expect=200).json()
    assert set(one) - {"@odata.context"} == {"id", "owner"}
    wrong = ada.get("/me/calendars", params={"$select": "nope"})
    assert ada.error(wrong)[:2] == (400, "ErrorInvalidUrlQuery")


def test_deleting_calendars(shared: tuple[Graph, Graph], emulator: EmulatorServer) -> None:
    ada, bob = shared
    work = new_calendar(ada, "Work")["id"]
    job = ada.post(f"/me/calendars/{work}/events", json=day(3, "job"), expect=201).json()
    _items, link = delta_round(ada, f"/me/calendars/{work}/calendarView/delta", **WINDOW)
    home = ada.create(day(2, "home"))
    entry = emulator.share_calendar(ADA, BOB)
    ada.delete(f"/me/calendars/{work}", expect=204)
    assert [c["name"] for c in ada.get("/me/calendars", expect=200).json()["value"]] == ["Calendar"]
    assert ada.error(ada.get(f"/me/calendars/{work}"))[:2] == (404, "ErrorItemNotFound")
    assert ada.error(ada.get(link))[:2] == (404, "ErrorItemNotFound")
    assert ada.error(ada.get(f"/me/events/{job['id']}"))[:2] == (404, "ErrorItemNotFound")
    assert ada.get(f"/me/events/{home['id']}", expect=200).json()["subject"] == "home"
    default = ada.get("/me/calendar", expect=200).json()["id"]
    assert ada.error(ada.delete(f"/me/calendars/{default}"))[:2] == (400, "ErrorInvalidRequest")
    # a sharee deleting a shared calendar's entry leaves the owner's calendar alone
    bob.delete(f"/me/calendars/{entry['id']}", expect=204)
    assert len(bob.get("/me/calendars", expect=200).json()["value"]) == 1
    assert ada.get(f"/me/events/{home['id']}", expect=200).json()["subject"] == "home"


def test_instances_through_a_shared_calendars_entry(
    shared: tuple[Graph, Graph], emulator: EmulatorServer
) -> None:
    """``GET /calendars/{id}/events/{id}/instances`` (Graph has it, event-list-instances):
    the owner's series read through the sharee's entry, an occurrence deleted there."""
    ada, bob = shared
    family = new_calendar(ada, "Family")["id"]
    rule = {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
        "range": {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 3},
    }
    body = event("2026-01-05T09:00:00", "2026-01-05T10:00:00", subject="Swim", recurrence=rule)
    master = ada.post(f"/me/calendars/{family}/events", json=body, expect=201).json()
    other = ada.create(day(6, "elsewhere"))
    entry = emulator.share_calendar(ADA, BOB, calendar=family, can_edit=True)
    path = f"/me/calendars/{entry['id']}/events"
    found = bob.get(f"{path}/{master['id']}/instances", params=WINDOW, expect=200).json()
    starts = [o["originalStart"] for o in found["value"]]
    assert starts == ["2026-01-05T09:00:00Z", "2026-01-12T09:00:00Z", "2026-01-19T09:00:00Z"]
    assert {o["seriesMasterId"] for o in found["value"]} == {master["id"]}
    bob.delete(f"{path}/{found['value'][1]['id']}", expect=204)
    left = ada.get(f"/me/events/{master['id']}/instances", params=WINDOW, expect=200).json()
    assert [o["originalStart"] for o in left["value"]] == [starts[0], starts[2]]
    # an event of another calendar is not found under this entry
    missing = bob.get(f"{path}/{other['id']}/instances", params=WINDOW)
    assert bob.error(missing)[:2] == (404, "ErrorItemNotFound")
