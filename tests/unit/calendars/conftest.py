"""Fixtures for the calendar's unit tests: users and a helper to create events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from calsync.accounts.models import User
from calsync.calendars import actions
from calsync.calendars.models import Event


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user(email="alice@example.com", password="pw", name="Alice")


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user(email="bob@example.com", password="pw", name="Bob")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def make_event(alice: User) -> Callable[..., Event]:
    """Create an event of alice through the action (defaults: 1 h, Europe/Paris)."""

    def make(**values: Any) -> Event:
        values.setdefault("title", "Meeting")
        values.setdefault("timezone", "Europe/Paris")
        values.setdefault("start", utc(2026, 3, 16, 8))
        values.setdefault("end", utc(2026, 3, 16, 9))
        owner = values.pop("owner", alice)
        return actions.do_create_event(owner, values)

    return make
