"""Fixtures for the Outlook app's unit tests: users and a configured settings row."""

from __future__ import annotations

import pytest

from calsync.accounts.actions import do_create_user
from calsync.outlook import actions

CLIENT_ID = "0b8f6a52-3c1e-4e0f-9d5e-6f1a2b3c4d5e"
CLIENT_SECRET = "Qx8~abcDEF.ghiJKL_mnoPQR-stuVWX1234yz"


@pytest.fixture
def admin(db):
    return do_create_user("admin@example.com", "pw-admin", name="Ada Admin", admin=True)


@pytest.fixture
def alice(db):
    return do_create_user("alice@example.com", "pw-alice", name="Alice")


@pytest.fixture
def bob(db):
    return do_create_user("bob@example.com", "pw-bob", name="Bob")


@pytest.fixture
def configured(db):
    """Outlook enabled with a client id/secret and the test client's base URL."""
    return actions.do_update_settings(
        enabled=True,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        base_url="http://testserver",
    )
