"""Series put on the wire with ``to_graph`` expand in Outlook exactly as calsync expands them.

Over real HTTPS against the emulator: each test creates a series master with
``POST /v1.0/me/events`` from ``to_graph(rule, ...)``, reads its occurrences back with
``GET /me/events/{id}/instances`` (every page) and compares them with calsync's own
expansion of the RRULE (``calsync.calendars.recurrence.iter_slots``) over the same window.
The master read back must also map to the same rule (``from_graph``) and recurrence.
One test per pattern type, plus Outlook's semantics where they differ from RFC 5545 (day 31,
week start, a start that does not match) and an open-ended daily series far in the future.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calsync.calendars.recurrence import SeriesTimes, iter_slots, localise
from calsync.msgraph.patterned_recurrence import (
    UnsupportedRecurrence,
    canonical_graph,
    canonical_rrule,
    from_graph,
    to_graph,
)
from graph_emulator.testing import EmulatorServer

pytestmark = pytest.mark.e2e

DURATION = timedelta(minutes=45)


class Outlook:
    """One mailbox in the emulator, spoken to over HTTPS with a bearer token."""

    def __init__(self, emulator: EmulatorServer, email: str) -> None:
        emulator.add_user(email, "Rita Recurring")
        token = emulator.token_for(email)
        self.base = emulator.graph_url
        self.client = emulator.client(
            headers={"Authorization": f"Bearer {token}", "Prefer": "odata.maxpagesize=1000"}
        )

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(f"{self.base}/me/events", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def instances(self, master_id: str, low: datetime, high: datetime) -> list[dict[str, Any]]:
        """Every occurrence of the master overlapping ``[low, high)``, all pages."""
        url: str | None = f"{self.base}/me/events/{master_id}/instances"
        params: dict[str, str] | None = {
            "startDateTime": low.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": high.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        found: list[dict[str, Any]] = []
        while url:
            response = self.client.get(url, params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            found += page["value"]
            url, params = page.get("@odata.nextLink"), None
        return found


@pytest.fixture
def outlook(emulator: EmulatorServer) -> Iterator[Outlook]:
    mailbox = Outlook(emulator, "rita@example.com")
    yield mailbox
    mailbox.client.close()


def wall_of(start: datetime | date, zone: str) -> datetime:
    if isinstance(start, datetime):
        return start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return datetime.combine(start, time())


def event_body(
    rule: str, start: datetime | date, zone: str, recurrence: dict[str, Any]
) -> dict[str, Any]:
    """A series master as calsync would post it: wall times in the event's zone."""
    wall = wall_of(start, zone)
    all_day = not isinstance(start, datetime)
    end = wall + (timedelta(days=1) if all_day else DURATION)
    return {
        "subject": rule,
        "start": {"dateTime": wall.isoformat(), "timeZone": zone},
        "end": {"dateTime": end.isoformat(), "timeZone": zone},
        "isAllDay": all_day,
        "recurrence": recurrence,
    }


def local_expansion(
    rule: str, start: datetime | date, zone: str, low: datetime, high: datetime
) -> list[datetime] | list[date]:
    """calsync's occurrences overlapping ``[low, high)``: UTC starts, or dates if all-day."""
    all_day = not isinstance(start, datetime)
    duration = timedelta(days=1) if all_day else DURATION
    series = SeriesTimes(rule, ZoneInfo(zone), all_day, wall_of(start, zone), duration)
    slots = list(iter_slots(series, low, high))
    if all_day:
        return [slot.start_date for slot in slots if slot.start_date is not None]
    return [slot.start for slot in slots]


def outlook_occurrences(found: list[dict[str, Any]], all_day: bool) -> list[datetime] | list[date]:
    """Instances' starts (Graph answers in UTC): UTC instants, or dates if all-day."""
    assert all(item["start"]["timeZone"] == "UTC" for item in found)
    assert all(item["type"] == "occurrence" for item in found)
    starts = [datetime.fromisoformat(item["start"]["dateTime"][:19]) for item in found]
    if all_day:
        return [value.date() for value in starts]
    return [value.replace(tzinfo=UTC) for value in starts]


def check_series(
    outlook: Outlook,
    rule: str,
    start: datetime | date,
    zone: str,
    low: datetime,
    high: datetime,
) -> list[datetime] | list[date]:
    """Post ``rule`` through ``to_graph``; Outlook's instances in ``[low, high)`` must be
    calsync's, and the master must read back (``from_graph``) as the same rule, which
    expands to the same instances. Returns the occurrences."""
    all_day = not isinstance(start, datetime)
    recurrence = to_graph(rule, start, zone, all_day)
    master = outlook.create(event_body(rule, start, zone, recurrence))
    assert master["type"] == "seriesMaster"
    assert canonical_graph(master["recurrence"], zone) == recurrence
    assert from_graph(master["recurrence"], start, zone) == canonical_rrule(
        rule, start, zone, all_day
    )
    found = outlook_occurrences(outlook.instances(master["id"], low, high), all_day)
    assert found == local_expansion(rule, start, zone, low, high)
    read_back = from_graph(master["recurrence"], start, zone)
    assert found == local_expansion(read_back, start, zone, low, high)
    return found


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris"))


def new_york(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("America/New_York"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def in_zone(found: list[datetime], zone: str) -> list[datetime]:
    return [value.astimezone(ZoneInfo(zone)) for value in found]


# -- one test per pattern type ---------------------------------------------------------------


def test_daily(outlook: Outlook) -> None:
    found = check_series(
        outlook,
        "FREQ=DAILY;INTERVAL=3;COUNT=40",
        paris(2026, 3, 20, 9),
        "Europe/Paris",
        utc(2026, 1, 1),
        utc(2027, 1, 1),
    )
    assert len(found) == 40
    assert {value.time() for value in in_zone(found, "Europe/Paris")} == {time(9)}


def test_weekly_stays_at_nine_in_paris_across_dst(outlook: Outlook) -> None:
    found = check_series(
        outlook,
        "FREQ=WEEKLY;BYDAY=MO,TH;WKST=MO",
        paris(2026, 1, 5, 9),
        "Europe/Paris",
        utc(2026, 1, 1),
        utc(2031, 1, 1),
    )
    assert len(found) == 521
    assert {value.hour for value in found} == {7, 8}  # UTC: CEST and CET
    assert {value.time() for value in in_zone(found, "Europe/Paris")} == {time(9)}


def test_absolute_monthly_day_31_falls_on_the_last_day(outlook: Outlook) -> None:
    found = check_series(
        outlook,
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        paris(2027, 1, 31, 18),
        "Europe/Paris",
        utc(2027, 1, 1),
        utc(2032, 1, 1),
    )
    days = [value.date() for value in in_zone(found, "Europe/Paris")]
    assert len(days) == 60
    assert days[:4] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert date(2028, 2, 29) in days


def test_relative_monthly_last_friday_until_an_instant(outlook: Outlook) -> None:
    """UNTIL is 16:00 in New York on the last Friday of 2028, before that day's 17:00
    occurrence: Outlook's inclusive endDate must be the day before."""
    rule = "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20281229T210000Z"
    start = new_york(2026, 1, 30, 17)
    assert to_graph(rule, start, "America/New_York", False)["range"]["endDate"] == "2028-12-28"
    found = check_series(outlook, rule, start, "America/New_York", utc(2026, 1, 1), utc(2031, 1, 1))
    local = in_zone(found, "America/New_York")
    assert len(local) == 35
    assert all(
        value.weekday() == 4 and (value + timedelta(days=7)).month != value.month for value in local
    )
    assert local[-1].date() == date(2028, 11, 24)


def test_relative_monthly_first_weekend_day_first_match_wins(outlook: Outlook) -> None:
    found = check_series(
        outlook,
        "FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1",
        paris(2026, 2, 1, 10),
        "Europe/Paris",
        utc(2026, 1, 1),
        utc(2027, 1, 1),
    )
    days = [value.date() for value in in_zone(found, "Europe/Paris")]
    assert days[:3] == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 4)]


def test_absolute_yearly_all_day_feb_29(outlook: Outlook) -> None:
    found = check_series(
        outlook,
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1",
        date(2028, 2, 29),
        "Europe/Paris",
        utc(2028, 1, 1),
        utc(2036, 1, 1),
    )
    assert found == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
        date(2033, 2, 28),
        date(2034, 2, 28),
        date(2035, 2, 28),
    ]


def test_relative_yearly_every_other_year(outlook: Outlook) -> None:
    rule = "FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYDAY=2TU"
    found = check_series(
        outlook,
        rule,
        new_york(2026, 3, 10, 8, 30),
        "America/New_York",
        utc(2026, 1, 1),
        utc(2036, 1, 1),
    )
    days = [value.date() for value in in_zone(found, "America/New_York")]
    assert days == [
        date(2026, 3, 10),
        date(2028, 3, 14),
        date(2030, 3, 12),
        date(2032, 3, 9),
        date(2034, 3, 14),
    ]


# -- Outlook's semantics where they differ from RFC 5545, and the range types ----------------


def test_rfc_day_31_is_refused_because_outlook_would_fill_short_months(
    outlook: Outlook,
) -> None:
    start = paris(2027, 1, 31, 18)
    with pytest.raises(UnsupportedRecurrence):
        to_graph("FREQ=MONTHLY;BYMONTHDAY=31", start, "Europe/Paris", False)
    naive = {
        "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        "range": {"type": "noEnd", "startDate": "2027-01-31"},
    }
    master = outlook.create(event_body("naive", start, "Europe/Paris", naive))
    low, high = utc(2027, 1, 1), utc(2028, 1, 1)
    outlook_days = {
        value.date()
        for value in in_zone(
            outlook_occurrences(outlook.instances(master["id"], low, high), False), "Europe/Paris"
        )
    }
    rfc = local_expansion("FREQ=MONTHLY;BYMONTHDAY=31", start, "Europe/Paris", low, high)
    rfc_days = {value.date() for value in in_zone(rfc, "Europe/Paris")}
    assert outlook_days - rfc_days == {
        date(2027, m, d) for m, d in [(2, 28), (4, 30), (6, 30), (9, 30), (11, 30)]
    }


def test_first_day_of_week_decides_the_weeks_of_an_interval(outlook: Outlook) -> None:
    start = paris(2026, 3, 15, 9)  # a Sunday: it matches neither series
    low, high = utc(2026, 3, 1), utc(2026, 5, 1)
    first = {}
    for wkst in ("SU", "MO"):
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;WKST={wkst}"
        found = check_series(outlook, rule, start, "Europe/Paris", low, high)
        first[wkst] = [value.date() for value in in_zone(found, "Europe/Paris")][:2]
    assert first["SU"] == [date(2026, 3, 16), date(2026, 3, 20)]
    assert first["MO"] == [date(2026, 3, 23), date(2026, 3, 27)]


def test_start_that_does_not_match_the_pattern(outlook: Outlook) -> None:
    start = paris(2026, 3, 18, 9)  # a Wednesday
    found = check_series(
        outlook,
        "FREQ=MONTHLY;BYDAY=1MO;COUNT=3",
        start,
        "Europe/Paris",
        utc(2026, 3, 1),
        utc(2027, 1, 1),
    )
    days = [value.date() for value in in_zone(found, "Europe/Paris")]
    assert days == [date(2026, 4, 6), date(2026, 5, 4), date(2026, 6, 1)]


def test_all_day_weekly_until_a_date(outlook: Outlook) -> None:
    found = check_series(
        outlook,
        "FREQ=WEEKLY;BYDAY=MO,FR;WKST=MO;UNTIL=20260630",
        date(2026, 3, 16),
        "America/New_York",
        utc(2026, 1, 1),
        utc(2027, 1, 1),
    )
    assert found[0] == date(2026, 3, 16)
    assert found[-1] == date(2026, 6, 29)
    assert len(found) == 31


def test_count_beyond_outlooks_999_ends_on_the_last_occurrence(outlook: Outlook) -> None:
    start = paris(2026, 3, 16, 9)
    rule = "FREQ=DAILY;COUNT=1200"
    assert to_graph(rule, start, "Europe/Paris", False)["range"]["type"] == "endDate"
    found = check_series(outlook, rule, start, "Europe/Paris", utc(2029, 6, 1), utc(2029, 8, 1))
    assert [value.date() for value in in_zone(found, "Europe/Paris")][-1] == date(2029, 6, 27)


def test_daily_open_ended_series_has_no_cap_far_in_the_future(outlook: Outlook) -> None:
    start = paris(2026, 3, 16, 9)
    rule = "FREQ=DAILY"
    assert to_graph(rule, start, "Europe/Paris", False)["range"]["type"] == "noEnd"
    for year in (2096, 2399):
        low = localise(datetime(year, 3, 1), ZoneInfo("Europe/Paris"))
        found = check_series(outlook, rule, start, "Europe/Paris", low, low + timedelta(days=31))
        days = [value.date() for value in in_zone(found, "Europe/Paris")]
        assert days == [date(year, 3, 1) + timedelta(days=n) for n in range(31)]
