"""A Hypothesis state machine: random edits on both sides, syncs (some with faults on the
wire), and after every clean sync: both sides hold the same events, nothing is duplicated,
and no edit is lost (no event shows a value that an edit replaced). An Outlook edit made
since the last sync goes with its event when Outlook deletes it (Graph reports a deleted
event by its id alone, docs/sync.md, Archive, unarchive and delete): the archived copy here
holds the content last synced, so its replaced title may come back on a restore.

calsync's side is edited through the calendar actions, Outlook's through Graph HTTP calls
on the emulator. Bounded: ``CALSYNC_HYPOTHESIS_PROFILE=ci`` (the default here) keeps it
under a minute; ``=long`` explores more.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule
from tests.integration.sync_rules import SyncRules
from tests.integration.sync_world import at, graph_time

from calsync.calendars import actions
from calsync.calendars.models import Event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROFILES = {
    "ci": settings(
        max_examples=12,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    ),
    "long": settings(
        max_examples=60,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    ),
}
GUESTS = ("g1@external.test", "g2@external.test", "g3@external.test")


class BothSides(SyncRules):
    def __init__(self) -> None:
        super().__init__()
        self.replaced_here: set[str] = set()
        self.replaced_there: set[str] = set()
        self.unsynced_there: dict[str, set[str]] = {}  # Outlook id -> titles its edits replaced

    @property
    def superseded(self) -> set[str]:
        """The titles an edit replaced that must never show again."""
        return self.replaced_here | self.replaced_there

    # -- calsync side --------------------------------------------------------------------
    def _locals(self) -> list[Event]:
        return self.world.events()

    @rule(day=st.integers(1, 30), hour=st.integers(6, 18), guests=st.sets(st.sampled_from(GUESTS)))
    def local_create(self, day: int, hour: int, guests: set[str]) -> None:
        self.world.create(
            title=self.fresh("L"),
            start=at(day, hour),
            end=at(day, hour + 1),
            timezone="Europe/Paris",
            attendees=[{"email": g} for g in sorted(guests)],
        )

    @precondition(lambda self: self._locals())
    @rule(data=st.data())
    def local_edit(self, data: Any) -> None:
        event = data.draw(st.sampled_from(self._locals()))
        self.replaced_here.add(event.title)
        actions.do_update_event(event, {"title": self.fresh("l")})

    @precondition(lambda self: self._locals())
    @rule(data=st.data(), shift=st.integers(-2, 2))
    def local_move(self, data: Any, shift: int) -> None:
        event = data.draw(st.sampled_from(self._locals()))
        new_start = event.start.replace(hour=max(0, min(20, event.start.hour + shift)))
        actions.do_update_event(
            event, {"start": new_start, "end": new_start.replace(hour=new_start.hour + 2)}
        )

    @precondition(lambda self: self._locals())
    @rule(data=st.data(), guests=st.sets(st.sampled_from(GUESTS)))
    def local_attendees(self, data: Any, guests: set[str]) -> None:
        event = data.draw(st.sampled_from(self._locals()))
        actions.do_update_event(event, {"attendees": [{"email": g} for g in sorted(guests)]})

    @precondition(lambda self: self._locals())
    @rule(data=st.data())
    def local_delete(self, data: Any) -> None:
        actions.do_delete_event(data.draw(st.sampled_from(self._locals())))

    @precondition(lambda self: self._locals())
    @rule(data=st.data())
    def local_archive(self, data: Any) -> None:
        actions.do_archive_event(data.draw(st.sampled_from(self._locals())))

    @precondition(lambda self: self.world.events(active=False))
    @rule(data=st.data())
    def local_unarchive(self, data: Any) -> None:
        actions.do_unarchive_event(data.draw(st.sampled_from(self.world.events(active=False))))

    # -- Outlook side --------------------------------------------------------------------
    def _remotes(self) -> list[dict[str, Any]]:
        return sorted(self.world.outlook_events(), key=lambda e: e["subject"])

    @rule(day=st.integers(1, 30), hour=st.integers(6, 18))
    def remote_create(self, day: int, hour: int) -> None:
        self.world.outlook_create(
            {
                "subject": self.fresh("R"),
                "start": graph_time(at(day, hour)),
                "end": graph_time(at(day, hour + 1)),
            }
        )

    @precondition(lambda self: self.synced_clean)
    @rule(data=st.data())
    def remote_edit(self, data: Any) -> None:
        remotes = self._remotes()
        if not remotes:
            return
        event = data.draw(st.sampled_from(remotes))
        self.replaced_there.add(event["subject"])
        self.unsynced_there.setdefault(event["id"], set()).add(event["subject"])
        self.world.outlook_patch(event["id"], {"subject": self.fresh("r")})

    @precondition(lambda self: self.synced_clean)
    @rule(data=st.data())
    def remote_delete(self, data: Any) -> None:
        remotes = self._remotes()
        if remotes:
            remote_id = data.draw(st.sampled_from(remotes))["id"]
            self.world.outlook_delete(remote_id)
            # its edits since the last sync go with it: Graph never tells their content
            self.replaced_there -= self.unsynced_there.pop(remote_id, set())

    def check(self) -> None:
        self.unsynced_there.clear()  # a clean sync read every Outlook edit
        local = sorted(
            (e.title, e.start.isoformat(), tuple(sorted(a.email for a in e.attendees.all())))
            for e in self.world.events()
        )
        remote = sorted(
            (
                e["subject"],
                _utc(e["start"]["dateTime"]),
                tuple(sorted(a["emailAddress"]["address"] for a in e["attendees"])),
            )
            for e in self.world.outlook_events()
        )
        assert local == remote, "the two sides differ after a sync"
        titles = [t for t, _s, _a in local]
        assert len(titles) == len(set(titles)), "an event is duplicated"
        assert not set(titles) & self.superseded, "an edit was lost"

    @invariant()
    def nothing_duplicated_in_outlook(self) -> None:
        subjects = [e["subject"] for e in self.world.outlook_events()]
        assert len(subjects) == len(set(subjects))


def _utc(value: str) -> str:
    from datetime import UTC, datetime

    return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC).isoformat()


def test_random_edits_on_both_sides_converge(emulator: Any, settings: Any) -> None:
    BothSides.emulator = emulator
    profile = PROFILES[os.environ.get("CALSYNC_HYPOTHESIS_PROFILE", "ci")]
    BothSides.TestCase.settings = profile
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(BothSides, settings=profile)
