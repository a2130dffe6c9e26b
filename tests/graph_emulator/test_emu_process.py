"""``EmulatorProcess``: the emulator in a child process, driven by the same helpers."""

from __future__ import annotations

import pytest

from graph_emulator.testing import EmulatorProcess


def test_a_child_process_emulator_serves_and_stops() -> None:
    emulator = EmulatorProcess().start()
    try:
        process = emulator._process
        assert process is not None and process.poll() is None
        emulator.add_user("ada@example.com", "Ada Lovelace", "pw")
        token = emulator.token_for("ada@example.com")
        with emulator.client() as http:
            me = http.get(f"{emulator.graph_url}/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["mail"] == "ada@example.com"
        assert emulator.stats()["requests"] == 1
        with pytest.raises(AttributeError):
            _ = emulator.world
    finally:
        emulator.stop()
    assert process.poll() is not None  # the child is gone
