"""The deployment recipe of deploy/, run: calsync started exactly as deploy/calsync.service
starts it (its ExecStart and Environment), behind a real nginx configured by
deploy/nginx.conf, and behind a real Caddy configured by deploy/Caddyfile (TLS with a
certificate of a CA made here). A person opening https://cal.example.com logs in through
each and gets Secure, HttpOnly cookies and HSTS; plain http is sent to https. The unit
itself passes ``systemd-analyze verify``. Needs Debian's nginx-light, caddy and systemd
(CI installs them). deploy/compose.yaml is run in test_compose_recipe.py.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.missing import missing

from graph_emulator.certs import ensure_certs

from .conftest import csrf_token
from .servers import CALSYNC, Server, calsync, clean_environment, free_port

pytestmark = [pytest.mark.e2e]

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DOMAIN = "cal.example.com"
PASSWORD = "Lantern-harbour-42"


def unit_service_section(path: Path) -> dict[str, list[str]]:
    """The ``[Service]`` settings of a systemd unit, each key with all its values in order."""
    section, values = "", {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _sep, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def binary(name: str, path: str, package: str) -> str:
    """The path of a server the recipe's tests run (failing in CI when it is missing)."""
    found = shutil.which(name) or path
    if not Path(found).exists():
        missing(f"no {name} for the deployment recipe's test (apt-get install -y {package})")
    return found


@dataclass
class Front:
    """A TLS-terminating proxy in front of calsync, as a process."""

    process: subprocess.Popen[bytes]
    http_port: int
    https_port: int
    ca_path: Path

    def stop(self, signal_number: int) -> None:
        self.process.send_signal(signal_number)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def nginx_config(home: Path, upstream_port: int, http_port: int, https_port: int) -> Path:
    """deploy/nginx.conf with this test's ports and certificate, in a main config of its own."""
    certs = ensure_certs(home / "tls", extra_hosts=(DOMAIN,))
    site = (DEPLOY / "nginx.conf").read_text()
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)  # IPv4 only here
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (f"/etc/letsencrypt/live/{DOMAIN}/fullchain.pem", str(certs.cert)),
        (f"/etc/letsencrypt/live/{DOMAIN}/privkey.pem", str(certs.key)),
        ("http://127.0.0.1:8000", f"http://127.0.0.1:{upstream_port}"),
    ):
        assert old in site, old
        site = site.replace(old, new)
    prefix = home / "nginx"
    prefix.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}
}}
"""
    config = prefix / "nginx.conf"
    config.write_text(main)
    return config


def caddy_config(home: Path, site: str, http_port: int, https_port: int) -> tuple[Path, Path]:
    """A Caddyfile serving ``site`` (a site block for cal.example.com) with this test's ports
    and certificate (in place of Let's Encrypt's), its state under ``home``; returns the
    Caddyfile and the CA to trust."""
    certs = ensure_certs(home / "tls", extra_hosts=(DOMAIN,))
    opening = f"{DOMAIN} {{"
    assert site.count(opening) == 1, site
    site = site.replace(opening, f"{opening}\n\ttls {certs.cert} {certs.key}")
    prefix = home / "caddy"
    prefix.mkdir()
    config = prefix / "Caddyfile"
    config.write_text(
        f"""{{
\tadmin off
\thttp_port {http_port}
\thttps_port {https_port}
\tdefault_bind 127.0.0.1
\tstorage file_system {prefix / "data"}
\tskip_install_trust
}}

{site}
"""
    )
    return config, certs.ca


def start_caddy(home: Path, config: Path, ca_path: Path, http_port: int, https_port: int) -> Front:
    """``caddy run`` with ``config``, its home, data and logs under ``home/caddy``."""
    env = clean_environment(home)
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        env[name] = str(config.parent)
    log = (config.parent / "caddy.log").open("wb")
    process = subprocess.Popen(
        [binary("caddy", "/usr/bin/caddy", "caddy"), "run", "--config", str(config),
         "--adapter", "caddyfile"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    front = Front(process, http_port, https_port, ca_path)
    wait_for_port(https_port, process)
    return front


@contextmanager
def calsync_as_the_unit_starts_it(home: Path) -> Iterator[Server]:
    """calsync started with deploy/calsync.service's ExecStart and Environment, after what
    README "Going live" has the administrator do first; its state in ``home/state``."""
    unit = unit_service_section(DEPLOY / "calsync.service")
    command = shlex.split(unit["ExecStart"][0])
    assert command[0] == "/opt/calsync/.venv/bin/calsync" and command[-2:] == ["--port", "8000"]
    assert "--no-demo" in command and command[command.index("--host") + 1] == "127.0.0.1"
    state = home / "state"  # the unit's /var/lib/calsync
    env = clean_environment(home)
    for assignment in unit["Environment"]:
        name, _sep, value = assignment.partition("=")
        env[name] = value.replace("/var/lib/calsync", str(state))
    assert env["CALSYNC_VAR_DIR"] == str(state)
    assert unit["WorkingDirectory"] == ["/var/lib/calsync"]
    assert calsync(home, "migrate", "-v0", env=env).returncode == 0
    configured = calsync(home, "outlook-config", "--base-url", f"https://{DOMAIN}", env=env)
    assert configured.returncode == 0, configured.stderr
    added = calsync(home, "adduser", "ana@example.com", "--password", PASSWORD, env=env)
    assert added.returncode == 0, added.stderr
    state.mkdir(exist_ok=True)
    server = Server(state, command[1:-2], env)
    assert [CALSYNC, *server.args] == [CALSYNC, *command[1:-2]]
    with server:
        yield server


@pytest.fixture
def behind_nginx(tmp_path: Path) -> Iterator[tuple[Server, Front]]:
    nginx = binary("nginx", "/usr/sbin/nginx", "nginx-light")
    with calsync_as_the_unit_starts_it(tmp_path) as server:
        http_port, https_port = free_port(), free_port()
        config = nginx_config(tmp_path, server.port, http_port, https_port)
        proxy = subprocess.Popen([nginx, "-p", str(config.parent), "-c", str(config)])
        front = Front(proxy, http_port, https_port, tmp_path / "tls" / "ca.pem")
        try:
            wait_for_port(https_port, proxy)
            yield server, front
        finally:
            front.stop(signal.SIGQUIT)


@pytest.fixture
def behind_caddy(tmp_path: Path) -> Iterator[tuple[Server, Front]]:
    """deploy/Caddyfile, its certificate replaced by one of this test's CA."""
    site = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy 127.0.0.1:8000" in site
    with calsync_as_the_unit_starts_it(tmp_path) as server:
        site = site.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
        http_port, https_port = free_port(), free_port()
        config, ca_path = caddy_config(tmp_path, site, http_port, https_port)
        front = start_caddy(tmp_path, config, ca_path, http_port, https_port)
        try:
            yield server, front
        finally:
            front.stop(signal.SIGINT)


def wait_for_port(port: int, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "the proxy stopped"
        try:
            httpx.get(f"http://127.0.0.1:{port}", timeout=1, trust_env=False)
        except httpx.TransportError as exc:
            if "SSL" in repr(exc) or "RemoteProtocolError" in type(exc).__name__:
                return  # it answers (TLS expected)
            time.sleep(0.2)
            continue
        return
    raise AssertionError("the proxy did not listen")


class Person:
    """A browser at https://cal.example.com (resolved to the proxy on 127.0.0.1)."""

    def __init__(self, front: Front) -> None:
        context = ssl.create_default_context(cafile=str(front.ca_path))
        self.http = httpx.Client(
            base_url=f"https://127.0.0.1:{front.https_port}",
            verify=context,
            trust_env=False,
            timeout=30,
            headers={"Host": DOMAIN},
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        extensions = {"sni_hostname": DOMAIN}
        return self.http.request(method, path, extensions=extensions, **kwargs)


def log_in_through(front: Front) -> None:
    """Ana logs in at https://cal.example.com through ``front``: HSTS, a CSP, and a Secure,
    HttpOnly session cookie; then her calendar opens."""
    person = Person(front)
    page = person.request("GET", "/accounts/login/")
    assert page.status_code == 200, page.text
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    answer = person.request(
        "POST",
        "/accounts/login/",
        headers={"Origin": f"https://{DOMAIN}", "Referer": f"https://{DOMAIN}/accounts/login/"},
        data={
            "username": "ana@example.com",
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(page.text),
            "next": "/",
        },
    )
    assert answer.status_code == 302 and answer.headers["location"] == "/", answer.text
    session = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("sessionid="))
    assert re.search(r";\s*Secure", session, re.I) and re.search(r";\s*HttpOnly", session, re.I)
    calendar = person.request("GET", "/")
    assert calendar.status_code == 200 and "ana@example.com" in calendar.text


def plain_http(front: Front) -> httpx.Response:
    return httpx.get(
        f"http://127.0.0.1:{front.http_port}/accounts/login/",
        headers={"Host": DOMAIN},
        trust_env=False,
    )


def test_log_in_through_nginx_as_the_unit_starts_calsync(
    behind_nginx: tuple[Server, Front],
) -> None:
    server, front = behind_nginx
    log_in_through(front)
    front.process.send_signal(signal.SIGUSR1)  # reopen: flushes the access log
    time.sleep(0.3)
    access_log = front.ca_path.parents[1] / "nginx" / "access.log"
    assert '"POST /accounts/login/ HTTP/1.1" 302' in access_log.read_text()

    # plain http at the proxy goes to https; calsync never served the demo
    plain = plain_http(front)
    assert plain.status_code == 301
    assert plain.headers["location"] == f"https://{DOMAIN}/accounts/login/"
    assert "Demo logins" not in server.output() and "random passwords" not in server.output()


def test_log_in_through_caddy_as_the_unit_starts_calsync(
    behind_caddy: tuple[Server, Front],
) -> None:
    server, front = behind_caddy
    log_in_through(front)
    # plain http at Caddy goes to https
    plain = plain_http(front)
    assert plain.status_code == 308
    assert plain.headers["location"] == f"https://{DOMAIN}/accounts/login/"
    assert "Demo logins" not in server.output() and "random passwords" not in server.output()


def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    """``systemd-analyze verify`` finds nothing to say about deploy/calsync.service (its
    ExecStart pointed at this checkout's calsync: the unit's own path is a server's)."""
    analyze = binary("systemd-analyze", "/usr/bin/systemd-analyze", "systemd")
    text = (DEPLOY / "calsync.service").read_text()
    assert "/opt/calsync/.venv/bin/calsync " in text
    unit = tmp_path / "calsync.service"
    unit.write_text(text.replace("/opt/calsync/.venv/bin/calsync ", f"{CALSYNC} "))
    checked = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=120, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert not checked.stderr.strip(), checked.stderr  # unknown keys are only warnings
