"""Zones that round-trip through Outlook (the emulator over HTTPS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.integration.sync_world import SyncWorld

from calsync.calendars import actions
from calsync.outlook.reset import ExistingEvents, NextSync, reset_account

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _next_monday(hour: int) -> datetime:
    today = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 - today.weekday())


def test_keep_all_reset_of_a_ho_chi_minh_series_reports_no_conflict(emulator: Any) -> None:
    """Outlook gives SE Asia Standard Time back as Asia/Bangkok; after Reset Account (keep
    + all) the relinked Asia/Ho_Chi_Minh events are no change and no conflict, keep their
    zone and instants here and in Outlook, and nothing is written to either side (no mail
    to the meeting's guest)."""
    world = SyncWorld(emulator, "an@contoso.test", "An Tran")
    emulator.add_user("binh@contoso.test", "Binh", "pw")
    start = _next_monday(2)
    series = world.create(
        title="Giao ban",
        start=start,
        end=start + timedelta(hours=1),
        timezone="Asia/Ho_Chi_Minh",
        recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=10",
        attendees=[{"email": "binh@contoso.test", "name": "Binh"}],
    )
    single = world.create(
        title="Hop",
        start=start + timedelta(days=2),
        end=start + timedelta(days=2, hours=2),
        timezone="Asia/Ho_Chi_Minh",
    )
    first = world.sync()
    assert first.ok, first.errors
    before = {e["subject"]: (e["start"], e["end"], e["changeKey"]) for e in world.outlook_events()}
    assert {e["originalStartTimeZone"] for e in world.outlook_events()} == {"SE Asia Standard Time"}
    emulator.clear_outbox()
    with world.client() as graph:
        reset_account(world.user, ExistingEvents.KEEP, NextSync.ALL, client=graph)
    again = world.sync()
    assert again.ok, again.errors
    assert again.conflicts == 0
    assert again.pushed == {"created": 0, "updated": 0, "deleted": 0}
    assert again.pulled == {"created": 0, "updated": 0, "deleted": 0}
    for event, was in ((series, series.start), (single, single.start)):
        event.refresh_from_db()
        assert (event.timezone, event.start) == ("Asia/Ho_Chi_Minh", was)
    after = {e["subject"]: (e["start"], e["end"], e["changeKey"]) for e in world.outlook_events()}
    assert after == before
    assert emulator.outbox() == []
    assert {r.base["timezone"] for r in world.records()} == {"Asia/Ho_Chi_Minh"}


def _paris(day: datetime, hour: int) -> dict[str, str]:
    return {"dateTime": day.strftime(f"%Y-%m-%dT{hour:02d}:00:00"), "timeZone": "Europe/Paris"}


def _weekly(first: datetime, count: int, zone: str | None = None) -> dict[str, Any]:
    rng: dict[str, Any] = {
        "type": "numbered",
        "startDate": first.strftime("%Y-%m-%d"),
        "numberOfOccurrences": count,
    }
    if zone:
        rng["recurrenceTimeZone"] = zone
    return {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}, "range": rng}


def _outlook_starts(world: SyncWorld, remote_id: str, low: datetime, high: datetime) -> list[str]:
    """Outlook's occurrences of the series in [low, high), as UTC minutes (all pages)."""
    url: str | None = f"/me/events/{remote_id}/instances"
    params: dict[str, str] | None = {
        "startDateTime": low.isoformat(),
        "endDateTime": high.isoformat(),
    }
    found: list[str] = []
    with world.client() as graph:
        while url:
            page = graph.get_json(url, params=params, prefer=['outlook.timezone="UTC"'])
            found += [item["start"]["dateTime"][:16] for item in page["value"]]
            url, params = page.get("@odata.nextLink"), None
    return sorted(found)


def _local_starts(world: SyncWorld, title: str, low: datetime, high: datetime) -> list[str]:
    """calsync's occurrences of the series ``title`` in [low, high), as UTC minutes."""
    from calsync.calendars import occurrences
    from calsync.calendars.models import Event

    series = Event.objects.filter(owner=world.user, title=title)
    rows = occurrences.list_window(series, low, high)
    return sorted(row.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for row in rows)


def test_events_in_custom_zones_keep_their_times_both_ways(emulator: Any) -> None:
    """ICS-imported events (tzone://Microsoft/Custom): a single one, a series whose
    recurrenceTimeZone is custom too, one whose recurrenceTimeZone names a zone; pulled with
    zones of the same rules, every occurrence where Outlook has it, across a change of
    offset; nothing to do on the next sync, after an edit, nor after a keep + all reset."""
    world = SyncWorld(emulator, "bao@contoso.test", "Bao Le")
    monday = _next_monday(0)
    single = emulator.import_event(
        world.email, {"subject": "Imported", "start": _paris(monday, 10), "end": _paris(monday, 11)}
    )
    paris = emulator.import_event(
        world.email,
        {
            "subject": "Paris weekly",
            "start": _paris(monday, 9),
            "end": _paris(monday, 10),
            "recurrence": _weekly(monday, 30),
        },
    )
    hanoi_start = {"dateTime": monday.strftime("%Y-%m-%dT09:00:00"), "timeZone": "Asia/Ho_Chi_Minh"}
    hanoi_end = {"dateTime": monday.strftime("%Y-%m-%dT10:00:00"), "timeZone": "Asia/Ho_Chi_Minh"}
    hanoi = emulator.import_event(world.email, {
        "subject": "Hanoi weekly", "start": hanoi_start, "end": hanoi_end,
        "recurrence": _weekly(monday, 10, "SE Asia Standard Time")})  # fmt: skip
    first = world.sync()
    assert first.ok, first.errors
    assert first.pulled == {"created": 3, "updated": 0, "deleted": 0}
    zones = {event.title: event.timezone for event in world.events()}
    assert zones == {
        "Imported": "Europe/Berlin", "Paris weekly": "Europe/Berlin", "Hanoi weekly": "Asia/Bangkok"
    }  # fmt: skip
    imported = next(e for e in world.events() if e.title == "Imported")
    assert imported.start == datetime.fromisoformat(
        world.outlook_event(single["id"])["start"]["dateTime"][:19] + "+00:00"
    )
    low, high = monday - timedelta(days=1), monday + timedelta(weeks=31)
    outlook = _outlook_starts(world, paris["id"], low, high)
    assert len(outlook) == 30 and len({s[11:] for s in outlook}) == 2  # across a change
    assert _local_starts(world, "Paris weekly", low, high) == outlook
    hanoi_starts = _outlook_starts(world, hanoi["id"], low, high)
    assert len(hanoi_starts) == 10
    assert _local_starts(world, "Hanoi weekly", low, high) == hanoi_starts

    again = world.sync()
    assert (again.conflicts, again.pulled, again.pushed) == (
        0, {"created": 0, "updated": 0, "deleted": 0}, {"created": 0, "updated": 0, "deleted": 0}
    )  # fmt: skip
    series = next(e for e in world.events() if e.title == "Paris weekly")
    actions.do_update_event(series, {"title": "Paris weekly (moved room)"})
    edited = world.sync()
    assert edited.ok and edited.pushed["updated"] == 1 and edited.conflicts == 0
    assert _outlook_starts(world, paris["id"], low, high) == outlook
    assert world.outlook_event(paris["id"])["originalStartTimeZone"] == "tzone://Microsoft/Custom"
    with world.client() as graph:
        reset_account(world.user, ExistingEvents.KEEP, NextSync.ALL, client=graph)
    relinked = world.sync()
    assert relinked.ok, relinked.errors
    assert (relinked.conflicts, relinked.pulled["created"], relinked.pushed) == (
        0, 0, {"created": 0, "updated": 0, "deleted": 0}
    )  # fmt: skip


def _paris_fall_back() -> datetime:
    """01:30 UTC on the next last Sunday of October: 02:30 in Paris for the second time
    that night (clocks go back from 03:00 CEST to 02:00 CET at 01:00 UTC)."""
    day = datetime.now(UTC).replace(hour=1, minute=30, second=0, microsecond=0)
    paris = ZoneInfo("Europe/Paris")
    while not (day.month == 10 and day.weekday() == 6 and (day + timedelta(days=7)).month == 11):
        day += timedelta(days=1)
    assert (day - timedelta(hours=1)).astimezone(paris).strftime("%H:%M%z") == "02:30+0200"
    assert day.astimezone(paris).strftime("%H:%M%z") == "02:30+0100"
    return day


def test_an_event_in_the_repeated_hour_keeps_its_instant_and_zone(emulator: Any) -> None:
    """02:30 Europe/Paris, second pass, on the night clocks go back: a wall time in Romance
    Standard Time would not say which 02:30, so it goes to Outlook in UTC; pushed, pulled
    after an edit in Outlook, and relinked after a keep + all reset, it keeps its instant
    and its zone, with no conflict and nothing to write; moved out of that hour, it goes out
    in Paris' Windows zone again."""
    world = SyncWorld(emulator, "chloe@contoso.test", "Chloe Martin")
    start = _paris_fall_back()
    event = world.create(
        title="Night shift", start=start, end=start + timedelta(minutes=30), timezone="Europe/Paris"
    )
    first = world.sync()
    assert first.ok, first.errors
    assert first.pushed["created"] == 1
    [outlook] = world.outlook_events()
    assert outlook["originalStartTimeZone"] == "UTC"
    assert outlook["start"] == {
        "dateTime": start.strftime("%Y-%m-%dT01:30:00.0000000"),
        "timeZone": "UTC",
    }
    assert outlook["end"]["dateTime"].startswith(start.strftime("%Y-%m-%dT02:00:00"))

    nothing = {"created": 0, "updated": 0, "deleted": 0}
    again = world.sync()
    assert (again.conflicts, again.pulled, again.pushed) == (0, nothing, nothing)

    world.outlook_patch(outlook["id"], {"subject": "Night shift (room 4)"})
    pulled = world.sync()
    assert pulled.ok and pulled.conflicts == 0
    assert pulled.pulled == {"created": 0, "updated": 1, "deleted": 0}
    event.refresh_from_db()
    assert (event.title, event.start, event.timezone) == (
        "Night shift (room 4)", start, "Europe/Paris"
    )  # fmt: skip

    with world.client() as graph:
        reset_account(world.user, ExistingEvents.KEEP, NextSync.ALL, client=graph)
    relinked = world.sync()
    assert relinked.ok, relinked.errors
    assert (relinked.conflicts, relinked.pulled, relinked.pushed) == (0, nothing, nothing)
    event.refresh_from_db()
    assert (event.start, event.end, event.timezone) == (
        start, start + timedelta(minutes=30), "Europe/Paris"
    )  # fmt: skip
    assert {r.base["timezone"] for r in world.records()} == {"Europe/Paris"}

    moved = start + timedelta(days=1)  # 02:30 CET on Monday: one instant, back to Paris' zone
    actions.do_update_event(event, {"start": moved, "end": moved + timedelta(minutes=30)})
    pushed = world.sync()
    assert pushed.ok and pushed.pushed["updated"] == 1 and pushed.conflicts == 0
    [outlook] = world.outlook_events()
    assert outlook["originalStartTimeZone"] == "Romance Standard Time"
    assert outlook["start"]["dateTime"].startswith(moved.strftime("%Y-%m-%dT01:30:00"))
    quiet = world.sync()
    assert (quiet.conflicts, quiet.pulled, quiet.pushed) == (0, nothing, nothing)
    event.refresh_from_db()
    assert (event.start, event.timezone) == (moved, "Europe/Paris")


def test_a_series_starting_in_the_repeated_hour_has_its_occurrences_where_outlook_has_them(
    emulator: Any,
) -> None:
    """A series recurs in wall time, so it goes out in its zone (Romance Standard Time),
    never in UTC: its first 02:30 means the first pass in Outlook and in calsync's own
    expansion alike (RFC 5545's reading of a start), later ones are plain 02:30 CET; the
    next syncs are quiet."""
    world = SyncWorld(emulator, "chloe@contoso.test", "Chloe Martin")
    start = _paris_fall_back()
    world.create(
        title="Night rounds",
        start=start,
        end=start + timedelta(minutes=30),
        timezone="Europe/Paris",
        recurrence="FREQ=DAILY;COUNT=3",
    )
    first = world.sync()
    assert first.ok and first.pushed["created"] == 1, first.errors
    [master] = world.outlook_events()
    assert master["originalStartTimeZone"] == "Romance Standard Time"
    low, high = start - timedelta(days=1), start + timedelta(days=5)
    outlook = _outlook_starts(world, master["id"], low, high)
    first_pass = start - timedelta(hours=1)
    assert outlook == [
        first_pass.strftime("%Y-%m-%dT%H:%M"),
        *((start + timedelta(days=n)).strftime("%Y-%m-%dT%H:%M") for n in (1, 2)),
    ]
    assert _local_starts(world, "Night rounds", low, high) == outlook
    nothing = {"created": 0, "updated": 0, "deleted": 0}
    again = world.sync()
    assert (again.conflicts, again.pulled, again.pushed) == (0, nothing, nothing)


def test_a_users_zone_is_a_new_events_zone_here_and_in_outlook(emulator: Any) -> None:
    """A user whose profile says Asia/Ho_Chi_Minh makes events through the API without
    naming a zone: a naive time is read in their zone, the event and the series keep it,
    and Outlook holds them in its Windows name (the series' zone is the user's)."""
    world = SyncWorld(emulator, "an@contoso.test", "An Tran")
    world.user.time_zone = "Asia/Ho_Chi_Minh"
    world.user.save(update_fields=["time_zone"])
    day = _next_monday(0).date()
    made = []
    for title, extra in (("Hop", {}), ("Giao ban", {"recurrence": "FREQ=WEEKLY;COUNT=4"})):
        answer = world.api().post(
            "/api/events",
            {"title": title, "start": f"{day}T09:00:00", "end": f"{day}T10:00:00", **extra},
            format="json",
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["timezone"] == "Asia/Ho_Chi_Minh"
        assert answer.json()["start"] == f"{day}T09:00:00+07:00"
        made.append(answer.json()["id"])
    outcome = world.sync()
    assert outcome.ok, outcome.errors
    held = {e["subject"]: e for e in world.outlook_events()}
    assert set(held) == {"Hop", "Giao ban"}
    for event in held.values():
        assert event["originalStartTimeZone"] == "SE Asia Standard Time"
        assert event["start"]["dateTime"].startswith(f"{day}T02:00:00")  # read in UTC
    assert held["Giao ban"]["recurrence"]["range"]["recurrenceTimeZone"] == "SE Asia Standard Time"
    world.user.time_zone = ""  # no profile zone: the API's default stays UTC
    world.user.save(update_fields=["time_zone"])
    answer = world.api().post(
        "/api/events",
        {"title": "UTC", "start": f"{day}T09:00:00", "end": f"{day}T10:00:00"},
        format="json",
    )
    assert answer.json()["timezone"] == "UTC"
