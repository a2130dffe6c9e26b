"""The sync rules shared by the Hypothesis state machines that edit both sides at random:
a clean sync (which must succeed, then both sides must agree) and a sync with faults on the
wire (which may fail anywhere; the next clean sync must still converge)."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule
from tests.integration.sync_world import SyncWorld


class SyncRules(RuleBasedStateMachine):
    """Subclasses set the class attribute ``emulator`` and define :meth:`check`. Each example
    starts from an empty calendar and mailbox: ``world`` is Ann's, ``fresh`` names things
    (the same names on a replay, so data stays reproducible); ``synced_clean`` says whether
    the last sync ran without faults (edits of Outlook-side ids wait for it)."""

    world: SyncWorld
    emulator: Any = None
    synced_clean: bool = False

    def __init__(self) -> None:
        from calsync.accounts.models import User
        from calsync.calendars.models import Event

        super().__init__()
        Event.objects.all().delete()
        User.objects.all().delete()
        self.emulator.reset()
        self.emulator.set_faults()
        self.names = itertools.count(1000)
        self.world = SyncWorld(self.emulator, "ann@contoso.test", "Ann Lee")
        self.synced_clean = False

    def fresh(self, prefix: str) -> str:
        """A name not used before in this example: ``prefix`` and a number."""
        return f"{prefix}{next(self.names)}"

    def check(self) -> None:
        """What must hold after a clean sync (each machine's own rule)."""
        raise NotImplementedError

    @rule()
    def sync(self) -> None:
        summary = self.world.sync(confirm=True)
        assert summary.ok, summary.errors
        self.synced_clean = True
        self.check()

    @rule(seed=st.integers(0, 1000))
    def sync_with_faults(self, seed: int) -> None:
        self.emulator.set_faults(
            disconnect_rate=0.15, throttle_rate=0.2, error_rate=0.1, seed=seed, retry_after=0.01
        )
        try:
            self.world.sync(confirm=True)
        finally:
            self.emulator.set_faults()
        self.synced_clean = False
