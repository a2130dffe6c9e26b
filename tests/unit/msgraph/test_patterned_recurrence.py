"""Table tests of the patternedRecurrence <-> RRULE mapping, both directions.

Every mapped rule is also expanded twice over five years: by calsync's own expansion
(``calsync.calendars.recurrence``: dateutil over local wall time, then localised) and by the
emulator's model of Outlook (``graph_emulator.calendar.recurrence``, the reference for
Outlook's semantics), and the two must give the same instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calsync.calendars import recurrence as calsync_recurrence
from calsync.calendars.recurrence import SeriesTimes
from calsync.msgraph.patterned_recurrence import (
    UnsupportedRecurrence,
    canonical_graph,
    canonical_rrule,
    from_graph,
    gettext_noop,
    to_graph,
)
from graph_emulator.calendar.recurrence import parse_recurrence
from graph_emulator.calendar.timezones import local as emulator_local

FIVE_YEARS = timedelta(days=5 * 366)


# -- expansion on both sides (shared with the property and e2e tests) ----------------------


def local_start_of(start: datetime | date, zone: str, all_day: bool) -> datetime:
    """The naive wall-clock start in ``zone`` (midnight for all-day series)."""
    if all_day or not isinstance(start, datetime):
        day = start if not isinstance(start, datetime) else start.date()
        return datetime.combine(day, time())
    if start.tzinfo is None:
        return start
    return start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def calsync_starts(
    rule: str,
    start: datetime | date,
    zone: str,
    all_day: bool,
    span: timedelta = FIVE_YEARS,
    window_start: datetime | None = None,
) -> list[datetime]:
    """UTC starts of the occurrences calsync expands for ``rule`` in
    ``[window_start (default: the series start), + span)``."""
    tz = ZoneInfo(zone)
    wall = local_start_of(start, zone, all_day)
    duration = timedelta(days=1) if all_day else timedelta(minutes=45)
    series = SeriesTimes(rule, tz, all_day, wall, duration)
    low = window_start or calsync_recurrence.localise(wall, tz)
    return [
        slot.start
        for slot in calsync_recurrence.iter_slots(series, low, low + span)
        if slot.start >= low
    ]


def outlook_starts(
    graph: dict[str, Any],
    start: datetime | date,
    zone: str,
    all_day: bool,
    span: timedelta = FIVE_YEARS,
    window_start: datetime | None = None,
) -> list[datetime]:
    """UTC starts of the occurrences the emulator's model of Outlook gives ``graph`` (which
    it validates as Outlook would) in the same window as :func:`calsync_starts`."""
    tz = ZoneInfo(zone)
    wall = local_start_of(start, zone, all_day)
    model = parse_recurrence(graph, start_date=wall.date(), default_zone=zone)
    clock = wall.replace(tzinfo=tz)
    low = window_start or calsync_recurrence.localise(wall, tz)
    high = low + span
    found = []
    for day in model.dates((low - timedelta(days=2)).astimezone(tz).date()):
        instant = emulator_local(day, clock, tz).astimezone(UTC)
        if instant >= high:
            break
        if instant >= low:
            found.append(instant)
    return found


def assert_same_occurrences(
    rule: str, graph: dict[str, Any], start: datetime | date, zone: str, all_day: bool
) -> list[datetime]:
    """Both expansions agree over five years; returns them (UTC starts)."""
    mine = calsync_starts(rule, start, zone, all_day)
    outlook = outlook_starts(graph, start, zone, all_day)
    assert mine == outlook
    return mine


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris"))


def local_days(instants: list[datetime], zone: str = "Europe/Paris") -> list[date]:
    return [instant.astimezone(ZoneInfo(zone)).date() for instant in instants]


def rng(kind: str, start: str, zone: str = "Europe/Paris", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "startDate": start, **extra, "recurrenceTimeZone": zone}


# -- both directions, one row per pattern and range type -----------------------------------

CASES = [
    pytest.param(
        "FREQ=DAILY;INTERVAL=3",
        paris(2026, 3, 20, 9),
        False,
        {"type": "daily", "interval": 3},
        rng("noEnd", "2026-03-20"),
        id="daily-interval-noEnd",
    ),
    pytest.param(
        "FREQ=DAILY;COUNT=10",
        paris(2026, 3, 20, 9),
        False,
        {"type": "daily", "interval": 1},
        rng("numbered", "2026-03-20", numberOfOccurrences=10),
        id="daily-numbered",
    ),
    pytest.param(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;WKST=SU",
        paris(2026, 3, 18, 9),
        False,
        {
            "type": "weekly",
            "interval": 2,
            "daysOfWeek": ["monday", "wednesday", "friday"],
            "firstDayOfWeek": "sunday",
        },
        rng("noEnd", "2026-03-18"),
        id="weekly-several-days-interval-2-sunday",
    ),
    pytest.param(
        "FREQ=WEEKLY;BYDAY=TU;WKST=MO;UNTIL=20261231T225959Z",
        paris(2026, 3, 17, 9),
        False,
        {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"], "firstDayOfWeek": "monday"},
        rng("endDate", "2026-03-17", endDate="2026-12-31"),
        id="weekly-endDate-from-instant",
    ),
    pytest.param(
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        paris(2026, 1, 31, 18),
        False,
        {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        rng("noEnd", "2026-01-31"),
        id="monthly-day-31",
    ),
    pytest.param(
        "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1;COUNT=24",
        paris(2026, 1, 30, 18),
        False,
        {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 30},
        rng("numbered", "2026-01-30", numberOfOccurrences=24),
        id="monthly-day-30",
    ),
    pytest.param(
        "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15",
        paris(2026, 1, 15, 8, 30),
        False,
        {"type": "absoluteMonthly", "interval": 2, "dayOfMonth": 15},
        rng("noEnd", "2026-01-15"),
        id="monthly-day-15-interval-2",
    ),
    pytest.param(
        "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231T160000Z",
        paris(2026, 1, 30, 17),
        False,
        {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
        rng("endDate", "2026-01-30", endDate="2027-12-31"),
        id="monthly-last-friday",
    ),
    pytest.param(
        "FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1",
        paris(2026, 1, 3, 10),
        False,
        {
            "type": "relativeMonthly",
            "interval": 1,
            "daysOfWeek": ["sunday", "saturday"],
            "index": "first",
        },
        rng("noEnd", "2026-01-03"),
        id="monthly-first-weekend-day",
    ),
    pytest.param(
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1",
        paris(2028, 2, 29, 12),
        False,
        {"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29},
        rng("noEnd", "2028-02-29"),
        id="yearly-feb-29",
    ),
    pytest.param(
        "FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYDAY=2TU;COUNT=4",
        paris(2026, 3, 10, 9),
        False,
        {
            "type": "relativeYearly",
            "interval": 2,
            "month": 3,
            "daysOfWeek": ["tuesday"],
            "index": "second",
        },
        rng("numbered", "2026-03-10", numberOfOccurrences=4),
        id="yearly-second-tuesday-march",
    ),
    pytest.param(
        "FREQ=WEEKLY;BYDAY=MO,FR;WKST=MO;UNTIL=20260630",
        date(2026, 3, 16),
        True,
        {
            "type": "weekly",
            "interval": 1,
            "daysOfWeek": ["monday", "friday"],
            "firstDayOfWeek": "monday",
        },
        rng("endDate", "2026-03-16", endDate="2026-06-30"),
        id="all-day-weekly-endDate",
    ),
    pytest.param(
        "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25",
        date(2026, 12, 25),
        True,
        {"type": "absoluteYearly", "interval": 1, "month": 12, "dayOfMonth": 25},
        rng("noEnd", "2026-12-25"),
        id="all-day-yearly",
    ),
]


BACK = {"weekly-endDate-from-instant": "FREQ=WEEKLY;BYDAY=TU;WKST=MO;UNTIL=20261231T080000Z"}
"""Rules that come back in another (equivalent) spelling; the others come back unchanged."""


@pytest.mark.parametrize(("rule", "start", "all_day", "pattern", "range_"), CASES)
def test_both_directions(
    rule: str,
    start: datetime | date,
    all_day: bool,
    pattern: dict,
    range_: dict,
    request: pytest.FixtureRequest,
) -> None:
    zone = "Europe/Paris"
    graph = to_graph(rule, start, zone, all_day)
    assert graph == {"pattern": pattern, "range": range_}
    back = BACK.get(request.node.callspec.id, rule)
    assert from_graph(graph, start, zone, all_day=all_day) == back
    assert canonical_rrule(rule, start, zone, all_day) == back
    assert to_graph(back, start, zone, all_day) == graph
    assert calsync_recurrence.normalise_rule(back) == back
    assert assert_same_occurrences(rule, graph, start, zone, all_day)
    assert calsync_starts(back, start, zone, all_day) == calsync_starts(rule, start, zone, all_day)


def test_day_31_falls_on_the_last_day_of_short_months() -> None:
    rule = "FREQ=MONTHLY;BYMONTHDAY=-1"
    start = paris(2027, 1, 31, 18)
    found = assert_same_occurrences(
        rule, to_graph(rule, start, "Europe/Paris", False), start, "Europe/Paris", False
    )
    assert local_days(found[:5]) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]
    assert date(2028, 2, 29) in local_days(found)


def test_rfc_day_31_is_refused_because_outlook_would_add_short_months() -> None:
    """RFC skips months without a 31st; Outlook's dayOfMonth 31 does not: refuse, and say
    what to write instead."""
    start = paris(2027, 1, 31, 18)
    for rule in ("FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY"):
        with pytest.raises(UnsupportedRecurrence) as caught:
            to_graph(rule, start, "Europe/Paris", False)
        assert "BYMONTHDAY=-1" in str(caught.value)
        assert caught.value.params["day"] == 31
    naive = {
        "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        "range": rng("noEnd", "2027-01-31"),
    }
    rfc = calsync_starts("FREQ=MONTHLY;BYMONTHDAY=31", start, "Europe/Paris", False)
    outlook = outlook_starts(naive, start, "Europe/Paris", False)
    assert date(2027, 2, 28) in local_days(outlook)
    assert date(2027, 2, 28) not in local_days(rfc)


def test_day_31_is_exact_when_every_visited_month_has_31_days() -> None:
    start = paris(2027, 1, 31, 18)
    rule = "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31"
    graph = to_graph(rule, start, "Europe/Paris", False)
    assert graph["pattern"] == {"type": "absoluteMonthly", "interval": 12, "dayOfMonth": 31}
    assert_same_occurrences(rule, graph, start, "Europe/Paris", False)
    # Outlook's spelling does not depend on the start month: it stays exact when moved.
    assert from_graph(graph, start, "Europe/Paris") == "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=-1"


def test_yearly_feb_29_from_rfc_start_is_refused_but_last_day_of_february_maps() -> None:
    start = paris(2028, 2, 29, 12)
    with pytest.raises(UnsupportedRecurrence, match="BYMONTHDAY=-1"):
        to_graph("FREQ=YEARLY", start, "Europe/Paris", False)
    for rule in (
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1",
    ):
        graph = to_graph(rule, start, "Europe/Paris", False)
        assert graph["pattern"] == {
            "type": "absoluteYearly",
            "interval": 1,
            "month": 2,
            "dayOfMonth": 29,
        }
        found = assert_same_occurrences(rule, graph, start, "Europe/Paris", False)
        assert local_days(found[:3]) == [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28)]


def test_first_day_of_week_decides_which_weeks_count() -> None:
    """Every other week on Monday and Friday, from a Sunday: with weeks starting on Sunday
    the start's own week holds occurrences; starting on Monday, that Sunday ends a week."""
    start = paris(2026, 3, 15, 9)  # a Sunday
    found = {}
    for wkst in ("SU", "MO"):
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;WKST={wkst}"
        graph = to_graph(rule, start, "Europe/Paris", False)
        assert graph["pattern"]["firstDayOfWeek"] == {"SU": "sunday", "MO": "monday"}[wkst]
        found[wkst] = local_days(
            assert_same_occurrences(rule, graph, start, "Europe/Paris", False)[:4]
        )
    assert found["SU"] == [
        date(2026, 3, 16),
        date(2026, 3, 20),
        date(2026, 3, 30),
        date(2026, 4, 3),
    ]
    assert found["MO"] == [
        date(2026, 3, 23),
        date(2026, 3, 27),
        date(2026, 4, 6),
        date(2026, 4, 10),
    ]


def test_weekly_without_wkst_says_monday_explicitly() -> None:
    graph = to_graph("FREQ=WEEKLY", paris(2026, 3, 18, 9), "Europe/Paris", False)
    assert graph["pattern"] == {
        "type": "weekly",
        "interval": 1,
        "daysOfWeek": ["wednesday"],
        "firstDayOfWeek": "monday",
    }


def test_start_that_does_not_match_is_not_an_occurrence() -> None:
    start = paris(2026, 3, 18, 9)  # a Wednesday
    rule = "FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=3"
    graph = to_graph(rule, start, "Europe/Paris", False)
    assert graph["range"]["startDate"] == "2026-03-18"
    found = assert_same_occurrences(rule, graph, start, "Europe/Paris", False)
    assert local_days(found) == [date(2026, 3, 23), date(2026, 3, 30), date(2026, 4, 6)]


def test_weekly_nine_o_clock_paris_stays_nine_across_dst() -> None:
    start = paris(2026, 3, 16, 9)
    rule = "FREQ=WEEKLY;BYDAY=MO;WKST=MO"
    found = assert_same_occurrences(
        rule, to_graph(rule, start, "Europe/Paris", False), start, "Europe/Paris", False
    )
    assert [f.hour for f in found[:3]] == [8, 8, 7]  # UTC: 09:00 CET, CET, then CEST
    assert {f.astimezone(ZoneInfo("Europe/Paris")).hour for f in found} == {9}


def test_until_instant_before_the_start_time_ends_the_day_before() -> None:
    start = paris(2026, 3, 16, 9)
    # 07:59 UTC on 2026-04-06 is 09:59 Paris: that day's 09:00 occurrence is in.
    inside = to_graph("FREQ=DAILY;UNTIL=20260406T075900Z", start, "Europe/Paris", False)
    assert inside["range"]["endDate"] == "2026-04-06"
    # 06:59 UTC is 08:59 Paris: the 09:00 occurrence of that day is after UNTIL.
    before = to_graph("FREQ=DAILY;UNTIL=20260406T065900Z", start, "Europe/Paris", False)
    assert before["range"]["endDate"] == "2026-04-05"
    floating = to_graph("FREQ=DAILY;UNTIL=20260406T090000", start, "Europe/Paris", False)
    assert floating["range"]["endDate"] == "2026-04-06"
    whole_day = to_graph("FREQ=DAILY;UNTIL=20260406", start, "Europe/Paris", False)
    assert whole_day["range"]["endDate"] == "2026-04-06"
    for rule, graph in [
        ("FREQ=DAILY;UNTIL=20260406T065900Z", before),
        ("FREQ=DAILY;UNTIL=20260406T090000", floating),
    ]:
        found = assert_same_occurrences(rule, graph, start, "Europe/Paris", False)
        assert local_days(found)[-1] == date.fromisoformat(graph["range"]["endDate"])


def test_end_date_becomes_the_utc_instant_of_the_last_possible_occurrence() -> None:
    graph = {
        "pattern": {"type": "daily", "interval": 1},
        "range": rng("endDate", "2026-03-16", endDate="2026-07-01"),
    }
    start = paris(2026, 3, 16, 9, 30)
    assert from_graph(graph, start, "Europe/Paris") == "FREQ=DAILY;UNTIL=20260701T073000Z"
    assert from_graph(graph, date(2026, 3, 16), "Europe/Paris") == "FREQ=DAILY;UNTIL=20260701"


def test_end_date_in_a_dst_gap_keeps_that_day() -> None:
    """02:30 does not exist in Paris on 2026-03-29; the day still counts on both sides."""
    start = paris(2026, 3, 20, 2, 30)
    graph = {
        "pattern": {"type": "daily", "interval": 1},
        "range": rng("endDate", "2026-03-20", endDate="2026-03-29"),
    }
    rule = from_graph(graph, start, "Europe/Paris")
    found = assert_same_occurrences(rule, graph, start, "Europe/Paris", False)
    assert local_days(found)[-1] == date(2026, 3, 29)
    assert to_graph(rule, start, "Europe/Paris", False) == graph


def test_count_beyond_outlook_limit_becomes_the_end_date_of_the_last_occurrence() -> None:
    start = paris(2026, 3, 16, 9)
    rule = "FREQ=DAILY;COUNT=1200"
    graph = to_graph(rule, start, "Europe/Paris", False)
    assert graph["range"] == rng("endDate", "2026-03-16", endDate="2029-06-27")
    found = assert_same_occurrences(rule, graph, start, "Europe/Paris", False)
    assert len(found) == 1200
    assert to_graph("FREQ=DAILY;COUNT=999", start, "Europe/Paris", False)["range"] == rng(
        "numbered", "2026-03-16", numberOfOccurrences=999
    )


def test_every_weekday_daily_rule_is_outlooks_weekly_pattern() -> None:
    start = paris(2026, 3, 16, 9)
    rule = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"
    graph = to_graph(rule, start, "Europe/Paris", False)
    assert graph["pattern"]["type"] == "weekly"
    assert graph["pattern"]["daysOfWeek"] == [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
    ]
    assert_same_occurrences(rule, graph, start, "Europe/Paris", False)
    assert canonical_rrule(rule, start, "Europe/Paris", False) == (
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;WKST=MO"
    )


def test_ordinal_and_setpos_spellings_map_alike() -> None:
    start = paris(2026, 1, 30, 17)
    by_ordinal = to_graph("FREQ=MONTHLY;BYDAY=-1FR", start, "Europe/Paris", False)
    by_setpos = to_graph("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1", start, "Europe/Paris", False)
    assert by_ordinal == by_setpos
    assert by_ordinal["pattern"]["index"] == "last"


def test_recurrence_time_zone_can_be_named_by_the_caller() -> None:
    graph = to_graph(
        "FREQ=DAILY",
        paris(2026, 3, 16, 9),
        "Europe/Paris",
        False,
        recurrence_time_zone="Romance Standard Time",
    )
    assert graph["range"]["recurrenceTimeZone"] == "Romance Standard Time"


def test_naive_start_is_wall_time_in_the_zone() -> None:
    aware = to_graph("FREQ=DAILY", datetime(2026, 3, 16, 23, 30, tzinfo=UTC), "Europe/Paris", False)
    assert aware["range"]["startDate"] == "2026-03-17"  # 00:30 in Paris
    naive = to_graph("FREQ=DAILY", datetime(2026, 3, 16, 23, 30), "Europe/Paris", False)
    assert naive["range"]["startDate"] == "2026-03-16"


# -- from Graph: Graph's output shape, defaults, errors -------------------------------------


def test_graph_output_shape_with_every_field_reads_the_same() -> None:
    """Graph returns every field (ignored ones zeroed); only the type's fields are read."""
    full = {
        "pattern": {
            "type": "relativeMonthly",
            "interval": 1,
            "month": 0,
            "dayOfMonth": 0,
            "daysOfWeek": ["friday"],
            "firstDayOfWeek": "sunday",
            "index": "last",
        },
        "range": {
            "type": "noEnd",
            "startDate": "2026-01-30",
            "endDate": "0001-01-01",
            "recurrenceTimeZone": "Romance Standard Time",
            "numberOfOccurrences": 0,
        },
    }
    start = paris(2026, 1, 30, 17)
    assert from_graph(full, start, "Europe/Paris") == "FREQ=MONTHLY;BYDAY=-1FR"
    assert canonical_graph(full, "Europe/Paris") == {
        "pattern": {
            "type": "relativeMonthly",
            "interval": 1,
            "daysOfWeek": ["friday"],
            "index": "last",
        },
        "range": {
            "type": "noEnd",
            "startDate": "2026-01-30",
            "recurrenceTimeZone": "Romance Standard Time",
        },
    }


def test_defaults_index_first_and_week_starting_sunday() -> None:
    start = paris(2026, 3, 18, 9)
    relative = {
        "pattern": {"type": "RelativeMonthly", "interval": 1, "daysOfWeek": ["Monday"]},
        "range": {"type": "noEnd", "startDate": "2026-03-18"},
    }
    assert from_graph(relative, start, "Europe/Paris") == "FREQ=MONTHLY;BYDAY=1MO"
    weekly = {
        "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["monday"]},
        "range": {"type": "noEnd", "startDate": "2026-03-18"},
    }
    assert from_graph(weekly, start, "Europe/Paris") == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU"
    assert canonical_graph(weekly, "Europe/Paris")["range"]["recurrenceTimeZone"] == (
        "Europe/Paris"
    )


@pytest.mark.parametrize(
    ("recurrence", "field"),
    [
        ({"range": {"type": "noEnd"}}, "recurrence.pattern"),
        ({"pattern": {"type": "daily", "interval": 1}}, "recurrence.range"),
        ({"pattern": {"interval": 1}, "range": {"type": "noEnd"}}, "recurrence.pattern.type"),
        (
            {"pattern": {"type": "hourly", "interval": 1}, "range": {"type": "noEnd"}},
            "recurrence.pattern.type",
        ),
        (
            {"pattern": {"type": "daily", "interval": 0}, "range": {"type": "noEnd"}},
            "recurrence.pattern.interval",
        ),
        (
            {"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "noEnd"}},
            "recurrence.pattern.daysOfWeek",
        ),
        (
            {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["funday"]},
                "range": {"type": "noEnd"},
            },
            "recurrence.pattern.daysOfWeek",
        ),
        (
            {
                "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 32},
                "range": {"type": "noEnd"},
            },
            "recurrence.pattern.dayOfMonth",
        ),
        (
            {
                "pattern": {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 30, "month": 2},
                "range": {"type": "noEnd"},
            },
            "recurrence.pattern.dayOfMonth",
        ),
        (
            {
                "pattern": {"type": "relativeYearly", "interval": 1, "daysOfWeek": ["monday"]},
                "range": {"type": "noEnd"},
            },
            "recurrence.pattern.month",
        ),
        (
            {"pattern": {"type": "daily", "interval": 1}, "range": {"type": "sometimes"}},
            "recurrence.range.type",
        ),
        (
            {"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate"}},
            "recurrence.range.endDate",
        ),
        (
            {
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "numbered", "numberOfOccurrences": 0},
            },
            "recurrence.range.numberOfOccurrences",
        ),
        (
            {
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "endDate", "endDate": "2026-03-01"},
            },
            "recurrence.range.endDate",
        ),
    ],
)
def test_malformed_graph_recurrence_names_the_field(recurrence: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field.replace(".", r"\.")) as caught:
        from_graph(recurrence, paris(2026, 3, 18, 9), "Europe/Paris")
    assert not isinstance(caught.value, UnsupportedRecurrence)


# -- what Outlook cannot express --------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("FREQ=HOURLY", "more often than daily"),
        ("FREQ=MINUTELY;INTERVAL=15", "more often than daily"),
        ("FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO"),
        ("FREQ=YEARLY;BYYEARDAY=100", "BYYEARDAY"),
        ("FREQ=DAILY;BYHOUR=9,17", "BYHOUR"),
        ("FREQ=YEARLY;BYMONTH=3,9;BYMONTHDAY=1", "one month"),
        ("FREQ=YEARLY;BYDAY=20MO", "whole year"),
        ("FREQ=YEARLY;BYMONTHDAY=1", "whole year"),
        ("FREQ=MONTHLY;BYMONTH=1,2;BYMONTHDAY=3", "some months"),
        ("FREQ=MONTHLY;BYDAY=1MO,3MO", "several"),
        ("FREQ=MONTHLY;BYDAY=1SA,1SU", "several"),
        ("FREQ=MONTHLY;BYDAY=5FR", "not 5"),
        ("FREQ=MONTHLY;BYDAY=-2FR", "not -2"),
        ("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=5", "not 5"),
        ("FREQ=MONTHLY;BYDAY=TU", "one week day per period"),
        ("FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,3", "one week day per period"),
        ("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "combine week days with days of the month"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "several days"),
        ("FREQ=MONTHLY;BYMONTHDAY=-2", "shorter months"),
        ("FREQ=MONTHLY;BYMONTHDAY=30", "BYMONTHDAY=28,29,30;BYSETPOS=-1"),
        ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1", "BYSETPOS"),
        ("FREQ=WEEKLY;BYMONTH=3", "BYMONTH"),
        ("FREQ=WEEKLY;BYDAY=2MO", "only in monthly and yearly"),
        ("FREQ=DAILY;BYMONTHDAY=1", "BYMONTHDAY"),
        ("FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU", "every 2 days"),
        ("FREQ=DAILY;INTERVAL=1000", "up to 999"),
    ],
)
def test_unsupported_rules_say_why(rule: str, why: str) -> None:
    with pytest.raises(UnsupportedRecurrence) as caught:
        to_graph(rule, paris(2026, 3, 18, 9), "Europe/Paris", False)
    assert why in str(caught.value)
    template, params = caught.value.template, caught.value.params
    assert str(caught.value) == (template % params if params else template)
    assert isinstance(caught.value, ValueError)


def test_unsupported_message_is_a_translatable_template() -> None:
    with pytest.raises(UnsupportedRecurrence) as caught:
        to_graph("FREQ=HOURLY", paris(2026, 3, 18, 9), "Europe/Paris", False)
    assert caught.value.template == gettext_noop(
        "Outlook cannot repeat an event more often than daily (FREQ=%(freq)s)."
    )
    assert caught.value.params == {"freq": "HOURLY"}


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("", "no FREQ"),
        ("INTERVAL=2", "no FREQ"),
        ("FREQ=SOMETIMES", "FREQ=SOMETIMES"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20270101", "both COUNT and UNTIL"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0"),
        ("FREQ=DAILY;COUNT=-1", "COUNT=-1"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL=TOMORROW"),
        ("FREQ=DAILY;UNTIL=20260101T000000Z", "before the start"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY=XX"),
        ("FREQ=WEEKLY;WKST=XX", "WKST=XX"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY=0"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY=32"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH=13"),
        ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH=-1"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("FREQ", "NAME=VALUE"),
    ],
)
def test_malformed_rules_are_value_errors_naming_the_part(rule: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as caught:
        to_graph(rule, paris(2026, 3, 18, 9), "Europe/Paris", False)
    assert not isinstance(caught.value, UnsupportedRecurrence)


def test_timed_series_needs_a_datetime_start() -> None:
    with pytest.raises(ValueError, match="datetime start"):
        to_graph("FREQ=DAILY", date(2026, 3, 18), "Europe/Paris", False)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,WE,SA;WKST=SU;COUNT=1001",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;WKST=FR;COUNT=1000",
        "FREQ=DAILY;INTERVAL=5;COUNT=1234",
        "FREQ=DAILY;BYDAY=MO,FR;COUNT=1002",
        "FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=-1;COUNT=1003",
    ],
)
def test_large_count_end_date_is_the_date_of_the_last_occurrence(rule: str) -> None:
    start = paris(2026, 1, 1, 9)  # a Thursday
    graph = to_graph(rule, start, "Europe/Paris", False)
    whole = timedelta(days=200_000)
    mine = calsync_starts(rule, start, "Europe/Paris", False, span=whole)
    assert len(mine) == int(rule.rsplit("COUNT=", 1)[1])
    assert graph["range"]["endDate"] == local_days(mine[-1:])[0].isoformat()
    assert mine == outlook_starts(graph, start, "Europe/Paris", False, span=whole)


def test_huge_count_is_counted_without_running_the_rule() -> None:
    graph = to_graph(
        "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=100000000", paris(2026, 1, 1, 9), "Europe/Paris", False
    )
    assert graph["range"]["endDate"] == "9999-12-31"
    parse_recurrence(graph, start_date=date(2026, 1, 1), default_zone="Europe/Paris")
    daily = to_graph("FREQ=DAILY;COUNT=1000000", paris(2026, 1, 1, 9), "Europe/Paris", False)
    assert daily["range"]["endDate"] == (date(2026, 1, 1) + timedelta(days=999_999)).isoformat()


def test_a_monthly_day_that_only_visits_february_keeps_its_day_back_and_forth() -> None:
    # found by the round-trip property: every 12 months from February, day 30 (Outlook puts
    # it on the last day of February); the rule's spelling over all months keeps day 30
    graph = {
        "pattern": {"type": "absoluteMonthly", "interval": 12, "dayOfMonth": 30},
        "range": {"type": "noEnd", "startDate": "2000-02-01"},
    }
    start = datetime(2000, 1, 31, 23, tzinfo=UTC)  # 1 February 00:00 in Paris
    rule = from_graph(graph, start, "Europe/Paris")
    assert rule == "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=28,29,30;BYSETPOS=-1"
    back = to_graph(rule, start, "Europe/Paris", False)
    assert back == canonical_graph(graph, "Europe/Paris")
    assert back["pattern"]["dayOfMonth"] == 30
