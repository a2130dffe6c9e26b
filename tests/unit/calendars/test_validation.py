"""Shared value checks: zones, instants, dates, spans and rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from calsync.calendars import validation

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("name", ["Europe/Paris", "UTC", "America/Argentina/Buenos_Aires"])
def test_known_zones_pass(name: str) -> None:
    assert validation.check_timezone(name) == name


@pytest.mark.parametrize(
    "name", ["", "Paris", "CEST", "+01:00", "Europe/paris", "W. Europe Standard Time"]
)
def test_unknown_zones_fail_with_the_name(name: str) -> None:
    with pytest.raises(ValidationError, match="not a known IANA time zone"):
        validation.check_timezone(name)


def test_instants() -> None:
    assert validation.parse_instant("2026-11-24T09:00:00+01:00", PARIS) == datetime(
        2026, 11, 24, 8, tzinfo=UTC
    )
    assert validation.parse_instant("2026-11-24T09:00", PARIS) == datetime(
        2026, 11, 24, 8, tzinfo=UTC
    )
    assert validation.parse_instant("2026-11-24 09:00Z", PARIS) == datetime(
        2026, 11, 24, 9, tzinfo=UTC
    )
    with pytest.raises(ValidationError, match="A date-time is needed"):
        validation.parse_instant("2026-11-24", PARIS)
    for bad in ("", "tomorrow", "2026-13-01T00:00", "2026-11-24T25:00"):
        with pytest.raises(ValidationError, match="not an ISO 8601 date-time"):
            validation.parse_instant(bad, PARIS)


def test_years_that_would_overflow_are_refused() -> None:
    for bad in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"):
        with pytest.raises(ValidationError, match="between the years"):
            validation.parse_instant(bad, PARIS)
    with pytest.raises(ValidationError, match="between the years"):
        validation.parse_day("9999-12-31")


def test_days() -> None:
    assert validation.parse_day("2026-11-24") == date(2026, 11, 24)
    assert validation.parse_day("2026-11-24T23:30:00-10:00") == date(2026, 11, 24)
    for bad in ("", "24/11/2026", "2026-11-24X", "2026-02-30"):
        with pytest.raises(ValidationError, match="is not a date"):
            validation.parse_day(bad)


def test_spans() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    validation.check_span(start, start.replace(minute=1))
    with pytest.raises(ValidationError, match="end must be after the start"):
        validation.check_span(start, start)
    validation.check_day_span(date(2026, 1, 1), date(2026, 1, 2))
    with pytest.raises(ValidationError, match="at least one day"):
        validation.check_day_span(date(2026, 1, 1), date(2026, 1, 1))


def test_rules() -> None:
    assert validation.check_rule("RRULE:FREQ=DAILY;COUNT=2") == "FREQ=DAILY;COUNT=2"
    with pytest.raises(ValidationError, match="FREQ must be one of"):
        validation.check_rule("FREQ=HOURLY")
