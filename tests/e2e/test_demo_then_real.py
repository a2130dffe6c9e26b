"""From the demo to a real tenant, through real ``calsync`` processes: the demo wires its
emulator; an administrator then saves a real Client ID, which means Microsoft's cloud (the
emulator's endpoints are forgotten); a plain ``calsync run`` afterwards starts no emulator and
keeps the saved credentials; ``calsync demo --remove`` deletes the demo users and their data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .servers import Server, calsync, clean_environment

pytestmark = [pytest.mark.e2e]

CLIENT_ID = "0b8f6a52-3c1e-4e0f-9d5e-6f1a2b3c4d5e"


def outlook_row(home: Path) -> tuple[str, str, str, str]:
    with sqlite3.connect(home / "var" / "calsync.sqlite3") as db:
        return db.execute(
            "SELECT client_id, client_secret_encrypted, authority_host, graph_url"
            " FROM outlook_outlooksettings"
        ).fetchone()


def test_demo_then_a_real_tenant_then_the_demo_removed(tmp_path: Path) -> None:
    home = tmp_path
    env = clean_environment(home)
    with Server(home, ["run"], env) as demo:
        assert "Built-in Microsoft cloud emulator" in demo.output()
    client_id, _secret, authority, _graph = outlook_row(home)
    assert authority.startswith("https://127.0.0.1:")  # the demo's app, in its emulator

    saved = calsync(
        home, "outlook-config", "--enable", "--client-id", CLIENT_ID,
        "--client-secret", "Real~secret-of-the-company", "--base-url", "https://cal.example.com",
        env=env,
    )  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    real_id, real_secret, authority, graph = outlook_row(home)
    assert (real_id, authority, graph) == (CLIENT_ID, "", "")  # Microsoft's cloud
    assert client_id != real_id

    with Server(home, ["run"], env) as again:  # demo users still exist
        again_output = again.output()
    assert "configured for Microsoft's cloud" in again_output
    assert "Built-in Microsoft cloud emulator" not in again_output
    assert outlook_row(home)[:2] == (CLIENT_ID, real_secret)  # nothing overwritten

    listed = calsync(home, "demo", env=env)
    assert "alice@example.com" in listed.stdout
    removed = calsync(home, "demo", "--remove", env=env)
    assert removed.returncode == 0, removed.stderr
    assert "admin@example.com" in removed.stdout
    assert "No demo user is left." in calsync(home, "demo", env=env).stdout
    with sqlite3.connect(home / "var" / "calsync.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM accounts_user").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM calendars_event").fetchone() == (0,)
    assert outlook_row(home)[0] == CLIENT_ID  # the company's app stays
