"""Integration fixtures: services beyond the database, needed loudly.

Tests marked ``redis`` need the Redis server at ``CALSYNC_REDIS_URL`` (default
``redis://127.0.0.1:6379/0``). Without it they are skipped with a reason that names the fix;
under CI (``CI`` set) a missing Redis fails the run instead (as tests/conftest.py does for
Chromium), so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from tests.e2e.conftest import (  # noqa: F401 - the e2e fixtures, used here by name
    _no_change_notifications,
    azure_app,
    browsers,
    connect_by_consent,
    emulator,
    emulator_session,
)
from tests.missing import mark_missing

REDIS_URL = os.environ.get("CALSYNC_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers(url: str = REDIS_URL) -> bool:
    """Whether a Redis server answers PING at ``url`` (within half a second)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    redis_items = [item for item in items if item.get_closest_marker("redis")]
    if not redis_items or redis_answers():
        return
    install = "apt-get install -y redis-server, or set CALSYNC_REDIS_URL"
    mark_missing(redis_items, f"Redis at {REDIS_URL} ({install})")


@pytest.fixture
def celery_queue() -> Iterator[str]:
    """A real Celery worker (two threads, in this process) on the Redis broker, consuming a
    fresh queue; yields the queue's name."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from calsync.outlook.triggers import tasks

    def close_connections(**_kwargs: Any) -> None:
        connections.close_all()  # the worker's threads open their own

    queue = f"calsync-test-{uuid.uuid4().hex}"
    task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(
            tasks.app,
            pool="threads",
            concurrency=2,
            queues=[queue],
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
        ):
            yield queue
    finally:
        task_postrun.disconnect(close_connections)
