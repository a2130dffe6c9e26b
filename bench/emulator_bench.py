"""How fast is the emulator? Requests per second and page times over real HTTPS.

    .venv/bin/python bench/emulator_bench.py [--events 10000] [--creates 300] [--page 50]

Prints: GET /me (the frame: TLS keep-alive, auth, throttle, stats), event creates
(POST /me/events), ``$batch`` of 20 GETs, and calendarView/delta pages of ``--page`` events
with ``--events`` events in the mailbox (the mailbox is filled in-process, then every page of
a full first round is fetched over HTTPS). The aim: a 50-event delta page under 20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx

from graph_emulator.testing import EmulatorServer

EMAIL = "bench@example.com"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def _report(name: str, durations: list[float]) -> None:
    total = sum(durations)
    p95 = sorted(durations)[max(0, int(len(durations) * 0.95) - 1)]
    print(
        f"{name:<34} {len(durations):>6} requests  {len(durations) / total:8.1f} req/s  "
        f"p50 {_ms(statistics.median(durations))}  p95 {_ms(p95)}"
    )


def _timed(
    client: httpx.Client, method: str, url: str, **kw: object
) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.request(method, url, **kw)
    return time.perf_counter() - started, response


def event_body(start: datetime, n: int) -> dict:
    end = start + timedelta(hours=1)
    fmt = "%Y-%m-%dT%H:%M:%S"
    return {
        "subject": f"Bench event {n}",
        "start": {"dateTime": start.strftime(fmt), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime(fmt), "timeZone": "UTC"},
    }


def bench_me(emu: EmulatorServer, client: httpx.Client, headers: dict, n: int) -> None:
    durations = []
    for _ in range(n):
        took, response = _timed(client, "GET", f"{emu.graph_url}/me", headers=headers)
        assert response.status_code == 200, response.text
        durations.append(took)
    _report("GET /me", durations)


def bench_creates(emu: EmulatorServer, client: httpx.Client, headers: dict, n: int) -> None:
    base = datetime(2030, 1, 1, 8, tzinfo=UTC)
    durations = []
    for i in range(n):
        body = event_body(base + timedelta(hours=i), i)
        took, response = _timed(
            client, "POST", f"{emu.graph_url}/me/events", headers=headers, json=body
        )
        assert response.status_code == 201, response.text
        durations.append(took)
    _report("POST /me/events (create)", durations)


def bench_batch(emu: EmulatorServer, client: httpx.Client, headers: dict, n: int) -> None:
    payload = {"requests": [{"id": str(i), "method": "GET", "url": "/me"} for i in range(20)]}
    durations = []
    for _ in range(n):
        took, response = _timed(
            client, "POST", f"{emu.graph_url}/$batch", headers=headers, json=payload
        )
        assert response.status_code == 200, response.text
        durations.append(took)
    _report("POST /$batch (20 x GET /me)", durations)


def fill_mailbox(emu: EmulatorServer, user_id: str, count: int) -> tuple[datetime, datetime]:
    """``count`` one-hour events, four a day, created in-process (fast)."""
    base = datetime(2031, 1, 1, 8, tzinfo=UTC)
    store = emu.world.calendars
    for i in range(count):
        start = base + timedelta(days=i // 4, hours=2 * (i % 4))
        store.create_event(user_id, event_body(start, i))
    return base - timedelta(days=1), base + timedelta(days=count // 4 + 2)


def bench_delta(
    emu: EmulatorServer, client: httpx.Client, headers: dict, count: int, page: int
) -> None:
    user_id = emu.world.directory.find_user(EMAIL).id
    started = time.perf_counter()
    start, end = fill_mailbox(emu, user_id, count)
    took = time.perf_counter() - started
    print(f"filled the mailbox with {count} events in-process in {took:.1f} s")
    url: str | None = (
        f"{emu.graph_url}/me/calendarView/delta?startDateTime={start:%Y-%m-%dT%H:%M:%SZ}"
        f"&endDateTime={end:%Y-%m-%dT%H:%M:%SZ}"
    )
    page_headers = {**headers, "Prefer": f"odata.maxpagesize={page}"}
    durations, items = [], 0
    while url:
        took, response = _timed(client, "GET", url, headers=page_headers)
        assert response.status_code == 200, response.text
        body = response.json()
        durations.append(took)
        items += len(body["value"])
        url = body.get("@odata.nextLink")
    assert items >= count, f"only {items} of {count} events in the round"
    _report(f"delta pages of {page} ({count} events)", durations)
    took, response = _timed(client, "GET", body["@odata.deltaLink"], headers=page_headers)
    assert response.status_code == 200
    print(f"{'empty delta round (deltaLink)':<34} {_ms(took)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--page", type=int, default=50)
    parser.add_argument("--gets", type=int, default=500)
    args = parser.parse_args(argv)
    with EmulatorServer() as emu:
        emu.add_user(EMAIL, "Bench User", "pw")
        emu.set_faults(requests_per_10_minutes=10**9)
        headers = {"Authorization": f"Bearer {emu.token_for(EMAIL)}"}
        with emu.client() as client:
            bench_me(emu, client, headers, args.gets)
            bench_batch(emu, client, headers, max(10, args.gets // 20))
            if emu.world.calendars is None:
                print("no calendar model (graph_emulator.calendar): event figures skipped")
                return 1
            bench_creates(emu, client, headers, args.creates)
            bench_delta(emu, client, headers, args.events, args.page)
        stats = emu.stats()
        print(
            f"stats: {stats['requests']} Graph requests, {stats['batch_subrequests']} batch items"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
