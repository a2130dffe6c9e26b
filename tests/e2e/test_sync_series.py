"""Recurring events both ways, over real HTTPS against the emulator (issue 6).

Series, their exceptions (moved or edited occurrences) and cancelled occurrences, made on
either side; a series edited, shifted or deleted on either side; time zones across DST and
all-day series; a reset that must not duplicate anything. calsync-side changes go through
the calendar actions, Outlook-side changes are Graph calls on the emulator.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from tests.integration.sync_world import SyncWorld

from calsync.calendars import actions
from calsync.calendars.models import CancelledOccurrence, Event
from calsync.outlook.models import OutlookAccount, SyncRecord, SyncRun, UnsyncableEvent
from calsync.outlook.reset import ExistingEvents, NextSync, reset_account
from calsync.outlook.sync.log_messages import render
from calsync.outlook.web.status import status_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARIS = ZoneInfo("Europe/Paris")
ROMANCE = "Romance Standard Time"
# Tuesday 16 March 2027, 09:00 in Paris (08:00Z); summer time starts on 28 March
FIRST = datetime(2027, 3, 16, 9, tzinfo=PARIS)
NO_CHANGE = {"created": 0, "updated": 0, "deleted": 0}


@pytest.fixture
def alice(emulator: Any) -> SyncWorld:
    return SyncWorld(emulator, "alice@contoso.test", "Alice Nguyen")


def only(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]


def instances(world: SyncWorld, master_id: str, low: datetime, high: datetime) -> list[dict]:
    """The master's live instances between ``low`` and ``high`` (UTC times)."""
    found: list[dict] = []
    url: str | None = f"/me/events/{master_id}/instances"
    params: dict[str, str] | None = {
        "startDateTime": low.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endDateTime": high.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with world.client() as graph:
        while url:
            page = graph.get_json(url, params=params, prefer=['outlook.timezone="UTC"'])
            found.extend(page["value"])
            url, params = page.get("@odata.nextLink"), None
    return found


def around(world: SyncWorld, master_id: str, when: datetime, hours: int = 1) -> dict:
    """The one live instance of the master within ``hours`` of ``when``."""
    return only(instances(world, master_id, when - timedelta(hours=hours),
                          when + timedelta(hours=hours)))  # fmt: skip


def cancelled_occurrences(world: SyncWorld, master_id: str) -> list[str]:
    body = world.graph(
        "GET", f"/me/events/{master_id}", params={"$select": "id,cancelledOccurrences"}
    ).json()
    return [value.rsplit(".", 1)[1] for value in body.get("cancelledOccurrences", [])]


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)


def weekly_here(world: SyncWorld, rule: str = "FREQ=WEEKLY;BYDAY=TU;COUNT=6") -> Event:
    return world.create(
        title="Standup",
        start=FIRST,
        end=FIRST + timedelta(minutes=30),
        timezone="Europe/Paris",
        recurrence=rule,
    )


def synced(world: SyncWorld) -> Any:
    summary = world.sync()
    assert summary.ok, summary.errors
    return summary


def quiet(world: SyncWorld) -> None:
    again = synced(world)
    assert again.pulled == NO_CHANGE, again.pulled
    assert again.pushed == NO_CHANGE, again.pushed


def outlook_weekly(world: SyncWorld, **extra: Any) -> dict[str, Any]:
    body = {
        "subject": "Planning",
        "start": {"dateTime": "2027-03-16T09:00:00", "timeZone": "Romance Standard Time"},
        "end": {"dateTime": "2027-03-16T09:30:00", "timeZone": "Romance Standard Time"},
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"],
                        "firstDayOfWeek": "monday"},
            "range": {"type": "numbered", "startDate": "2027-03-16", "numberOfOccurrences": 6},
        },
    }  # fmt: skip
    body.update(extra)
    return world.outlook_create(body)


# -- series -----------------------------------------------------------------------------


def test_a_weekly_paris_series_stays_at_nine_across_dst_on_both_sides(alice: SyncWorld) -> None:
    series = weekly_here(alice)
    assert synced(alice).pushed["created"] == 1
    master = only(alice.outlook_events())
    assert master["type"] == "seriesMaster"
    assert master["recurrence"]["pattern"]["daysOfWeek"] == ["tuesday"]
    assert master["recurrence"]["range"]["numberOfOccurrences"] == 6
    seen = instances(alice, master["id"], FIRST - timedelta(days=1), FIRST + timedelta(days=60))
    walls = {utc(i["start"]["dateTime"]).astimezone(PARIS).strftime("%H:%M") for i in seen}
    offsets = {utc(i["start"]["dateTime"]).hour for i in seen}
    assert len(seen) == 6 and walls == {"09:00"} and offsets == {7, 8}
    assert alice.event(series.pk).outlook_link.remote_id == master["id"]
    quiet(alice)


def test_an_outlook_paris_series_is_pulled_at_nine_local(alice: SyncWorld) -> None:
    made = outlook_weekly(alice)
    assert synced(alice).pulled["created"] == 1
    series = only(alice.events())
    assert series.timezone == "Europe/Paris"
    assert series.start.astimezone(PARIS).hour == 9
    assert series.recurrence == "FREQ=WEEKLY;BYDAY=TU;WKST=MO;COUNT=6"
    assert series.outlook_link.remote_id == made["id"]
    assert Event.objects.filter(series=series).count() == 0
    quiet(alice)


def test_a_daily_open_ended_outlook_series_has_no_cap(alice: SyncWorld) -> None:
    alice.outlook_create(
        {
            "subject": "Daily",
            "start": {"dateTime": "2026-12-07T08:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-07T08:15:00", "timeZone": "UTC"},
            "recurrence": {
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "noEnd", "startDate": "2026-12-07"},
            },
        }
    )
    assert synced(alice).pulled["created"] == 1
    series = only(alice.events())
    assert series.recurrence == "FREQ=DAILY"
    assert series.series_end is None  # never ends: no 720-occurrence cap
    quiet(alice)


def test_a_daily_open_ended_local_series_is_pushed_without_an_end(alice: SyncWorld) -> None:
    start = datetime(2026, 12, 7, 8, tzinfo=UTC)
    alice.create(title="Daily", start=start, end=start + timedelta(minutes=15),
                 recurrence="FREQ=DAILY")  # fmt: skip
    synced(alice)
    master = only(alice.outlook_events())
    assert master["recurrence"]["range"]["type"] == "noEnd"
    far = datetime(2028, 11, 1, tzinfo=UTC)
    assert len(instances(alice, master["id"], far, far + timedelta(days=3))) == 3
    quiet(alice)


def test_all_day_series_stay_on_their_dates_both_ways(alice: SyncWorld) -> None:
    day = date(2027, 1, 4)  # a Monday
    alice.create(title="Gym", all_day=True, start_date=day, end_date=day + timedelta(days=1),
                 timezone="Pacific/Auckland", start=FIRST, end=FIRST,
                 recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=3")  # fmt: skip
    alice.outlook_create(
        {
            "subject": "Payday",
            "isAllDay": True,
            "start": {"dateTime": "2027-01-15T00:00:00", "timeZone": "Hawaiian Standard Time"},
            "end": {"dateTime": "2027-01-16T00:00:00", "timeZone": "Hawaiian Standard Time"},
            "recurrence": {
                "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15},
                "range": {"type": "endDate", "startDate": "2027-01-15", "endDate": "2027-06-30"},
            },
        }
    )
    synced(alice)
    gym = only([e for e in alice.outlook_events() if e["subject"] == "Gym"])
    low = datetime(2027, 1, 1, tzinfo=UTC)
    seen = instances(alice, gym["id"], low, low + timedelta(days=40))
    days = [i["start"]["dateTime"][:10] for i in seen]
    assert days == ["2027-01-04", "2027-01-11", "2027-01-18"]
    payday = only([e for e in alice.events() if e.title == "Payday"])
    assert payday.all_day and payday.start_date == date(2027, 1, 15)
    assert payday.recurrence == "FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20270630"
    quiet(alice)


def test_all_day_exceptions_and_cancellations_keep_their_dates(alice: SyncWorld) -> None:
    day = date(2027, 1, 4)  # a Monday; Auckland is 13 hours ahead of UTC
    gym = alice.create(title="Gym", all_day=True, start_date=day, end_date=day + timedelta(days=1),
                       timezone="Pacific/Auckland", start=FIRST, end=FIRST,
                       recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=4")  # fmt: skip
    synced(alice)
    master = only(alice.outlook_events())
    low = datetime(2027, 1, 1, tzinfo=UTC)
    second = [i for i in instances(alice, master["id"], low, low + timedelta(days=40))
              if i["start"]["dateTime"].startswith("2027-01-11")]  # fmt: skip
    alice.outlook_patch(only(second)["id"], {"subject": "Gym (pool)"})
    auckland = ZoneInfo("Pacific/Auckland")
    third = datetime(2027, 1, 18, tzinfo=auckland).astimezone(UTC)
    actions.do_cancel_occurrence(gym, third)
    synced(alice)
    exception = only(list(Event.objects.filter(series=gym)))
    assert exception.title == "Gym (pool)" and exception.start_date == date(2027, 1, 11)
    assert exception.original_start.astimezone(auckland).date() == date(2027, 1, 11)
    assert cancelled_occurrences(alice, master["id"]) == ["2027-01-18"]
    quiet(alice)


def paris_series(world: SyncWorld, title: str, rule: str) -> Event:
    """A one-hour series made here, first on FIRST, in Paris time."""
    return world.create(
        title=title, start=FIRST, end=FIRST + timedelta(hours=1),
        timezone="Europe/Paris", recurrence=rule,
    )  # fmt: skip


def test_a_rule_outlook_cannot_express_stays_local_and_the_log_says_why_once(
    alice: SyncWorld,
) -> None:
    odd = paris_series(alice, "Odd", "FREQ=MONTHLY;BYMONTHDAY=31")
    last = datetime(2027, 3, 31, 9, tzinfo=PARIS).astimezone(UTC)
    moved = actions.do_update_occurrence(odd, last, {"title": "Odd (moved)"})
    summary = alice.sync()
    assert not summary.ok and summary.status == SyncRun.STATUS_PARTIAL
    assert sorted(e["event"] for e in summary.errors) == sorted([odd.pk, moved.pk])
    for error in summary.errors:
        assert "Outlook puts day 31 on the last day of shorter months" in error["message"]
    assert alice.outlook_events() == []
    assert alice.event(odd.pk).recurrence == "FREQ=MONTHLY;BYMONTHDAY=31"
    # remembered: the series (its exception goes with it), at the version that failed
    record = only(list(UnsyncableEvent.objects.filter(account=alice.account)))
    assert (record.event_id, record.version) == (odd.pk, alice.event(odd.pk).version)
    assert record.entry["message"].startswith("Outlook puts day")  # stored in English
    with translation.override("vi"):
        assert "Outlook puts day" not in render(record.entry)  # read in Vietnamese
    # later runs leave it alone while it is unchanged, even its edited exception
    with translation.override("vi"):
        again = alice.sync()
    assert again.ok and again.errors == [] and again.status == SyncRun.STATUS_OK
    actions.do_update_event(alice.event(moved.pk), {"title": "Odd (moved again)"})
    quiet(alice)
    assert alice.outlook_events() == []
    assert status_for(alice.user)["not_in_outlook"] == 1
    # a rule Outlook can repeat: the series and its exception go, the record goes
    actions.do_update_event(alice.event(odd.pk), {"recurrence": "FREQ=DAILY;COUNT=20"})
    done = synced(alice)
    assert done.pushed["created"] == 2  # the series and its exception
    master = only(alice.outlook_events())
    assert master["subject"] == "Odd"
    assert around(alice, master["id"], last)["subject"] == "Odd (moved again)"
    assert not UnsyncableEvent.objects.filter(account=alice.account).exists()
    assert status_for(alice.user)["not_in_outlook"] == 0
    quiet(alice)


def test_an_event_outlook_cannot_hold_is_forgotten_when_deleted_or_reset(
    alice: SyncWorld,
) -> None:
    twice = paris_series(alice, "Twice a month", "FREQ=MONTHLY;BYMONTHDAY=1,15")
    monthly = paris_series(alice, "Odd again", "FREQ=MONTHLY;BYMONTHDAY=31")
    assert sorted(e["event"] for e in alice.sync().errors) == sorted([twice.pk, monthly.pk])
    assert UnsyncableEvent.objects.filter(account=alice.account).count() == 2
    actions.do_delete_event(alice.event(twice.pk))
    assert list(UnsyncableEvent.objects.filter(account=alice.account).values_list(
        "event_id", flat=True)) == [monthly.pk]  # fmt: skip
    quiet(alice)
    reset_account(alice.user, ExistingEvents.KEEP, NextSync.ALL)
    assert not UnsyncableEvent.objects.filter(account=alice.account).exists()


def test_series_edits_travel_both_ways(alice: SyncWorld) -> None:
    series = weekly_here(alice)
    synced(alice)
    master = only(alice.outlook_events())
    # Outlook: new title and a new end (an end date instead of a count)
    recurrence = master["recurrence"]
    recurrence["range"] = {
        "type": "endDate", "startDate": "2027-03-16", "endDate": "2027-04-06",
        "recurrenceTimeZone": recurrence["range"].get("recurrenceTimeZone"),
    }  # fmt: skip
    alice.outlook_patch(master["id"], {"subject": "Team standup", "recurrence": recurrence})
    assert synced(alice).pulled["updated"] == 1
    series.refresh_from_db()
    assert series.title == "Team standup"
    assert series.recurrence == "FREQ=WEEKLY;BYDAY=TU;WKST=MO;UNTIL=20270406T070000Z"
    # calsync: new time (10:00 Paris) and a new rule (two days a week)
    actions.do_update_event(series, {
        "start": FIRST + timedelta(hours=1), "end": FIRST + timedelta(hours=1, minutes=30),
        "recurrence": "FREQ=WEEKLY;BYDAY=TU,TH;WKST=MO;UNTIL=20270406T080000Z",
    })  # fmt: skip
    assert synced(alice).pushed["updated"] == 1
    master = alice.outlook_event(master["id"])
    assert master["recurrence"]["pattern"]["daysOfWeek"] == ["tuesday", "thursday"]
    seen = instances(alice, master["id"], FIRST - timedelta(days=1), FIRST + timedelta(days=60))
    assert len(seen) == 7  # 16, 18, 23, 25, 30 March, 1 and 6 April (UNTIL 10:00 Paris)
    assert {utc(i["start"]["dateTime"]).astimezone(PARIS).hour for i in seen} == {10}
    quiet(alice)


def test_a_series_deleted_in_outlook_is_archived_here_and_one_deleted_here_goes(
    alice: SyncWorld,
) -> None:
    mine = weekly_here(alice)
    outlook_weekly(alice)
    synced(alice)
    theirs = only([e for e in alice.events() if e.title == "Planning"])
    alice.outlook_delete(theirs.outlook_link.remote_id)
    actions.do_delete_event(mine)
    summary = synced(alice)
    assert summary.pulled["deleted"] == 1 and summary.pushed["deleted"] == 1
    assert alice.outlook_events() == []
    assert not alice.event(theirs.pk).active
    quiet(alice)


# -- exceptions and cancelled occurrences ----------------------------------------------


def test_an_occurrence_moved_in_outlook_becomes_an_exception_here(alice: SyncWorld) -> None:
    series = weekly_here(alice)
    synced(alice)
    master = only(alice.outlook_events())
    second = instances(alice, master["id"], FIRST + timedelta(days=6), FIRST + timedelta(days=8))
    occurrence = only(second)
    alice.outlook_patch(occurrence["id"], {
        "subject": "Standup (moved)",
        "start": {"dateTime": "2027-03-24T11:00:00", "timeZone": "Romance Standard Time"},
        "end": {"dateTime": "2027-03-24T11:30:00", "timeZone": "Romance Standard Time"},
    })  # fmt: skip
    summary = synced(alice)
    assert summary.pulled["created"] == 1
    exception = only(list(Event.objects.filter(series=series)))
    assert exception.original_start == FIRST + timedelta(days=7)
    assert exception.title == "Standup (moved)"
    assert exception.start == datetime(2027, 3, 24, 11, tzinfo=PARIS)
    assert SyncRecord.objects.get(event=exception).remote_id == occurrence["id"]
    quiet(alice)
    # edited again in Outlook: the same exception changes here
    alice.outlook_patch(occurrence["id"], {"location": {"displayName": "Room 2"}})
    assert synced(alice).pulled == {"created": 0, "updated": 1, "deleted": 0}
    exception.refresh_from_db()
    assert exception.location == "Room 2"


def test_an_occurrence_edited_here_becomes_an_exception_in_outlook(alice: SyncWorld) -> None:
    series = weekly_here(alice)
    synced(alice)
    master = only(alice.outlook_events())
    third = FIRST + timedelta(days=14)
    exception = actions.do_update_occurrence(series, third.astimezone(UTC), {
        "title": "Standup (long)", "end": third + timedelta(hours=1),
    })  # fmt: skip
    summary = synced(alice)
    assert summary.pushed["created"] == 1
    found = around(alice, master["id"], third)
    assert found["type"] == "exception"
    assert found["subject"] == "Standup (long)"
    assert utc(found["end"]["dateTime"]) == (third + timedelta(hours=1)).astimezone(UTC)
    assert only(alice.outlook_events())["id"] == master["id"]  # still one series
    quiet(alice)
    # edited again here: a PATCH of the same instance
    actions.do_update_event(exception, {"location": "Room 7"})
    assert synced(alice).pushed == {"created": 0, "updated": 1, "deleted": 0}
    assert alice.outlook_event(found["id"])["location"]["displayName"] == "Room 7"


def test_a_new_series_goes_with_its_exception_and_cancellation_in_one_sync(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    actions.do_update_occurrence(series, FIRST.astimezone(UTC), {"title": "Kick-off"})
    actions.do_cancel_occurrence(series, (FIRST + timedelta(days=7)).astimezone(UTC))
    summary = synced(alice)
    assert summary.pushed["created"] == 2  # the series and its exception
    master = only(alice.outlook_events())
    assert around(alice, master["id"], FIRST)["subject"] == "Kick-off"
    assert cancelled_occurrences(alice, master["id"]) == ["2027-03-23"]
    quiet(alice)


def test_an_occurrence_cancelled_in_outlook_is_cancelled_here(alice: SyncWorld) -> None:
    made = outlook_weekly(alice)
    synced(alice)
    series = only(alice.events())
    fourth = datetime(2027, 4, 6, 9, tzinfo=PARIS)
    occurrence = around(alice, made["id"], fourth)
    alice.outlook_delete(occurrence["id"])
    synced(alice)
    cancelled = only(list(CancelledOccurrence.objects.filter(series=series)))
    assert cancelled.original_start == fourth
    assert alice.event(series.pk).active
    quiet(alice)


def test_an_occurrence_cancelled_here_is_cancelled_in_outlook(alice: SyncWorld) -> None:
    series = weekly_here(alice)
    synced(alice)
    master = only(alice.outlook_events())
    actions.do_cancel_occurrence(series, (FIRST + timedelta(days=21)).astimezone(UTC))
    assert synced(alice).pushed["updated"] == 1
    assert cancelled_occurrences(alice, master["id"]) == ["2027-04-06"]
    seen = instances(alice, master["id"], FIRST - timedelta(days=1), FIRST + timedelta(days=60))
    assert len(seen) == 5
    quiet(alice)


def test_an_exception_deleted_on_either_side_cancels_its_occurrence(alice: SyncWorld) -> None:
    series = weekly_here(alice)
    synced(alice)
    master = only(alice.outlook_events())
    here = actions.do_update_occurrence(series, FIRST.astimezone(UTC), {"title": "First"})
    second = (FIRST + timedelta(days=7)).astimezone(UTC)
    actions.do_update_occurrence(series, second, {"title": "Second"})
    synced(alice)
    there = only(
        [i for i in instances(alice, master["id"], FIRST, FIRST + timedelta(days=9))
         if i["subject"] == "Second"]
    )  # fmt: skip
    actions.do_delete_event(here)
    alice.outlook_delete(there["id"])
    synced(alice)
    assert sorted(cancelled_occurrences(alice, master["id"])) == ["2027-03-16", "2027-03-23"]
    originals = {c.original_start for c in CancelledOccurrence.objects.filter(series=series)}
    assert originals == {FIRST, FIRST + timedelta(days=7)}
    assert Event.objects.filter(series=series).count() == 0
    quiet(alice)


def test_exceptions_survive_a_reset_without_duplicates(alice: SyncWorld) -> None:
    series = weekly_here(alice)
    synced(alice)
    master = only(alice.outlook_events())
    actions.do_update_occurrence(series, FIRST.astimezone(UTC), {"title": "Kick-off"})
    synced(alice)
    second = around(alice, master["id"], FIRST + timedelta(days=7))
    alice.outlook_patch(second["id"], {"subject": "Outlook's edit"})
    synced(alice)
    # a reset: the status and the delta link are gone, both calendars stay
    SyncRecord.objects.all().delete()
    OutlookAccount.objects.filter(pk=alice.account.pk).update(delta_link="", first_synced_at=None)
    summary = synced(alice)
    assert summary.pulled["created"] == 0 and summary.pushed["created"] == 0
    assert only(alice.outlook_events())["id"] == master["id"]
    assert only(alice.events()).pk == series.pk
    titles = sorted(Event.objects.filter(series=series).values_list("title", flat=True))
    assert titles == ["Kick-off", "Outlook's edit"]
    assert SyncRecord.objects.count() == 3
    quiet(alice)


# -- a whole series shifted in Outlook -----------------------------------------------------


def outlook_weekly_with_a_retro(world: SyncWorld) -> tuple[dict[str, Any], Event, datetime]:
    """A weekly series made in Outlook whose fifth occurrence Outlook renamed "Retro", both
    synced here: (the Outlook master, the series here, the fifth occurrence's start)."""
    made = outlook_weekly(world)
    synced(world)
    series = only(world.events())
    fifth = datetime(2027, 4, 13, 9, tzinfo=PARIS)
    world.outlook_patch(around(world, made["id"], fifth)["id"], {"subject": "Retro"})
    synced(world)
    return made, series, fifth


def test_a_series_shifted_in_outlook_is_updated_in_place_keeping_its_exceptions(
    alice: SyncWorld,
) -> None:
    made, series, fifth = outlook_weekly_with_a_retro(alice)
    assert Event.objects.filter(series=series).count() == 1
    # shift: a week later, and every Tuesday and Thursday, ten times
    recurrence = alice.outlook_event(made["id"])["recurrence"]
    recurrence["pattern"]["daysOfWeek"] = ["tuesday", "thursday"]
    recurrence["range"].update(startDate="2027-03-23", numberOfOccurrences=10)
    alice.outlook_patch(made["id"], {
        "start": {"dateTime": "2027-03-23T09:00:00", "timeZone": "Romance Standard Time"},
        "end": {"dateTime": "2027-03-23T09:30:00", "timeZone": "Romance Standard Time"},
        "recurrence": recurrence,
    })  # fmt: skip
    summary = synced(alice)
    assert summary.pulled["created"] == 0
    shifted = only(alice.events())
    assert shifted.pk == series.pk
    assert shifted.start == datetime(2027, 3, 23, 9, tzinfo=PARIS)
    assert shifted.recurrence == "FREQ=WEEKLY;BYDAY=TU,TH;WKST=MO;COUNT=10"
    kept = only(list(Event.objects.filter(series=series)))
    assert kept.title == "Retro" and kept.original_start == fifth
    assert len(alice.outlook_events()) == 1
    quiet(alice)


# -- what Outlook refuses, and the mails ----------------------------------------------------


def test_a_series_moved_here_keeps_its_exceptions_on_both_sides_in_one_sync(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    synced(alice)
    second = (FIRST + timedelta(days=7)).astimezone(UTC)
    actions.do_update_occurrence(series, second, {"title": "Standup (renamed)"})
    synced(alice)
    series.refresh_from_db()
    later = FIRST + timedelta(hours=2)
    actions.do_update_event(series, {"start": later, "end": later + timedelta(minutes=30)})
    exception = only(list(Event.objects.filter(series=series)))
    assert exception.original_start == (FIRST + timedelta(days=7, hours=2)).astimezone(UTC)
    assert synced(alice).pushed == {"created": 0, "updated": 1, "deleted": 0}
    quiet(alice)  # Outlook kept the exception by date too: nothing comes back
    master = only(alice.outlook_events())
    week_two = around(alice, master["id"], FIRST + timedelta(days=7), hours=3)
    assert week_two["subject"] == "Standup (renamed)"
    assert only(list(Event.objects.filter(series=series))).pk == exception.pk


def shared_weekly(alice: SyncWorld) -> tuple[Event, SyncWorld]:
    """Alice's weekly meeting with Bob, also a calsync user; both synced once."""
    bob = SyncWorld(alice.emulator, "bob@contoso.test", "Bob Tran")
    series = alice.create(
        title="Review", start=FIRST, end=FIRST + timedelta(hours=1), timezone="Europe/Paris",
        recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=6",
        attendees=[{"email": bob.email, "name": "Bob Tran"}],
    )  # fmt: skip
    synced(alice)
    synced(bob)
    assert Event.objects.filter(title="Review").count() == 1
    return series, bob


def test_an_exception_of_a_meeting_another_user_organises_is_one_exception(
    alice: SyncWorld,
) -> None:
    series, bob = shared_weekly(alice)
    second = (FIRST + timedelta(days=7)).astimezone(UTC)
    actions.do_update_occurrence(series, second, {"title": "Review (moved)"})
    synced(alice)
    synced(bob)  # Bob's copy of the exception is Alice's exception here, not a failure
    moved = only(list(Event.objects.filter(title="Review (moved)")))
    assert moved.series_id == series.pk and moved.owner_id == alice.user.pk
    assert SyncRecord.objects.get(event=moved, account=alice.account)  # Alice's link kept
    quiet(bob)
    quiet(alice)


def test_the_attendee_syncing_first_makes_the_one_exception(alice: SyncWorld) -> None:
    series, bob = shared_weekly(alice)
    master = only(alice.outlook_events())
    occurrence = around(alice, master["id"], FIRST + timedelta(days=7))
    alice.outlook_patch(occurrence["id"], {"subject": "Review (in Outlook)"})
    synced(bob)  # before the organiser: the exception is made on Alice's series
    synced(alice)  # Alice's own copy then finds it: no second exception
    moved = only(list(Event.objects.filter(series=series)))
    assert (moved.title, moved.owner_id) == ("Review (in Outlook)", alice.user.pk)
    assert moved.original_start == (FIRST + timedelta(days=7)).astimezone(UTC)
    quiet(alice)
    quiet(bob)


def test_an_occurrence_moved_over_its_neighbour_is_reported_as_outlook_says(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    synced(alice)
    second = (FIRST + timedelta(days=7)).astimezone(UTC)
    over = FIRST + timedelta(days=15)  # the day after the third occurrence
    moved = actions.do_update_occurrence(series, second, {
        "start": over, "end": over + timedelta(minutes=30), "title": "Too far",
    })  # fmt: skip
    alice.create(title="Fine", start=FIRST, end=FIRST + timedelta(hours=1))
    summary = alice.sync()
    assert not summary.ok
    error = only(summary.errors)
    assert error["event"] == moved.pk
    assert "crossing or overlapping adjacent occurrence" in error["message"]
    assert sorted(e["subject"] for e in alice.outlook_events()) == ["Fine", "Standup"]
    master = only([e for e in alice.outlook_events() if e["subject"] == "Standup"])
    assert around(alice, master["id"], FIRST + timedelta(days=7))["type"] == "occurrence"


def test_a_meeting_series_with_exceptions_deleted_here_mails_each_guest_once(
    alice: SyncWorld,
) -> None:
    series = alice.create(
        title="Sync-up", start=FIRST, end=FIRST + timedelta(minutes=30), timezone="Europe/Paris",
        recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=4",
        attendees=[{"email": "guest@external.test", "name": "Guest"}],
    )  # fmt: skip
    synced(alice)
    actions.do_update_occurrence(series, FIRST.astimezone(UTC), {"title": "Kick-off"})
    synced(alice)
    alice.emulator.clear_outbox()
    actions.do_delete_event(series)
    summary = synced(alice)
    assert summary.pushed["deleted"] == 1  # the series takes its exception along
    assert alice.outlook_events() == []
    mails = [m for m in alice.emulator.outbox() if m["kind"] == "cancellation"]
    assert len(mails) == 1, mails
    quiet(alice)


def test_a_series_with_exceptions_deleted_in_outlook_is_archived_once(alice: SyncWorld) -> None:
    made = outlook_weekly(alice)
    synced(alice)
    series = only(alice.events())
    alice.outlook_patch(around(alice, made["id"], FIRST)["id"], {"subject": "First"})
    synced(alice)
    alice.outlook_delete(made["id"])
    summary = synced(alice)
    assert summary.pulled["deleted"] >= 1
    assert not alice.event(series.pk).active
    assert SyncRecord.objects.count() == 0
    quiet(alice)


def test_a_series_moved_to_another_hour_in_outlook_keeps_its_exceptions(
    alice: SyncWorld,
) -> None:
    made, series, _fifth = outlook_weekly_with_a_retro(alice)
    alice.outlook_patch(made["id"], {
        "start": {"dateTime": "2027-03-16T14:00:00", "timeZone": ROMANCE},
        "end": {"dateTime": "2027-03-16T14:30:00", "timeZone": ROMANCE},
    })  # fmt: skip
    synced(alice)
    moved = alice.event(series.pk)
    assert moved.start == datetime(2027, 3, 16, 14, tzinfo=PARIS)
    there = instances(alice, made["id"], FIRST - timedelta(days=1), FIRST + timedelta(days=60))
    assert len(there) == 6
    here = [(e.title, e.start) for e in Event.objects.filter(series=series)]
    retro = only([i for i in there if i["subject"] == "Retro"])
    assert here == [("Retro", utc(retro["start"]["dateTime"]))]
    assert CancelledOccurrence.objects.count() == 0
    assert cancelled_occurrences(alice, made["id"]) == []
    quiet(alice)


# -- a series destroyed here while Outlook changed one of its occurrences ------------------


def test_a_series_deleted_here_while_outlook_edited_an_occurrence_comes_back_with_it(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    synced(alice)
    master = only(alice.outlook_events())
    second = around(alice, master["id"], FIRST + timedelta(days=7))
    actions.do_delete_event(series)
    alice.outlook_patch(second["id"], {"subject": "Outlook's edit"})
    summary = synced(alice)
    assert summary.pushed["deleted"] == 0  # the change beats the destruction
    assert only(alice.outlook_events())["id"] == master["id"]
    back = only(alice.events())
    assert back.title == "Standup" and back.recurrence
    exception = only(list(Event.objects.filter(series=back)))
    assert exception.title == "Outlook's edit"
    assert exception.original_start == FIRST + timedelta(days=7)
    there = instances(alice, master["id"], FIRST - timedelta(days=1), FIRST + timedelta(days=60))
    assert len(there) == 6 and Event.objects.filter(series=back).count() == 1
    restored = [c for c in summary.conflict_details if c["field"] == "deleted"]
    assert restored and all(c["winner"] == "remote" for c in restored)  # the log says so
    quiet(alice)


def test_a_series_deleted_here_while_outlook_edited_its_exception_keeps_every_exception(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    actions.do_update_occurrence(series, FIRST.astimezone(UTC), {"title": "Kick-off"})
    actions.do_update_occurrence(
        series, (FIRST + timedelta(days=7)).astimezone(UTC), {"title": "Second"}
    )
    synced(alice)
    master = only(alice.outlook_events())
    second = around(alice, master["id"], FIRST + timedelta(days=7))
    actions.do_delete_event(series)
    alice.outlook_patch(second["id"], {"subject": "Second, edited in Outlook"})
    synced(alice)
    back = only(alice.events())
    titles = sorted(Event.objects.filter(series=back).values_list("title", flat=True))
    assert titles == ["Kick-off", "Second, edited in Outlook"]
    there = instances(alice, master["id"], FIRST - timedelta(days=1), FIRST + timedelta(days=60))
    assert sorted(i["subject"] for i in there)[:2] == ["Kick-off", "Second, edited in Outlook"]
    assert SyncRecord.objects.count() == 3
    quiet(alice)


# -- a series archived here keeps its exceptions ---------------------------------------------


def test_a_series_archived_here_keeps_its_exceptions_and_unarchiving_brings_them_back(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    kickoff = actions.do_update_occurrence(series, FIRST.astimezone(UTC), {"title": "Kick-off"})
    actions.do_cancel_occurrence(series, (FIRST + timedelta(days=7)).astimezone(UTC))
    made = outlook_weekly(alice)
    synced(alice)
    pulled = only([e for e in alice.events() if e.title == "Planning"])
    alice.outlook_patch(around(alice, made["id"], FIRST)["id"], {"subject": "Planning (long)"})
    synced(alice)
    retro = only(list(Event.objects.filter(series=pulled)))
    for event in (series, pulled):
        actions.do_archive_event(alice.event(event.pk))
    assert synced(alice).pushed["deleted"] == 2
    assert alice.outlook_events() == []
    quiet(alice)  # Outlook lost the exceptions with their series; here they stay
    assert alice.event(kickoff.pk).title == "Kick-off"
    assert alice.event(retro.pk).title == "Planning (long)"
    for event in (series, pulled):
        actions.do_unarchive_event(alice.event(event.pk))
    summary = synced(alice)
    assert summary.pushed["created"] == 4  # two series and their exceptions
    assert summary.pulled == NO_CHANGE
    masters = {m["subject"]: m for m in alice.outlook_events()}
    assert sorted(masters) == ["Planning", "Standup"]
    assert around(alice, masters["Standup"]["id"], FIRST)["subject"] == "Kick-off"
    assert cancelled_occurrences(alice, masters["Standup"]["id"]) == ["2027-03-23"]
    assert around(alice, masters["Planning"]["id"], FIRST)["subject"] == "Planning (long)"
    assert Event.objects.filter(series__in=[series, pulled]).count() == 2
    assert SyncRecord.objects.count() == 4
    quiet(alice)


def test_an_occurrence_outlook_edited_while_its_series_was_archived_here_stays_here(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    synced(alice)
    master = only(alice.outlook_events())
    actions.do_archive_event(series)
    alice.outlook_patch(around(alice, master["id"], FIRST)["id"], {"subject": "Outlook's edit"})
    assert synced(alice).pushed["deleted"] == 1
    assert alice.outlook_events() == []
    quiet(alice)
    kept = only(list(Event.objects.filter(series=series)))
    assert kept.title == "Outlook's edit"  # merged into the archived series
    actions.do_unarchive_event(alice.event(series.pk))
    synced(alice)
    master = only(alice.outlook_events())
    assert around(alice, master["id"], FIRST)["subject"] == "Outlook's edit"
    quiet(alice)


def test_an_exception_edited_in_outlook_but_cancelled_here_stays_cancelled(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    second = (FIRST + timedelta(days=7)).astimezone(UTC)
    actions.do_update_occurrence(series, second, {"title": "Second"})
    synced(alice)
    master = only(alice.outlook_events())
    alice.outlook_patch(around(alice, master["id"], second)["id"], {"subject": "Outlook's edit"})
    actions.do_cancel_occurrence(alice.event(series.pk), second)
    summary = synced(alice)
    assert summary.pulled["created"] == 0  # the cancellation wins
    assert cancelled_occurrences(alice, master["id"]) == ["2027-03-23"]
    assert Event.objects.filter(series=series).count() == 0
    assert CancelledOccurrence.objects.filter(series=series).count() == 1
    quiet(alice)


def test_an_exception_edited_here_but_cancelled_in_outlook_stays_cancelled(
    alice: SyncWorld,
) -> None:
    series = weekly_here(alice)
    second = (FIRST + timedelta(days=7)).astimezone(UTC)
    exception = actions.do_update_occurrence(series, second, {"title": "Second"})
    synced(alice)
    master = only(alice.outlook_events())
    alice.outlook_delete(around(alice, master["id"], second)["id"])
    actions.do_update_event(exception, {"title": "Edited here"})
    synced(alice)
    assert cancelled_occurrences(alice, master["id"]) == ["2027-03-23"]
    assert Event.objects.filter(series=series).count() == 0
    assert CancelledOccurrence.objects.filter(series=series).count() == 1
    quiet(alice)
