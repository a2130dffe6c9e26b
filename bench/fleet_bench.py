"""A fleet of engines over many accounts: how long one periodic round takes, and no repeats.

    .venv/bin/python bench/fleet_bench.py [--accounts 200] [--events 20] [--workers 1,4,16]
        [--latency-ms 50] [--processing-ms 150] [--database postgresql://…] [--no-celery]
        [--rounds 1]

(The issue's full size is ``--accounts 1000 --events 100``; the default is a quicker run.)
PostgreSQL (a throw-away database made on the server ``--database`` names, dropped at the
end), Redis (``CALSYNC_REDIS_URL``, default ``redis://127.0.0.1:6379/0``: the mailboxes'
shared request budget, and Celery's broker) and the emulator in a child process, with
``--latency-ms`` of network round trip per HTTP request and ``--processing-ms`` of server time
per Graph operation. Every account is connected by the real OAuth code flow (MSAL against the
emulator's sign-in form) and synced once beforehand, so each round is one no-change sync per
account (one delta request each). The users are made in bulk (one password hash for all) and
the accounts made ready by ``--prepare-threads`` at once, so 1,000 accounts take minutes.

For each engine and each number of workers it makes every account due at once, starts the
workers (``calsync worker`` processes; Celery: one ``celery worker --beat`` with that many
threads and ``CALSYNC_CELERY=1``), and prints the wall time until every account has synced,
beside the ideal (accounts x per-account time / workers, the per-account time measured by
the single worker) and the physical floor (accounts x one request's latency + server time /
workers), and the runs repeated within the round (target 0). Beside each row, per run: Graph
and sign-in requests (the emulator's counts), database transactions (every process's, from
PostgreSQL's statistics) and the engine processes' CPU milliseconds, so a slow row can be told
apart from a loaded machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
PASSWORD = "pw-fleet-bench"
REDIS_URL = os.environ.get("CALSYNC_REDIS_URL", "redis://127.0.0.1:6379/0")


def make_database(server_url: str) -> str:
    """A fresh database on ``server_url``'s server; returns its URL."""
    import psycopg

    name = f"calsync_fleet_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    return parts._replace(path=f"/{name}").geturl()


def drop_database(server_url: str, url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child_env(base: dict[str, str], emulator: Any, var: str, database: str) -> dict[str, str]:
    return {
        **base,
        "CALSYNC_DATABASE_URL": database,
        "CALSYNC_VAR_DIR": var,
        "CALSYNC_MS_AUTHORITY_HOST": emulator.url,
        "CALSYNC_GRAPH_URL": emulator.graph_url,
        "CALSYNC_CA_BUNDLE": emulator.ca_path,
        "CALSYNC_NOTIFICATIONS": "0",
        "CALSYNC_REDIS_URL": REDIS_URL,
        "CALSYNC_LOG_LEVEL": "WARNING",
    }


def consent(user: Any, emulator: Any, client_id: str, secret: str) -> None:
    """The OAuth code flow as a browser does it, then the account saved as the app does."""
    import msal

    from calsync.outlook.connection import actions
    from calsync.outlook.connection.identity import SCOPES, http_session

    cache = msal.SerializableTokenCache()
    app = msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{emulator.url}/common",
        instance_discovery=False,
        validate_authority=False,
        http_client=http_session(emulator.ca_path),
        token_cache=cache,
    )
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri="http://127.0.0.1/cb")
    with emulator.client(timeout=120.0) as web:  # a loaded machine: slow handshakes
        answer = web.post(
            flow["auth_uri"], data={"login": user.email, "password": PASSWORD, "consent": "accept"}
        )
    params = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    result = app.acquire_token_by_auth_code_flow(flow, params)
    claims = result["id_token_claims"]
    actions.do_connect_account(
        user,
        mailbox=user.email,
        display_name=user.name,
        oid=claims["oid"],
        tid=claims.get("tid", ""),
        home_account_id=app.get_accounts()[0]["home_account_id"],
        token_cache=cache.serialize(),
    )


def make_users(emails: list[str]) -> list[Any]:
    """The calsync users, in bulk: one password hash for all (hashing is made slow on
    purpose: a second each would be the bench's longest step), each with the default
    calendar a new user gets."""
    from django.contrib.auth.hashers import make_password

    from calsync.accounts.models import User
    from calsync.calendars.calendar_list import PALETTE
    from calsync.calendars.models import Calendar

    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [User(email=email, username=email, name=email, password=hashed) for email in emails],
        batch_size=1000,
    )
    Calendar.objects.bulk_create(
        [Calendar(owner=user, is_default=True, color=PALETTE[0]) for user in users],
        batch_size=1000,
    )
    return users


def add_user(emulator: Any, email: str) -> None:
    """The mailbox in the emulator; sent again when a loaded machine dropped the kept-alive
    connection before the request reached it."""
    import httpx

    for attempt in range(3):
        try:
            emulator.add_user(email, email.split("@")[0], PASSWORD)
            return
        except (httpx.RemoteProtocolError, httpx.ConnectError, httpx.ConnectTimeout):
            if attempt == 2:
                raise
            time.sleep(1)


def fill_mailbox(emulator: Any, email: str, events: int) -> None:
    """``events`` events in the mailbox, through ``$batch`` (20 per request)."""
    from datetime import UTC, datetime, timedelta

    from calsync.msgraph import GraphClient
    from calsync.msgraph.batching import SubRequest, run_batch

    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    token = emulator.token_for(email)
    requests = []
    for n in range(events):
        begins = start + timedelta(hours=3 * n)
        body = {
            "subject": f"Meeting {n}",
            "start": {"dateTime": begins.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {
                "dateTime": (begins + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
        }
        requests.append(SubRequest("POST", "/me/events", body))
    with GraphClient(
        emulator.graph_url, lambda token=token, **_k: token, verify=emulator.ca_path
    ) as graph:
        answers = run_batch(graph, requests)
    if not all(answer.ok for answer in answers):
        raise RuntimeError(f"could not fill the mailbox {email}")


def prepare(args: argparse.Namespace, emulator: Any) -> list[str]:
    """Users here (in bulk) and in the emulator, their mailboxes filled, connected (the
    real OAuth code flow each) and synced once: each account's steps run in a pool of
    threads, since most of their time is the emulator's."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from calsync.outlook.connection import actions
    from calsync.outlook.models import OutlookAccount, SyncRequest
    from calsync.outlook.sync.run import run_sync

    client_id, secret = str(uuid.uuid4()), f"Sx8~{uuid.uuid4().hex}"
    emulator.add_app(client_id, secret, ["http://127.0.0.1/cb"], name="fleet bench")
    actions.do_update_settings(
        enabled=True, client_id=client_id, client_secret=secret, base_url="http://127.0.0.1"
    )
    emails = [f"user{n:05}@fleet.test" for n in range(args.accounts)]
    users = make_users(emails)

    def ready(user: Any) -> None:
        try:
            add_user(emulator, user.email)
            fill_mailbox(emulator, user.email, args.events)
            consent(user, emulator, client_id, secret)
            run_sync(OutlookAccount.objects.get(user=user), "bench")
        finally:
            connections.close_all()

    pool = ThreadPoolExecutor(args.prepare_threads)
    try:
        for done, _ready in enumerate(pool.map(ready, users), start=1):
            if done % 100 == 0:
                print(f"  {done} accounts ready", flush=True)
    finally:
        pool.shutdown(cancel_futures=True)  # Ctrl+C: the accounts not begun are not made
    # connecting asked for a first sync (a request each), done above: an engine taking them
    # at its start would race the round (its runs end by moving the account a day on)
    SyncRequest.objects.all().delete()
    return emails


READY = {"embedded": "calsync worker:", "celery": "ready."}
"""What each engine's output says once it takes work."""


def start_engine(engine: str, workers: int, env: dict[str, str], var: str) -> list[Any]:
    """Start the engine's processes and wait until each is ready (not timed)."""
    if engine == "embedded":
        commands = [[str(BIN / "calsync"), "worker", "--interval", "86400"]] * workers
        run_env = env
    else:
        commands = [
            [
                str(BIN / "celery"),
                "-A",
                "calsync.outlook.triggers.tasks",
                "worker",
                "--beat",
                "-P",
                "threads",
                "-c",
                str(workers),
                "-s",
                f"{var}/beat-schedule",
                "--loglevel",
                "INFO",
            ]
        ]
        run_env = {
            **env,
            "CALSYNC_CELERY": "1",
            "CALSYNC_CELERY_DRAINS": str(workers),
            "CALSYNC_SYNC_INTERVAL": "86400",
        }
    processes = []
    for n, command in enumerate(commands):
        log = Path(var) / f"{engine}-{n}.log"
        out = log.open("w")
        processes.append((subprocess.Popen(command, env=run_env, stdout=out, stderr=out), log))
    deadline = time.monotonic() + 900  # 16 interpreters starting on a loaded machine
    while not all(READY[engine] in log.read_text() for _process, log in processes):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{engine} did not get ready")
        time.sleep(0.2)
    return [process for process, _log in processes]


def tree_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes ``pids`` and their children spent so far
    (read from /proc before they end; 0 where there is no /proc)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    mine, total = set(pids), 0.0
    for _depth in range(4):  # celery's beat and pool are children of its main process
        mine |= {pid for pid, (parent, _cpu) in stats.items() if parent in mine}
    for pid in mine:
        total += stats.get(pid, (0, 0.0))[1]
    return total


def database_transactions() -> int:
    """Transactions committed in this database so far (every process's; PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def one_round(
    engine: str, workers: int, env: dict[str, str], var: str, emulator: Any
) -> dict[str, Any]:
    """With the engine ready and nothing due, make every account due at once and time
    until each has synced once more. Also counts, per run: Graph and sign-in requests (the
    emulator's), database transactions (all processes', less this one's polling) and the
    engine processes' CPU seconds."""
    from datetime import timedelta

    from django.db.models import Count
    from django.utils import timezone

    from calsync.outlook.models import OutlookAccount, SyncRequest, SyncRun

    accounts = OutlookAccount.objects.count()
    SyncRequest.objects.all().delete()
    OutlookAccount.objects.update(next_sync_at=timezone.now() + timedelta(days=1))
    processes = start_engine(engine, workers, env, var)
    pids = [process.pid for process in processes]
    emulator.clear_stats()
    cpu_before, transactions_before = tree_cpu(pids), database_transactions()
    since = timezone.now()
    started = time.monotonic()
    OutlookAccount.objects.update(next_sync_at=None)
    done = SyncRun.objects.filter(started_at__gte=since, finished_at__isnull=False)
    polls = 0
    try:
        while done.values("account").distinct().count() < accounts:
            polls += 1
            if time.monotonic() - started > 3600:
                raise RuntimeError("the round did not end within an hour")
            time.sleep(0.1)
        wall = time.monotonic() - started
        cpu = tree_cpu(pids) - cpu_before
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(60)
    stats = emulator.stats()
    transactions = database_transactions() - transactions_before - polls - 3
    per_account = done.values("account").annotate(n=Count("id"))
    repeated = sum(row["n"] - 1 for row in per_account)
    seconds = [run.seconds for run in done]
    runs = len(seconds)
    return {
        "wall": wall,
        "repeated": repeated,
        "mean": sum(seconds) / runs,
        "graph": stats["requests"] / runs,
        "identity": stats["identity_requests"] / runs,
        "transactions": transactions / runs,
        "cpu": cpu / runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--workers", default="1,4,16")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--processing-ms", type=int, default=150)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "CALSYNC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument(
        "--prepare-threads", type=int, default=8, help="accounts made ready at once beforehand"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds per engine and workers (each printed)"
    )
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]

    from graph_emulator.testing import EmulatorProcess

    database = make_database(args.database)
    try:
        with tempfile.TemporaryDirectory(prefix="fleet-bench-") as var, EmulatorProcess() as emu:
            emu.set_faults(requests_per_10_minutes=1_000_000)
            env = child_env(dict(os.environ), emu, var, database)
            os.environ.update(env)
            os.environ["DJANGO_SETTINGS_MODULE"] = "calsync.settings"
            import django
            from django.core.management import call_command

            django.setup()
            call_command("migrate", verbosity=0)
            print(f"preparing {args.accounts} accounts of {args.events} events …", flush=True)
            prepared = time.monotonic()
            prepare(args, emu)
            print(f"prepared in {time.monotonic() - prepared:.0f} s", flush=True)
            emu.set_faults(
                latency_ms=args.latency_ms,
                processing_ms=args.processing_ms,
                requests_per_10_minutes=1_000_000,
            )
            report(args, counts, env, var, emu)
    finally:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        drop_database(args.database, database)
    return 0


def report(
    args: argparse.Namespace, counts: list[int], env: dict[str, str], var: str, emulator: Any
) -> None:
    floor_one = (args.latency_ms + args.processing_ms) / 1000
    engines = ["embedded"] + ([] if args.no_celery else ["celery"])
    print(
        f"\none periodic round over {args.accounts} accounts (no-change syncs), "
        f"emulator at {args.latency_ms} ms RTT + {args.processing_ms} ms server time"
    )
    print(
        f"{'engine':<9} {'workers':>7} {'wall s':>8} {'ideal s':>8} {'floor s':>8} "
        f"{'x ideal':>8} {'repeated':>8} | per run: {'graph':>5} {'sign-in':>7} "
        f"{'db xact':>7} {'cpu ms':>7} {'run s':>6}"
    )
    per_account: dict[str, float] = {}
    repeats = Counter[str]()
    for engine in engines:
        for workers in counts:
            for _round in range(args.rounds):
                result = one_round(engine, workers, env, var, emulator)
                # the ideal: this engine's per-account time with its fewest workers, divided
                per_account.setdefault(engine, result["wall"] / args.accounts * workers)
                ideal = args.accounts * per_account[engine] / workers
                floor = args.accounts * floor_one / workers
                repeats[engine] += result["repeated"]
                print(
                    f"{engine:<9} {workers:>7} {result['wall']:>8.1f} {ideal:>8.1f} "
                    f"{floor:>8.1f} {result['wall'] / ideal:>8.2f} {result['repeated']:>8} | "
                    f"{'':>8} {result['graph']:>5.2f} {result['identity']:>7.2f} "
                    f"{result['transactions']:>7.1f} {result['cpu'] * 1000:>7.0f} "
                    f"{result['mean']:>6.3f}",
                    flush=True,
                )
    times = ", ".join(f"{engine} {seconds:.3f} s" for engine, seconds in per_account.items())
    print(
        f"\nruns repeated: {dict(repeats)} (target 0); per-account time with "
        f"{counts[0]} worker(s): {times}; physical floor {floor_one:.3f} s"
    )
    print(
        "(cpu ms: the engine processes' CPU per run; run s: a run's own mean seconds. The "
        "no-change cost per account beside a big database, and a 20,000-event pull's memory "
        "and CPU: bench/cost_bench.py)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
