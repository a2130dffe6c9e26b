"""Serving: certificates, TLS verification, the loopback rule, the CLI, ``--state``."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from graph_emulator.certs import ensure_certs
from graph_emulator.persistence import PeriodicSaver, load_state
from graph_emulator.server import Emulator, main
from graph_emulator.testing import EmulatorServer
from graph_emulator.world import World


def san_of(path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(v) for v in san.get_values_for_type(x509.IPAddress)} | set(
        san.get_values_for_type(x509.DNSName)
    )


def test_certificates_are_created_then_reused(tmp_path: Path) -> None:
    paths = ensure_certs(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {
        "ca.pem",
        "ca-key.pem",
        "server.pem",
        "server-key.pem",
    }
    assert san_of(paths.cert) == {"127.0.0.1", "::1", "localhost"}
    assert paths.key.stat().st_mode & 0o777 == 0o600
    assert paths.ca_key.stat().st_mode & 0o777 == 0o600
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    ensure_certs(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    ensure_certs(tmp_path, ("emulator.test",))  # a new name: new server cert, same CA
    assert paths.ca.read_bytes() == before["ca.pem"]
    assert paths.cert.read_bytes() != before["server.pem"]
    assert "emulator.test" in san_of(paths.cert)
    paths.cert.write_text("garbage")
    ensure_certs(tmp_path)
    assert san_of(paths.cert) >= {"127.0.0.1", "localhost"}


def test_tls_verifies_strictly_for_ip_and_localhost(emulator: EmulatorServer) -> None:
    context = ssl.create_default_context(cafile=emulator.ca_path)
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    for name in ("127.0.0.1", "localhost"):
        with (
            socket.create_connection(("127.0.0.1", emulator.port)) as raw,
            context.wrap_socket(raw, server_hostname=name) as tls,
        ):
            assert tls.version() in {"TLSv1.2", "TLSv1.3"}
    untrusting = ssl.create_default_context()
    with (
        pytest.raises(ssl.SSLCertVerificationError),
        socket.create_connection(("127.0.0.1", emulator.port)) as raw,
    ):
        untrusting.wrap_socket(raw, server_hostname="127.0.0.1")


def test_non_loopback_host_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match=r"non-loopback"):
        Emulator(host="192.0.2.10", cert_dir=tmp_path)
    assert main(["--host", "192.0.2.10", "--cert-dir", str(tmp_path)]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert main(["--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "world.json"
    with EmulatorServer(cert_dir=tmp_path / "certs", state_file=state) as first:
        user_id = first.add_user("ada@example.com", "Ada", "pw")
        first.add_app("app-1", "s", ["https://localhost/cb"])
        token = first.token_for("ada@example.com")
        with first.client() as client:
            event = client.post(
                f"{first.graph_url}/me/events",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "subject": "Kept",
                    "start": {"dateTime": "2030-01-01T10:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": "2030-01-01T11:00:00", "timeZone": "UTC"},
                },
            ).json()
        with first.world.lock:
            first.world.outbox.append(
                {
                    "kind": "invitation",
                    "from": "ada@example.com",
                    "to": [],
                    "subject": "x",
                    "event_id": "E",
                }
            )
        tenant, kid = first.world.tenant_id, first.world.signing_key.kid
    assert state.stat().st_mode & 0o777 == 0o600
    with EmulatorServer(cert_dir=tmp_path / "certs", state_file=state) as second:
        assert second.world.tenant_id == tenant
        assert second.world.signing_key.kid == kid
        with second.client() as client:
            me = client.get(f"{second.graph_url}/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["id"] == user_id
            kept = client.get(
                f"{second.graph_url}/me/events/{event['id']}",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert kept.status_code == 200 and kept.json()["subject"] == "Kept"
            apps = client.get(f"{second.url}/_emulator/apps").json()
            assert [a["client_id"] for a in apps] == ["app-1"]
        assert second.outbox()[0]["subject"] == "x"


def test_bad_state_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "state.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match=r"state\.json"):
        load_state(World(), bad)
    assert load_state(World(), tmp_path / "missing.json") is False


def test_periodic_saver_writes_while_running(tmp_path: Path) -> None:
    world = World()
    world.add_user("ada@example.com", "Ada", "pw")
    target = tmp_path / "s.json"
    saver = PeriodicSaver(world, target, interval=0.05)
    saver.start()
    deadline = time.monotonic() + 5
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert json.loads(target.read_text())["directory"]["users"][0]["email"] == "ada@example.com"
    saver.stop()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_command_line_serves_prints_the_ca_and_saves_on_exit(
    tmp_path: Path, stop_signal: int
) -> None:
    state = tmp_path / "state.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graph_emulator",
            "--port",
            "0",
            "--cert-dir",
            str(tmp_path / "certs"),
            "--state",
            str(state),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url_line = process.stdout.readline()
        ca_line = process.stdout.readline()
        assert url_line.startswith("Microsoft cloud emulator on https://127.0.0.1:")
        url = url_line.split(" on ", 1)[1].strip()
        ca = ca_line.split(": ", 1)[1].strip()
        assert ca == str((tmp_path / "certs" / "ca.pem").resolve())
        with httpx.Client(verify=ssl.create_default_context(cafile=ca), trust_env=False) as client:
            deadline = time.monotonic() + 10
            while True:
                try:
                    assert client.get(f"{url}/_emulator/health").status_code == 200
                    break
                except httpx.ConnectError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            created = client.post(
                f"{url}/_emulator/users", json={"email": "a@x.com", "name": "A", "password": "p"}
            )
            assert created.status_code == 201
    finally:
        process.send_signal(stop_signal)
        process.wait(timeout=15)
    assert process.returncode == 0
    saved = json.loads(state.read_text())
    assert [u["email"] for u in saved["directory"]["users"]] == ["a@x.com"]
