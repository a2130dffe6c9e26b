"""Serving beyond this machine, in-process: loopback names, the host check (Base URL host,
CALSYNC_ALLOWED_HOSTS, loopback; 400 for the rest), trusted proxies' forwarded headers, the
https settings an https Base URL turns on, and DEBUG kept to loopback."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from calsync.core import deployment
from calsync.core.middleware import TrustedProxies, believe_forwarded
from calsync.outlook.connection import actions as outlook_actions


@pytest.fixture(autouse=True)
def _fresh_base_url() -> Any:
    deployment.forget_base_url()
    yield
    deployment.forget_base_url()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("app.localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("cal.example.com", False),
        ("", False),
    ],
)
def test_loopback_means_this_machine_only(host: str, loopback: bool) -> None:
    assert deployment.is_loopback(host) is loopback


def test_the_host_of_a_url() -> None:
    assert deployment.host_of("https://Cal.Example.com:8443/x") == "cal.example.com"
    assert deployment.host_of("http://[::1]:8000") == "[::1]"
    assert deployment.host_of("") == ""


@pytest.mark.django_db
def test_a_foreign_host_gets_400_and_the_base_url_host_is_served_at_once(
    settings: Any,
) -> None:
    client = Client()
    assert client.get("/accounts/login/", HTTP_HOST="cal.example.com").status_code == 400
    outlook_actions.do_update_settings(base_url="https://cal.example.com")
    assert client.get("/accounts/login/", HTTP_HOST="cal.example.com").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="cal.example.com:443").status_code == 200
    refused = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert refused.status_code == 400 and b"evil.example" not in refused.content
    assert client.get("/accounts/login/", HTTP_HOST="localhost:8000").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="[::1]:8000").status_code == 200


@pytest.mark.django_db
def test_allowed_hosts_take_djangos_patterns(settings: Any) -> None:
    settings.CALSYNC_ALLOWED_HOSTS = [".corp.example", "calendar.intranet"]
    client = Client()
    for host, status in (
        ("corp.example", 200),
        ("cal.corp.example", 200),
        ("calendar.intranet", 200),
        ("intranet", 400),
        ("corp.example.evil", 400),
    ):
        assert client.get("/accounts/login/", HTTP_HOST=host).status_code == status, host


@pytest.mark.django_db
def test_debug_answers_loopback_clients_only(settings: Any) -> None:
    settings.DEBUG = True
    assert Client(REMOTE_ADDR="127.0.0.1").get("/accounts/login/").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.10").get("/accounts/login/").status_code == 403


def test_debug_refusal_names_debug(settings: Any) -> None:
    settings.DEBUG = True
    assert "DEBUG" in deployment.debug_refusal("0.0.0.0")
    assert deployment.debug_refusal("127.0.0.1") == ""
    settings.DEBUG = False
    assert deployment.debug_refusal("0.0.0.0") == ""


def forwarded(peer: str, **headers: str) -> dict[str, object]:
    meta: dict[str, object] = {"REMOTE_ADDR": peer, "HTTP_HOST": "127.0.0.1:8000"}
    meta["wsgi.url_scheme"] = "http"
    meta.update({f"HTTP_X_FORWARDED_{name.upper()}": value for name, value in headers.items()})
    return meta


def test_a_trusted_proxy_gives_scheme_host_and_client() -> None:
    proxies = TrustedProxies(["10.0.0.0/8", "127.0.0.1"])
    meta = forwarded("127.0.0.1", proto="https", host="cal.example.com")
    meta["HTTP_X_FORWARDED_FOR"] = "198.51.100.1, 203.0.113.7, 10.1.2.3"
    believe_forwarded(meta, proxies)
    assert meta["wsgi.url_scheme"] == "https"
    assert meta["HTTP_HOST"] == "cal.example.com"
    # the right-most address that is not one of our proxies: what the client can't forge
    assert meta["REMOTE_ADDR"] == "203.0.113.7"
    assert "HTTP_X_FORWARDED_PROTO" not in meta


def test_forwarded_headers_from_anyone_else_are_dropped() -> None:
    meta = forwarded("192.0.2.50", proto="https", host="evil.example")
    meta["HTTP_X_FORWARDED_FOR"] = "10.9.9.9"
    believe_forwarded(meta, TrustedProxies(["127.0.0.1"]))
    assert meta["wsgi.url_scheme"] == "http"
    assert meta["HTTP_HOST"] == "127.0.0.1:8000"
    assert meta["REMOTE_ADDR"] == "192.0.2.50"
    assert not any(name.startswith("HTTP_X_FORWARDED") for name in meta)


def test_nobody_is_trusted_by_default_and_star_trusts_everyone() -> None:
    assert not TrustedProxies([])
    assert not TrustedProxies([]).trusts("127.0.0.1")
    assert TrustedProxies(["*"]).trusts("192.0.2.1")
    assert TrustedProxies(["::1"]).trusts("::1")
    assert not TrustedProxies(["::1"]).trusts("not an address")


@pytest.mark.django_db
def test_a_request_through_a_trusted_proxy_builds_https_urls(settings: Any) -> None:
    """End to end in-process: the middleware reads the setting when Django builds it."""
    settings.CALSYNC_FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    outlook_actions.do_update_settings(base_url="https://cal.example.com")
    from calsync.accounts.actions import do_create_user

    user = do_create_user("ana@example.com", "x")
    client = Client(
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="cal.example.com",
    )
    client.force_login(user)
    url = client.get("/api/ics").json()["url"]
    assert url.startswith("https://cal.example.com/api/ics/")


def test_an_https_base_url_turns_on_secure_cookies_hsts_and_trusted_origin(
    settings: Any,
) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://other.example"]
    changes = deployment.https_settings("https://cal.example.com:8443/")
    assert changes["SESSION_COOKIE_SECURE"] and changes["CSRF_COOKIE_SECURE"]
    assert changes["SECURE_SSL_REDIRECT"] and changes["SECURE_HSTS_SECONDS"] >= 3600
    assert changes["CSRF_TRUSTED_ORIGINS"] == [
        "https://cal.example.com:8443",
        "https://other.example",
    ]
    assert deployment.https_settings("http://cal.example.com") == {}
    assert deployment.https_settings("") == {}
