"""Rules whose occurrences are unions of arithmetic progressions of wall times.

DAILY (with or without a BYDAY weekday filter) and WEEKLY (with or without BYDAY) rules,
with any INTERVAL, COUNT, UNTIL and WKST, yield the wall times ``first + k * step``
(``k >= 0``) of a few progressions, merged in order. So the number of occurrences before
an instant is a sum of divisions (COUNT keeps the first COUNT of the merged order):
counting them costs nothing, whatever the span.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from calsync.rrules.parse import RRule

ARITHMETIC_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY"})
"""The parts of a rule counted by arithmetic (DAILY or WEEKLY only)."""


@dataclass(frozen=True)
class Progression:
    """Wall times ``first + k * step`` for ``k = 0, 1, 2, …``."""

    first: datetime
    step: timedelta

    def before(self, instant: datetime) -> int:
        """How many of its wall times are earlier than ``instant``."""
        if instant <= self.first:
            return 0
        return -((self.first - instant) // self.step)  # ceil, in whole microseconds


def progressions(rule: RRule, start: datetime) -> list[Progression] | None:
    """The occurrences of ``rule`` from the wall time ``start`` (its DTSTART) as arithmetic
    progressions (before COUNT and UNTIL), or None when the rule is not one of those
    counted by arithmetic."""
    if rule.freq not in ("DAILY", "WEEKLY") or not rule.names <= ARITHMETIC_PARTS:
        return None
    if any(ordinal is not None for ordinal, _day in rule.byday):
        return None
    weekdays = {day for _ordinal, day in rule.byday}
    if rule.freq == "WEEKLY":
        step = timedelta(weeks=rule.interval)
        if not weekdays:
            return [Progression(start, step)]
        week_start = start - timedelta(days=(start.weekday() - rule.wkst) % 7)
        found = []
        for day in sorted(weekdays):
            first = week_start + timedelta(days=(day - rule.wkst) % 7)
            found.append(Progression(first if first >= start else first + step, step))
        return found
    if not weekdays:
        return [Progression(start, timedelta(days=rule.interval))]
    # every INTERVAL days, on the listed weekdays: the weekdays repeat every `cycle` steps
    cycle = 7 // math.gcd(rule.interval, 7)
    step = timedelta(days=rule.interval * cycle)
    candidates = (start + timedelta(days=rule.interval * k) for k in range(cycle))
    return [Progression(first, step) for first in candidates if first.weekday() in weekdays]


def before(found: list[Progression], instant: datetime, count: int | None) -> int:
    """How many occurrences of the union ``found`` are earlier than ``instant``, at most
    ``count`` when given (COUNT keeps the first ones)."""
    total = sum(progression.before(instant) for progression in found)
    return total if count is None else min(total, count)
