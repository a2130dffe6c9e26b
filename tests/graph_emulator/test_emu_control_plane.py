"""The control plane (docs/emulator.md, The control plane) over HTTPS: validation, stats,
outbox, reset, settings."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from graph_emulator.testing import EmulatorServer


def control(
    emulator: EmulatorServer, http: httpx.Client, method: str, path: str, **kw: object
) -> httpx.Response:
    return http.request(method, f"{emulator.url}/_emulator{path}", **kw)


def test_control_plane_refuses_non_loopback_clients(emulator: EmulatorServer) -> None:
    """Through the real app in-process, as if the client were 192.0.2.7."""
    from graph_emulator.app import create_app

    app = create_app(emulator.world, start_notifier=False)

    async def call(client: tuple[str, int]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://emulator.test"
        ) as remote:
            return await remote.get("/_emulator/users")

    def run(client: tuple[str, int]) -> httpx.Response:
        # Own thread: a Playwright session earlier in the run may own this thread's event loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, call(client)).result()

    assert run(("192.0.2.7", 5000)).status_code == 403
    assert run(("127.0.0.1", 5000)).status_code == 200


def test_health(emulator: EmulatorServer, http: httpx.Client) -> None:
    body = control(emulator, http, "GET", "/health").json()
    assert body == {"status": "ok", "tenant_id": emulator.world.tenant_id}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_secret": "s", "redirect_uris": ["https://a/cb"]}, "client_id"),
        ({"client_id": "a", "redirect_uris": "https://a/cb"}, "redirect_uris"),
        ({"client_id": "a", "redirect_uris": ["ftp://a/cb"]}, "redirect_uris"),
        ({"client_id": "a"}, "redirect_uris"),
        ({"client_id": "a", "redirect_uris": [], "colour": "red"}, "colour"),
        ({"client_id": "", "redirect_uris": []}, "client_id"),
    ],
)
def test_app_validation_names_the_field(
    emulator: EmulatorServer, http: httpx.Client, body: dict, field: str
) -> None:
    response = control(emulator, http, "POST", "/apps", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert control(emulator, http, "GET", "/apps").json() == []


def test_app_registration_create_then_replace(emulator: EmulatorServer, http: httpx.Client) -> None:
    body = {"client_id": "a", "client_secret": "s", "redirect_uris": ["https://x/cb"]}
    assert control(emulator, http, "POST", "/apps", json=body).status_code == 201
    body["redirect_uris"] = ["https://y/cb"]
    assert control(emulator, http, "POST", "/apps", json=body).status_code == 200
    [app] = control(emulator, http, "GET", "/apps").json()
    assert app["redirect_uris"] == ["https://y/cb"]
    assert "client_secret" not in app


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "password": "p"}, "email"),
        ({"email": "not-an-email", "name": "A", "password": "p"}, "email"),
        ({"email": "a@x.com", "password": "p"}, "name"),
        ({"email": "a@x.com", "name": "A"}, "password"),
        ({"email": "a@x.com", "name": "A", "password": "p", "admin": True}, "admin"),
    ],
)
def test_user_validation_names_the_field(
    emulator: EmulatorServer, http: httpx.Client, body: dict, field: str
) -> None:
    response = control(emulator, http, "POST", "/users", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert control(emulator, http, "GET", "/users").json() == []


def test_duplicate_user_is_409_with_the_existing_id(
    emulator: EmulatorServer, http: httpx.Client
) -> None:
    user_id = emulator.add_user("a@x.com", "A", "p")
    response = control(
        emulator, http, "POST", "/users", json={"email": "A@X.com", "name": "B", "password": "q"}
    )
    assert response.status_code == 409
    assert response.json()["id"] == user_id
    assert response.json()["error"]["field"] == "email"


def test_non_json_body_is_rejected(emulator: EmulatorServer, http: httpx.Client) -> None:
    response = control(emulator, http, "POST", "/users", content=b"[1,2")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"


def test_token_for_unknown_user_is_404(emulator: EmulatorServer, http: httpx.Client) -> None:
    response = control(emulator, http, "POST", "/users/ghost@x.com/token")
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "email"


def test_stats_count_graph_requests_by_route_and_mailbox(
    emulator: EmulatorServer, http: httpx.Client
) -> None:
    user_id = emulator.add_user("a@x.com", "A", "p")
    headers = {"Authorization": f"Bearer {emulator.token_for('a@x.com')}"}
    http.get(f"{emulator.graph_url}/me", headers=headers)
    http.get(f"{emulator.graph_url}/users/{user_id}/mailboxSettings", headers=headers)
    http.get(f"{emulator.graph_url}/users/A@X.COM/mailboxSettings", headers=headers)
    http.get(f"{emulator.url}/common/v2.0/.well-known/openid-configuration")
    stats = emulator.stats()
    assert stats["requests"] == 3
    assert stats["identity_requests"] == 1
    assert stats["by_route"] == {"GET /me": 1, "GET /me/mailboxSettings": 2}
    assert stats["by_mailbox"] == {"a@x.com": 3}
    assert stats["batch_subrequests"] == 0
    emulator.clear_stats()
    assert emulator.stats()["requests"] == 0


def test_outbox_lists_and_clears(emulator: EmulatorServer) -> None:
    record = {
        "kind": "invitation",
        "from": "a@x.com",
        "to": ["b@x.com"],
        "subject": "Hi",
        "event_id": "E1",
    }
    with emulator.world.lock:
        emulator.world.outbox.append(record)
    assert emulator.outbox() == [record]
    emulator.clear_outbox()
    assert emulator.outbox() == []


def test_reset_forgets_everything_but_keeps_the_tenant(
    emulator: EmulatorServer, http: httpx.Client
) -> None:
    tenant = emulator.world.tenant_id
    emulator.add_user("a@x.com", "A", "p")
    token = emulator.token_for("a@x.com")
    emulator.set_faults(latency_ms=5)
    emulator.reset()
    assert control(emulator, http, "GET", "/users").json() == []
    assert control(emulator, http, "GET", "/faults").json()["latency_ms"] == 0
    assert (
        http.get(
            f"{emulator.graph_url}/me", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )
    assert emulator.world.tenant_id == tenant


def test_settings_and_clock(emulator: EmulatorServer, http: httpx.Client) -> None:
    assert emulator.set_settings(access_token_lifetime=5)["access_token_lifetime"] == 5
    bad = control(emulator, http, "PUT", "/settings", json={"access_token_lifetime": "long"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "access_token_lifetime"
    unknown = control(emulator, http, "PUT", "/settings", json={"nope": 1})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "nope"
    assert emulator.advance_clock(120)["offset_seconds"] == 120
    negative = control(emulator, http, "PUT", "/clock", json={"advance_seconds": -1})
    assert negative.status_code == 400 and negative.json()["error"]["field"] == "advance_seconds"
