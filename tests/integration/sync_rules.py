"""The sync rules shared by the Hypothesis state machines that edit both sides at random:
a clean sync (which must succeed, then both sides must agree) and a sync with faults on the
wire (which may fail anywhere; the next clean sync must still converge)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule
from tests.integration.sync_world import SyncWorld


class SyncRules(RuleBasedStateMachine):
    """Subclasses set ``world`` and ``emulator`` and define :meth:`check`; ``synced_clean``
    says whether the last sync ran without faults (edits of Outlook-side ids wait for it)."""

    world: SyncWorld
    emulator: Any
    synced_clean: bool = False

    def check(self) -> None:
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
