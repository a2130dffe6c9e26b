"""Fixtures for the Outlook app's unit tests: users and a configured settings row."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from calsync.accounts.actions import do_create_user
from calsync.outlook.connection import actions, crypto
from calsync.outlook.models import OutlookAccount, OutlookSubscription
from calsync.outlook.triggers import subscriptions

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


FAKE_CACHE = json.dumps({"RefreshToken": {"k": {"secret": "RT-SECRET-VALUE"}}})
"""An MSAL token cache as calsync stores it (the secret must never show anywhere)."""


def connect(user: Any) -> OutlookAccount:
    """``user`` connected to alice@contoso.test, as the consent callback leaves it."""
    return actions.do_connect_account(
        user,
        mailbox="alice@contoso.test",
        display_name="Alice",
        oid="oid-alice",
        tid="tid-1",
        home_account_id="oid-alice.tid-1",
        token_cache=FAKE_CACHE,
    )


def subscribe(account: OutlookAccount, now: datetime) -> OutlookSubscription:
    """``account``'s Graph subscription ``sub-1`` (clientState ``right-state``), as the first
    sync leaves it."""
    return OutlookSubscription.objects.create(
        account=account,
        subscription_id="sub-1",
        client_state_encrypted=crypto.encrypt("right-state", subscriptions.CLIENT_STATE),
        notification_url="http://testserver/outlook/notifications",
        expires_at=now + timedelta(days=2),
    )


def notification_item(**extra: Any) -> dict[str, Any]:
    """One change notification for :func:`subscribe`'s subscription (``extra`` overrides)."""
    return {
        "subscriptionId": "sub-1",
        "clientState": "right-state",
        "changeType": "created",
        "resource": "Users/u/Events/AAMk1",
        "resourceData": {"id": "AAMk1", "@odata.etag": 'W/"ck1"'},
        **extra,
    }
