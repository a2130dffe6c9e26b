"""Several Outlook calendars in one sync run, over HTTPS against the emulator: a user
connected by the real consent flow links mailbox calendars to calsync calendars with
``PUT /api/outlook/calendars/<id>`` and syncs (docs/sync.md, Several calendars).

* ``two-way`` on a second own calendar: creates, edits and deletions go both ways, and
  that calendar's events leave the default Outlook calendar;
* ``from-outlook`` on a calendar another mailbox shares read-only: its edits arrive, nothing
  is written there, a local edit is not pushed;
* ``off`` stops a link's syncing;
* a linked calendar deleted in Outlook fails its link (health and log) while the default
  calendar keeps syncing.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.integration.sync_world import at, graph_time

from calsync.calendars.models import Event
from calsync.outlook.models import CalendarLink
from calsync.outlook.sync.run import run_sync
from graph_emulator.testing import EmulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KIM = "kim@example.com"
LEE = "lee@example.com"


def graph(emulator: EmulatorServer, email: str) -> httpx.Client:
    """The emulator's Graph as ``email`` (the Outlook side of the tests)."""
    headers = {"Authorization": f"Bearer {emulator.token_for(email)}"}
    return emulator.client(base_url=emulator.graph_url, headers=headers)


def outlook_calendar(emulator: EmulatorServer, email: str, name: str) -> str:
    """A new calendar of ``email``'s mailbox; its id."""
    with graph(emulator, email) as g:
        made = g.post("/me/calendars", json={"name": name})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def subjects(emulator: EmulatorServer, email: str, calendar: str | None = None) -> list[str]:
    """The subjects in one calendar of ``email``'s mailbox (None: the default one)."""
    path = f"/me/calendars/{calendar}/events" if calendar else "/me/calendar/events"
    with graph(emulator, email) as g:
        answer = g.get(path, params={"$top": "100"})
    assert answer.status_code == 200, answer.text
    return sorted(e["subject"] for e in answer.json()["value"])


def outlook_event(emulator: EmulatorServer, email: str, calendar: str | None, title: str) -> dict:
    path = f"/me/calendars/{calendar}/events" if calendar else "/me/calendar/events"
    with graph(emulator, email) as g:
        made = g.post(
            path,
            json={"subject": title, "start": graph_time(at(3, 9)), "end": graph_time(at(3, 10))},
        )
    assert made.status_code == 201, made.text
    return dict(made.json())


def api(browser: Any, method: str, path: str, body: Any = None) -> httpx.Response:
    """calsync's API as the signed-in browser (with its CSRF token)."""
    if not browser.web.cookies.get("csrftoken"):
        browser.web.get("/")
    headers = {"X-CSRFToken": browser.web.cookies.get("csrftoken") or ""}
    return browser.web.request(method, path, json=body, headers=headers)


def calsync_calendar(browser: Any, name: str) -> int:
    made = api(browser, "POST", "/api/calendars", {"name": name})
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def link(browser: Any, outlook_id: str, calendar: int, mode: str) -> httpx.Response:
    return api(
        browser, "PUT", f"/api/outlook/calendars/{outlook_id}", {"calendar": calendar, "mode": mode}
    )


def local_event(browser: Any, title: str, calendar: int | None = None) -> int:
    body: dict[str, Any] = {
        "title": title,
        "start": at(2, 9).strftime("%Y-%m-%dT%H:%M:%S"),
        "end": at(2, 10).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC",
    }
    if calendar is not None:
        body["calendar"] = calendar
    made = api(browser, "POST", "/api/events", body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def titles(calendar: int) -> list[str]:
    rows = Event.objects.filter(calendar_id=calendar, active=True, series__isnull=True)
    return sorted(rows.values_list("title", flat=True))


def sync(browser: Any) -> Any:
    summary = run_sync(browser.account, "test")
    return summary


def listed(browser: Any, outlook_id: str) -> dict[str, Any]:
    answer = api(browser, "GET", "/api/outlook/calendars")
    assert answer.status_code == 200, answer.text
    (found,) = [c for c in answer.json() if c["id"] == outlook_id]
    return dict(found)


def test_two_way_on_a_second_own_calendar_goes_both_ways(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    personal = outlook_calendar(emulator, KIM, "Personal")
    home = calsync_calendar(kim, "Home")
    answer = link(kim, personal, home, "two-way")
    assert answer.status_code == 200, answer.text
    assert answer.json()["link"] == {
        "calendar": home, "mode": "two-way", "status": "never",
        "last_synced_at": None, "last_error": None,
    }  # fmt: skip
    local_event(kim, "Dentist", home)
    local_event(kim, "Standup")  # the default calendar's
    first = sync(kim)
    assert first.ok, first.errors
    assert subjects(emulator, KIM, personal) == ["Dentist"]
    assert subjects(emulator, KIM) == ["Standup"]  # not pushed to the default calendar

    outlook_event(emulator, KIM, personal, "Yoga")
    assert sync(kim).ok
    assert titles(home) == ["Dentist", "Yoga"]
    health = listed(kim, personal)["link"]
    assert health["status"] == "ok" and health["last_synced_at"] and health["last_error"] is None

    # edits, both ways
    dentist = Event.objects.get(title="Dentist")
    assert api(kim, "PATCH", f"/api/events/{dentist.pk}", {"title": "Dentist (moved)"}).is_success
    (yoga,) = [e for e in _events(emulator, personal) if e["subject"] == "Yoga"]
    with graph(emulator, KIM) as g:
        assert g.patch(f"/me/events/{yoga['id']}", json={"subject": "Yoga class"}).is_success
    assert sync(kim).ok
    assert subjects(emulator, KIM, personal) == ["Dentist (moved)", "Yoga class"]
    assert titles(home) == ["Dentist (moved)", "Yoga class"]

    # deletions, both ways
    assert api(kim, "DELETE", f"/api/events/{dentist.pk}").is_success
    with graph(emulator, KIM) as g:
        assert g.delete(f"/me/events/{yoga['id']}").status_code == 204
    assert sync(kim).ok
    assert subjects(emulator, KIM, personal) == []
    assert titles(home) == []
    assert subjects(emulator, KIM) == ["Standup"]


def _events(emulator: EmulatorServer, calendar: str, email: str = KIM) -> list[dict[str, Any]]:
    with graph(emulator, email) as g:
        answer = g.get(f"/me/calendars/{calendar}/events", params={"$top": "100"})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["value"])


def test_from_outlook_reads_a_read_only_shared_calendar_and_writes_nothing_there(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    emulator.add_user(LEE, "Lee", "pw")
    outlook_event(emulator, LEE, None, "Lee's rota")
    shared = emulator.share_calendar(LEE, KIM, can_edit=False)["id"]
    lees = calsync_calendar(kim, "Lee")
    refused = link(kim, shared, lees, "two-way")
    assert refused.status_code == 400 and "read-only" in refused.json()["mode"][0]
    redacted = link(kim, shared, lees, "redacted")
    assert redacted.status_code == 400 and "read-only" in redacted.json()["mode"][0]
    assert link(kim, shared, lees, "from-outlook").status_code == 200
    assert sync(kim).ok
    assert titles(lees) == ["Lee's rota"]
    assert subjects(emulator, KIM) == []  # nothing of Lee's in Kim's own calendar

    lee_default = _default_id(emulator, LEE)
    (rota,) = _events(emulator, lee_default, LEE)
    with graph(emulator, LEE) as g:
        assert g.patch(f"/me/events/{rota['id']}", json={"subject": "Lee's new rota"}).is_success
    assert sync(kim).ok
    assert titles(lees) == ["Lee's new rota"]

    (before,) = _events(emulator, lee_default, LEE)
    mine = Event.objects.get(calendar_id=lees)
    assert api(kim, "PATCH", f"/api/events/{mine.pk}", {"location": "My note"}).is_success
    local_event(kim, "Kim's own idea", lees)
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert summary.pushed == {"created": 0, "updated": 0, "deleted": 0}
    (after,) = _events(emulator, lee_default, LEE)  # nothing was written there
    assert after["changeKey"] == before["changeKey"] and after["location"]["displayName"] == ""
    assert Event.objects.get(pk=mine.pk).location == "My note"  # kept here, not pushed
    assert subjects(emulator, KIM) == []  # nor pushed to Kim's own calendar


def _default_id(emulator: EmulatorServer, email: str) -> str:
    with graph(emulator, email) as g:
        return str(g.get("/me/calendar").json()["id"])


def test_off_stops_the_link(emulator: EmulatorServer, connect_by_consent: Any) -> None:
    kim = connect_by_consent(KIM, "Kim")
    personal = outlook_calendar(emulator, KIM, "Personal")
    home = calsync_calendar(kim, "Home")
    assert link(kim, personal, home, "two-way").status_code == 200
    local_event(kim, "Dentist", home)
    assert sync(kim).ok
    assert subjects(emulator, KIM, personal) == ["Dentist"]
    answer = link(kim, personal, home, "off")
    assert answer.status_code == 200 and answer.json()["link"]["status"] == "off"
    outlook_event(emulator, KIM, personal, "Yoga")
    local_event(kim, "Swim", home)
    assert sync(kim).ok
    assert titles(home) == ["Dentist", "Swim"]  # Yoga stays in Outlook
    assert subjects(emulator, KIM, personal) == ["Dentist", "Yoga"]  # Swim stays here
    assert subjects(emulator, KIM) == []  # and goes to no other calendar either


def test_a_deleted_outlook_calendar_fails_its_link_and_the_default_one_goes_on(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    personal = outlook_calendar(emulator, KIM, "Personal")
    home = calsync_calendar(kim, "Home")
    assert link(kim, personal, home, "two-way").status_code == 200
    local_event(kim, "Dentist", home)
    assert sync(kim).ok
    with graph(emulator, KIM) as g:
        assert g.delete(f"/me/calendars/{personal}").status_code == 204
    local_event(kim, "Standup")
    outlook_event(emulator, KIM, None, "Review")
    summary = sync(kim)
    assert not summary.ok
    assert [e["code"] for e in summary.errors] == ["calendar_link_failed"]
    assert "Personal" in summary.errors[0]["message"]
    assert subjects(emulator, KIM) == ["Review", "Standup"]  # the default calendar synced
    assert "Review" in titles(_default_calendar(kim))
    shown = listed(kim, personal)  # listed from the link: Outlook lists it no more
    assert shown["name"] == "Personal" and shown["link"]["status"] == "failed"
    assert "Personal" in shown["link"]["last_error"]
    row = CalendarLink.objects.get(remote_id=personal)
    assert row.status == CalendarLink.STATUS_FAILED and row.last_synced_at is not None


def _default_calendar(browser: Any) -> int:
    answer = api(browser, "GET", "/api/calendars")
    return int(next(c["id"] for c in answer.json() if c["is_default"]))


def test_linking_a_calendar_moves_its_copies_out_of_the_default_calendar(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    home = calsync_calendar(kim, "Home")
    local_event(kim, "Dentist", home)
    assert sync(kim).ok
    assert subjects(emulator, KIM) == ["Dentist"]  # before any link: today's behaviour
    personal = outlook_calendar(emulator, KIM, "Personal")
    assert link(kim, personal, home, "two-way").status_code == 200
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert subjects(emulator, KIM) == []
    assert subjects(emulator, KIM, personal) == ["Dentist"]
    assert titles(home) == ["Dentist"]  # the event itself stays
    assert api(kim, "DELETE", f"/api/outlook/calendars/{personal}").status_code == 204
    assert sync(kim).ok  # unlinked: the calendar syncs with the default one again
    assert subjects(emulator, KIM) == ["Dentist"]
    assert api(kim, "DELETE", f"/api/outlook/calendars/{personal}").status_code == 404


def test_a_link_the_rules_refuse_is_a_400_naming_the_problem(
    emulator: EmulatorServer, connect_by_consent: Any, browsers: Any
) -> None:
    from calsync.accounts.actions import do_create_user

    kim = connect_by_consent(KIM, "Kim")
    personal = outlook_calendar(emulator, KIM, "Personal")
    work = outlook_calendar(emulator, KIM, "Work")
    home = calsync_calendar(kim, "Home")
    do_create_user("noor@example.com", "pw-calsync", name="Noor")
    noor = browsers()
    noor.log_in("noor@example.com", "pw-calsync")
    theirs = calsync_calendar(noor, "Noor's")

    def refused(outlook_id: str, body: Any) -> dict[str, Any]:
        answer = api(kim, "PUT", f"/api/outlook/calendars/{outlook_id}", body)
        assert answer.status_code == 400, answer.text
        return dict(answer.json())

    assert (
        "No such calendar"
        in refused(personal, {"calendar": theirs, "mode": "two-way"})["calendar"][0]
    )
    assert "Choose a mode" in refused(personal, {"calendar": home, "mode": "sideways"})["mode"][0]
    assert "calendar" in refused(personal, {"calendar": "3", "mode": "two-way"})
    default = _default_id(emulator, KIM)
    assert (
        "default Outlook calendar"
        in refused(default, {"calendar": home, "mode": "two-way"})["id"][0]
    )
    assert link(kim, personal, home, "two-way").status_code == 200
    taken = refused(work, {"calendar": home, "mode": "two-way"})["calendar"][0]
    assert "already linked both ways" in taken and "Personal" in taken
    assert link(kim, work, home, "from-outlook").status_code == 200  # one way is fine
    missing = link(kim, "AAMkAGI2TG93AAA=", home, "two-way")
    assert missing.status_code == 404, missing.text
    assert CalendarLink.objects.filter(account=kim.account).count() == 2


def test_an_event_moved_out_of_a_linked_calendar_moves_its_copy(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    personal = outlook_calendar(emulator, KIM, "Personal")
    home = calsync_calendar(kim, "Home")
    assert link(kim, personal, home, "two-way").status_code == 200
    dentist = local_event(kim, "Dentist", home)
    assert sync(kim).ok
    (copy,) = _events(emulator, personal)
    assert api(kim, "GET", f"/api/events/{dentist}").json()["outlook"]["id"] == copy["id"]
    default = _default_calendar(kim)
    moved = api(kim, "PATCH", f"/api/events/{dentist}", {"calendar": default})
    assert moved.status_code == 200, moved.text
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert summary.pushed == {"created": 1, "updated": 0, "deleted": 1}
    assert subjects(emulator, KIM, personal) == []
    with graph(emulator, KIM) as g:
        (now,) = g.get("/me/calendar/events").json()["value"]
    assert now["subject"] == "Dentist"
    assert api(kim, "GET", f"/api/events/{dentist}").json()["outlook"]["id"] == now["id"]
