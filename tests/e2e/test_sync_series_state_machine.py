"""A Hypothesis state machine over series: random series, occurrence edits, cancellations,
series edits and deletes on both sides, archives and unarchives here, syncs (some with
faults on the wire); after every clean sync both sides show the same occurrences (time and
title of each, per series), and no series or occurrence is duplicated.

calsync's side is edited through the calendar actions, Outlook's through Graph calls on the
emulator. Bounded like the two-way state machine (``CALSYNC_HYPOTHESIS_PROFILE``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from tests.integration.sync_rules import SyncRules
from tests.integration.sync_world import at

from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.calendars.occurrences import Occurrence, list_window

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROFILES = {
    "ci": settings(
        max_examples=8, stateful_step_count=18, deadline=None,
        suppress_health_check=list(HealthCheck),
    ),
    "long": settings(
        max_examples=40, stateful_step_count=40, deadline=None,
        suppress_health_check=list(HealthCheck),
    ),
}  # fmt: skip
LOW, HIGH = at(-2), at(60)
ROMANCE = "Romance Standard Time"


class SeriesOnBothSides(SyncRules):
    # -- calsync side --------------------------------------------------------------------
    def _series(self) -> list[Event]:
        return [e for e in self.world.events() if e.recurrence]

    def _slots(self, series: Event) -> list[datetime]:
        """Original starts of the series' live occurrences and exceptions in the window."""
        rows = list_window(Event.objects.filter(pk=series.pk) | series.exceptions.all(), LOW, HIGH)
        return sorted(item.original_start for item in rows if item.original_start is not None)

    @rule(day=st.integers(1, 20), hour=st.integers(7, 16), count=st.integers(3, 6))
    def local_create_series(self, day: int, hour: int, count: int) -> None:
        self.world.create(
            title=self.fresh("L"), start=at(day, hour), end=at(day, hour, 30),
            timezone="Europe/Paris", recurrence=f"FREQ=DAILY;INTERVAL=2;COUNT={count}",
        )  # fmt: skip

    @precondition(lambda self: self._series())
    @rule(data=st.data())
    def local_edit_series(self, data: Any) -> None:
        series = data.draw(st.sampled_from(self._series()))
        actions.do_update_event(series, {"title": self.fresh("l")})

    @precondition(lambda self: self._series())
    @rule(data=st.data())
    def local_edit_occurrence(self, data: Any) -> None:
        series = data.draw(st.sampled_from(self._series()))
        slots = self._slots(series)
        if slots:
            original = data.draw(st.sampled_from(slots))
            actions.do_update_occurrence(series, original, {"title": self.fresh("lx")})

    @precondition(lambda self: self._series())
    @rule(data=st.data())
    def local_cancel_occurrence(self, data: Any) -> None:
        series = data.draw(st.sampled_from(self._series()))
        slots = self._slots(series)
        if len(slots) > 1:
            actions.do_cancel_occurrence(series, data.draw(st.sampled_from(slots)))

    @precondition(lambda self: self._series())
    @rule(data=st.data())
    def local_delete_series(self, data: Any) -> None:
        actions.do_delete_event(data.draw(st.sampled_from(self._series())))

    @precondition(lambda self: self._series())
    @rule(data=st.data())
    def local_archive_series(self, data: Any) -> None:
        actions.do_archive_event(data.draw(st.sampled_from(self._series())))

    def _archived(self) -> list[Event]:
        return [e for e in self.world.events(active=False) if e.recurrence]

    @precondition(lambda self: self._archived())
    @rule(data=st.data())
    def local_unarchive_series(self, data: Any) -> None:
        actions.do_unarchive_event(data.draw(st.sampled_from(self._archived())))

    # -- Outlook side --------------------------------------------------------------------
    def _masters(self) -> list[dict[str, Any]]:
        return sorted(
            (e for e in self.world.outlook_events() if e.get("recurrence")),
            key=lambda e: e["subject"],
        )

    def _instances(self, master_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        url: str | None = f"/me/events/{master_id}/instances"
        params: dict[str, str] | None = {
            "startDateTime": LOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": HIGH.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        with self.world.client() as graph:
            while url:
                page = graph.get_json(url, params=params, prefer=['outlook.timezone="UTC"'])
                found.extend(page["value"])
                url, params = page.get("@odata.nextLink"), None
        return found

    @rule(day=st.integers(1, 20), hour=st.integers(7, 16), count=st.integers(3, 6))
    def remote_create_series(self, day: int, hour: int, count: int) -> None:
        start = at(day, hour).astimezone(UTC)
        self.world.outlook_create({
            "subject": self.fresh("R"),
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S"),
                    "timeZone": "UTC"},
            "recurrence": {
                "pattern": {"type": "daily", "interval": 2},
                "range": {"type": "numbered", "startDate": start.date().isoformat(),
                          "numberOfOccurrences": count},
            },
        })  # fmt: skip

    @precondition(lambda self: self.synced_clean)
    @rule(data=st.data())
    def remote_edit_series(self, data: Any) -> None:
        masters = self._masters()
        if masters:
            master = data.draw(st.sampled_from(masters))
            self.world.outlook_patch(master["id"], {"subject": self.fresh("r")})

    @precondition(lambda self: self.synced_clean)
    @rule(data=st.data())
    def remote_edit_occurrence(self, data: Any) -> None:
        masters = self._masters()
        if masters:
            found = self._instances(data.draw(st.sampled_from(masters))["id"])
            if found:
                target = data.draw(st.sampled_from(found))
                self.world.outlook_patch(target["id"], {"subject": self.fresh("rx")})

    @precondition(lambda self: self.synced_clean)
    @rule(data=st.data())
    def remote_cancel_occurrence(self, data: Any) -> None:
        masters = self._masters()
        if masters:
            found = self._instances(data.draw(st.sampled_from(masters))["id"])
            if len(found) > 1:
                self.world.outlook_delete(data.draw(st.sampled_from(found))["id"])

    @precondition(lambda self: self.synced_clean)
    @rule(data=st.data())
    def remote_delete_series(self, data: Any) -> None:
        masters = self._masters()
        if masters:
            self.world.outlook_delete(data.draw(st.sampled_from(masters))["id"])

    def check(self) -> None:
        local = sorted(self._local_view())
        remote = sorted(self._remote_view())
        assert local == remote, "the two sides differ after a sync"
        names = [name for name, _occurrences in local]
        assert len(names) == len(set(names)), "a series is duplicated"

    def _local_view(self) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        view = []
        for series in self._series():
            rows = list_window(Event.objects.filter(pk=series.pk) | series.exceptions.all(),
                               LOW, HIGH)  # fmt: skip
            occurrences = tuple(sorted(
                (item.start.astimezone(UTC).isoformat(),
                 series.title if isinstance(item, Occurrence) else item.title)
                for item in rows
            ))  # fmt: skip
            view.append((series.title, occurrences))
        return view

    def _remote_view(self) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        view = []
        for master in self._masters():
            occurrences = tuple(sorted(
                (datetime.fromisoformat(i["start"]["dateTime"][:19]).replace(tzinfo=UTC)
                 .isoformat(), i["subject"])
                for i in self._instances(master["id"])
            ))  # fmt: skip
            view.append((master["subject"], occurrences))
        return view


def test_random_series_edits_on_both_sides_converge(emulator: Any) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    SeriesOnBothSides.emulator = emulator
    profile = PROFILES[os.environ.get("CALSYNC_HYPOTHESIS_PROFILE", "ci")]
    run_state_machine_as_test(SeriesOnBothSides, settings=profile)
