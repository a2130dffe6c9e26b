"""``$batch`` over real HTTPS: limits, validation, dependsOn/424, shuffle, throttling."""

from __future__ import annotations

import time

import httpx
import pytest

from graph_emulator.testing import EmulatorServer


@pytest.fixture
def headers(emulator: EmulatorServer) -> dict[str, str]:
    emulator.add_user("ada@example.com", "Ada", "pw")
    return {"Authorization": f"Bearer {emulator.token_for('ada@example.com')}"}


def post_batch(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str], requests: list[dict]
) -> httpx.Response:
    return http.post(f"{emulator.graph_url}/$batch", headers=headers, json={"requests": requests})


def me(i: int | str, **extra: object) -> dict:
    return {"id": str(i), "method": "GET", "url": "/me", **extra}


def by_id(response: httpx.Response) -> dict[str, dict]:
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["responses"]}


def test_items_run_and_count_as_one_request(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.clear_stats()
    items = by_id(
        post_batch(
            emulator,
            http,
            headers,
            [me(1), {"id": "2", "method": "GET", "url": "me/mailboxSettings"}],
        )
    )
    assert items["1"]["status"] == 200
    assert items["1"]["body"]["mail"] == "ada@example.com"
    assert items["2"]["body"]["timeZone"] == "UTC"
    assert items["1"]["headers"]["content-type"].startswith("application/json")
    stats = emulator.stats()
    assert stats["requests"] == 1
    assert stats["batch_subrequests"] == 2
    assert stats["by_route"] == {"POST /$batch": 1, "GET /me": 1, "GET /me/mailboxSettings": 1}


@pytest.mark.parametrize(
    ("requests", "needle"),
    [
        ([me(i) for i in range(21)], "exceeds 20"),
        ([me("a"), me("A")], "not unique"),
        ([{"id": "1", "method": "GET"}], "requests[0].url"),
        ([{"id": "1", "url": "/me"}], "requests[0].method"),
        ([{"method": "GET", "url": "/me"}], "requests[0].id"),
        ([me(1, url="https://graph.microsoft.com/v1.0/me")], "relative"),
        (
            [{"id": "1", "method": "POST", "url": "/subscriptions", "body": {"a": 1}}],
            "Content-Type",
        ),
        ([me(1), me(2), me(3, dependsOn=["1", "2"])], "one other request"),
        ([me(1, dependsOn=["9"])], "unknown request id"),
        ([me(1, dependsOn=["2"]), me(2, dependsOn=["1"])], "cycle"),
        ([], "empty"),
    ],
)
def test_invalid_batches_are_400(
    emulator: EmulatorServer,
    http: httpx.Client,
    headers: dict[str, str],
    requests: list[dict],
    needle: str,
) -> None:
    response = post_batch(emulator, http, headers, requests)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert needle in response.json()["error"]["message"]


def test_twenty_is_allowed(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    items = by_id(post_batch(emulator, http, headers, [me(i) for i in range(20)]))
    assert len(items) == 20 and {i["status"] for i in items.values()} == {200}


def test_failed_dependency_gives_424_down_the_chain(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    requests = [
        {"id": "1", "method": "GET", "url": "/users/nobody@example.com"},
        me(2, dependsOn=["1"]),
        me(3, dependsOn=["2"]),
        me(4),
        me(5, dependsOn=["4"]),
    ]
    items = by_id(post_batch(emulator, http, headers, requests))
    assert items["1"]["status"] == 404
    assert items["2"]["status"] == 424 and items["3"]["status"] == 424
    assert items["2"]["body"]["error"]["code"] == "FailedDependency"
    assert items["4"]["status"] == 200 and items["5"]["status"] == 200


def test_responses_come_back_shuffled(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(seed=5)
    ids = [str(i) for i in range(20)]
    response = post_batch(emulator, http, headers, [me(i) for i in ids])
    order = [item["id"] for item in response.json()["responses"]]
    assert sorted(order, key=int) == [str(i) for i in range(20)]
    assert order != ids
    again = post_batch(emulator, http, headers, [me(i) for i in ids])
    assert [item["id"] for item in again.json()["responses"]] == order  # seeded


def test_at_most_four_items_run_at_once(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(processing_ms=250, mailbox_concurrency=50)
    started = time.monotonic()
    items = by_id(post_batch(emulator, http, headers, [me(i) for i in range(8)]))
    elapsed = time.monotonic() - started
    assert {i["status"] for i in items.values()} == {200}
    assert elapsed >= 0.5  # two waves of four


def test_a_batch_pays_the_network_latency_once(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(latency_ms=400)
    started = time.monotonic()
    items = by_id(post_batch(emulator, http, headers, [me(i) for i in range(12)]))
    elapsed = time.monotonic() - started
    assert {i["status"] for i in items.values()} == {200}
    assert 0.4 <= elapsed < 1.2  # one round trip, not three waves of four items at 400 ms


def test_items_are_throttled_individually(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(processing_ms=300, mailbox_concurrency=2)
    items = by_id(post_batch(emulator, http, headers, [me(i) for i in range(4)]))
    statuses = sorted(i["status"] for i in items.values())
    assert statuses == [200, 200, 429, 429]
    throttled = [i for i in items.values() if i["status"] == 429]
    assert all(i["headers"]["retry-after"] == "1" for i in throttled)
    assert all(i["body"]["error"]["code"] == "ApplicationThrottled" for i in throttled)


def test_serial_batch_stays_within_mailbox_concurrency(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str]
) -> None:
    emulator.set_faults(processing_ms=50, mailbox_concurrency=1)
    requests = [me(0)] + [me(i, dependsOn=[str(i - 1)]) for i in range(1, 5)]
    items = by_id(post_batch(emulator, http, headers, requests))
    assert {i["status"] for i in items.values()} == {200}


def test_batch_needs_a_token(emulator: EmulatorServer, http: httpx.Client) -> None:
    response = http.post(f"{emulator.graph_url}/$batch", json={"requests": [me(1)]})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_post_with_body_inside_a_batch(
    emulator: EmulatorServer, http: httpx.Client, headers: dict[str, str], receiver
) -> None:
    expiration = (emulator.world.clock().replace(microsecond=0)).isoformat().replace("+00:00", "Z")
    body = {
        "changeType": "created",
        "notificationUrl": f"{receiver.url}/n",
        "resource": "me/events",
        "expirationDateTime": expiration,
        "clientState": "cs",
    }
    body["expirationDateTime"] = _in_hours(emulator, 2)
    request = {
        "id": "s",
        "method": "POST",
        "url": "/subscriptions",
        "headers": {"Content-Type": "application/json"},
        "body": body,
    }
    item = by_id(post_batch(emulator, http, headers, [request]))["s"]
    assert item["status"] == 201, item
    assert item["body"]["clientState"] == "cs"
    assert len(receiver.validations) == 1


def _in_hours(emulator: EmulatorServer, hours: float) -> str:
    from datetime import timedelta

    return (emulator.world.clock() + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
