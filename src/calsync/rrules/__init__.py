"""RFC 5545 recurrence rules (RRULE values): one parser for the whole project.

Pure: python-dateutil, icalendar and the standard library; no Django and nothing else of
calsync (an import-linter contract keeps it so), so both the calendar
(:mod:`calsync.calendars.recurrence`) and the Graph mapping
(:mod:`calsync.msgraph.patterned_recurrence`) build on it.

* :mod:`~calsync.rrules.parse`: the text of a rule into typed parts (:class:`RRule`),
  errors as translatable templates (:class:`RuleSyntaxError`).
* :mod:`~calsync.rrules.wall`: UNTIL and dateutil expansion over local wall time.
* :mod:`~calsync.rrules.search`: a rule's occurrences up to a limit in bounded time (for
  checks that must not let dateutil scan to the year 9999).
* :mod:`~calsync.rrules.progressions`: rules whose occurrences are counted by arithmetic.
* :mod:`~calsync.rrules.ahead`: a dateutil rule started at a later period, COUNT reduced by
  what it skips (expanding a window costs what the window holds), with
  :mod:`~calsync.rrules.cycles` (the 400-year Gregorian cycle) and
  :mod:`~calsync.rrules.daily_count` (DAILY rules counted month by month).

Which parts and frequencies a caller accepts is the caller's policy, not this package's.
"""

from __future__ import annotations

from calsync.rrules.ahead import moved_ahead
from calsync.rrules.parse import (
    FREQUENCIES,
    MAX_YEAR,
    MIN_YEAR,
    RFC_DAYS,
    RRule,
    RuleSyntaxError,
    from_parts,
    parse,
    parse_until,
    split,
)
from calsync.rrules.search import occurrences_until
from calsync.rrules.wall import until_wall, wall_rrule

__all__ = [
    "FREQUENCIES",
    "MAX_YEAR",
    "MIN_YEAR",
    "RFC_DAYS",
    "RRule",
    "RuleSyntaxError",
    "from_parts",
    "moved_ahead",
    "occurrences_until",
    "parse",
    "parse_until",
    "split",
    "until_wall",
    "wall_rrule",
]
