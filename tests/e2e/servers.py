"""Real ``calsync`` processes for the end-to-end tests: each in a directory of its own (its own
``var/``, SQLite file and secret key), with an environment the test chooses and nothing
inherited from the test run's own configuration."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CALSYNC = str(Path(sys.executable).with_name("calsync"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """The machine's environment without any ``CALSYNC_*`` or Django setting, with the state
    in ``home/var`` and ``extra`` on top."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CALSYNC_", "DJANGO_")) and name not in {"HTTPS_PROXY", "LANG"}
    }
    environ.update(CALSYNC_VAR_DIR=str(home / "var"), LANG="C.UTF-8", PYTHONUNBUFFERED="1")
    environ.update(extra)
    return environ


def calsync(
    home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``calsync ARGS`` to its end in ``home``."""
    return subprocess.run(
        [CALSYNC, *args],
        cwd=home,
        env=env or clean_environment(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Server:
    """``calsync run`` (or another serving command) as a process, its output in a file."""

    home: Path
    args: list[str]
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self, ready_path: str = "/accounts/login/", timeout: float = 60) -> Server:
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [CALSYNC, *self.args, "--port", str(self.port)],
            cwd=self.home,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"calsync stopped ({self.process.returncode}):\n{self.output()}"
                )
            try:
                httpx.get(self.url + ready_path, timeout=2, trust_env=False)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            return self
        self.stop()
        raise AssertionError(f"calsync did not answer in {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        """Ctrl+C, as a person stops it; killed if it does not stop in 15 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
