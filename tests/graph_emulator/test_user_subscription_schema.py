"""``/me`` and ``/subscriptions`` answers validate against Microsoft's published schemas for
``microsoft.graph.user`` and ``microsoft.graph.subscription`` (the shipped fragment), over
real HTTPS; and the fragment rejects what Graph would not send there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.graph_emulator.calendar_http import ERROR, schema_errors

from graph_emulator.testing import EmulatorServer

USER = "microsoft.graph.user"
SUBSCRIPTION = "microsoft.graph.subscription"
SUBSCRIPTIONS = "microsoft.graph.subscriptionCollectionResponse"


def in_minutes(emulator: EmulatorServer, minutes: float) -> str:
    return (emulator.world.clock() + timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%S.0000000Z"
    )


@pytest.fixture
def ada(emulator: EmulatorServer) -> dict[str, str]:
    user_id = emulator.add_user("ada@example.com", "Ada Lovelace", "pw")
    emulator.set_settings(notification_delay=0.05, notification_backoff=0.1, notification_retries=2)
    return {"id": user_id, "Authorization": f"Bearer {emulator.token_for('ada@example.com')}"}


def test_me_and_users_validate(emulator: EmulatorServer, http: httpx.Client, ada: Any) -> None:
    headers = {"Authorization": ada["Authorization"]}
    for path in ("/me", f"/users/{ada['id']}", "/users/ada@example.com"):
        answer = http.get(f"{emulator.graph_url}{path}", headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["userPrincipalName"] == "ada@example.com"
        assert schema_errors(USER, body) == [], path
    missing = http.get(f"{emulator.graph_url}/users/nobody@example.com", headers=headers)
    assert missing.status_code == 404
    assert schema_errors(ERROR, missing.json()) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"mailboxSettings": {"timeZone": "UTC"}}, "not served: complex, dropped"),
        ({"displayname": "typo"}, "not a property"),
        ({"businessPhones": "+1 555"}, "a collection"),
        ({"accountEnabled": "yes"}, "a boolean"),
    ],
)
def test_user_schema_rejects_what_graph_would_not_send(change: dict, where: str) -> None:
    body = {"id": "1", "displayName": "Ada", "businessPhones": [], "mail": None, **change}
    assert schema_errors(USER, {"id": "1", "displayName": "Ada", "businessPhones": []}) == []
    assert schema_errors(USER, body), where


def test_subscriptions_validate(
    emulator: EmulatorServer, http: httpx.Client, ada: Any, receiver: Any
) -> None:
    headers = {"Authorization": ada["Authorization"]}
    expires = in_minutes(emulator, 120)
    created = http.post(
        f"{emulator.graph_url}/subscriptions",
        headers=headers,
        json={
            "changeType": "created,updated,deleted",
            "notificationUrl": f"{receiver.url}/notify",
            "lifecycleNotificationUrl": f"{receiver.url}/lifecycle",
            "resource": "me/events",
            "expirationDateTime": expires,
            "clientState": "secret-state",
        },
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert schema_errors(SUBSCRIPTION, subscription) == []
    url = f"{emulator.graph_url}/subscriptions/{subscription['id']}"
    read = http.get(url, headers=headers)
    assert read.status_code == 200 and schema_errors(SUBSCRIPTION, read.json()) == []
    later = in_minutes(emulator, 600)
    renewed = http.patch(url, headers=headers, json={"expirationDateTime": later})
    assert renewed.status_code == 200 and schema_errors(SUBSCRIPTION, renewed.json()) == []
    listed = http.get(f"{emulator.graph_url}/subscriptions", headers=headers)
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["value"]] == [subscription["id"]]
    assert schema_errors(SUBSCRIPTIONS, listed.json()) == []
    refused = http.post(f"{emulator.graph_url}/subscriptions", headers=headers, json={})
    assert refused.status_code == 400 and schema_errors(ERROR, refused.json()) == []


def test_subscription_schema_rejects_what_graph_would_not_send() -> None:
    good = {
        "id": "s1",
        "changeType": "created",
        "notificationUrl": "https://example.com/n",
        "resource": "me/events",
        "expirationDateTime": "2026-01-01T00:00:00Z",
        "clientState": None,
    }
    assert schema_errors(SUBSCRIPTION, good) == []
    assert schema_errors(SUBSCRIPTION, {**good, "expirationDateTime": "tomorrow"})
    assert schema_errors(SUBSCRIPTION, {**good, "notificationUrl": None})
    assert schema_errors(SUBSCRIPTION, {**good, "lifecycleUrl": "https://example.com/l"})
