"""Going live, through real ``calsync`` processes: the unsafe starts refused, the host names
checked, a TLS-terminating reverse proxy believed only when trusted (login with Secure
cookies, then the Outlook consent, through it), throttled sign-in, private file modes, one
log line per event, and ``calsync check --deploy`` clean with an https Base URL."""

from __future__ import annotations

import re
import socket
import ssl
import stat
import uuid
from collections.abc import Iterator
from http.cookies import Morsel, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from graph_emulator.testing import EmulatorServer

from .conftest import csrf_token
from .servers import Server, calsync, clean_environment

pytestmark = [pytest.mark.e2e]

BASE = "https://cal.example.com"
PASSWORD = "Lantern-harbour-42"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+ ")


class ThroughProxy:
    """A browser at ``https://cal.example.com``, as a TLS-terminating proxy on 127.0.0.1
    forwards it to calsync: every request carries the proxy's ``X-Forwarded-*`` headers.
    Cookies are kept by hand (an HTTP client keeps Secure cookies off plain http), and every
    ``Set-Cookie`` is recorded so tests can read its flags."""

    def __init__(
        self, server_url: str, client: str = "203.0.113.7", proxy_address: str = "127.0.0.1"
    ) -> None:
        self.http = httpx.Client(
            base_url=server_url,
            trust_env=False,
            timeout=30,
            transport=httpx.HTTPTransport(local_address=proxy_address),
            headers={
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "cal.example.com",
                "X-Forwarded-For": client,
            },
        )
        self.jar: dict[str, str] = {}
        self.set_cookies: dict[str, Morsel[str]] = {}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.jar:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.jar.items())
        if method == "POST":
            headers.setdefault("Origin", BASE)
        answer = self.http.request(method, path, headers=headers, **kwargs)
        self.http.cookies.clear()
        for line in answer.headers.get_list("set-cookie"):
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(line)
            for name, morsel in parsed.items():
                self.set_cookies[name] = morsel
                self.jar[name] = morsel.value
        return answer

    def log_in(self, email: str, password: str) -> httpx.Response:
        page = self.request("GET", "/accounts/login/")
        assert page.status_code == 200, (page.status_code, page.headers)
        return self.request(
            "POST",
            "/accounts/login/",
            data={
                "username": email,
                "password": password,
                "csrfmiddlewaretoken": csrf_token(page.text),
                "next": "/",
            },
        )


def secure_and_httponly(morsel: Morsel[str]) -> bool:
    return bool(morsel["secure"]) and bool(morsel["httponly"])


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def test_debug_on_an_address_beyond_loopback_refuses_to_start(home: Path) -> None:
    env = clean_environment(home, CALSYNC_DEBUG="1")
    result = calsync(home, "run", "--host", "0.0.0.0", "--port", "8123", "--no-demo", env=env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "DEBUG" in lines[0] and "0.0.0.0" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert not (home / "var" / "calsync.sqlite3").stat().st_size  # refused before migrating


def test_the_demo_beyond_loopback_never_has_the_password_demo(home: Path) -> None:
    """``calsync run --host 0.0.0.0``: random passwords printed once, in calsync and in the
    emulator (whose sign-in page shows no password); the Base URL is this machine's name,
    not 0.0.0.0; Alice logs in and connects Outlook with her new password only."""
    env = clean_environment(home)
    with Server(home, ["run", "--host", "0.0.0.0"], env) as server:
        output = server.output()
        match = re.search(r"random passwords \(shown only now\): (.+)", output)
        assert match, output
        logins = dict(pair.split(" / ") for pair in match[1].split(", "))
        assert set(logins) == {"admin@example.com", "alice@example.com", "bob@example.com"}
        assert "demo" not in logins.values()
        assert "password demo" not in output
        assert output.count(logins["alice@example.com"]) == 1  # printed once
        host = socket.gethostname().lower()
        base = f"http://{host}:{server.port}"
        assert f"calsync is serving on {base} " in output  # never http://0.0.0.0
        assert "sign in to Outlook (Sync with Outlook) from a browser on this machine" in output
        emulator = re.search(r"Built-in Microsoft cloud emulator: (https://\S+) ", output)
        ca_path = re.search(r"or trust (\S+)\.$", output, re.MULTILINE)
        assert emulator and ca_path, output
        web = httpx.Client(
            base_url=server.url,
            headers={"Host": f"{host}:{server.port}"},
            trust_env=False,
            timeout=30,
        )
        for password, expected in (("demo", 200), (logins["alice@example.com"], 302)):
            page = web.get("/accounts/login/")
            answer = web.post(
                "/accounts/login/",
                data={
                    "username": "alice@example.com",
                    "password": password,
                    "csrfmiddlewaretoken": csrf_token(page.text),
                },
            )
            assert answer.status_code == expected, password
        calendar = web.get("/")
        connect = web.post(
            "/outlook/connect", data={"csrfmiddlewaretoken": csrf_token(calendar.text)}
        )
        authorize = connect.headers["location"]
        assert authorize.startswith(emulator[1] + "/"), (authorize, emulator[1])
        redirect_uri = parse_qs(urlsplit(authorize).query)["redirect_uri"]
        assert redirect_uri == [f"{base}/microsoft_account/authentication"]
        context = ssl.create_default_context(cafile=ca_path[1])
        with httpx.Client(verify=context, trust_env=False, timeout=30) as microsoft:
            sign_in = microsoft.get(authorize)
            assert sign_in.status_code == 200 and 'name="password"' in sign_in.text
            assert not re.search(r"password\W+demo\b", sign_in.text, re.IGNORECASE)
            assert not any(password in sign_in.text for password in logins.values())
            fields = {"login": "alice@example.com", "consent": "accept"}
            refused = microsoft.post(authorize, data={**fields, "password": "demo"})
            assert refused.status_code == 200 and 'role="alert"' in refused.text
            signed = microsoft.post(
                authorize, data={**fields, "password": logins["alice@example.com"]}
            )
        back = signed.headers["location"]
        assert back.startswith(f"{base}/microsoft_account/authentication?"), back
        landed = web.get(back[len(base) :])
        assert landed.status_code == 302 and landed.headers["location"] == "/"
        assert "Connected as alice@example.com" in web.get("/").text
        web.close()


@pytest.fixture(scope="module")
def public_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``calsync run --no-demo`` on loopback, with the Base URL https://cal.example.com, a
    trusted proxy at 127.0.0.2 (so 127.0.0.1 is anybody), and three failed sign-ins allowed."""
    home = tmp_path_factory.mktemp("public")
    env = clean_environment(
        home,
        CALSYNC_LOGIN_FAILURE_LIMIT="3",
        CALSYNC_ALLOWED_HOSTS="intranet.example",
        CALSYNC_FORWARDED_ALLOW_IPS="127.0.0.2",
    )
    assert calsync(home, "migrate", "-v0", env=env).returncode == 0
    configured = calsync(home, "outlook-config", "--base-url", BASE, env=env)
    assert configured.returncode == 0, configured.stderr
    for email in ("alice@example.com", "bob@example.com"):
        added = calsync(home, "adduser", email, "--password", PASSWORD, env=env)
        assert added.returncode == 0, added.stderr
    with Server(home, ["run", "--no-demo"], env) as server:
        yield server


def test_a_foreign_host_gets_400_and_is_never_echoed(public_server: Server) -> None:
    with httpx.Client(base_url=public_server.url, trust_env=False, timeout=30) as web:
        refused = web.get("/api/ics", headers={"Host": "evil.example"})
        assert refused.status_code == 400
        assert "evil.example" not in refused.text
        # the Base URL's host, and CALSYNC_ALLOWED_HOSTS, are served (over https: redirected)
        for host in ("cal.example.com", "intranet.example"):
            answer = web.get("/accounts/login/", headers={"Host": host})
            assert answer.status_code == 301
            assert answer.headers["location"] == f"https://{host}/accounts/login/"
        # forwarded headers from an address nobody trusts change nothing
        forged = web.get(
            "/accounts/login/",
            headers={"Host": "127.0.0.1", "X-Forwarded-Host": "evil.example"},
        )
        assert forged.status_code == 301
        assert forged.headers["location"].startswith("https://127.0.0.1/")


def test_each_event_is_one_log_line_in_one_format(public_server: Server) -> None:
    marker = f"probe-{uuid.uuid4().hex[:8]}.example"
    httpx.get(public_server.url, headers={"Host": marker}, trust_env=False, timeout=30)
    output = public_server.output()
    assert output.count(marker) == 1, output
    log_lines = [line for line in output.splitlines() if marker in line or "calsync." in line]
    assert log_lines and all(LOG_LINE.match(line) for line in log_lines), log_lines


def test_sign_in_is_throttled_per_email_and_client_address(public_server: Server) -> None:
    """Clients behind the trusted proxy are told apart by X-Forwarded-For."""
    mallory = ThroughProxy(public_server.url, client="198.51.100.66", proxy_address="127.0.0.2")
    tries = [
        mallory.request("POST", "/api/token", json={"email": "bob@example.com", "password": "x"})
        for _ in range(3)
    ]
    assert [t.status_code for t in tries] == [400, 400, 429]
    locked = mallory.request(
        "POST", "/api/token", json={"email": "bob@example.com", "password": PASSWORD}
    )
    assert locked.status_code == 429  # even with the right password, until the lock-out ends
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in locked.json()["detail"]
    # the login form shares the count (emails compared as a login does)
    form = mallory.log_in("Bob@Example.com", PASSWORD)
    assert form.status_code == 429
    assert "Too many failed sign-ins" in form.text
    # another email from there, and Bob from another address, are not affected
    other = mallory.request(
        "POST", "/api/token", json={"email": "alice@example.com", "password": PASSWORD}
    )
    assert other.status_code == 200
    bob = ThroughProxy(public_server.url, client="203.0.113.7", proxy_address="127.0.0.2")
    assert bob.log_in("bob@example.com", PASSWORD).status_code == 302
    assert secure_and_httponly(bob.set_cookies["sessionid"])


def test_var_and_the_database_are_private(public_server: Server) -> None:
    var = public_server.home / "var"
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    for name in ("calsync.sqlite3", "calsync.sqlite3-wal", "calsync.sqlite3-shm", "secret_key"):
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600, name


def test_looser_modes_left_by_an_older_version_are_tightened(home: Path) -> None:
    var = home / "var"
    var.mkdir(mode=0o755)
    database = var / "calsync.sqlite3"
    database.touch(mode=0o644)
    var.chmod(0o755)
    database.chmod(0o644)
    assert calsync(home, "migrate", "-v0").returncode == 0
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_check_deploy_is_clean_with_an_https_base_url(home: Path) -> None:
    env = clean_environment(home)
    assert calsync(home, "migrate", "-v0", env=env).returncode == 0
    plain = calsync(home, "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert plain.returncode != 0 and "security.W012" in plain.stderr  # no https Base URL yet
    assert calsync(home, "outlook-config", "--base-url", BASE, env=env).returncode == 0
    checked = calsync(home, "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout


@pytest.fixture
def proxied_server(home: Path, emulator: EmulatorServer) -> Iterator[Server]:
    """calsync behind a TLS proxy on 127.0.0.1 (trusted), Outlook set up for the emulator
    with the Base URL https://cal.example.com, and Alice here and in Outlook."""
    client_id, secret = str(uuid.uuid4()), f"Sx8~{uuid.uuid4().hex}"
    emulator.add_app(client_id, secret, [f"{BASE}/microsoft_account/authentication"])
    emulator.add_user("alice@example.com", "Alice Nguyen", "pw-microsoft")
    env = clean_environment(
        home,
        CALSYNC_FORWARDED_ALLOW_IPS="127.0.0.1, ::1",
        CALSYNC_MS_AUTHORITY_HOST=emulator.url,
        CALSYNC_GRAPH_URL=emulator.graph_url,
        CALSYNC_CA_BUNDLE=emulator.ca_path,
        CALSYNC_NOTIFICATIONS="0",
    )
    assert calsync(home, "migrate", "-v0", env=env).returncode == 0
    configured = calsync(
        home, "outlook-config", "--enable", "--client-id", client_id,
        "--client-secret", secret, "--base-url", BASE, env=env,
    )  # fmt: skip
    assert configured.returncode == 0, configured.stderr
    added = calsync(home, "adduser", "alice@example.com", "--password", PASSWORD, env=env)
    assert added.returncode == 0, added.stderr
    with Server(home, ["run", "--no-demo"], env) as server:
        yield server


def test_log_in_and_connect_through_a_trusted_tls_proxy(
    proxied_server: Server, emulator: EmulatorServer
) -> None:
    browser = ThroughProxy(proxied_server.url)
    page = browser.request("GET", "/accounts/login/")
    assert page.status_code == 200  # https as far as calsync can tell: no redirect
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    logged_in = browser.log_in("alice@example.com", PASSWORD)
    assert logged_in.status_code == 302 and logged_in.headers["location"] == "/"
    for name in ("sessionid", "csrftoken"):
        assert secure_and_httponly(browser.set_cookies[name]), browser.set_cookies[name]

    ics = browser.request("GET", "/api/ics").json()["url"]
    assert ics.startswith(f"{BASE}/api/ics/")

    calendar = browser.request("GET", "/")
    connect = browser.request(
        "POST", "/outlook/connect", data={"csrfmiddlewaretoken": csrf_token(calendar.text)}
    )
    assert connect.status_code == 302, connect.text
    authorize = connect.headers["location"]
    assert authorize.startswith(emulator.url)
    assert parse_qs(urlsplit(authorize).query)["redirect_uri"] == [
        f"{BASE}/microsoft_account/authentication"
    ]
    context = ssl.create_default_context(cafile=emulator.ca_path)
    with httpx.Client(verify=context, trust_env=False, timeout=30) as microsoft:
        microsoft.get(authorize).raise_for_status()
        signed = microsoft.post(
            authorize,
            data={"login": "alice@example.com", "password": "pw-microsoft", "consent": "accept"},
        )
    back = signed.headers["location"]
    assert back.startswith(f"{BASE}/microsoft_account/authentication?")
    landed = browser.request("GET", back[len(BASE) :])
    assert landed.status_code == 302 and landed.headers["location"] == "/"
    assert "Connected as alice@example.com" in browser.request("GET", "/").text
