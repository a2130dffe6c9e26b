"""What expanding a window of a long-running series costs, by the series' age.

    .venv/bin/python bench/recurrence_bench.py [--repeat 5]

For each rule, a series starting in the years 2025, 1900 and 1000 (Europe/Paris, 09:00)
is expanded for six weeks of 2026 (``recurrence.iter_slots``, what ``GET /api/events``
does for each series) and counted before expanding (``window_count.at_least``, what the
listing's limit check does). Printed: the occurrences found and the best of ``--repeat``
runs in milliseconds of this process's CPU time (``time.process_time``: the work done,
which other load on the machine does not stretch). Caches are cleared before each run.

The cost should follow the window, not the age: equal within a few milliseconds across
the three starts. Run it on an older checkout (``PYTHONPATH=<old>/src``) for the before.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "src"))  # last: PYTHONPATH (an older checkout) comes first

from calsync import rrules  # noqa: E402
from calsync.calendars import recurrence, window_count  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
WINDOW = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 12, tzinfo=UTC))
STARTS = (2025, 1900, 1000)
RULES = (
    "FREQ=DAILY",
    "FREQ=DAILY;COUNT=1000000",
    "FREQ=DAILY;BYMONTHDAY=1,15;COUNT=1000000",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=1000000",
    "FREQ=WEEKLY;BYDAY=TU;BYMONTH=3,4;COUNT=1000000",
    "FREQ=MONTHLY",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=MONTHLY;BYDAY=2TU;COUNT=100000",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=100000",
    "FREQ=YEARLY",
    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1FR;COUNT=10000",
)


def _series(rule: str, year: int) -> recurrence.SeriesTimes:
    start = datetime(year, 3, 10, 9)
    duration = datetime(year, 3, 10, 10) - start
    return recurrence.SeriesTimes(rule, PARIS, False, start, duration)


def _clear_caches() -> None:
    for module in (recurrence, rrules.ahead if hasattr(rrules, "ahead") else None):
        for value in vars(module).values() if module else ():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def _cpu_ms(call: object, repeat: int) -> tuple[int, float]:
    best, found = float("inf"), 0
    for _run in range(repeat):
        _clear_caches()
        began = time.process_time()
        found = call()  # type: ignore[operator]
        best = min(best, time.process_time() - began)
    return found, best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"six weeks of 2026, CPU ms (best of {args.repeat}); expand | count before expanding")
    print(f"{'rule':58}" + "".join(f"{year:>22}" for year in STARTS))
    for rule in RULES:
        cells = []
        for year in STARTS:
            series = _series(rule, year)
            found, expand = _cpu_ms(
                lambda s=series: len(list(recurrence.iter_slots(s, *WINDOW))), args.repeat
            )
            _n, count = _cpu_ms(
                lambda s=series: window_count.at_least(s, *WINDOW, budget=10**9)[0], args.repeat
            )
            cells.append(f"{found:4d} {expand:7.1f} |{count:7.1f}")
        print(f"{rule:58}" + "".join(f"{cell:>22}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
