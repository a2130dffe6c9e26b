"""How fast is a sync against Outlook? Graph requests and seconds, beside a naive baseline.

    .venv/bin/python bench/sync_bench.py [--push 1000] [--pull 5000] [--latency-ms 20]

Against the emulator over real HTTPS with ``--latency-ms`` added to every Graph request (and
to every sub-request of a ``$batch``, as Outlook spends it), in a throw-away SQLite database:

1. **push**: ``--push`` new local events, one sync (``$batch`` creates, 20 per batch);
   baseline: the same events POSTed one request per event, sequentially, by the same client.
2. **pull**: ``--pull`` events made in Outlook (filled in-process, not timed), one sync
   (``calendarView/delta`` pages); baseline: one ``GET /me/events/{id}`` per event.
3. **no-change**: another sync of the pulled calendar with nothing changed (one delta page);
   its baseline is the same per-event GETs a syncer without delta would need.

Targets (issue 5): at most 1 request per 15 pushed events; a no-change sync of a 5,000-event
calendar in 1 Graph request and under 0.5 s; a push at least 10x faster than the baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def _setup_django(tmp: str) -> None:
    os.environ["CALSYNC_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["CALSYNC_VAR_DIR"] = tmp
    os.environ.setdefault("CALSYNC_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "calsync.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _row(name: str, requests: int, seconds: float, events: int) -> str:
    per = events / requests if requests else float("inf")
    return f"  {name:<28} {requests:>6} requests  {seconds:8.2f} s  ({per:6.1f} events/request)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--push", type=int, default=1000)
    parser.add_argument("--pull", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="calsync-bench-") as tmp:
        _setup_django(tmp)
        return _bench(args)


def _bench(args: Any) -> int:
    from tests.integration.sync_world import SyncWorld, graph_time

    from calsync.calendars import actions
    from calsync.outlook.sync import run_sync
    from graph_emulator.testing import EmulatorServer

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with EmulatorServer() as emu:
        pusher = SyncWorld(emu, "push@bench.test", "Pusher")
        puller = SyncWorld(emu, "pull@bench.test", "Puller")
        baseline = SyncWorld(emu, "base@bench.test", "Baseline")
        emu.set_faults(latency_ms=args.latency_ms)
        print(f"calsync sync bench: emulator over HTTPS, {args.latency_ms} ms added per request")

        # 1. push ------------------------------------------------------------------------
        bodies = []
        for n in range(args.push):
            start = now + timedelta(days=1 + n % 300, hours=n % 9)
            actions.do_create_event(
                pusher.user,
                {"title": f"Push {n}", "start": start, "end": start + timedelta(hours=1)},
            )
            bodies.append(
                {
                    "subject": f"Push {n}",
                    "start": graph_time(start),
                    "end": graph_time(start + timedelta(hours=1)),
                }
            )
        with pusher.client() as graph:
            started = time.monotonic()
            summary = run_sync(pusher.account, "bench", client=graph)
            push_seconds = time.monotonic() - started
        assert summary.ok and summary.pushed["created"] == args.push, summary.errors
        with baseline.client() as graph:
            before, started = graph.requests_made, time.monotonic()
            for body in bodies:
                graph.request("POST", "/me/events", json=body)
            base_push = (graph.requests_made - before, time.monotonic() - started)
        print(f"push {args.push} new events")
        print(_row("calsync ($batch)", summary.graph_requests, push_seconds, args.push))
        print(_row("baseline (1 per event)", *base_push, args.push))
        print(
            f"  -> {args.push / summary.graph_requests:.1f} events per request (target >= 15); "
            f"{base_push[1] / push_seconds:.1f}x faster than the baseline (target >= 10)"
        )

        # 2. pull ------------------------------------------------------------------------
        emu.set_faults()
        store = emu.world.calendars
        mailbox = emu.world.directory.find_user(puller.email).id
        ids = []
        for n in range(args.pull):
            start = now + timedelta(days=1 + n % 600, hours=n % 10)
            inst, _created = store.create_event(
                mailbox,
                {
                    "subject": f"Pull {n}",
                    "start": graph_time(start),
                    "end": graph_time(start + timedelta(minutes=45)),
                },
            )
            ids.append(inst.id)
        emu.set_faults(latency_ms=args.latency_ms)
        with puller.client() as graph:
            started = time.monotonic()
            summary = run_sync(puller.account, "bench", client=graph)
            pull_seconds = time.monotonic() - started
        assert summary.ok and summary.pulled["created"] == args.pull, summary.errors
        with puller.client() as graph:
            before, started = graph.requests_made, time.monotonic()
            for remote_id in ids:
                graph.request("GET", f"/me/events/{remote_id}")
            base_pull = (graph.requests_made - before, time.monotonic() - started)
        print(f"pull {args.pull} events made in Outlook")
        print(_row("calsync (delta)", summary.graph_requests, pull_seconds, args.pull))
        print(_row("baseline (1 per event)", *base_pull, args.pull))

        # 3. no change -------------------------------------------------------------------
        with puller.client() as graph:
            started = time.monotonic()
            summary = run_sync(puller.account, "bench", client=graph)
            quiet_seconds = time.monotonic() - started
        assert summary.ok, summary.errors
        print(f"no-change sync of the {args.pull}-event calendar")
        print(_row("calsync (delta)", summary.graph_requests, quiet_seconds, args.pull))
        print(_row("baseline (1 GET per event)", *base_pull, args.pull))
        print(
            f"  -> {summary.graph_requests} Graph request(s) (target 1), "
            f"{quiet_seconds:.3f} s (target < 0.5 s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
