"""Properties of the patternedRecurrence <-> RRULE mapping.

1. Any valid Graph recurrence -> RRULE -> Graph recurrence is the same recurrence (after
   :func:`canonical_graph`), also when read in Graph's output shape (every field present).
2. The RRULE, expanded by calsync (dateutil over local wall time, then localised), and the
   Graph recurrence, expanded by the emulator's model of Outlook, give the same instants over
   five years, across DST in Europe/Paris and America/New_York (and with wall times that
   fall in DST gaps).
3. Any RRULE calsync accepts either raises UnsupportedRecurrence or maps to a Graph
   recurrence with exactly the same occurrences.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import event, given, settings
from hypothesis import strategies as st
from tests.unit.msgraph.test_patterned_recurrence import calsync_starts, outlook_starts

from calsync.calendars import recurrence as calsync_recurrence
from calsync.msgraph.patterned_recurrence import (
    GRAPH_DAYS,
    INDEXES,
    PATTERN_TYPES,
    UnsupportedRecurrence,
    canonical_graph,
    canonical_rrule,
    from_graph,
    to_graph,
)
from graph_emulator.calendar.recurrence import parse_recurrence

ZONES = ["Europe/Paris", "America/New_York", "UTC", "Australia/Sydney"]
RFC_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
LENGTHS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}
TIMES = st.one_of(
    st.sampled_from([time(0), time(2, 30), time(1, 30), time(9), time(23, 45)]),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)


@st.composite
def series_starts(draw: st.DrawFn) -> tuple[datetime | date, str, bool]:
    """(start, zone, all_day): an aware start for timed series, a date for all-day ones."""
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)))
    if draw(st.booleans()):
        return day, zone, True
    wall = datetime.combine(day, draw(TIMES))
    return calsync_recurrence.localise(wall, ZoneInfo(zone)), zone, False


@st.composite
def graph_recurrences(draw: st.DrawFn, start_date: date, zone: str) -> dict[str, Any]:
    """A valid patternedRecurrence in Graph's input shape (only the needed fields, or
    sometimes extra ignored ones and omitted defaults, as clients send them)."""
    kind = draw(st.sampled_from(PATTERN_TYPES))
    interval = draw(st.one_of(st.integers(1, 4), st.integers(5, 999)))
    if kind in ("absoluteMonthly", "absoluteYearly", "relativeYearly", "relativeMonthly"):
        interval = draw(st.one_of(st.integers(1, 4), st.sampled_from([6, 12, 13, 24])))
    pattern: dict[str, Any] = {"type": kind, "interval": interval}
    if kind in ("weekly", "relativeMonthly", "relativeYearly"):
        days = draw(st.lists(st.sampled_from(GRAPH_DAYS), min_size=1, max_size=7, unique=True))
        pattern["daysOfWeek"] = days
    if kind == "weekly" and draw(st.integers(0, 4)):
        pattern["firstDayOfWeek"] = draw(st.sampled_from(GRAPH_DAYS))
    if kind.startswith("relative") and draw(st.integers(0, 4)):
        pattern["index"] = draw(st.sampled_from(list(INDEXES)))
    if kind.endswith("Yearly"):
        pattern["month"] = draw(st.integers(1, 12))
    if kind.startswith("absolute"):
        longest = LENGTHS.get(pattern.get("month", 1), 31)
        pattern["dayOfMonth"] = draw(
            st.one_of(st.integers(1, longest), st.integers(max(1, longest - 3), longest))
        )
    range_type = draw(st.sampled_from(["noEnd", "numbered", "endDate"]))
    rng: dict[str, Any] = {"type": range_type, "startDate": start_date.isoformat()}
    if range_type == "numbered":
        rng["numberOfOccurrences"] = draw(st.one_of(st.integers(1, 30), st.integers(31, 999)))
    if range_type == "endDate":
        rng["endDate"] = (start_date + timedelta(days=draw(st.integers(0, 2000)))).isoformat()
    if draw(st.booleans()):
        rng["recurrenceTimeZone"] = zone
    return {"pattern": pattern, "range": rng}


def local_date(start: datetime | date, zone: str) -> date:
    if isinstance(start, datetime):
        return start.astimezone(ZoneInfo(zone)).date()
    return start


@st.composite
def graph_series(draw: st.DrawFn) -> tuple[dict[str, Any], datetime | date, str, bool]:
    start, zone, all_day = draw(series_starts())
    graph = draw(graph_recurrences(local_date(start, zone), zone))
    if draw(st.booleans()):  # Graph's output shape: every field, defaults filled in
        model = parse_recurrence(graph, start_date=local_date(start, zone), default_zone=zone)
        graph = model.to_graph()
    return graph, start, zone, all_day


@settings(max_examples=400, deadline=None)
@given(series=graph_series())
def test_graph_to_rrule_to_graph_is_the_same_recurrence(series: tuple) -> None:
    graph, start, zone, all_day = series
    rule = from_graph(graph, start, zone)
    assert calsync_recurrence.normalise_rule(rule) == rule  # calsync accepts it as is
    back = to_graph(
        rule, start, zone, all_day, recurrence_time_zone=graph["range"].get("recurrenceTimeZone")
    )
    assert back == canonical_graph(graph, zone)
    assert canonical_rrule(rule, start, zone, all_day) == rule


@settings(max_examples=300, deadline=None)
@given(series=graph_series())
def test_rrule_and_graph_recurrence_expand_to_the_same_occurrences(series: tuple) -> None:
    graph, start, zone, all_day = series
    event(graph["pattern"]["type"])
    rule = from_graph(graph, start, zone)
    assert calsync_starts(rule, start, zone, all_day) == outlook_starts(graph, start, zone, all_day)


@st.composite
def rrules(draw: st.DrawFn, start: datetime | date) -> str:
    """RRULEs calsync could hold, many of them beyond what Outlook can express."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.sampled_from([1, 2, 3, 4, 6, 12]))}")
    wants_months = freq == "YEARLY" or (freq == "MONTHLY" and not draw(st.integers(0, 5)))
    if wants_months and draw(st.integers(0, 2)):
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=2, unique=True))
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    shape = draw(st.sampled_from(["none", "byday", "byday", "ordinal", "ordinal", "monthday"]))
    if shape == "byday" or (shape == "ordinal" and freq in ("DAILY", "WEEKLY")):
        days = draw(st.lists(st.sampled_from(RFC_DAYS), min_size=1, max_size=4, unique=True))
        parts.append("BYDAY=" + ",".join(days))
        if freq in ("MONTHLY", "YEARLY") and draw(st.integers(0, 5)):
            parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, 3, 4, -1, -2, 5]))}")
    elif shape == "ordinal":
        ordinal = draw(st.sampled_from([1, 2, 3, 4, -1, 5, -2]))
        parts.append(f"BYDAY={ordinal}{draw(st.sampled_from(RFC_DAYS))}")
    elif shape == "monthday" and freq in ("MONTHLY", "YEARLY"):
        values = draw(
            st.lists(
                st.one_of(st.integers(26, 31), st.integers(1, 31), st.integers(-3, -1)),
                min_size=1,
                max_size=5,
                unique=True,
            )
        )
        parts.append("BYMONTHDAY=" + ",".join(map(str, values)))
        if len(values) > 1 or not draw(st.integers(0, 3)):
            parts.append(f"BYSETPOS={draw(st.sampled_from([-1, 1, 2]))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(RFC_DAYS))}")
    end = draw(st.sampled_from(["none", "count", "until-utc", "until-local", "until-date"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.one_of(st.integers(1, 40), st.integers(990, 1100)))}")
    elif end != "none":
        first = start if isinstance(start, datetime) else datetime.combine(start, time())
        until = first.replace(tzinfo=None) + timedelta(minutes=draw(st.integers(-1440, 10**6)))
        form = {
            "until-utc": "%Y%m%dT%H%M%SZ",
            "until-local": "%Y%m%dT%H%M%S",
            "until-date": "%Y%m%d",
        }[end]
        parts.append(f"UNTIL={until.strftime(form)}")
    return ";".join(parts)


outcomes: Counter[str] = Counter()


@settings(max_examples=500, deadline=None)
@given(data=st.data(), series=series_starts())
def test_any_rule_maps_exactly_or_is_refused(data: st.DataObject, series: tuple) -> None:
    start, zone, all_day = series
    rule = data.draw(rrules(start))
    try:
        rule = calsync_recurrence.normalise_rule(rule)
    except calsync_recurrence.RuleError:
        outcomes["refused by calsync"] += 1
        return
    try:
        graph = to_graph(rule, start, zone, all_day)
    except UnsupportedRecurrence:
        outcomes["unsupported"] += 1
        event("unsupported")
        return
    except ValueError as exc:  # UNTIL before the start: calsync refuses empty series too
        assert "before the start" in str(exc)
        outcomes["ends before start"] += 1
        return
    outcomes[graph["pattern"]["type"]] += 1
    event(graph["pattern"]["type"])
    mine = calsync_starts(rule, start, zone, all_day)
    assert mine == outlook_starts(graph, start, zone, all_day)
    if "COUNT=" in rule:  # a counted series is the same to its end, also past five years
        whole = timedelta(days=400_000)
        assert calsync_starts(rule, start, zone, all_day, span=whole) == outlook_starts(
            graph, start, zone, all_day, span=whole
        )


def test_the_rule_generator_reaches_every_pattern_type() -> None:
    """Guards the property above against a generator that only produces refusals (it runs
    the property again only when this test runs on its own)."""
    if sum(outcomes.values()) < 100:
        test_any_rule_maps_exactly_or_is_refused()
    for kind in PATTERN_TYPES:
        assert outcomes[kind] > 0, outcomes
    assert outcomes["unsupported"] > 0, outcomes
