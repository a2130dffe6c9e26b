"""Fixtures for the calendar API tests: users, and clients with session or token auth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from calsync.accounts.models import User

PASSWORD = "correct horse"


def _user(email: str, name: str, *, admin: bool = False) -> User:
    if admin:
        return User.objects.create_superuser(email=email, password=PASSWORD, name=name)
    return User.objects.create_user(email=email, password=PASSWORD, name=name)


@pytest.fixture
def alice(db: None) -> User:
    return _user("alice@example.com", "Alice")


@pytest.fixture
def bob(db: None) -> User:
    return _user("bob@example.com", "Bob")


@pytest.fixture
def carol(db: None) -> User:
    return _user("carol@example.com", "Carol")


@pytest.fixture
def admin(db: None) -> User:
    return _user("admin@example.com", "Ada", admin=True)


def session_client(user: User) -> APIClient:
    """A client logged in through Django's session (as the page's JavaScript is)."""
    client = APIClient()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def token_client(user: User) -> APIClient:
    """A client that authenticates with ``Authorization: Token …`` from ``POST /api/token``."""
    client = APIClient()
    answer = client.post("/api/token", {"email": user.email, "password": PASSWORD}, format="json")
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


@pytest.fixture(params=["session", "token"])
def login(request: pytest.FixtureRequest) -> Callable[[User], APIClient]:
    """Log a user in with each kind of authentication in turn."""
    return session_client if request.param == "session" else token_client


@pytest.fixture
def as_alice(alice: User, login: Callable[[User], APIClient]) -> APIClient:
    return login(alice)


def weekly_series(**extra: Any) -> dict[str, Any]:
    """A weekly Monday 09:00-10:00 Europe/Paris series from 2026-03-16 (spans the DST change)."""
    return {
        "title": "Weekly sync",
        "start": "2026-03-16T09:00:00",
        "end": "2026-03-16T10:00:00",
        "timezone": "Europe/Paris",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        **extra,
    }


WINDOW = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-30T00:00:00Z"}
