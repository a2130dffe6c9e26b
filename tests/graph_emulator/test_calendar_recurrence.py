"""Recurrence expansion with Outlook's semantics (pure model, no HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice

import pytest
from tests.graph_emulator.calendar_helpers import make_store, series_body, starts_utc

from graph_emulator.calendar.errors import CalendarError
from graph_emulator.calendar.recurrence import parse_recurrence


def rule(pattern: dict, rng: dict, start: date, zone: str = "UTC"):
    return parse_recurrence({"pattern": pattern, "range": rng}, start_date=start, default_zone=zone)


def test_weekly_paris_series_stays_at_nine_local_across_both_dst_changes() -> None:
    store = make_store("ada@example.com")
    body = series_body(
        "2026-03-16T09:00:00",
        "2026-03-16T10:00:00",
        "Europe/Paris",
        {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
        {"type": "noEnd", "startDate": "2026-03-16"},
    )
    store.create_event("ada@example.com", body)
    window = (datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))
    instances = store.calendar_view("ada@example.com", *window)
    utc_starts = starts_utc(instances)
    # Before 2026-03-29 Paris is UTC+1, after it UTC+2, after 2026-10-25 UTC+1 again.
    assert utc_starts[0] == "2026-03-16T08:00"
    assert utc_starts[1] == "2026-03-23T08:00"
    assert utc_starts[2] == "2026-03-30T07:00"
    assert "2026-10-19T07:00" in utc_starts
    assert "2026-10-26T08:00" in utc_starts
    local_times = {inst.span.start.strftime("%H:%M") for inst in instances}
    assert local_times == {"09:00"}
    assert len(instances) == 34


def test_absolute_monthly_day_31_falls_on_the_last_day_of_short_months() -> None:
    rec = rule(
        {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        {"type": "numbered", "startDate": "2026-01-31", "numberOfOccurrences": 6},
        date(2026, 1, 31),
    )
    assert list(rec.dates()) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
    ]


def test_absolute_yearly_feb_29_falls_on_feb_28_outside_leap_years() -> None:
    rec = rule(
        {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 29, "month": 2},
        {"type": "endDate", "startDate": "2028-02-29", "endDate": "2030-12-31"},
        date(2028, 2, 29),
    )
    assert list(rec.dates()) == [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28)]


def test_numbered_range_counts_from_the_first_real_occurrence() -> None:
    # Start on a Thursday, weekly Monday/Wednesday: the first occurrence is later.
    rec = rule(
        {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"]},
        {"type": "numbered", "startDate": "2026-01-01", "numberOfOccurrences": 3},
        date(2026, 1, 1),
    )
    assert list(rec.dates()) == [date(2026, 1, 5), date(2026, 1, 7), date(2026, 1, 12)]


def test_relative_monthly_last_friday() -> None:
    rec = rule(
        {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
        {"type": "endDate", "startDate": "2026-01-01", "endDate": "2026-05-31"},
        date(2026, 1, 1),
    )
    assert list(rec.dates()) == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
        date(2026, 5, 29),
    ]


def test_relative_monthly_several_days_takes_the_index_th_matching_day() -> None:
    rec = rule(
        {
            "type": "relativeMonthly",
            "interval": 1,
            "daysOfWeek": ["saturday", "sunday"],
            "index": "first",
        },
        {"type": "numbered", "startDate": "2026-03-01", "numberOfOccurrences": 2},
        date(2026, 3, 1),
    )
    assert list(rec.dates()) == [date(2026, 3, 1), date(2026, 4, 4)]


def test_end_date_is_inclusive_and_last_occurrence_may_be_earlier() -> None:
    # Microsoft's documented example: weekly Monday from 2017-09-04 to 2017-12-31 ends 2017-12-25.
    rec = rule(
        {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
        {"type": "endDate", "startDate": "2017-09-04", "endDate": "2017-12-31"},
        date(2017, 9, 4),
    )
    dates = list(rec.dates())
    assert dates[0] == date(2017, 9, 4)
    assert dates[-1] == date(2017, 12, 25)
    assert len(dates) == 17


def test_weekly_interval_two_is_anchored_on_first_day_of_week() -> None:
    # 2026-01-04 is a Sunday. With firstDayOfWeek monday, the week of the start runs
    # Mon 2025-12-29 .. Sun 2026-01-04; "every other week" then skips 01-05 .. 01-11.
    monday_weeks = rule(
        {
            "type": "weekly",
            "interval": 2,
            "daysOfWeek": ["sunday", "monday"],
            "firstDayOfWeek": "monday",
        },
        {"type": "numbered", "startDate": "2026-01-04", "numberOfOccurrences": 3},
        date(2026, 1, 4),
    )
    assert list(monday_weeks.dates()) == [date(2026, 1, 4), date(2026, 1, 12), date(2026, 1, 18)]
    sunday_weeks = rule(
        {
            "type": "weekly",
            "interval": 2,
            "daysOfWeek": ["sunday", "monday"],
            "firstDayOfWeek": "sunday",
        },
        {"type": "numbered", "startDate": "2026-01-04", "numberOfOccurrences": 3},
        date(2026, 1, 4),
    )
    assert list(sunday_weeks.dates()) == [date(2026, 1, 4), date(2026, 1, 5), date(2026, 1, 18)]


def test_no_end_series_expands_lazily_far_in_the_future() -> None:
    rec = rule(
        {"type": "daily", "interval": 3},
        {"type": "noEnd", "startDate": "2000-01-01"},
        date(2000, 1, 1),
    )
    far = list(islice(rec.dates(date(2400, 1, 1)), 2))
    assert far[0] >= date(2400, 1, 1)
    assert (far[0] - date(2000, 1, 1)).days % 3 == 0
    assert (far[1] - far[0]).days == 3


def test_no_end_series_in_a_calendar_view_decades_later() -> None:
    store = make_store("ada@example.com")
    store.create_event(
        "ada@example.com",
        series_body(
            "2020-01-06T09:00:00",
            "2020-01-06T09:30:00",
            "Pacific Standard Time",
            {"type": "daily", "interval": 1},
            {"type": "noEnd", "startDate": "2020-01-06"},
        ),
    )
    found = store.calendar_view(
        "ada@example.com", datetime(2090, 6, 1, tzinfo=UTC), datetime(2090, 6, 8, tzinfo=UTC)
    )
    assert len(found) == 7
    assert {inst.span.start.strftime("%H:%M") for inst in found} == {"09:00"}


@pytest.mark.parametrize(
    ("pattern", "rng", "prop"),
    [
        (
            {"type": "weekly", "interval": 1},
            {"type": "noEnd", "startDate": "2026-01-05"},
            "recurrence.pattern.daysOfWeek",
        ),
        (
            {"type": "daily", "interval": 0},
            {"type": "noEnd", "startDate": "2026-01-05"},
            "recurrence.pattern.interval",
        ),
        (
            {"type": "hourly", "interval": 1},
            {"type": "noEnd", "startDate": "2026-01-05"},
            "recurrence.pattern.type",
        ),
        (
            {"type": "daily", "interval": 1, "firstDayOfWeek": "funday"},
            {"type": "noEnd", "startDate": "2026-01-05"},
            "recurrence.pattern.firstDayOfWeek",
        ),
        (
            {"type": "absoluteMonthly", "interval": 1},
            {"type": "noEnd", "startDate": "2026-01-05"},
            "recurrence.pattern.dayOfMonth",
        ),
        (
            {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 5},
            {"type": "noEnd", "startDate": "2026-01-05"},
            "recurrence.pattern.month",
        ),
        (
            {"type": "daily", "interval": 1},
            {"type": "numbered", "startDate": "2026-01-05"},
            "recurrence.range.numberOfOccurrences",
        ),
        (
            {"type": "daily", "interval": 1},
            {"type": "endDate", "startDate": "2026-01-05"},
            "recurrence.range.endDate",
        ),
        (
            {"type": "daily", "interval": 1},
            {"type": "noEnd", "startDate": "2026-01-06"},
            "recurrence.range.startDate",
        ),
        (
            {"type": "daily", "interval": 1},
            {"type": "noEnd", "startDate": "2026-01-05", "recurrenceTimeZone": "Mars/Olympus"},
            "recurrence.range.recurrenceTimeZone",
        ),
    ],
)
def test_invalid_recurrence_is_400_naming_the_property(pattern: dict, rng: dict, prop: str) -> None:
    with pytest.raises(CalendarError) as caught:
        rule(pattern, rng, date(2026, 1, 5))
    assert caught.value.status == 400
    assert prop in caught.value.message


def test_output_shape_fills_every_field() -> None:
    rec = rule(
        {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday"]},
        {"type": "endDate", "startDate": "2026-01-05", "endDate": "2026-02-05"},
        date(2026, 1, 5),
        "Pacific Standard Time",
    )
    assert rec.to_graph() == {
        "pattern": {
            "type": "weekly",
            "interval": 1,
            "month": 0,
            "dayOfMonth": 0,
            "daysOfWeek": ["monday"],
            "firstDayOfWeek": "sunday",
            "index": "first",
        },
        "range": {
            "type": "endDate",
            "startDate": "2026-01-05",
            "endDate": "2026-02-05",
            "recurrenceTimeZone": "Pacific Standard Time",
            "numberOfOccurrences": 0,
        },
    }
