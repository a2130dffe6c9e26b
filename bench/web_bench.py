"""Which WSGI server should serve calsync? waitress against gunicorn, under concurrent load.

    .venv/bin/python bench/web_bench.py [--database-url postgresql://...] [--seconds 15]
        [--connections 32] [--rounds 2]

Each server serves the same calsync (its own state in a temporary directory; PostgreSQL when
``--database-url`` names a server, a database of its own created and dropped), on loopback
only. ``wrk`` (Debian's package) loads two pages with ``--connections`` connections:
``GET /accounts/login/`` (a template, no database) and ``GET /api/events`` for a week holding
50 events (token authentication, database reads, JSON). Servers take turns, ``--rounds``
times, so a busy moment of a shared machine does not favour one. Prints requests per second
and latency percentiles per server and page; the README's "Going live" records them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
PASSWORD = "Bench-lantern-2026"


@dataclass(frozen=True)
class Contender:
    name: str
    command: list[str]  # "{port}" is replaced


CONTENDERS = (
    Contender(
        "waitress (calsync run, 8 threads)",
        ["calsync", "run", "--no-demo", "--threads", "8", "--port", "{port}"],
    ),
    Contender(
        "gunicorn gthread (2 workers x 4 threads)",
        ["gunicorn", "calsync.wsgi:application", "-b", "127.0.0.1:{port}",
         "-w", "2", "-k", "gthread", "--threads", "4"],
    ),
    Contender(
        "gunicorn sync (4 workers)",
        ["gunicorn", "calsync.wsgi:application", "-b", "127.0.0.1:{port}", "-w", "4"],
    ),
)  # fmt: skip


def _environment(home: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALSYNC_", "DJANGO_"))}
    env.update(CALSYNC_VAR_DIR=str(home / "var"), CALSYNC_LOG_LEVEL="WARNING")
    env["CALSYNC_NOTIFICATIONS"] = "0"
    # one bench user stands for many people: no fair share of the server (calsync.core.fair_share)
    env["CALSYNC_REQUESTS_AT_ONCE"] = "1000"
    if database_url:
        env["CALSYNC_DATABASE_URL"] = database_url
    return env


def _calsync(env: dict[str, str], home: Path, *args: str) -> None:
    subprocess.run([BIN / "calsync", *args], env=env, cwd=home, check=True, capture_output=True)


def _start(contender: Contender, env: dict[str, str], home: Path, port: int) -> subprocess.Popen:
    command = [part.replace("{port}", str(port)) for part in contender.command]
    command[0] = str(BIN / command[0])
    log = (home / "server.log").open("a")
    process = subprocess.Popen(command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2, trust_env=False)
            return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"{contender.name} did not start; see {home / 'server.log'}")


def _seed(port: int) -> tuple[str, str]:
    """A token and the query of a week holding 50 events."""
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, trust_env=False, timeout=30) as api:
        answer = api.post("/api/token", json={"email": "bench@example.com", "password": PASSWORD})
        answer.raise_for_status()
        token = answer.json()["token"]
        api.headers["Authorization"] = f"Token {token}"
        monday = datetime(2026, 11, 23, 8, tzinfo=UTC)
        for n in range(50):
            start = monday + timedelta(days=n % 5, hours=n % 10)
            api.post(
                "/api/events",
                json={
                    "title": f"Bench {n}",
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=45)).isoformat(),
                    "timezone": "UTC",
                },
            ).raise_for_status()
    return token, "start=2026-11-23T00:00:00Z&end=2026-11-30T00:00:00Z"


def _wrk(url: str, seconds: int, connections: int, headers: list[str]) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])}
    for pct in ("50", "90", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        result[f"p{pct}"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["errors"] = float(errors[1]) if errors else 0.0
    timeouts = re.search(r"timeout (\d+)", out)
    result["errors"] += float(timeouts[1]) if timeouts else 0.0
    return result


def _database(url: str) -> tuple[str, str]:
    """A fresh database on the server of ``url``: (its URL, its name)."""
    import psycopg

    name = f"calsync_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}", name


def _drop(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    home = Path(tempfile.mkdtemp(prefix="calsync-bench-"))
    database_url, name = _database(args.database_url) if args.database_url else ("", "")
    try:
        return _bench(args, home, _environment(home, database_url))
    finally:
        if name:
            _drop(args.database_url, name)
        shutil.rmtree(home, ignore_errors=True)


def _bench(args: argparse.Namespace, home: Path, env: dict[str, str]) -> int:
    _calsync(env, home, "migrate", "--no-input", "-v0")
    _calsync(env, home, "adduser", "bench@example.com", "--password", PASSWORD)
    port = 18000 + os.getpid() % 1000
    first = _start(CONTENDERS[0], env, home, port)
    token, query = _seed(port)
    first.terminate()
    first.wait(15)
    pages = {
        "login page": ("/accounts/login/", []),
        "events API": (f"/api/events?{query}", [f"Authorization: Token {token}"]),
    }
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _round in range(args.rounds):
        for contender in CONTENDERS:
            process = _start(contender, env, home, port)
            try:
                for page, (path, headers) in pages.items():
                    url = f"http://127.0.0.1:{port}{path}"
                    _wrk(url, 2, args.connections, headers)  # warm up
                    outcome = _wrk(url, args.seconds, args.connections, headers)
                    results.setdefault((contender.name, page), []).append(outcome)
            finally:
                process.terminate()
                process.wait(15)
    _print(results, args)
    return 0


def _print(
    results: dict[tuple[str, str], list[dict[str, float]]], args: argparse.Namespace
) -> None:
    print(f"{args.connections} connections, {args.seconds} s per run, best of {args.rounds} rounds")
    print(
        f"{'server':<42} {'page':<11} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} errors"
    )
    for (server, page), runs in results.items():
        best = max(runs, key=lambda run: run["rps"])
        print(
            f"{server:<42} {page:<11} {best['rps']:7.0f} {best['p50']:7.1f} {best['p90']:7.1f} "
            f"{best['p99']:7.1f} {sum(run['errors'] for run in runs):6.0f}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
