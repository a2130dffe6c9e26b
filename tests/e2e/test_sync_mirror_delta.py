"""A busy or redacted link reads its Outlook calendar through a delta round of its own
(docs/sync.md, Mirrors, "What a run asks Graph"), over HTTPS against the emulator:

* a run in which nothing changed asks Graph one delta request per mirrored calendar and
  lists nothing;
* a change in Outlook comes through the delta round (the calendar is listed again), a
  change here is copied to Outlook from the stored listing, and neither makes a duplicate;
* series on both sides, each with a moved occurrence, cost a quiet run nothing more (their
  exceptions are stored with the listing), and an occurrence moved later still comes
  through the round;
* a delta link Graph no longer knows (410 ``SyncStateNotFound``) and a moved window fall
  back to a new round and a full listing, and nothing is lost.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.e2e.test_sync_calendar_links import (
    KIM,
    LEE,
    api,
    calsync_calendar,
    graph,
    link,
    outlook_calendar,
    sync,
)
from tests.e2e.test_sync_mirrors import (
    NOTHING,
    _gym,
    _instances,
    _move_one_occurrence_each_side,
    _stamp,
    _weekly,
    dentist,
    local_copies,
    outlook_copies,
    quiet,
    secret_meeting,
)
from tests.integration.sync_world import at, graph_time

from calsync.calendars.models import Event
from calsync.outlook.models import CalendarLink
from graph_emulator.testing import EmulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK_DELTA = "GET /me/calendars/{calendar_id}/calendarView/delta"
LINK_LISTING = "GET /me/calendars/{calendar_id}/events"
PRIMARY_DELTA = "GET /me/calendarView/delta"


def routes_of(emulator: EmulatorServer, browser: Any) -> tuple[Any, dict[str, int]]:
    """One sync of ``browser``'s account, and the Graph operations it made."""
    emulator.clear_stats()
    summary = sync(browser)
    assert summary.ok, summary.errors
    return summary, dict(emulator.stats()["by_route"])


def mirrored(emulator: EmulatorServer, connect_by_consent: Any, mode: str) -> tuple[Any, str, int]:
    """Kim's Work calendar (one meeting) linked in ``mode`` with her calsync Personal
    calendar (one event), synced until quiet."""
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    secret_meeting(emulator, KIM, work)
    dentist(kim, personal)
    assert link(kim, work, personal, mode).status_code == 200
    first = sync(kim)
    assert first.ok, first.errors
    assert (first.pulled["created"], first.pushed["created"]) == (1, 1)
    assert sync(kim).ok  # its delta round returns the copy the first run wrote there
    return kim, work, personal


def test_a_run_with_no_change_asks_one_delta_request_per_mirrored_calendar(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim, work, personal = mirrored(emulator, connect_by_consent, "busy")
    emulator.add_user(LEE, "Lee", "pw")
    secret_meeting(emulator, LEE, None, subject="Lee's rota")
    shared = emulator.share_calendar(LEE, KIM, can_edit=False)["id"]
    team = calsync_calendar(kim, "Team")
    assert link(kim, shared, team, "busy").status_code == 200
    assert sync(kim).ok
    assert len(local_copies(team)) == 1

    for _ in range(3):
        summary, routes = routes_of(emulator, kim)
        assert quiet(summary)
        assert routes == {PRIMARY_DELTA: 1, LINK_DELTA: 2}
    assert len(local_copies(personal)) == 1 and len(local_copies(team)) == 1
    assert len(outlook_copies(emulator, work)) == 1


def test_changes_on_either_side_come_through_the_delta_round_without_duplicates(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim, work, personal = mirrored(emulator, connect_by_consent, "redacted")
    (original,) = [e for e in _listed(emulator, work) if e["subject"] == "Merger talks"]

    # Outlook changed: the round says so, the calendar is listed again
    with graph(emulator, KIM) as g:
        assert g.patch(f"/me/events/{original['id']}", json={"subject": "Budget"}).is_success
    summary, routes = routes_of(emulator, kim)
    assert summary.pulled == {"created": 0, "updated": 1, "deleted": 0}
    assert routes[LINK_DELTA] == 1 and routes[LINK_LISTING] == 2
    assert [c.title for c in local_copies(personal)] == ["Budget"]

    # calsync changed: the stored listing is enough to copy it there
    api(kim, "PATCH", f"/api/events/{_original_here(personal)}", {"title": "Checkup"})
    summary, routes = routes_of(emulator, kim)
    assert summary.pushed == {"created": 0, "updated": 1, "deleted": 0}
    assert summary.pulled == NOTHING
    assert routes[LINK_DELTA] == 1 and LINK_LISTING not in routes
    # the next round returns that write: listed once more, nothing to do, then quiet
    summary, routes = routes_of(emulator, kim)
    assert quiet(summary) and routes[LINK_LISTING] == 2
    summary, routes = routes_of(emulator, kim)
    assert quiet(summary) and routes == {PRIMARY_DELTA: 1, LINK_DELTA: 1}

    # a copy deleted in Outlook is seen through the round and made again
    (copy,) = outlook_copies(emulator, work)
    with graph(emulator, KIM) as g:
        assert g.delete(f"/me/events/{copy['id']}").status_code == 204
    summary, _routes = routes_of(emulator, kim)
    assert summary.pushed == {"created": 1, "updated": 0, "deleted": 0}
    assert [c["subject"] for c in outlook_copies(emulator, work)] == ["Checkup"]
    assert [c.title for c in local_copies(personal)] == ["Budget"]


def test_a_refused_delta_link_or_a_moved_window_lists_the_calendar_again(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim, work, personal = mirrored(emulator, connect_by_consent, "busy")
    stored = CalendarLink.objects.get(remote_id=work).mirror_delta_link
    with graph(emulator, KIM) as g:  # other rounds push the stored one out of Graph's memory
        for _ in range(6):
            round_ = g.get(
                f"/me/calendars/{work}/calendarView/delta",
                params={"startDateTime": at(-1).isoformat(), "endDateTime": at(9).isoformat()},
            )
            assert round_.status_code == 200, round_.text
        assert g.get(stored).status_code == 410
    secret_meeting(emulator, KIM, work, subject="Offsite", start=graph_time(at(5, 9)),
                   end=graph_time(at(5, 10)))  # fmt: skip

    summary, routes = routes_of(emulator, kim)
    assert summary.pulled == {"created": 1, "updated": 0, "deleted": 0}
    assert routes[LINK_DELTA] == 2  # the refused link, then a new round
    assert routes[LINK_LISTING] == 2
    assert sorted(c.start for c in local_copies(personal)) == [at(3, 9), at(5, 9)]
    assert CalendarLink.objects.get(remote_id=work).mirror_delta_link != stored
    summary, routes = routes_of(emulator, kim)
    assert quiet(summary) and routes == {PRIMARY_DELTA: 1, LINK_DELTA: 1}

    # yesterday's window: a new round over today's and a full listing
    CalendarLink.objects.filter(remote_id=work).update(
        mirror_window_start=CalendarLink.objects.get(remote_id=work).mirror_window_start
        - timedelta(days=1)
    )
    summary, routes = routes_of(emulator, kim)
    assert quiet(summary)
    assert routes[LINK_DELTA] == 1 and routes[LINK_LISTING] == 2
    summary, routes = routes_of(emulator, kim)
    assert quiet(summary) and routes == {PRIMARY_DELTA: 1, LINK_DELTA: 1}
    assert len(outlook_copies(emulator, work)) == 1 and len(local_copies(personal)) == 2


def test_a_quiet_run_with_series_asks_only_the_delta_rounds(
    emulator: EmulatorServer, connect_by_consent: Any
) -> None:
    kim = connect_by_consent(KIM, "Kim")
    work = outlook_calendar(emulator, KIM, "Work")
    personal = calsync_calendar(kim, "Personal")
    master = secret_meeting(emulator, KIM, work, recurrence=_weekly(5))
    secret_meeting(emulator, KIM, work, subject="Stand-up", start=graph_time(at(3, 8)),
                   end=graph_time(at(3, 9)), recurrence=_weekly(4))  # fmt: skip
    gym = _gym(kim, personal)
    assert link(kim, work, personal, "redacted").status_code == 200
    assert sync(kim).ok
    _move_one_occurrence_each_side(emulator, kim, master, gym)
    for _ in range(3):  # the writes' echo comes back through the round once
        assert sync(kim).ok
    assert len(local_copies(personal)) == 2 and len(outlook_copies(emulator, work)) == 1

    for _ in range(3):
        summary, routes = routes_of(emulator, kim)
        assert quiet(summary)
        assert routes == {PRIMARY_DELTA: 1, LINK_DELTA: 1}

    # an occurrence moved in Outlook later comes through the round and is mirrored
    third = [o for o in _instances(emulator, KIM, f"/me/events/{master['id']}")
             if _stamp(at(17, 9)) in o["originalStart"]]  # fmt: skip
    assert len(third) == 1
    later = {"start": graph_time(at(17, 13)), "end": graph_time(at(17, 14))}
    with graph(emulator, KIM) as g:
        assert g.patch(f"/me/events/{third[0]['id']}", json=later).is_success
    summary, routes = routes_of(emulator, kim)
    assert summary.pulled == {"created": 0, "updated": 1, "deleted": 0}
    assert summary.pushed == NOTHING
    (here,) = [c for c in local_copies(personal) if c.title == "Merger talks"]
    moved = {_stamp(e.original_start): e.start for e in here.exceptions.all()}
    assert moved == {_stamp(at(10, 9)): at(10, 11), _stamp(at(17, 9)): at(17, 13)}
    summary, routes = routes_of(emulator, kim)
    assert quiet(summary) and routes == {PRIMARY_DELTA: 1, LINK_DELTA: 1}


def _listed(emulator: EmulatorServer, calendar: str) -> list[dict[str, Any]]:
    with graph(emulator, KIM) as g:
        answer = g.get(f"/me/calendars/{calendar}/events", params={"$top": "100"})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["value"])


def _original_here(calendar: int) -> int:
    return int(Event.objects.get(calendar_id=calendar, mirror_of="").pk)
