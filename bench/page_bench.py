"""The calendar page with 5,000 events in the user's calendar: how heavy, how fast, how live.

    .venv/bin/python bench/page_bench.py [--events 5000] [--rounds 3] [--database-url ...]

A real ``calsync run`` (its own state in a temporary directory, SQLite unless
``--database-url`` names a PostgreSQL server; loopback only) holds one user whose calendar
has ``--events`` events spread over the year around today (a tenth of them weekly series),
and Debian's Chromium (Playwright) opens the calendar page in a month view. Printed, per round
and as the median:

* page weight: bytes the browser fetched for the page (HTML, scripts, styles, the first
  window of events, compressed as sent) and the size of that window's JSON as sent;
* events in, drawn: from navigation start until the first window's events are in the page's
  hands, and until FullCalendar has been given them (the page's User Timing marks
  ``calsync:window-fetched`` and ``calsync:window-drawn``);
* interactive: from navigation start until the grid is drawn with its events and a click on
  an empty day opens quick-create (the page answers input);
* live update: from an event created through the REST API (another client) until it is on
  the open page (the change cursor is polled every second), and the bytes of the answers that
  brought it (``GET /api/changes/events``: only the changed events, and the window's ids);
* the change cursor's own answer time (``GET /api/changes``).

The targets of issue 13: interactive within 1.5 s, a live update within 2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
PASSWORD = "Bench-lantern-2026"
EMAIL = "bench@example.com"
CHROMIUM = os.environ.get("CALSYNC_CHROMIUM", "/usr/bin/chromium")
SEED = """
import random
from datetime import datetime, timedelta, UTC
from calsync.accounts.models import User
from calsync.calendars.actions import do_create_events_bulk
owner = User.objects.get(email="{email}")
rng = random.Random(13)
today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
items = []
for n in range({count}):
    start = today + timedelta(days=rng.randint(-180, 180), hours=rng.randint(7, 18))
    values = {{"title": f"Event {{n}} " + "with a longer title " * (n % 3),
              "start": start, "end": start + timedelta(minutes=rng.choice([30, 45, 60, 90])),
              "timezone": "Europe/Paris", "location": f"Room {{n % 40}}"}}
    if n % 10 == 0:
        values["recurrence"] = "FREQ=WEEKLY;COUNT=8"
    items.append((values, None))
    if len(items) == 500:
        do_create_events_bulk(owner, items)
        items = []
if items:
    do_create_events_bulk(owner, items)
print(owner.events.count())
"""


def _environment(home: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALSYNC_", "DJANGO_"))}
    env.update(CALSYNC_VAR_DIR=str(home / "var"), CALSYNC_LOG_LEVEL="WARNING")
    env.update(CALSYNC_NOTIFICATIONS="0", DJANGO_SETTINGS_MODULE="calsync.settings")
    if database_url:
        env["CALSYNC_DATABASE_URL"] = database_url
    return env


def _calsync(env: dict[str, str], home: Path, *args: str) -> str:
    done = subprocess.run(
        [BIN / "calsync", *args], env=env, cwd=home, check=True, capture_output=True, text=True
    )
    return done.stdout


def _seed(env: dict[str, str], home: Path, count: int) -> int:
    _calsync(env, home, "migrate", "--no-input", "-v0")
    _calsync(env, home, "adduser", EMAIL, "--password", PASSWORD, "--name", "Bench User")
    code = "import django; django.setup()\n" + SEED.format(email=EMAIL, count=count)
    done = subprocess.run(
        [BIN / "python", "-c", code], env=env, cwd=home, check=True, capture_output=True, text=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def _start(env: dict[str, str], home: Path, port: int) -> subprocess.Popen:
    log = (home / "server.log").open("a")
    command = [str(BIN / "calsync"), "run", "--no-demo", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2, trust_env=False)
            return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"calsync run did not start; see {home / 'server.log'}")


MEASURE = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const size = (e) => e.transferSize || e.encodedBodySize || 0;
  const bytes = [nav, ...resources].reduce((sum, e) => sum + size(e), 0);
  const events = resources.filter((e) => e.name.includes("/api/events?"));
  const mark = (name) => (performance.getEntriesByName(name)[0] || { startTime: NaN }).startTime;
  return { bytes, eventsBytes: events.reduce((s, e) => s + (e.encodedBodySize || 0), 0),
           start: nav.startTime, origin: performance.timeOrigin,
           fetched: mark("calsync:window-fetched"), drawn: mark("calsync:window-drawn") };
}
"""


def _round(browser: Any, base: str, api: httpx.Client) -> dict[str, float]:
    context = browser.new_context(locale="en-US", timezone_id="Europe/Paris",
                                  viewport={"width": 1440, "height": 900})  # fmt: skip
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(".login button[type=submit]").click()
    page.wait_for_selector("#calendar[data-ready=true] .fc-event")
    page.evaluate("localStorage.setItem('calsync.calendar.view', 'dayGridMonth')")
    page.goto(f"{base}/", wait_until="commit")
    page.wait_for_selector("#calendar[data-ready=true] .fc-event")
    page.wait_for_selector("#calendar-loading", state="hidden")
    day = page.locator("td.fc-daygrid-day:not(.fc-day-other) .fc-daygrid-day-frame").first
    day.click(position={"x": 5, "y": 5})
    page.wait_for_selector("#quick-create:not([hidden])")
    interactive = page.evaluate("performance.now()") / 1000
    weight = page.evaluate(MEASURE)
    page.keyboard.press("Escape")
    shown = page.locator(".fc-event").count()
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    title = f"Live {time.monotonic_ns()}"
    page.wait_for_timeout(1200)  # the cursor has been read once
    delta_bytes: list[int] = []
    page.on(
        "response",
        lambda r: delta_bytes.append(len(r.body())) if "/api/changes/events" in r.url else None,
    )
    started = time.monotonic()
    api.post(
        "/api/events",
        json={"title": title, "start": today.isoformat(),
              "end": (today + timedelta(hours=1)).isoformat(), "timezone": "UTC"},
    ).raise_for_status()  # fmt: skip
    page.wait_for_selector(f'.fc-event[title="{title}"]', state="attached", timeout=10_000)
    live = time.monotonic() - started
    page.wait_for_load_state("networkidle")
    cursor = []
    for _ in range(20):
        tick = time.monotonic()
        api.get("/api/changes").raise_for_status()
        cursor.append((time.monotonic() - tick) * 1000)
    context.close()
    return {
        "events_in_s": weight["fetched"] / 1000,
        "drawn_s": weight["drawn"] / 1000,
        "interactive_s": interactive,
        "live_s": live,
        "delta_kb": sum(delta_bytes) / 1024,
        "kb": weight["bytes"] / 1024,
        "events_kb": weight["eventsBytes"] / 1024,
        "shown": shown,
        "cursor_ms": statistics.median(cursor),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="calsync-page-bench-"))
    env = _environment(home, args.database_url)
    port = 19000 + os.getpid() % 1000
    try:
        count = _seed(env, home, args.events)
        server = _start(env, home, port)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, trust_env=False, timeout=30) as api:
                token = api.post("/api/token", json={"email": EMAIL, "password": PASSWORD})
                api.headers["Authorization"] = f"Token {token.json()['token']}"
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                    )
                    rounds = [_round(browser, base, api) for _ in range(args.rounds)]
                    browser.close()
        finally:
            server.terminate()
            server.wait(15)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    _print(count, rounds)
    return 0


def _print(count: int, rounds: list[dict[str, float]]) -> None:
    print(f"calendar page, {count} events in the user's calendar, month view, Chromium 1440x900")
    header = f"{'round':<8}{'events in s':>12}{'drawn s':>9}{'interactive s':>14}"
    header += f"{'live update s':>15}{'live KB':>9}{'page KB':>9}{'events KB':>11}"
    print(header + f"{'events shown':>14}{'cursor ms':>11}")
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    for name, r in [*((str(n), r) for n, r in enumerate(rounds, 1)), ("median", median)]:
        print(
            f"{name:<8}{r['events_in_s']:>12.2f}{r['drawn_s']:>9.2f}{r['interactive_s']:>14.2f}"
            f"{r['live_s']:>15.2f}{r['delta_kb']:>9.1f}{r['kb']:>9.0f}{r['events_kb']:>11.0f}"
            f"{r['shown']:>14.0f}{r['cursor_ms']:>11.1f}"
        )
    ok = median["interactive_s"] <= 1.5 and median["live_s"] <= 2.0
    print(f"targets (interactive <= 1.5 s, live update <= 2 s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    raise SystemExit(main())
