"""What a test does when a service or tool it needs is missing: fail under CI (``CI`` set),
where ``.ci/run`` installs everything; elsewhere skip loudly, naming what to install."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(message: str) -> NoReturn:
    """Fail (CI) or skip loudly (a newcomer's machine) because of ``message``."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(f"SKIPPED LOUDLY: {message}")
