"""Running the emulator: ``main(argv)`` (``python -m graph_emulator``, ``calsync emulator``)
and ``Emulator``, the same server in a background thread for tests and demos.

Loopback only by default: a ``--host`` that is not a loopback address is refused unless
``--allow-remote`` is given (the control plane stays loopback-only even then).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from graph_emulator.app import create_app
from graph_emulator.certs import CertPaths, ensure_certs
from graph_emulator.loopback import is_loopback_host
from graph_emulator.persistence import PeriodicSaver, load_state
from graph_emulator.world import Settings, World

DEFAULT_CERT_DIR = Path("var/emulator-certs")
DEFAULT_PORT = 8443
log = logging.getLogger("graph_emulator")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).version == 6:
            family = socket.AF_INET6
    if host == "localhost":
        host = "127.0.0.1"
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP
    # (without it every response waits ~40 ms for a delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, but a SIGINT/SIGTERM ends ``run()`` normally instead of re-raising
    the signal afterwards (which would kill the process before ``--state`` is saved)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


class Emulator:
    """The whole emulator over HTTPS; ``start()`` returns once it answers.

    ``port=0`` picks a free port. ``state_file`` is loaded at start and saved every
    ``save_interval`` seconds and at ``stop()``.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        cert_dir: str | Path = DEFAULT_CERT_DIR,
        state_file: str | Path | None = None,
        save_interval: float = 30.0,
        allow_remote: bool = False,
        log_level: str = "warning",
    ) -> None:
        if not is_loopback_host(host) and not allow_remote:
            raise ValueError(
                f"refusing to listen on non-loopback host {host!r} (pass allow_remote / "
                "--allow-remote to expose the emulator)"
            )
        self.world = world or World()
        self.host = host
        self.cert_dir = Path(cert_dir)
        self.state_file = Path(state_file) if state_file else None
        self.save_interval = save_interval
        self.log_level = log_level
        self._requested_port = port
        self._sock: socket.socket | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._saver: PeriodicSaver | None = None
        self.certs: CertPaths | None = None
        self.port = port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def ca_path(self) -> Path:
        assert self.certs is not None, "start() first"
        return self.certs.ca

    def prepare(self) -> uvicorn.Server:
        """Certificates, state, socket and the uvicorn server (not yet serving)."""
        wildcard_or_default = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "::"}  # noqa: S104
        extra = () if self.host in wildcard_or_default else (self.host,)
        self.certs = ensure_certs(self.cert_dir, extra)
        if self.state_file is not None:
            load_state(self.world, self.state_file)
        self._sock = _bind(self.host, self._requested_port)
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.world),
            ssl_certfile=str(self.certs.cert),
            ssl_keyfile=str(self.certs.key),
            http="h11",
            lifespan="on",
            log_level=self.log_level,
            log_config=None,
            timeout_graceful_shutdown=1,
        )
        self._server = _Server(config)
        if self.state_file is not None:
            self._saver = PeriodicSaver(self.world, self.state_file, self.save_interval)
        return self._server

    def start(self, timeout: float = 20.0) -> Emulator:
        server = self.prepare()
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._sock]}, name="graph-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        if self._saver is not None:
            self._saver.start()
        return self

    def run_foreground(self) -> None:
        """Serve in this thread until SIGINT/SIGTERM (after ``prepare()``), then save state."""
        assert self._server is not None, "prepare() first"
        if self._saver is not None:
            self._saver.start()
        try:
            self._server.run(sockets=[self._sock])
        finally:
            self._finish()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._finish()

    def _finish(self) -> None:
        if self._saver is not None:
            self._saver.stop()
            self._saver = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graph_emulator",
        description="Offline emulator of the Microsoft identity platform and Graph calendars.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--state", metavar="FILE", help="load/save the whole world as JSON here")
    parser.add_argument(
        "--cert-dir",
        metavar="DIR",
        default=str(DEFAULT_CERT_DIR),
        help=f"CA and server certificate (default {DEFAULT_CERT_DIR})",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (not advised)"
    )
    parser.add_argument(
        "--access-token-lifetime",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="lifetime of issued access tokens (default 3600)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the emulator in the foreground; returns the exit status."""
    args = build_parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        sys.stderr.write(f"error: --port must be between 0 and 65535, not {args.port}" + "\n")
        return 2
    if args.access_token_lifetime <= 0:
        sys.stderr.write("error: --access-token-lifetime must be positive" + "\n")
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    world = World(settings=Settings(access_token_lifetime=args.access_token_lifetime))
    try:
        emulator = Emulator(
            world,
            host=args.host,
            port=args.port,
            cert_dir=args.cert_dir,
            state_file=args.state,
            allow_remote=args.allow_remote,
            log_level=args.log_level,
        )
        emulator.prepare()
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"error: {exc}" + "\n")
        return 2
    _say(f"Microsoft cloud emulator on {emulator.url}")
    _say(f"CA certificate: {emulator.ca_path.resolve()}")
    _say(f"Authority: {emulator.url}/common  Graph: {emulator.url}/v1.0")
    emulator.run_foreground()
    return 0
