"""What a test does when a service or tool it needs is missing: fail under CI (``CI`` set),
where ``.ci/run`` installs everything; elsewhere skip loudly, naming what to install."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NoReturn

import pytest


def missing(message: str) -> NoReturn:
    """Fail (CI) or skip loudly (a newcomer's machine) because of ``message``."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(f"SKIPPED LOUDLY: {message}")


def mark_missing(items: Sequence[pytest.Item], message: str) -> None:
    """At collection: stop the run (CI) or skip ``items`` loudly because of ``message``."""
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI needs {message} for {len(items)} tests")
    for item in items:
        item.add_marker(pytest.mark.skip(reason=f"SKIPPED LOUDLY: no {message}"))
