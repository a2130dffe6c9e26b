"""What one account's sync costs: a no-change sync beside a big database, and a big first pull.

    .venv/bin/python bench/cost_bench.py [--pull 20000] [--others 10000,1000000]
        [--account-events 100] [--repeat 20] [--database postgresql://…] [--skip-pull]
        [--skip-quiet] [--page-size 1000]

1. **no-change sync** (PostgreSQL: a throw-away database on the server ``--database`` names,
   dropped at the end): one account of ``--account-events`` events, synced; then other
   accounts' events (with an attendee, a sync record and a link each) are bulk-inserted in
   SQL until the database holds each count of ``--others``, and a no-change sync of the
   account is timed ``--repeat`` times: its database queries and its median milliseconds.
   Target (issue 11): equal within 20 % from 10,000 to 1,000,000.
2. **first pull**: ``--pull`` events made in an Outlook mailbox (the emulator in a child
   process), then the account's first sync in a fresh child process (SQLite), which reports
   its peak RSS (``VmHWM``: its own, see :func:`peak_rss_mb`) and the CPU it spent (user +
   system) per event pulled.
   Targets (issue 11): under 120 MB, at most 2 ms of CPU per event.

Figures depend on the machine and its load: compare the two sizes of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def _django(database: str, var: str, migrate: bool = True) -> None:
    os.environ["CALSYNC_DATABASE_URL"] = database
    os.environ["CALSYNC_VAR_DIR"] = var
    os.environ.setdefault("CALSYNC_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "calsync.settings"
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0)


# -- 1. no-change sync beside other accounts ----------------------------------------------

FILL_SQL = """
WITH who AS (SELECT %(user)s AS user_id, %(account)s AS account_id, %(calendar)s AS calendar_id),
made AS (
  INSERT INTO calendars_event (uid, owner_id, calendar_id, origin, title, description,
      location, start, "end", timezone, all_day, show_as, privacy, active, organizer_email,
      organizer_name, recurrence, created, updated, version, mirror_of, mirror_mode,
      mirror_source, mirror_source_name, mirror_hash)
  SELECT gen_random_uuid(), who.user_id, who.calendar_id, 'outlook', 'Other ' || n, '', '',
      now() + n * interval '1 hour', now() + n * interval '1 hour' + interval '30 minutes',
      'UTC', false, 'busy', 'normal', true, '', '', '', now(), now(), 1, '', '', '', '', ''
  FROM who, generate_series(1, %(count)s) AS n
  RETURNING id, uid
),
attendees AS (
  INSERT INTO calendars_attendee (event_id, email, name, type, status, show_as, comment,
      send_response)
  SELECT id, 'guest' || (id %% 500) || '@fabrikam.test', '', 'required', 'none', '', '', true
  FROM made
),
links AS (
  INSERT INTO outlook_outlooklink (event_id, account_id, remote_id, ical_uid)
  SELECT id, who.account_id, 'AAMk-' || id, '' FROM made, who
)
INSERT INTO outlook_syncrecord (account_id, scope, uid, event_id, local_id, remote_id,
    ical_uid, base, local_version, remote_hash, remote_change_key, my_response, synced_at)
SELECT who.account_id, '', uid::text, id, id::text, 'AAMk-' || id, '', '{}', 1,
    repeat('0', 64), '', '', now()
FROM made, who
"""


def fill_others(target: int, batch: int = 100_000) -> None:
    """Other accounts' events until the database holds ``target`` events (in SQL, fast)."""
    from django.db import connection

    from calsync.accounts.actions import do_create_user
    from calsync.calendars.calendar_list import default_calendar
    from calsync.calendars.models import Event
    from calsync.outlook.models import OutlookAccount

    while (have := Event.objects.count()) < target:
        n = OutlookAccount.objects.count()
        user = do_create_user(f"other{n}@fabrikam.test", "pw-cost-bench", check_password=False)
        account = OutlookAccount.objects.create(user=user, mailbox=user.email)
        count = min(batch, target - have)
        with connection.cursor() as cursor:
            calendar = default_calendar(user).pk
            cursor.execute(
                FILL_SQL,
                {"user": user.pk, "account": account.pk, "calendar": calendar, "count": count},
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def quiet_cost(world: Any, repeat: int) -> tuple[int, float]:
    """(queries, median ms) of a no-change sync of ``world``'s account."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, times = [], []
    per_query: dict[int, list[float]] = {}
    shapes: dict[int, str] = {}
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            summary = world.sync()
            times.append((time.perf_counter() - started) * 1000)
        assert summary.ok and summary.pulled["created"] == 0, summary.errors
        counts.append(len(queries))
        for n, query in enumerate(queries.captured_queries):
            per_query.setdefault(n, []).append(float(query["time"]) * 1000)
            shapes[n] = query["sql"][:90]
    assert len(set(counts)) == 1, f"the number of queries varies: {counts}"
    slowest = sorted(per_query, key=lambda n: -statistics.median(per_query[n]))[:3]
    database_ms = sum(statistics.median(per_query[n]) for n in per_query)
    print(f"      database time {database_ms:.1f} ms; slowest queries (median ms):")
    for n in slowest:
        print(f"      {statistics.median(per_query[n]):7.2f}  {shapes[n]}")
    return counts[0], statistics.median(times)


def bench_quiet(args: argparse.Namespace) -> None:
    import psycopg

    name = f"calsync_cost_{os.getpid()}"
    with psycopg.connect(args.database, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(args.database)._replace(path=f"/{name}").geturl()
    try:
        with tempfile.TemporaryDirectory(prefix="cost-bench-") as var:
            _django(url, var)
            _quiet_rows(args)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(args.database, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _quiet_rows(args: argparse.Namespace) -> None:
    from tests.integration.sync_world import SyncWorld, at

    from calsync.calendars.models import Event
    from graph_emulator.testing import EmulatorProcess

    with EmulatorProcess() as emu:
        world = SyncWorld(emu, "pat@contoso.test", "Pat Quinn")
        for n in range(args.account_events):
            world.create(title=f"Mine {n}", start=at(1 + n % 300, 9), end=at(1 + n % 300, 10))
        assert world.sync().ok and world.sync().ok  # the push, then its echo
        print(
            f"no-change sync of one account of {args.account_events} events "
            f"(PostgreSQL, median of {args.repeat})"
        )
        print(f"  {'events in the database':>24} {'queries':>8} {'ms':>8}")
        rows = []
        for others in sorted(int(n) for n in args.others.split(",")):
            started = time.monotonic()
            fill_others(others)
            filled = time.monotonic() - started
            queries, ms = quiet_cost(world, args.repeat)
            rows.append((queries, ms))
            print(
                f"  {Event.objects.count():>24,} {queries:>8} {ms:>8.1f}"
                f"   (filled in {filled:.0f} s)",
                flush=True,
            )
        first, last = rows[0][1], rows[-1][1]
        ratio = last / first
        ok = rows[0][0] == rows[-1][0] and 1 / 1.2 <= ratio <= 1.2
        print(f"  -> {ratio:.2f}x the time, queries {rows[0][0]} -> {rows[-1][0]}; "
              f"target: equal within 20 %: {'met' if ok else 'MISSED'}")  # fmt: skip


# -- 2. a big first pull, measured in a child process -----------------------------------


def bench_pull(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="cost-pull-") as var:
        database = f"sqlite:///{var}/pull.sqlite3"
        _django(database, var)
        figures = _pull(args, database, var)
    cpu_per_event = figures["cpu_s"] * 1000 / max(1, figures["pulled"])
    size = os.environ.get("CALSYNC_GRAPH_PAGE_SIZE", "1000")
    print(f"first pull of {args.pull} Outlook events (child process, SQLite, pages of {size})")
    print(
        f"  pulled {figures['pulled']} in {figures['wall_s']:.1f} s wall, "
        f"{figures['graph_requests']} Graph requests"
    )
    print(
        f"  peak RSS {figures['rss_mb']:.0f} MB (target < 120: "
        f"{'met' if figures['rss_mb'] < 120 else 'MISSED'}); "
        f"CPU {cpu_per_event:.2f} ms/event (target <= 2: "
        f"{'met' if cpu_per_event <= 2 else 'MISSED'})"
    )


def _pull(args: argparse.Namespace, database: str, var: str) -> dict[str, Any]:
    """Fill a mailbox, then time its first sync in a child process; the child's figures."""
    from tests.integration.sync_world import SyncWorld, graph_time

    from calsync.msgraph.batching import SubRequest, run_batch
    from graph_emulator.testing import EmulatorProcess

    with EmulatorProcess() as emu:
        emu.set_faults(requests_per_10_minutes=1_000_000)
        world = SyncWorld(emu, "pull@bench.test", "Puller")
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        bodies = []
        for n in range(args.pull):
            start = now + timedelta(days=1 + n % 600, hours=n % 10)
            bodies.append(
                {
                    "subject": f"Pull {n}",
                    "body": {"contentType": "html", "content": f"<p>Agenda {n}</p>"},
                    "location": {"displayName": f"Room {n % 40}"},
                    "start": graph_time(start),
                    "end": graph_time(start + timedelta(minutes=45)),
                }
            )
        with world.client() as graph:
            made = run_batch(graph, [SubRequest("POST", "/me/events", b) for b in bodies])
        assert all(answer.status == 201 for answer in made), "could not fill the mailbox"
        del bodies, made
        from django.db import connections

        connections.close_all()
        child = {
            "database": database,
            "var": var,
            "graph_url": emu.graph_url,
            "ca": emu.ca_path,
            "token": world.token,
            "account": world.account.pk,
        }
        out = subprocess.run(
            [sys.executable, __file__, "--child-pull", json.dumps(child)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(f"the pull child failed:\n{out.stderr[-3000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def child_pull(spec: str) -> None:
    """In the measured child: the first sync of the account, then its figures as JSON."""
    given = json.loads(spec)
    _django(given["database"], given["var"], migrate=False)  # as `calsync sync` starts
    from tests.integration.sync_world import StaticToken

    from calsync.msgraph import GraphClient
    from calsync.outlook.models import OutlookAccount
    from calsync.outlook.sync.run import run_sync

    account = OutlookAccount.objects.get(pk=given["account"])
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    with GraphClient(given["graph_url"], StaticToken(given["token"]), verify=given["ca"]) as graph:
        summary = run_sync(account, "bench", client=graph)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert summary.ok, summary.errors
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        json.dumps(
            {
                "pulled": summary.pulled["created"],
                "graph_requests": summary.graph_requests,
                "wall_s": wall,
                "cpu_s": cpu,
                "rss_mb": peak_rss_mb(),
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB. Linux's ``VmHWM`` (the high-water mark of
    this address space) when there is one: ``ru_maxrss`` also keeps the parent's peak across
    the ``exec`` that started this child, which here is the process that filled the mailbox."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pull", type=int, default=20_000)
    parser.add_argument("--others", default="10000,1000000")
    parser.add_argument("--account-events", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "CALSYNC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument(
        "--page-size",
        type=int,
        default=0,
        help="CALSYNC_GRAPH_PAGE_SIZE of the pull (0: its default)",
    )
    parser.add_argument("--skip-pull", action="store_true")
    parser.add_argument("--skip-quiet", action="store_true")
    parser.add_argument("--child-pull", help=argparse.SUPPRESS)
    parser.add_argument("--pull-here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.page_size:
        os.environ["CALSYNC_GRAPH_PAGE_SIZE"] = str(args.page_size)  # the children's too
    if args.child_pull:
        child_pull(args.child_pull)
    elif args.pull_here:
        bench_pull(args)
    else:
        if not args.skip_pull:  # a process of its own: this one's Django serves PostgreSQL
            command = [sys.executable, __file__, "--pull-here", "--pull", str(args.pull)]
            subprocess.run(command, check=True)
            print(flush=True)
        if not args.skip_quiet:
            bench_quiet(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
