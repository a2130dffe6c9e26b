"""``EmulatorServer``: the whole emulator over HTTPS on 127.0.0.1, port 0, in a thread.

For tests of the emulator and end-to-end tests of calsync::

    with EmulatorServer() as emu:
        emu.add_user("ada@example.com", "Ada Lovelace", "pw")
        token = emu.token_for("ada@example.com")
        client = emu.client()  # httpx.Client trusting the emulator's CA
        client.get(f"{emu.graph_url}/me", headers={"Authorization": f"Bearer {token}"})

Every helper makes a real HTTPS call to the control plane. Certificates go to a temporary
directory unless ``cert_dir`` is given (reused when valid, so share one per session).
``EmulatorProcess`` offers the same helpers with the emulator in a child process (benchmarks).
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from graph_emulator.server import Emulator
from graph_emulator.world import Settings, World


class EmulatorServer:
    """Context manager around a background ``Emulator`` plus control-plane helpers."""

    def __init__(
        self,
        *,
        cert_dir: str | Path | None = None,
        state_file: str | Path | None = None,
        world: World | None = None,
        access_token_lifetime: float = 3600.0,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if cert_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="graph-emulator-")
            cert_dir = self._tmp.name
        self.world = world or World(settings=Settings(access_token_lifetime=access_token_lifetime))
        self._emulator = Emulator(self.world, cert_dir=cert_dir, state_file=state_file)
        self._client: httpx.Client | None = None

    # lifecycle -----------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        self._emulator.start()
        self._client = self.client()
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        self._emulator.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._emulator.url

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    @property
    def authority(self) -> str:
        return f"{self.url}/common"

    @property
    def ca_path(self) -> str:
        return str(self._emulator.ca_path)

    @property
    def port(self) -> int:
        return self._emulator.port

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_path)

    def client(self, **kwargs: Any) -> httpx.Client:
        """A new httpx client that trusts the emulator's CA (and ignores proxy env vars)."""
        kwargs.setdefault("timeout", 30.0)
        return httpx.Client(verify=self.ssl_context(), trust_env=False, **kwargs)

    # control plane -----------------------------------------------------------------
    def _call(
        self, method: str, path: str, json: Any = None, expect: tuple[int, ...] = (200,)
    ) -> Any:
        assert self._client is not None, "start() first"
        response = self._client.request(method, f"{self.url}/_emulator{path}", json=json)
        if response.status_code not in expect:
            raise RuntimeError(
                f"control plane {method} {path} -> {response.status_code}: {response.text}"
            )
        return response.json() if response.content else None

    def add_app(
        self, client_id: str, client_secret: str | None, redirect_uris: list[str], name: str = ""
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"client_id": client_id, "redirect_uris": redirect_uris}
        if client_secret is not None:
            body["client_secret"] = client_secret
        if name:
            body["name"] = name
        return self._call("POST", "/apps", body, expect=(200, 201))

    def add_user(
        self,
        email: str,
        name: str = "",
        password: str = "password",  # noqa: S107 - test users
        **extra: Any,
    ) -> str:
        """Create a mailbox (``aliases=[...]`` among ``extra``); returns the user's id."""
        body = {"email": email, "name": name or email.split("@")[0].title(), "password": password}
        return self._call("POST", "/users", {**body, **extra}, expect=(201,))["id"]

    def users(self) -> list[dict[str, Any]]:
        """Every mailbox: ``{"id", "email", "name", "aliases"}``."""
        return self._call("GET", "/users")

    def token_for(self, email: str, client_id: str | None = None) -> str:
        body = {"client_id": client_id} if client_id else None
        return self._call("POST", f"/users/{email}/token", body)["access_token"]

    def import_event(
        self, email: str, event: dict[str, Any], custom_time_zone: bool = True
    ) -> dict[str, Any]:
        """Put ``event`` in the mailbox as an ICS import would (by default in a custom
        zone: ``tzone://Microsoft/Custom``); returns ``{"id", "iCalUId"}``."""
        body = {"event": event, "customTimeZone": custom_time_zone}
        return self._call("POST", f"/users/{email}/import", body, expect=(201,))

    def share_calendar(
        self,
        owner: str,
        sharee: str,
        *,
        calendar: str | None = None,
        can_edit: bool = False,
        name: str = "",
    ) -> dict[str, Any]:
        """``owner`` shares a calendar (default: their default one) with ``sharee``; returns
        the calendar as ``sharee``'s ``/me/calendars`` lists it."""
        body: dict[str, Any] = {"with": sharee, "canEdit": can_edit}
        if calendar is not None:
            body["calendar"] = calendar
        if name:
            body["name"] = name
        return self._call("POST", f"/users/{owner}/share", body, expect=(201,))

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Replace the fault plan (PUT semantics: omitted fields are back to defaults)."""
        return self._call("PUT", "/faults", faults)

    def set_settings(self, **settings: Any) -> dict[str, Any]:
        return self._call("PUT", "/settings", settings)

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self._call("PUT", "/clock", {"advance_seconds": seconds})

    def outbox(self) -> list[dict[str, Any]]:
        return self._call("GET", "/outbox")

    def clear_outbox(self) -> None:
        self._call("DELETE", "/outbox", expect=(204,))

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def clear_stats(self) -> None:
        self._call("DELETE", "/stats", expect=(204,))

    def revoke(self, email: str) -> dict[str, Any]:
        return self._call("POST", f"/revoke/{email}")

    def reset(self) -> None:
        self._call("POST", "/reset", expect=(204,))


class EmulatorProcess(EmulatorServer):
    """The same helpers, with the emulator in a child process (``python -m graph_emulator``).

    For benchmarks: the emulator then shares no interpreter (no GIL) with the client it
    serves, as Microsoft's servers do not. There is no ``world`` to reach into: every
    helper goes through the control plane. ``start`` waits for the printed URL.
    """

    def __init__(self, *, cert_dir: str | Path | None = None, startup_timeout: float = 30.0):
        self._tmp = None
        if cert_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="graph-emulator-")
            cert_dir = self._tmp.name
        self._cert_dir = str(cert_dir)
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._url = ""
        self._ca = ""
        self._client = None

    def start(self) -> EmulatorProcess:
        src = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])
        env = {**os.environ, "PYTHONPATH": path}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "graph_emulator", "--port", "0", "--cert-dir", self._cert_dir,
             "--log-level", "error"],
            stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert self._process.stdout is not None
        deadline = time.monotonic() + self._startup_timeout
        while not (self._url and self._ca):
            line = self._process.stdout.readline()
            if not line or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator process did not start")
            if line.startswith("Microsoft cloud emulator on "):
                self._url = line.rsplit(" ", 1)[1].strip()
            elif line.startswith("CA certificate: "):
                self._ca = line.split(": ", 1)[1].strip()
        self._client = self.client()
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def world(self) -> World:  # type: ignore[override]
        raise AttributeError("the emulator runs in another process: use the control plane")

    @property
    def url(self) -> str:
        return self._url

    @property
    def ca_path(self) -> str:
        return self._ca

    @property
    def port(self) -> int:
        return int(self._url.rsplit(":", 1)[1])
