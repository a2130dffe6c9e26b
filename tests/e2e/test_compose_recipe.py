"""deploy/compose.yaml, run without Docker: each service's command, with the environment
compose would give it, as a real process on this machine, then a person logs in at
https://cal.example.com through its proxy, connects Outlook (the emulator) and events sync
both ways through the Celery worker. A change to compose.yaml, its env files or the Dockerfile
that breaks the recipe fails here.

What stands in for the containers (no image can be pulled here):

- ``db``: this machine's PostgreSQL (``CALSYNC_TEST_POSTGRES_URL``'s server, trusted), in a
  database of the test's own; the service's healthcheck command is run against it, and the
  web's database URL must name the service's user, password and database;
- ``redis``: the service's own command (``redis-server …``), on a free port;
- ``web`` and ``worker``: their commands (``calsync``, ``celery`` from this checkout's .venv)
  with the Dockerfile's ``ENV``, the env_file (``compose.env.example`` as the header says to
  copy it, with a secret key) and the service's ``environment``, in a state directory that
  stands for the ``state`` volume;
- ``proxy``: Caddy, with the ``--from`` and ``--to`` of the service's ``caddy reverse-proxy``
  command as a Caddyfile site (the same reverse_proxy handler), with a certificate of this
  test's CA in place of Let's Encrypt's.

Service names are 127.0.0.1, and so is every address of the compose network (the proxy
connects from 127.0.0.1); published and container ports become free ports. The emulator's
endpoints are added to the env file, as an administrator adds settings there.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
import yaml
from tests.missing import missing

from graph_emulator.testing import EmulatorServer

from .conftest import csrf_token, outlook_subjects
from .servers import clean_environment, free_port
from .test_deploy_recipe import DOMAIN, Front, Person, binary, caddy_config, start_caddy

pytestmark = [pytest.mark.e2e]

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BIN = Path(sys.executable).parent
PASSWORD = "Lantern-harbour-42"
MAILBOX = "you@example.com"
VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[?-])([^}]*))?\}|\$(\w+)")


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Compose's variable substitution: ``${X}``, ``$X``, ``${X:?error}``, ``${X:-default}``
    (and their forms without the colon), ``$$``; a required variable missing fails."""

    def one(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name = match[1] or match[4]
        value = variables.get(name)
        operator, argument = match[2] or "", match[3] or ""
        empty = value is None or (value == "" and operator.startswith(":"))
        if operator.endswith("?") and empty:
            raise AssertionError(f"compose needs {name}: {argument}")
        if operator.endswith("-") and empty:
            return argument
        return value or ""

    return VARIABLE.sub(one, text)


def substituted(node: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [substituted(item, variables) for item in node]
    if isinstance(node, dict):
        return {key: substituted(value, variables) for key, value in node.items()}
    return node


def env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of an env file (comments and blank lines skipped)."""
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f"{path.name}: {raw!r}"
            values[name.strip()] = value.strip()
    return values


def dockerfile_env(path: Path) -> dict[str, str]:
    """The final stage's ``ENV NAME=value`` settings of a Dockerfile."""
    stages = path.read_text().split("\nFROM ")
    return dict(
        re.findall(r"^ENV (\w+)=(\S+)$", stages[-1], re.MULTILINE),
    )


def start_order(services: Mapping[str, Any]) -> list[str]:
    """The services in an order that honours every ``depends_on``."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name in services, f"depends_on names a missing service: {name}"
        assert name not in path, f"depends_on has a cycle: {path}"
        if name in order:
            return
        for needed in services[name].get("depends_on") or {}:
            visit(needed, (*path, name))
        order.append(name)

    for name in services:
        visit(name, ())
    return order


@dataclass
class Stand:
    """What stands in for compose's network on this machine."""

    home: Path
    postgres: str  # the admin URL of this machine's PostgreSQL server
    database: str  # the test's own database there
    ports: dict[int, int] = field(default_factory=dict)  # container port -> free port
    addresses: set[str] = field(default_factory=set)  # the compose network's addresses
    processes: list[tuple[subprocess.Popen[bytes], int]] = field(default_factory=list)

    def port(self, container_port: int) -> int:
        return self.ports.setdefault(container_port, free_port())

    def local(self, text: str, services: Mapping[str, Any]) -> str:
        """``text`` with the network's addresses as 127.0.0.1, and service URLs pointing at
        what stands in for them."""
        for address in self.addresses:
            text = text.replace(address, "127.0.0.1")
        if "://" not in text:
            return text
        url = urlsplit(text)
        if url.hostname not in services:
            return text
        if url.scheme.startswith("postgres"):
            db = services[url.hostname]["environment"]
            assert (url.username, url.password) == (db["POSTGRES_USER"], db["POSTGRES_PASSWORD"])
            assert url.path == f"/{db['POSTGRES_DB']}" and url.port == 5432
            server = urlsplit(self.postgres)
            return urlunsplit((url.scheme, server.netloc, f"/{self.database}", "", ""))
        return urlunsplit(url._replace(netloc=f"127.0.0.1:{self.port(url.port or 0)}"))

    def environment(
        self, service: Mapping[str, Any], services: Mapping[str, Any]
    ) -> dict[str, str]:
        """The Dockerfile's ENV, then the env file, then ``environment``, made local; the
        container paths in ``volumes`` become directories under ``home``."""
        env = clean_environment(self.home)
        env.update(dockerfile_env(DEPLOY / service["build_dockerfile"]))
        env.update(service["env_file_values"])
        env.update({name: str(value) for name, value in service["environment"].items()})
        env = {name: self.local(value, services) for name, value in env.items()}
        for volume in service.get("volumes", []):
            name, _sep, target = volume.partition(":")
            env = {key: value.replace(target, str(self.home / name)) for key, value in env.items()}
        return env

    def start(
        self, name: str, command: list[str], env: dict[str, str], cwd: Path,
        stop_signal: str = "SIGTERM",
    ) -> subprocess.Popen[bytes]:  # fmt: skip
        cwd.mkdir(parents=True, exist_ok=True)
        log = (self.home / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((process, signal.Signals[stop_signal]))
        return process

    def output(self, name: str) -> str:
        return (self.home / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        """As compose stops them: in the reverse order of their start, each by its stop
        signal, killed (with its children) after 10 s."""
        for process, stop_signal in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(stop_signal)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def loaded_compose(home: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """deploy/compose.yaml's services, substituted with deploy/.env (copied from
    .env.example as the header says), and the env file (compose.env from its example)."""
    dot_env = env_file(DEPLOY / ".env.example")
    assert set(dot_env) >= {"CALSYNC_DOMAIN", "POSTGRES_PASSWORD"}
    dot_env["CALSYNC_DOMAIN"] = DOMAIN
    dot_env["POSTGRES_PASSWORD"] = secrets.token_urlsafe(12)
    document = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = substituted(document["services"], dot_env)
    env_values = env_file(DEPLOY / "compose.env.example")
    assert "CALSYNC_SECRET_KEY" in env_values
    env_values["CALSYNC_SECRET_KEY"] = secrets.token_urlsafe(50)  # "then edit it"
    for service in services.values():
        service["environment"] = service.get("environment") or {}
        if "env_file" in service:
            assert service["env_file"] == "compose.env"
            service["env_file_values"] = env_values
        if service.get("image") == "calsync:latest":  # the image web builds
            service["build_dockerfile"] = "Dockerfile"
    build = services["web"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    return services, dot_env


def postgres_server() -> str:
    """The admin URL of this machine's PostgreSQL (failing in CI when there is none)."""
    url = os.environ.get("CALSYNC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    try:
        psycopg.connect(admin, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        missing(f"no PostgreSQL at {admin} for the compose recipe's test: {exc}")
    return admin


def wait_until(check: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout} s")


def answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=2, trust_env=False)
    except httpx.TransportError:
        return False
    return True


@dataclass
class Running:
    stand: Stand
    front: Front
    web_env: dict[str, str]
    state: Path


def run_db(stand: Stand, service: Mapping[str, Any]) -> None:
    """The healthcheck's command against this machine's PostgreSQL (for the service's user)."""
    assert service["image"].startswith("postgres:")
    check = service["healthcheck"]["test"]
    assert check[0] == "CMD" and check[1] == "pg_isready", check
    server = urlsplit(stand.postgres)
    program = binary("pg_isready", "/usr/bin/pg_isready", "postgresql-client")
    command = [program, "-h", "127.0.0.1", "-p", str(server.port or 5432), *check[2:]]
    ready = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert ready.returncode == 0, ready.stdout + ready.stderr


def run_redis(stand: Stand, service: Mapping[str, Any]) -> None:
    command = list(service["command"])
    assert command[0] == "redis-server"
    redis = binary("redis-server", "/usr/bin/redis-server", "redis-server")
    port = stand.port(6379)
    data = stand.home / "redis"
    extra = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(data)]
    process = stand.start(
        "redis", [redis, *command[1:], *extra], clean_environment(stand.home), data
    )
    wait_until(
        lambda: (
            process.poll() is not None
            or b"Ready to accept" in (data.parent / "redis.log").read_bytes()
        ),
        "redis-server ready",
    )
    assert process.poll() is None, stand.output("redis")


def local_command(stand: Stand, command: list[str]) -> list[str]:
    """A container's command: its program from this checkout's .venv, its ports free ones."""
    program = BIN / command[0]
    assert program.exists(), f"{command[0]} is not installed by the package"
    local = [str(program), *command[1:]]
    if "--port" in local:
        index = local.index("--port") + 1
        local[index] = str(stand.port(int(local[index])))
    return local


def admin_steps(web_env: dict[str, str], cwd: Path, client_id: str, secret: str) -> None:
    """What compose.yaml's header has the administrator run in the web container (the
    README's "Going live" steps 4 and 6), its ``'…'`` filled in; run before the web starts,
    as its restart after them has it read the https Base URL."""
    header = (DEPLOY / "compose.yaml").read_text().split("\nname:")[0]
    steps = re.findall(r"exec web (calsync .+)$", header, re.MULTILINE)
    assert len(steps) == 2, header
    fill = {"--password": PASSWORD, "--client-id": client_id, "--client-secret": secret}
    for step in steps:
        words = shlex.split(step)
        for index, word in enumerate(words):
            if word == "…":
                words[index] = fill[words[index - 1]]
            elif word == "you@example.com":
                words[index] = MAILBOX
        done = subprocess.run(
            [str(BIN / words[0]), *words[1:]],
            cwd=cwd, env=web_env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, (step, done.stdout, done.stderr)


def addresses_of(services: Mapping[str, Any]) -> dict[str, str]:
    """Each service's fixed address on the compose network."""
    found = {}
    for name, service in services.items():
        networks = service.get("networks")
        for network in networks.values() if isinstance(networks, dict) else ():
            if network and network.get("ipv4_address"):
                found[name] = network["ipv4_address"]
    return found


def run_app(
    stand: Stand, name: str, service: dict[str, Any], services: Mapping[str, Any]
) -> tuple[dict[str, str], Path]:
    """Start ``web`` or ``worker`` (the web answering first); returns its environment and
    state directory."""
    env = stand.environment(service, services)
    state = Path(env["CALSYNC_VAR_DIR"])
    state.mkdir(mode=0o700, exist_ok=True)
    command = local_command(stand, service["command"])
    process = stand.start(name, command, env, state, service.get("stop_signal", "SIGTERM"))
    if name == "web":
        url = f"http://127.0.0.1:{stand.port(8000)}/accounts/login/"
        wait_until(lambda: process.poll() is not None or answers(url), "web answers")
        assert process.poll() is None, stand.output(name)
    return env, state


def first_steps(web: dict[str, Any], stand: Stand, services: Mapping[str, Any], app: Any) -> None:
    """Before ``web`` starts: migrate, then compose.yaml's header's admin steps."""
    env = stand.environment(web, services)
    state = Path(env["CALSYNC_VAR_DIR"])
    state.mkdir(mode=0o700, exist_ok=True)
    migrated = subprocess.run(
        [str(BIN / "calsync"), "migrate", "-v0"],
        cwd=state, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    admin_steps(env, state, *app)


@pytest.fixture
def compose(tmp_path: Path, emulator: EmulatorServer) -> Iterator[Running]:
    """compose up: every service of deploy/compose.yaml in the order of its depends_on."""
    services, _dot_env = loaded_compose(tmp_path)
    addresses = addresses_of(services)
    assert services["proxy"]["command"][-1] == f"{addresses['web']}:8000"  # --to: the web
    assert services["web"]["environment"]["CALSYNC_FORWARDED_ALLOW_IPS"] == addresses["proxy"]
    stand = Stand(tmp_path, postgres_server(), f"calsync_compose_{uuid.uuid4().hex[:10]}")
    stand.addresses.update(addresses.values())
    app = (str(uuid.uuid4()), f"Sx8~{uuid.uuid4().hex}")
    emulator.add_app(*app, [f"https://{DOMAIN}/microsoft_account/authentication"])
    emulator.add_user(MAILBOX, "You Ng", "pw-microsoft")
    for service in services.values():  # the emulator (and no change notifications: it
        service.get("env_file_values", {}).update(  # cannot reach cal.example.com)
            CALSYNC_MS_AUTHORITY_HOST=emulator.url,
            CALSYNC_GRAPH_URL=emulator.graph_url,
            CALSYNC_CA_BUNDLE=emulator.ca_path,
            CALSYNC_NOTIFICATIONS="0",
        )
    with psycopg.connect(stand.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{stand.database}"')
    with ExitStack() as stack:
        stack.callback(drop_database, stand.postgres, stand.database)
        stack.callback(stand.stop_all)
        web: tuple[dict[str, str], Path] | None = None
        front: Front | None = None
        for name in start_order(services):
            service = services[name]
            if name == "db":
                run_db(stand, service)
            elif name == "redis":
                run_redis(stand, service)
            elif name == "web":
                first_steps(service, stand, services, app)
                web = run_app(stand, name, service, services)
            elif name == "worker":
                run_app(stand, name, service, services)
            elif name == "proxy":
                front = run_proxy(stand, service, services, tmp_path)
            else:
                raise AssertionError(f"a service this test does not know how to stand in: {name}")
        assert web is not None and front is not None
        yield Running(stand, front, *web)


def run_proxy(
    stand: Stand, service: Mapping[str, Any], services: Mapping[str, Any], home: Path
) -> Front:
    command = service["command"]
    assert command[:2] == ["caddy", "reverse-proxy"] and len(command) == 6, command
    options = dict(zip(command[2::2], command[3::2], strict=True))
    assert set(options) == {"--from", "--to"}, command
    target = stand.local(options["--to"], services)
    host, _sep, port = target.rpartition(":")
    site = f"{options['--from']} {{\n\treverse_proxy {host}:{stand.port(int(port))}\n}}\n"
    published = {int(p.split(":")[1]): p for p in service["ports"]}
    assert set(published) == {80, 443}, service["ports"]
    http_port, https_port = stand.port(80), stand.port(443)
    config, ca_path = caddy_config(home, site, http_port, https_port)
    front = start_caddy(home, config, ca_path, http_port, https_port)
    stand.processes.append((front.process, signal.SIGINT))
    return front


def drop_database(server: str, database: str) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_log_in_connect_and_sync_through_the_compose_services(
    compose: Running, emulator: EmulatorServer
) -> None:
    person = Person(compose.front)
    page = person.request("GET", "/accounts/login/")
    assert page.status_code == 200, page.text
    assert page.headers["strict-transport-security"].startswith("max-age=")
    origin = {"Origin": f"https://{DOMAIN}"}
    logged_in = person.request(
        "POST", "/accounts/login/", headers=origin,
        data={"username": MAILBOX, "password": PASSWORD, "next": "/",
              "csrfmiddlewaretoken": csrf_token(page.text)},
    )  # fmt: skip
    assert logged_in.status_code == 302 and logged_in.headers["location"] == "/", logged_in.text
    session = next(c for c in logged_in.headers.get_list("set-cookie") if c.startswith("sessionid"))
    assert re.search(r";\s*Secure", session, re.I), session  # https through the proxy

    calendar = person.request("GET", "/")
    connect = person.request(
        "POST", "/outlook/connect", headers=origin,
        data={"csrfmiddlewaretoken": csrf_token(calendar.text)},
    )  # fmt: skip
    assert connect.status_code == 302, connect.text
    authorize = connect.headers["location"]
    assert authorize.startswith(emulator.url), authorize
    with emulator.client() as microsoft:
        microsoft.get(authorize).raise_for_status()
        signed = microsoft.post(
            authorize, data={"login": MAILBOX, "password": "pw-microsoft", "consent": "accept"}
        )
    back = signed.headers["location"]
    assert back.startswith(f"https://{DOMAIN}/microsoft_account/authentication?"), back
    landed = person.request("GET", back[len(f"https://{DOMAIN}") :])
    assert landed.status_code == 302 and landed.headers["location"] == "/", landed.text
    assert f"Connected as {MAILBOX}" in person.request("GET", "/").text

    # one event each side, then Sync with Outlook: the Celery worker runs it
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    after = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    script = Person(compose.front)  # a script of hers, with a token and no session
    token = script.request("POST", "/api/token", json={"email": MAILBOX, "password": PASSWORD})
    assert token.status_code == 200, token.text
    api = {"Authorization": f"Token {token.json()['token']}"}
    created = script.request(
        "POST", "/api/events", headers=api,
        json={"title": "Made in calsync", "start": f"{tomorrow}T09:00:00",
              "end": f"{tomorrow}T10:00:00", "timezone": "Europe/Paris"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    emulator.import_event(
        MAILBOX,
        {"subject": "Made in Outlook",
         "start": {"dateTime": f"{tomorrow}T14:00:00", "timeZone": "UTC"},
         "end": {"dateTime": f"{tomorrow}T15:00:00", "timeZone": "UTC"}},
        custom_time_zone=False,
    )  # fmt: skip
    calendar = person.request("GET", "/")
    pressed = person.request(
        "POST", "/outlook/sync", headers=origin,
        data={"csrfmiddlewaretoken": csrf_token(calendar.text)},
    )  # fmt: skip
    assert pressed.status_code == 302, pressed.text

    def titles_here() -> list[str]:
        listing = script.request(
            "GET", "/api/events", headers=api, params={"start": tomorrow, "end": after}
        )
        assert listing.status_code == 200, listing.text
        return sorted(event["title"] for event in listing.json())

    wait_until(
        lambda: (
            "Made in calsync" in outlook_subjects(emulator, MAILBOX)
            and "Made in Outlook" in titles_here()
        ),
        f"both events on both sides (worker: {compose.stand.output('worker')[-3000:]})",
    )
    assert outlook_subjects(emulator, MAILBOX) == ["Made in Outlook", "Made in calsync"]
    assert titles_here() == ["Made in Outlook", "Made in calsync"]
    worker = compose.stand.output("worker")
    assert "celery@" in worker and "Traceback" not in worker, worker
    assert "Background syncs run on the Celery workers" in compose.stand.output("web")
    assert "Traceback" not in compose.stand.output("web"), compose.stand.output("web")
