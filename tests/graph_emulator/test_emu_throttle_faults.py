"""Throttling per (app, mailbox) and injected faults, over real HTTPS."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from graph_emulator.faults import FaultPlan, FaultSettings
from graph_emulator.testing import EmulatorServer
from graph_emulator.throttle import Throttle, Throttled


@pytest.fixture
def tokens(emulator: EmulatorServer) -> dict[str, str]:
    emulator.add_user("ada@example.com", "Ada", "pw")
    emulator.add_user("bob@example.com", "Bob", "pw")
    return {
        "ada": emulator.token_for("ada@example.com"),
        "ada-other-app": emulator.token_for("ada@example.com", client_id="other-app"),
        "bob": emulator.token_for("bob@example.com"),
    }


def get_me(emulator: EmulatorServer, token: str) -> httpx.Response:
    with emulator.client() as client:
        return client.get(f"{emulator.graph_url}/me", headers={"Authorization": f"Bearer {token}"})


def test_fifth_concurrent_request_gets_mailbox_concurrency_429(
    emulator: EmulatorServer, tokens: dict[str, str]
) -> None:
    emulator.set_faults(latency_ms=700)
    with ThreadPoolExecutor(max_workers=7) as pool:
        ada = [pool.submit(get_me, emulator, tokens["ada"]) for _ in range(5)]
        time.sleep(0.2)
        other_app = pool.submit(get_me, emulator, tokens["ada-other-app"])
        bob = pool.submit(get_me, emulator, tokens["bob"])
        statuses = sorted(f.result().status_code for f in ada)
        throttled = next(f.result() for f in ada if f.result().status_code == 429)
        assert other_app.result().status_code == 200  # another app: its own budget
        assert bob.result().status_code == 200  # another mailbox: its own budget
    assert statuses == [200, 200, 200, 200, 429]
    assert throttled.json()["error"]["code"] == "ApplicationThrottled"
    assert (
        throttled.json()["error"]["message"] == "Application is over its MailboxConcurrency limit."
    )
    assert float(throttled.headers["retry-after"]) > 0
    assert emulator.stats()["throttled"] == 1


def test_rolling_window_limit(emulator: EmulatorServer, tokens: dict[str, str]) -> None:
    emulator.set_faults(requests_per_10_minutes=3)
    assert [get_me(emulator, tokens["ada"]).status_code for _ in range(3)] == [200, 200, 200]
    over = get_me(emulator, tokens["ada"])
    assert over.status_code == 429
    assert over.json()["error"]["code"] == "TooManyRequests"
    assert 590 <= int(over.headers["retry-after"]) <= 600
    assert get_me(emulator, tokens["bob"]).status_code == 200
    emulator.advance_clock(601)
    assert get_me(emulator, tokens["ada"]).status_code == 200


def statuses_with(emulator: EmulatorServer, token: str, n: int = 30) -> list[int]:
    with emulator.client() as client:
        return [
            client.get(
                f"{emulator.graph_url}/me", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            for _ in range(n)
        ]


def test_seeded_faults_repeat_the_same_sequence(
    emulator: EmulatorServer, tokens: dict[str, str]
) -> None:
    emulator.set_faults(throttle_rate=0.25, error_rate=0.25, seed=42)
    first = statuses_with(emulator, tokens["ada"])
    emulator.set_faults(throttle_rate=0.25, error_rate=0.25, seed=42)
    second = statuses_with(emulator, tokens["ada"])
    emulator.set_faults(throttle_rate=0.25, error_rate=0.25, seed=7)
    third = statuses_with(emulator, tokens["ada"])
    assert first == second
    assert first != third
    assert {200, 429} <= set(first) and set(first) & {503, 504}


def test_error_faults_have_graph_bodies(emulator: EmulatorServer, tokens: dict[str, str]) -> None:
    emulator.set_faults(error_rate=1.0, seed=3, retry_after=2.5)
    seen = {}
    with emulator.client() as client:
        for _ in range(12):
            response = client.get(
                f"{emulator.graph_url}/me", headers={"Authorization": f"Bearer {tokens['ada']}"}
            )
            seen[response.status_code] = response
    assert set(seen) == {503, 504}
    assert seen[503].json()["error"]["code"] == "serviceNotAvailable"
    assert seen[503].headers["retry-after"] == "2.500"
    assert seen[504].json()["error"]["code"] == "UnknownError"


def test_throttle_fault_has_retry_after(emulator: EmulatorServer, tokens: dict[str, str]) -> None:
    emulator.set_faults(throttle_rate=1.0)
    response = get_me(emulator, tokens["ada"])
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "TooManyRequests"
    assert response.headers["retry-after"] == "1"


def test_disconnect_drops_the_connection_without_a_response(
    emulator: EmulatorServer, tokens: dict[str, str]
) -> None:
    emulator.set_faults(disconnect_rate=1.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
        get_me(emulator, tokens["ada"])
    assert emulator.stats()["faults_injected"] == 1
    emulator.set_faults()
    assert get_me(emulator, tokens["ada"]).status_code == 200


def test_faults_spare_the_control_plane_and_identity_gets_latency_only(
    emulator: EmulatorServer, http: httpx.Client
) -> None:
    emulator.set_faults(error_rate=1.0, throttle_rate=1.0, disconnect_rate=1.0, latency_ms=400)
    started = time.monotonic()
    assert http.get(f"{emulator.url}/_emulator/health").status_code == 200
    assert time.monotonic() - started < 0.4
    started = time.monotonic()
    assert (
        http.get(f"{emulator.url}/common/v2.0/.well-known/openid-configuration").status_code == 200
    )
    assert time.monotonic() - started >= 0.4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"throttle_rate": 1.5}, "throttle_rate"),
        ({"error_rate": "high"}, "error_rate"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"processing_ms": "slow"}, "processing_ms"),
        ({"seed": "abc"}, "seed"),
        ({"mailbox_concurrency": 0}, "mailbox_concurrency"),
        ({"requests_per_10_minutes": 2.5}, "requests_per_10_minutes"),
        ({"jitter": 1}, "jitter"),
    ],
)
def test_fault_validation_names_the_field(
    emulator: EmulatorServer, http: httpx.Client, body: dict, field: str
) -> None:
    emulator.set_faults(latency_ms=1)
    response = http.put(f"{emulator.url}/_emulator/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert http.get(f"{emulator.url}/_emulator/faults").json()["latency_ms"] == 1  # unchanged


# the throttle model itself ------------------------------------------------------------------
def test_throttle_model_windows_and_slots() -> None:
    now = [datetime(2025, 1, 1, tzinfo=UTC)]
    faults = FaultPlan()
    faults.configure(FaultSettings(mailbox_concurrency=2, requests_per_10_minutes=3))
    throttle = Throttle(faults, lambda: now[0])
    key = ("app", "mbx")
    throttle.acquire(key)
    throttle.acquire(key)
    with pytest.raises(Throttled) as busy:
        throttle.acquire(key)
    assert busy.value.code == "ApplicationThrottled"
    throttle.release(key)
    throttle.acquire(key)  # third in the window
    throttle.release(key)
    throttle.release(key)
    now[0] += timedelta(minutes=4)
    with pytest.raises(Throttled) as window:
        throttle.acquire(key)
    assert window.value.code == "TooManyRequests"
    assert window.value.retry_after == 360
    throttle.acquire(("app", "other"))
    now[0] += timedelta(minutes=6, seconds=1)
    throttle.acquire(key)
    assert throttle.in_flight(key) == 1
