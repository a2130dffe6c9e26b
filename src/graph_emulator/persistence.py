"""``--state FILE``: the whole world as JSON, loaded at start, saved periodically and on exit.

Writes are atomic (temporary file + ``os.replace``) and the file is mode 0600: it holds
password hashes, refresh tokens and the signing key.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from graph_emulator.world import World

log = logging.getLogger("graph_emulator")


def save_state(world: World, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(world.to_state(), separators=(",", ":"), default=str)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)
    os.replace(tmp, target)


def load_state(world: World, path: str | Path) -> bool:
    """Load ``path`` into ``world`` if it exists; returns whether it did.

    Raises ValueError with the file name when the file is not a valid state file.
    """
    source = Path(path)
    if not source.exists():
        return False
    try:
        state = json.loads(source.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or state.get("version") != 1:
            raise ValueError("not an emulator state file (version 1)")
        world.load_state(state)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{source}: cannot load emulator state: {exc}") from exc
    return True


class PeriodicSaver:
    """Saves the world every ``interval`` seconds in a daemon thread; ``stop()`` saves once more."""

    def __init__(self, world: World, path: str | Path, interval: float = 30.0) -> None:
        self.world = world
        self.path = Path(path)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emulator-state-saver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                save_state(self.world, self.path)
            except OSError:
                log.exception("saving emulator state to %s failed", self.path)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        save_state(self.world, self.path)
