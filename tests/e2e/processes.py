"""Running calsync as a separate process against the test's database and emulator."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection


def database_url() -> str:
    """The test database, as a child process must name it."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or "postgres"
    host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{params['NAME']}"


def child_env(settings: Any, emulator: Any, var_dir: Path, **extra: Any) -> dict[str, str]:
    """The environment of a ``calsync`` child: this test's database, secret key and Outlook
    endpoints (the emulator), no change notifications; ``extra`` adds ``CALSYNC_*`` values."""
    return {
        **os.environ,
        "CALSYNC_DATABASE_URL": database_url(),
        "CALSYNC_SECRET_KEY": settings.SECRET_KEY,
        "CALSYNC_VAR_DIR": str(var_dir),
        "CALSYNC_MS_AUTHORITY_HOST": emulator.url,
        "CALSYNC_GRAPH_URL": emulator.graph_url,
        "CALSYNC_CA_BUNDLE": emulator.ca_path,
        "CALSYNC_NOTIFICATIONS": "0",
        **{f"CALSYNC_{name.upper()}": str(value) for name, value in extra.items()},
    }


def wait_for(condition: Callable[[], Any], timeout: float, every: float = 0.05) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
