"""The deployment recipe of deploy/, run: calsync started exactly as deploy/calsync.service
starts it (its ExecStart and Environment), behind a real nginx configured by
deploy/nginx.conf (TLS with a certificate of a CA made here). A person opening
https://cal.example.com logs in through it and gets Secure, HttpOnly cookies and HSTS; plain
http is sent to https. Needs Debian's nginx (``apt-get install nginx-light``; CI installs it).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

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


@pytest.fixture
def nginx() -> str:
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(path).exists():
        message = "no nginx for the deployment recipe's test (apt-get install -y nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    return path


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    http_port: int
    https_port: int
    ca_path: Path
    access_log: Path


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


@pytest.fixture
def behind_nginx(tmp_path: Path, nginx: str) -> Iterator[tuple[Server, Nginx]]:
    unit = unit_service_section(DEPLOY / "calsync.service")
    command = shlex.split(unit["ExecStart"][0])
    assert command[0] == "/opt/calsync/.venv/bin/calsync" and command[-2:] == ["--port", "8000"]
    assert "--no-demo" in command and command[command.index("--host") + 1] == "127.0.0.1"
    state = tmp_path / "state"  # the unit's /var/lib/calsync
    env = clean_environment(tmp_path)
    for assignment in unit["Environment"]:
        name, _sep, value = assignment.partition("=")
        env[name] = value.replace("/var/lib/calsync", str(state))
    assert env["CALSYNC_VAR_DIR"] == str(state)
    assert unit["WorkingDirectory"] == ["/var/lib/calsync"]
    # what README "Going live" has the administrator do before the first start
    assert calsync(tmp_path, "migrate", "-v0", env=env).returncode == 0
    configured = calsync(tmp_path, "outlook-config", "--base-url", f"https://{DOMAIN}", env=env)
    assert configured.returncode == 0, configured.stderr
    added = calsync(tmp_path, "adduser", "ana@example.com", "--password", PASSWORD, env=env)
    assert added.returncode == 0, added.stderr
    state.mkdir(exist_ok=True)
    server = Server(state, command[1:-2], env)
    assert [CALSYNC, *server.args] == [CALSYNC, *command[1:-2]]
    server.start()
    http_port, https_port = free_port(), free_port()
    config = nginx_config(tmp_path, server.port, http_port, https_port)
    proxy = subprocess.Popen([nginx, "-p", str(config.parent), "-c", str(config)])
    front = Nginx(
        proxy, http_port, https_port, tmp_path / "tls" / "ca.pem", config.parent / "access.log"
    )
    try:
        wait_for_port(https_port, proxy)
        yield server, front
    finally:
        proxy.send_signal(signal.SIGQUIT)
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
        server.stop()


def wait_for_port(port: int, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx stopped"
        try:
            httpx.get(f"http://127.0.0.1:{port}", timeout=1, trust_env=False)
        except httpx.TransportError as exc:
            if "SSL" in repr(exc) or "RemoteProtocolError" in type(exc).__name__:
                return  # it answers (TLS expected)
            time.sleep(0.2)
            continue
        return
    raise AssertionError("nginx did not listen")


class Person:
    """A browser at https://cal.example.com (resolved to the nginx on 127.0.0.1)."""

    def __init__(self, front: Nginx) -> None:
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


def test_log_in_through_nginx_as_the_unit_starts_calsync(
    behind_nginx: tuple[Server, Nginx],
) -> None:
    server, front = behind_nginx
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
    front.process.send_signal(signal.SIGUSR1)  # reopen: flushes the access log
    time.sleep(0.3)
    assert '"POST /accounts/login/ HTTP/1.1" 302' in front.access_log.read_text()

    # plain http at the proxy goes to https; calsync never served the demo
    plain = httpx.get(
        f"http://127.0.0.1:{front.http_port}/accounts/login/",
        headers={"Host": DOMAIN},
        trust_env=False,
    )
    assert plain.status_code == 301
    assert plain.headers["location"] == f"https://{DOMAIN}/accounts/login/"
    assert "Demo logins" not in server.output() and "random passwords" not in server.output()
