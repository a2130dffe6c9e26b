"""Hypothesis profiles for the sync-engine tests (vdirsyncer's habit).

``dev`` (default) explores a little on every run; ``ci`` (chosen when ``CI`` is set, or
with ``HYPOTHESIS_PROFILE=ci``) is derandomised so CI never flakes, and sized to keep the
property and state-machine tests of this folder under ~30 s on a small machine;
``deep`` is for hunting bugs locally; ``hunt`` generates without shrinking (fast
to find a failure across ``--hypothesis-seed`` values; re-run with ``dev`` to shrink it).

Loading a profile sets Hypothesis' defaults for the whole session; tests elsewhere that
need other settings give them with ``@settings``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=60, stateful_step_count=30, **_COMMON)
settings.register_profile(
    "ci", max_examples=200, stateful_step_count=50, derandomize=True, print_blob=True, **_COMMON
)
settings.register_profile(
    "hunt",
    max_examples=200,
    stateful_step_count=40,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    **_COMMON,
)
settings.register_profile("deep", max_examples=2000, stateful_step_count=60, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
