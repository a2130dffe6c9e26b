"""Busy and redacted mirrors in the sync run, over HTTPS against the emulator (docs/sync.md,
Mirrors): a user connected by the real consent flow links an Outlook calendar to a calsync
calendar in mode ``busy`` or ``redacted`` and syncs.

* a work calendar mirrored busy into a personal calendar and back: only times and show-as
  travel, each copy is marked, and ten more syncs write nothing (no loop);
* an edited copy is put back, a moved original moves its copy, a deleted original (either
  side) removes its copy;
* ``redacted`` keeps the title and nothing else;
* a read-only shared calendar mirrored busy: a tentative meeting keeps its show-as, a
  declined one is not copied, one the user is invited to is not copied twice, and nothing
  is written there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.e2e.test_sync_calendar_links import (
    KIM,
    LEE,
    _events,
    api,
    calsync_calendar,
    graph,
    link,
    outlook_calendar,
    subjects,
    sync,
)
from tests.integration.sync_world import at, graph_time

from calsync.calendars.models import Event
from calsync.msgraph import mirrors
from calsync.outlook.models import CalendarLink, MirrorCleanup
from calsync.outlook.sync.run import run_sync
from graph_emulator.testing import EmulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NIA = "nia@example.com"
EXPAND = {"$expand": mirrors.EXPAND_MARKER, "$top": "100"}
NOTHING = {"created": 0, "updated": 0, "deleted": 0}


def secret_meeting(
    emulator: EmulatorServer, email: str, calendar: str | None, **extra: Any
) -> dict:
    """An Outlook event full of things a copy must not show."""
    path = f"/me/calendars/{calendar}/events" if calendar else "/me/calendar/events"
    body = {
        "subject": "Merger talks",
        "body": {"contentType": "html", "content": "<p>Do not tell</p>"},
        "location": {"displayName": "Room 4"},
        "showAs": "busy",
        "start": graph_time(at(3, 9)),
        "end": graph_time(at(3, 10)),
        **extra,
    }
    with graph(emulator, email) as g:
        made = g.post(path, json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def made_here(browser: Any, calendar: int, title: str, description: str, **fields: Any) -> int:
    """The id of an event made through the API in ``calendar`` (by default in two days at
    14:00 UTC, for an hour)."""
    body = {
        "title": title,
        "description": description,
        "start": at(2, 14).strftime("%Y-%m-%dT%H:%M:%S"),
        "end": at(2, 15).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC",
        "calendar": calendar,
        **fields,
    }
    made = api(browser, "POST", "/api/events", body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def dentist(browser: Any, calendar: int) -> int:
    return made_here(
        browser, calendar, "Dentist", "<p>Root canal</p>", location="Dr Ha", show_as="oof"
    )


def outlook_copies(emulator: EmulatorServer, calendar: str) -> list[dict[str, Any]]:
    with graph(emulator, KIM) as g:
        answer = g.get(f"/me/calendars/{calendar}/events", params=EXPAND)
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["value"] if mirrors.marker_of(e)]


def local_copies(calendar: int) -> list[Event]:
    return list(Event.objects.filter(calendar_id=calendar).exclude(mirror_of="").order_by("pk"))


def quiet(summary: Any) -> bool:
    return summary.ok and summary.pulled == NOTHING and summary.pushed == NOTHING


def test_a_work_calendar_mirrored_busy_into_a_personal_one_and_back_never_loops(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    original = secret_meeting(
        emulator, KIM, work, attendees=[{"emailAddress": {"address": LEE}, "type": "required"}]
    )
    mine = dentist(kim, personal)
    assert link(kim, work, personal, "busy").status_code == 200
    first = sync(kim)
    assert first.ok, first.errors
    assert (first.pulled["created"], first.pushed["created"]) == (1, 1)

    (here,) = local_copies(personal)
    assert (here.title, here.description, here.location) == ("Busy", "", "")
    assert here.mirror_of == original["id"] and here.mirror_mode == "busy"
    assert here.mirror_source_name == "Work" and here.attendees.count() == 0
    assert here.start == at(3, 9) and here.end == at(3, 10) and here.show_as == "busy"
    shown = api(kim, "GET", f"/api/events/{here.pk}").json()
    assert shown["mirror"] == {"of": original["id"], "mode": "busy", "calendar": "Work"}

    (there,) = outlook_copies(emulator, work)
    assert there["subject"] == "Busy" and there["attendees"] == []
    assert there["location"]["displayName"] == "" and "Root canal" not in there["body"]["content"]
    assert there["showAs"] == "oof" and there["isReminderOn"] is False
    source, of, mode, _made = mirrors.parse_marker(mirrors.marker_of(there)) or ("", "", "", "")
    assert (source, mode) == (f"calsync:{personal}", "busy")
    assert of == str(Event.objects.get(pk=mine).uid)
    assert subjects(emulator, KIM) == []  # nothing reached the default calendar
    mails = len(emulator.outbox())

    for _ in range(10):
        assert quiet(sync(kim))
    (again,) = outlook_copies(emulator, work)
    assert again["changeKey"] == there["changeKey"]
    assert [e.version for e in local_copies(personal)] == [here.version]
    assert len(emulator.outbox()) == mails  # a copy mails nobody
    assert (
        len(_events(emulator, work)) == 2
        and Event.objects.filter(calendar_id=personal).count() == 2
    )


def test_copies_follow_their_originals_and_are_put_back_when_edited(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    original = secret_meeting(emulator, KIM, work)
    mine = dentist(kim, personal)
    assert link(kim, work, personal, "busy").status_code == 200
    assert sync(kim).ok
    (here,) = local_copies(personal)

    # an edited copy never reaches its original and is put back
    assert api(kim, "PATCH", f"/api/events/{here.pk}", {"title": "Mine now"}).is_success
    (there,) = outlook_copies(emulator, work)
    with graph(emulator, KIM) as g:
        assert g.patch(f"/me/events/{there['id']}", json={"subject": "Lunch?"}).is_success
    summary = sync(kim)
    assert summary.ok and summary.pulled["updated"] == 1 and summary.pushed["updated"] == 1
    assert Event.objects.get(pk=here.pk).title == "Busy"
    assert [c["subject"] for c in outlook_copies(emulator, work)] == ["Busy"]
    with graph(emulator, KIM) as g:
        assert g.get(f"/me/events/{original['id']}").json()["subject"] == "Merger talks"
    assert Event.objects.get(pk=mine).title == "Dentist"

    # a moved original moves its copy
    with graph(emulator, KIM) as g:
        moved = {"start": graph_time(at(4, 11)), "end": graph_time(at(4, 12))}
        assert g.patch(f"/me/events/{original['id']}", json=moved).is_success
    assert sync(kim).ok
    assert (Event.objects.get(pk=here.pk).start, Event.objects.get(pk=here.pk).end) == (
        at(4, 11),
        at(4, 12),
    )

    # a deleted original removes its copy, either side
    with graph(emulator, KIM) as g:
        assert g.delete(f"/me/events/{original['id']}").status_code == 204
    assert api(kim, "DELETE", f"/api/events/{mine}").is_success
    summary = sync(kim)
    assert summary.ok and summary.pulled["deleted"] == 1 and summary.pushed["deleted"] == 1
    assert local_copies(personal) == [] and outlook_copies(emulator, work) == []
    assert quiet(sync(kim))


def test_redacted_keeps_the_title_only(emulator: EmulatorServer, connect_by_consent: Any) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    secret_meeting(emulator, KIM, work)
    dentist(kim, personal)
    assert link(kim, work, personal, "redacted").status_code == 200
    assert sync(kim).ok
    (here,) = local_copies(personal)
    assert (here.title, here.description, here.location) == ("Merger talks", "", "")
    assert here.mirror_mode == "redacted"
    (there,) = outlook_copies(emulator, work)
    assert there["subject"] == "Dentist" and there["location"]["displayName"] == ""
    assert "Root canal" not in there["body"]["content"]
    assert quiet(sync(kim))
    # the link turns busy: every copy is rewritten as busy
    assert link(kim, work, personal, "busy").status_code == 200
    assert sync(kim).ok
    assert [c.title for c in local_copies(personal)] == ["Busy"]
    assert [c["subject"] for c in outlook_copies(emulator, work)] == ["Busy"]


def test_a_read_only_shared_calendar_mirrored_busy(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    emulator.add_user(LEE, "Lee", "pw")
    emulator.add_user(NIA, "Nia", "pw")
    invite = [{"emailAddress": {"address": LEE}, "type": "required"}]
    maybe = secret_meeting(emulator, NIA, None, subject="Maybe", attendees=invite)
    declined = secret_meeting(emulator, NIA, None, subject="No thanks", attendees=invite)
    both = [*invite, {"emailAddress": {"address": KIM}, "type": "required"}]
    secret_meeting(emulator, NIA, None, subject="Kim is invited too", attendees=both)
    secret_meeting(emulator, LEE, None, subject="Lee's rota")
    _answer(emulator, LEE, maybe["iCalUId"], "tentativelyAccept")
    _answer(emulator, LEE, declined["iCalUId"], "decline")
    shared = emulator.share_calendar(LEE, KIM, can_edit=False)["id"]
    lees = calsync_calendar(kim, "Lee")
    dentist(kim, lees)
    assert link(kim, shared, lees, "busy").status_code == 200
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert summary.pushed == NOTHING  # nothing is written in a read-only calendar
    copies = local_copies(lees)
    assert sorted((c.show_as, c.title) for c in copies) == [("busy", "Busy"), ("tentative", "Busy")]
    with graph(emulator, LEE) as g:
        subjects_there = sorted(e["subject"] for e in g.get("/me/calendar/events").json()["value"])
    assert "Dentist" not in subjects_there and "Busy" not in subjects_there
    for _ in range(3):
        assert quiet(sync(kim))


def _answer(emulator: EmulatorServer, email: str, ical_uid: str, verb: str) -> None:
    with graph(emulator, email) as g:
        listed = g.get("/me/calendar/events", params={"$top": "100"}).json()["value"]
        (mine,) = [e for e in listed if e["iCalUId"] == ical_uid]
        answer = g.post(f"/me/events/{mine['id']}/{verb}", json={"sendResponse": True})
    assert answer.status_code == 202, answer.text


def test_a_series_mirrors_as_a_series(emulator: EmulatorServer, connect_by_consent: Any) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    weekly = {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [at(3).strftime("%A").lower()]},
        "range": {
            "type": "numbered",
            "startDate": at(3).date().isoformat(),
            "numberOfOccurrences": 5,
        },
    }
    secret_meeting(emulator, KIM, work, recurrence=weekly)
    body = {
        "title": "Gym",
        "description": "<p>legs</p>",
        "start": at(2, 7).strftime("%Y-%m-%dT%H:%M:%S"),
        "end": at(2, 8).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC",
        "recurrence": "FREQ=DAILY;COUNT=4",
        "calendar": personal,
    }
    assert api(kim, "POST", "/api/events", body).status_code == 201
    assert link(kim, work, personal, "busy").status_code == 200
    first = sync(kim)
    assert first.ok, first.errors
    (here,) = local_copies(personal)
    assert here.recurrence.startswith("FREQ=WEEKLY") and "COUNT=5" in here.recurrence
    assert here.title == "Busy" and here.description == ""
    (there,) = outlook_copies(emulator, work)
    assert there["type"] == "seriesMaster" and there["subject"] == "Busy"
    assert there["recurrence"]["pattern"]["type"] == "daily"
    assert there["recurrence"]["range"]["numberOfOccurrences"] == 4
    for _ in range(3):
        assert quiet(sync(kim))

    # an occurrence cancelled on either side leaves the copy series too
    gym = Event.objects.get(title="Gym")
    third = gym.start + timedelta(days=2)
    cancel = f"/api/events/{gym.pk}.{third.strftime('%Y%m%dT%H%M%SZ')}"
    assert api(kim, "DELETE", cancel).is_success
    with graph(emulator, KIM) as g:
        (master,) = [e for e in _events(emulator, work) if e["subject"] == "Merger talks"]
        week = {"startDateTime": at(0).isoformat(), "endDateTime": at(60).isoformat()}
        occurrences = g.get(f"/me/events/{master['id']}/instances", params=week).json()["value"]
        assert g.delete(f"/me/events/{occurrences[1]['id']}").status_code == 204
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert Event.objects.get(pk=here.pk).cancellations.count() == 1
    with graph(emulator, KIM) as g:
        left = g.get(f"/me/events/{there['id']}/instances", params=week).json()["value"]
    assert len(left) == 3
    assert third.strftime("%Y-%m-%dT%H:%M") not in " ".join(o["originalStart"] for o in left)
    for _ in range(3):
        assert quiet(sync(kim))


def test_a_mirror_turned_two_way_loses_its_copies_and_syncs_the_originals(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    secret_meeting(emulator, KIM, work)
    dentist(kim, personal)
    assert link(kim, work, personal, "busy").status_code == 200
    assert sync(kim).ok
    assert len(local_copies(personal)) == 1 and len(outlook_copies(emulator, work)) == 1
    assert link(kim, work, personal, "two-way").status_code == 200
    assert local_copies(personal) == []  # the copy here goes at once
    summary = sync(kim)
    assert summary.ok, summary.errors
    # the copy in Outlook is gone, never pulled; the originals now sync both ways
    assert outlook_copies(emulator, work) == []
    assert sorted(e["subject"] for e in _events(emulator, work)) == ["Dentist", "Merger talks"]
    here = Event.objects.filter(calendar_id=personal, series__isnull=True)
    assert sorted(here.values_list("title", flat=True)) == ["Dentist", "Merger talks"]
    assert quiet(sync(kim))


def _stopped_mirror(emulator: EmulatorServer, kim: Any, stop: Any) -> None:
    """Mirror busy both ways next to another link's copies, ``stop`` the mirror, sync: no
    copy of that link is left on either side, originals and the other link's copies stay,
    and nobody was mailed."""
    work = outlook_calendar(emulator, KIM, "Work")
    team = outlook_calendar(emulator, KIM, "Team")
    personal = calsync_calendar(kim, "Personal")
    other = calsync_calendar(kim, "Other")
    invite = [{"emailAddress": {"address": LEE}, "type": "required"}]
    original = secret_meeting(emulator, KIM, work, attendees=invite)
    mine = dentist(kim, personal)
    secret_meeting(emulator, KIM, team, subject="Team sync")
    dentist(kim, other)
    assert link(kim, work, personal, "busy").status_code == 200
    assert link(kim, team, other, "busy").status_code == 200
    assert sync(kim).ok
    assert len(local_copies(personal)) == 1 and len(outlook_copies(emulator, work)) == 1
    mails = len(emulator.outbox())

    stop(work, personal)
    assert local_copies(personal) == []  # the copy here goes at once
    preview = run_sync(kim.account, "test", preview=True)
    assert preview.pushed["deleted"] == 1 and len(outlook_copies(emulator, work)) == 1
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert summary.pushed["deleted"] == 1
    assert local_copies(personal) == [] and outlook_copies(emulator, work) == []
    with graph(emulator, KIM) as g:
        kept = g.get(f"/me/events/{original['id']}").json()
    assert kept["subject"] == "Merger talks" and kept["attendees"]
    assert Event.objects.get(pk=mine).title == "Dentist"
    # the other link's copies are not this link's business
    assert len(local_copies(other)) == 1 and len(outlook_copies(emulator, team)) == 1
    assert len(emulator.outbox()) == mails  # a deleted copy mails nobody
    assert quiet(sync(kim))
    assert len(local_copies(other)) == 1 and len(outlook_copies(emulator, team)) == 1


def test_a_mirror_turned_off_loses_its_copies_on_both_sides(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")

    def off(work: str, personal: int) -> None:
        assert link(kim, work, personal, "off").status_code == 200

    _stopped_mirror(emulator, kim, off)


def test_a_deleted_mirror_link_loses_its_copies_on_both_sides(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")

    def unlink(work: str, _personal: int) -> None:
        assert api(kim, "DELETE", f"/api/outlook/calendars/{work}").status_code == 204

    _stopped_mirror(emulator, kim, unlink)


def test_a_deleted_mirrored_calendar_loses_its_copies_on_both_sides(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    """The calsync calendar of a busy link deleted (the API the sidebar uses): its copies
    here go at once (they do not move to the default calendar), the link goes, and the
    copies made in Outlook from it at the next sync; its originals move, as always."""
    kim = connect_by_consent(KIM, "Kim")

    def delete_calendar(work: str, personal: int) -> None:
        answer = api(kim, "DELETE", f"/api/calendars/{personal}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["moved"] == 1  # the dentist; the copy was deleted
        copies = Event.objects.filter(owner=kim.account.user, mirror_source__startswith="outlook:")
        assert list(copies.filter(calendar__name="Personal")) == []
        assert not copies.filter(mirror_of__gt="", calendar__is_default=True).exists()
        assert not CalendarLink.objects.filter(account=kim.account, remote_id=work).exists()
        assert MirrorCleanup.objects.filter(remote_id=work, calendar_id=personal).count() == 1

    _stopped_mirror(emulator, kim, delete_calendar)
    assert not MirrorCleanup.objects.exists()


def test_a_mirror_turned_off_and_on_again_before_a_sync_keeps_one_copy_each(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    secret_meeting(emulator, KIM, work)
    dentist(kim, personal)
    assert link(kim, work, personal, "busy").status_code == 200
    assert sync(kim).ok
    (there,) = outlook_copies(emulator, work)
    assert link(kim, work, personal, "off").status_code == 200
    assert link(kim, work, personal, "redacted").status_code == 200
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert [c.title for c in local_copies(personal)] == ["Merger talks"]
    (again,) = outlook_copies(emulator, work)
    assert again["id"] == there["id"] and again["subject"] == "Dentist"
    assert quiet(sync(kim))


def test_all_day_originals_mirror_as_all_day(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    first, last = at(5).date(), at(7).date()
    day = {"dateTime": f"{first.isoformat()}T00:00:00", "timeZone": "UTC"}
    end = {"dateTime": f"{last.isoformat()}T00:00:00", "timeZone": "UTC"}
    secret_meeting(emulator, KIM, work, isAllDay=True, start=day, end=end, showAs="oof")
    body = {
        "title": "Holiday",
        "all_day": True,
        "start": at(10).date().isoformat(),
        "end": at(11).date().isoformat(),
        "calendar": personal,
    }
    assert api(kim, "POST", "/api/events", body).status_code == 201
    assert link(kim, work, personal, "busy").status_code == 200
    assert sync(kim).ok
    (here,) = local_copies(personal)
    assert here.all_day and (here.start_date, here.end_date) == (first, last)
    assert here.show_as == "oof" and here.title == "Busy"
    (there,) = outlook_copies(emulator, work)
    assert there["isAllDay"] is True and there["start"]["dateTime"].startswith(
        at(10).date().isoformat()
    )
    assert quiet(sync(kim)) and quiet(sync(kim))


def test_only_the_sync_window_is_mirrored(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    long_ago = {"start": graph_time(at(-400, 9)), "end": graph_time(at(-400, 10))}
    secret_meeting(emulator, KIM, work, subject="Old offsite", **long_ago)
    moving = secret_meeting(emulator, KIM, work)
    old = {
        "title": "Old dentist",
        "start": at(-400, 14).strftime("%Y-%m-%dT%H:%M:%S"),
        "end": at(-400, 15).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC",
        "calendar": personal,
    }
    assert api(kim, "POST", "/api/events", old).status_code == 201
    assert link(kim, work, personal, "busy").status_code == 200
    first = sync(kim)
    assert first.ok, first.errors
    # only the meeting in the window (a year back, two ahead) is copied, either way
    assert (first.pulled["created"], first.pushed["created"]) == (1, 0)
    (here,) = local_copies(personal)
    assert here.mirror_of == moving["id"]
    assert outlook_copies(emulator, work) == []

    # an original and its copy both moved out of the window are left alone, not deleted
    with graph(emulator, KIM) as g:
        assert g.patch(f"/me/events/{moving['id']}", json=long_ago).is_success
    moved = {
        "start": at(-400, 9).strftime("%Y-%m-%dT%H:%M:%S"),
        "end": at(-400, 10).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC",
    }
    assert api(kim, "PATCH", f"/api/events/{here.pk}", moved).is_success
    assert quiet(sync(kim))
    assert [c.pk for c in local_copies(personal)] == [here.pk]
    assert sorted(e["subject"] for e in _events(emulator, work)) == ["Merger talks", "Old offsite"]
    assert Event.objects.filter(title="Old dentist").exists()


def test_a_mirror_moved_to_another_calendar_moves_its_copies(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    family = calsync_calendar(kim, "Family")
    original = secret_meeting(emulator, KIM, work)
    dentist(kim, personal)
    mine = dentist(kim, family)
    assert link(kim, work, personal, "busy").status_code == 200
    assert sync(kim).ok
    assert link(kim, work, family, "busy").status_code == 200
    assert local_copies(personal) == []  # the copy here left at once
    summary = sync(kim)
    assert summary.ok, summary.errors
    (here,) = local_copies(family)
    assert here.mirror_of == original["id"]
    (there,) = outlook_copies(emulator, work)
    source, of, _mode, _made = mirrors.parse_marker(mirrors.marker_of(there)) or ("", "", "", "")
    assert (source, of) == (f"calsync:{family}", str(Event.objects.get(pk=mine).uid))
    assert quiet(sync(kim))


def _weekly(count: int) -> dict[str, Any]:
    return {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [at(3).strftime("%A").lower()]},
        "range": {
            "type": "numbered",
            "startDate": at(3).date().isoformat(),
            "numberOfOccurrences": count,
        },
    }


def _gym(kim: Any, calendar: int) -> Event:
    made = made_here(
        kim,
        calendar,
        "Gym",
        "<p>legs</p>",
        start=at(2, 7).strftime("%Y-%m-%dT%H:%M:%S"),
        end=at(2, 8).strftime("%Y-%m-%dT%H:%M:%S"),
        recurrence="FREQ=DAILY;COUNT=4",
    )
    return Event.objects.get(pk=made)


def _instances(emulator: EmulatorServer, email: str, path: str) -> list[dict[str, Any]]:
    window = {"startDateTime": at(0).isoformat(), "endDateTime": at(60).isoformat()}
    with graph(emulator, email) as g:
        answer = g.get(f"{path}/instances", params=window)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["value"])


def _stamp(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _move_one_occurrence_each_side(
    emulator: EmulatorServer, kim: Any, master: dict[str, Any], gym: Event
) -> Any:
    """The Outlook series' second week two hours later and retitled; the gym's third day
    at noon and retitled here. The gym's third original start."""
    # moved (and retitled) in Outlook: the second week's meeting, two hours later
    (_first, second, *_rest) = _instances(emulator, KIM, f"/me/events/{master['id']}")
    later = {
        "subject": "Merger talks (late)",
        "start": graph_time(at(10, 11)),
        "end": graph_time(at(10, 12)),
        "location": {"displayName": "Room 9"},
    }
    with graph(emulator, KIM) as g:
        assert g.patch(f"/me/events/{second['id']}", json=later).is_success
    third = gym.start + timedelta(days=2)
    moved = {
        "title": "Gym (arms)",
        "start": (third + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S"),
        "end": (third + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC",
    }
    answer = api(kim, "PATCH", f"/api/events/{gym.pk}.{third.strftime('%Y%m%dT%H%M%SZ')}", moved)
    assert answer.is_success, answer.text
    return third


def test_a_moved_occurrence_moves_on_the_copy_series_both_ways(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    """Redacted both ways: an occurrence moved and retitled in Outlook is moved and
    retitled on the copy series here, one moved here on the copy series in Outlook; an
    occurrence of a copy moved by hand is put back; then nothing more is written."""
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    master = secret_meeting(emulator, KIM, work, recurrence=_weekly(5))
    gym = _gym(kim, personal)
    assert link(kim, work, personal, "redacted").status_code == 200
    assert sync(kim).ok

    third = _move_one_occurrence_each_side(emulator, kim, master, gym)
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert (summary.pulled["updated"], summary.pushed["updated"]) == (1, 1)

    (here,) = local_copies(personal)
    (exception,) = here.exceptions.all()
    assert _stamp(exception.original_start) == _stamp(at(10, 9))
    assert (exception.start, exception.end) == (at(10, 11), at(10, 12))
    assert (exception.title, exception.location, exception.description) == (
        "Merger talks (late)",
        "",
        "",
    )
    (there,) = outlook_copies(emulator, work)
    copied = _instances(emulator, KIM, f"/me/events/{there['id']}")
    (changed,) = [o for o in copied if o["type"] == "exception"]
    assert changed["originalStart"].startswith(_stamp(third))
    assert changed["start"]["dateTime"].startswith(_stamp(third + timedelta(hours=5)))
    with graph(emulator, KIM) as g:
        full = g.get(f"/me/events/{changed['id']}").json()
    assert full["subject"] == "Gym (arms)" and "legs" not in full["body"]["content"]
    for _ in range(3):
        assert quiet(sync(kim))

    # a copy's occurrence moved by hand is put back
    by_hand = {
        "start": graph_time(third + timedelta(hours=9)),
        "end": graph_time(third + timedelta(hours=10)),
    }
    with graph(emulator, KIM) as g:
        assert g.patch(f"/me/events/{changed['id']}", json=by_hand).is_success
    summary = sync(kim)
    assert summary.ok and summary.pushed["updated"] == 1
    (again,) = [
        o
        for o in _instances(emulator, KIM, f"/me/events/{there['id']}")
        if o["type"] == "exception"
    ]
    assert again["start"]["dateTime"].startswith(_stamp(third + timedelta(hours=5)))
    assert quiet(sync(kim))


def test_a_copy_series_in_a_shared_calendar_follows_its_originals_occurrences(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    """Lee's calendar shared with Kim (editable) mirrored busy from Kim's calsync calendar:
    the copy series there, written through the share's entry, loses the occurrence its
    original cancelled and moves the one its original moved."""
    kim = connect_by_consent(KIM, "Kim")
    emulator.add_user(LEE, "Lee", "pw")
    shared = emulator.share_calendar(LEE, KIM, can_edit=True)["id"]
    lees = calsync_calendar(kim, "Lee")
    gym = _gym(kim, lees)
    assert link(kim, shared, lees, "busy").status_code == 200
    first = sync(kim)
    assert first.ok and first.pushed["created"] == 1, (first.pushed, first.errors)
    second, third = gym.start + timedelta(days=1), gym.start + timedelta(days=2)
    assert api(
        kim, "DELETE", f"/api/events/{gym.pk}.{second.strftime('%Y%m%dT%H%M%SZ')}"
    ).is_success
    moved = {
        "start": (third + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S"),
        "end": (third + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC",
    }
    assert api(
        kim, "PATCH", f"/api/events/{gym.pk}.{third.strftime('%Y%m%dT%H%M%SZ')}", moved
    ).is_success
    summary = sync(kim)
    assert summary.ok, summary.errors
    with graph(emulator, LEE) as g:
        listed = g.get("/me/calendar/events", params=EXPAND).json()["value"]
    (copy,) = [e for e in listed if mirrors.marker_of(e)]
    left = _instances(emulator, LEE, f"/me/events/{copy['id']}")
    starts = [o["originalStart"][:16] for o in left]
    assert len(left) == 3 and _stamp(second) not in starts
    (changed,) = [o for o in left if o["type"] == "exception"]
    assert changed["originalStart"].startswith(_stamp(third))
    assert changed["start"]["dateTime"].startswith(_stamp(third + timedelta(hours=3)))
    for _ in range(3):
        assert quiet(sync(kim))


def test_an_all_day_series_moved_occurrence_mirrors_by_date(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    first = at(3).date()
    day = {"dateTime": f"{first.isoformat()}T00:00:00", "timeZone": "UTC"}
    end = {"dateTime": f"{(first + timedelta(days=1)).isoformat()}T00:00:00", "timeZone": "UTC"}
    master = secret_meeting(
        emulator, KIM, work, isAllDay=True, start=day, end=end, recurrence=_weekly(4)
    )
    assert link(kim, work, personal, "busy").status_code == 200
    assert sync(kim).ok
    (_one, second, *_rest) = _instances(emulator, KIM, f"/me/events/{master['id']}")
    moved_to = first + timedelta(days=8)
    moved = {
        "start": {"dateTime": f"{moved_to.isoformat()}T00:00:00", "timeZone": "UTC"},
        "end": {
            "dateTime": f"{(moved_to + timedelta(days=1)).isoformat()}T00:00:00",
            "timeZone": "UTC",
        },
    }
    with graph(emulator, KIM) as g:
        assert g.patch(f"/me/events/{second['id']}", json=moved).is_success
    summary = sync(kim)
    assert summary.ok and summary.pulled["updated"] == 1, (summary.pulled, summary.errors)
    (here,) = local_copies(personal)
    (exception,) = here.exceptions.all()
    assert exception.all_day and exception.start_date == moved_to
    assert exception.original_start.date() == first + timedelta(days=7)
    for _ in range(3):
        assert quiet(sync(kim))


def test_an_occurrence_archived_here_is_cancelled_on_the_copy_series_in_outlook(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    """An archived occurrence of a series here (a moved one, and one as the rule made it)
    leaves the copy series in Outlook, its moved exception too; then all is quiet."""
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    gym = _gym(kim, personal)
    assert link(kim, work, personal, "busy").status_code == 200
    assert sync(kim).ok
    second, third = gym.start + timedelta(days=1), gym.start + timedelta(days=2)
    moved = {
        "start": (second + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S"),
        "end": (second + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC",
    }
    assert api(kim, "PATCH", f"/api/events/{_occurrence_id(gym, second)}", moved).is_success
    assert sync(kim).pushed["updated"] == 1
    (there,) = outlook_copies(emulator, work)
    kinds = [o["type"] for o in _instances(emulator, KIM, f"/me/events/{there['id']}")]
    assert kinds.count("exception") == 1 and len(kinds) == 4

    for start in (second, third):
        archived = api(kim, "POST", f"/api/events/{_occurrence_id(gym, start)}/archive", {})
        assert archived.is_success, archived.text
    summary = sync(kim)
    assert summary.ok, summary.errors
    assert summary.pushed == {"created": 0, "updated": 1, "deleted": 0}
    left = _instances(emulator, KIM, f"/me/events/{there['id']}")
    assert [o["originalStart"][:16] for o in left] == [
        _stamp(gym.start),
        _stamp(gym.start + timedelta(days=3)),
    ]
    assert all(o["type"] == "occurrence" for o in left)
    for _ in range(2):
        assert quiet(sync(kim))


def _occurrence_id(series: Event, original_start: Any) -> str:
    return f"{series.pk}.{original_start.strftime('%Y%m%dT%H%M%SZ')}"
