"""Fixtures: one emulator per test session over real HTTPS; state reset before each test."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from graph_emulator.testing import EmulatorServer


class Receiver:
    """Records validation requests and notification POSTs; behaviour is configurable.

    ``echo`` controls validation answers: "decoded" (correct), "encoded" (wrong), "500".
    ``fail_next`` makes that many notification POSTs answer 503 before succeeding.
    """

    def __init__(self) -> None:
        self.validations: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        self.echo = "decoded"
        self.fail_next = 0
        self.failed = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                receiver._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler, status: int, text: str = "") -> None:
        data = text.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        query = urllib.parse.parse_qs(parts.query)
        if "validationToken" in query:
            token = query["validationToken"][0]
            raw_token = parts.query.split("validationToken=", 1)[1].split("&", 1)[0]
            with self._lock:
                self.validations.append(
                    {
                        "path": parts.path,
                        "token": token,
                        "content_type": handler.headers["Content-Type"],
                    }
                )
            if self.echo == "500":
                self._answer(handler, 500, "no")
            elif self.echo == "encoded":
                self._answer(handler, 200, raw_token)
            else:
                self._answer(handler, 200, token)
            return
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed += 1
                self._answer(handler, 503, "busy")
                return
            self.posts.append(
                {
                    "path": parts.path,
                    "query": parts.query,
                    "body": json.loads(raw),
                    "at": time.monotonic(),
                }
            )
        self._answer(handler, 202)

    def items(self, path: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                item
                for post in self.posts
                if path is None or post["path"] == path
                for item in post["body"]["value"]
            ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(emulator_session: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session's emulator, reset (users, apps, faults, stats, clock...) for this test."""
    emulator_session.reset()
    yield emulator_session
    emulator_session.world.set_clock(None)
    emulator_session.reset()


@pytest.fixture
def http(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """An httpx client trusting the emulator's CA."""
    with emulator.client() as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback HTTP receiver for change and lifecycle notifications."""
    server = Receiver().start()
    yield server
    server.stop()
