"""The directory: app registrations and users (Entra ID's side of the world).

State only, no HTTP. Every method that mutates expects the caller to hold ``World.lock``.
Users are found by object id or by email (case-insensitive), as Graph's ``/users/{id|upn}``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

_PBKDF2_ROUNDS = 20_000


class DirectoryError(ValueError):
    """Bad input for the directory; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str, *, status: int = 400) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message
        self.status = status


def _hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _PBKDF2_ROUNDS)
    return f"pbkdf2${salt}${digest.hex()}"


@dataclass
class User:
    """A work account with a mailbox. ``id`` is the Entra object id (``oid``)."""

    id: str
    email: str
    name: str
    password_hash: str
    time_zone: str = "UTC"
    aliases: list[str] = field(default_factory=list)
    """Other SMTP addresses of the mailbox (Exchange's proxy addresses): mail to any of
    them reaches it."""

    @property
    def user_principal_name(self) -> str:
        return self.email

    @property
    def addresses(self) -> list[str]:
        """Every address of the mailbox: the primary one first, then the aliases."""
        return [self.email, *self.aliases]

    @property
    def proxy_addresses(self) -> list[str]:
        """Exchange's spelling: ``SMTP:`` before the primary address, ``smtp:`` before each
        alias."""
        return [f"SMTP:{self.email}", *(f"smtp:{alias}" for alias in self.aliases)]

    def check_password(self, password: str) -> bool:
        _, salt, _ = self.password_hash.split("$", 2)
        return hmac.compare_digest(_hash_password(password, salt), self.password_hash)

    def to_graph(self, select: Iterable[str] | None = None) -> dict[str, Any]:
        """The user as Graph's ``/me`` shows it (without ``@odata.context``): the default
        properties, or with ``select`` only those named (``proxyAddresses`` among them)."""
        given, _, surname = self.name.partition(" ")
        shown = {
            "businessPhones": [],
            "displayName": self.name,
            "givenName": given or None,
            "jobTitle": None,
            "mail": self.email,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-US",
            "surname": surname or None,
            "userPrincipalName": self.email,
            "id": self.id,
        }
        if select is None:
            return shown
        extra = {"proxyAddresses": list(self.proxy_addresses)}
        known = {name.lower(): name for name in (*shown, *extra)}
        picked = {known[name.lower()] for name in select if name.lower() in known}
        return {name: {**shown, **extra}[name] for name in (*shown, *extra) if name in picked}


@dataclass
class App:
    """An app registration. No secret means a public client."""

    client_id: str
    client_secret: str | None
    redirect_uris: list[str] = field(default_factory=list)
    name: str = ""

    @property
    def is_confidential(self) -> bool:
        return self.client_secret is not None

    def check_secret(self, secret: str) -> bool:
        return self.client_secret is not None and hmac.compare_digest(
            secret.encode(), self.client_secret.encode()
        )


def _looks_like_address(text: str) -> bool:
    return "@" in text and not text.startswith("@") and not text.endswith("@")


def _require_text(data: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
    value = data.get(name)
    if value is None:
        if optional:
            return None
        raise DirectoryError(name, "is required")
    if not isinstance(value, str) or not value.strip():
        raise DirectoryError(name, "must be a non-empty string")
    return value.strip()


class Directory:
    """Users and app registrations of the emulated tenant."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.apps: dict[str, App] = {}
        self._by_email: dict[str, str] = {}

    # users ---------------------------------------------------------------------------
    def add_user(
        self,
        email: str,
        name: str,
        password: str,
        *,
        time_zone: str = "UTC",
        user_id: str = "",
        aliases: Iterable[str] = (),
    ) -> User:
        """Create a user; raises DirectoryError naming the field on bad or duplicate input
        (an address, primary or alias, belongs to one mailbox only)."""
        data = {"email": email, "name": name, "password": password, "time_zone": time_zone}
        email = _require_text(data, "email") or ""
        if not _looks_like_address(email):
            raise DirectoryError("email", "must look like user@domain")
        if any(email.lower() in (a.lower() for a in u.aliases) for u in self.users.values()):
            raise DirectoryError("email", f"{email} is another mailbox's alias", status=409)
        name = _require_text(data, "name") or ""
        if not isinstance(password, str) or not password:
            raise DirectoryError("password", "must be a non-empty string")
        if email.lower() in self._by_email:
            raise DirectoryError("email", f"a user {email} already exists", status=409)
        alias_list = self._check_aliases(email, aliases)
        user = User(
            id=user_id or str(uuid.uuid4()),
            email=email,
            name=name,
            password_hash=_hash_password(password),
            time_zone=time_zone or "UTC",
            aliases=alias_list,
        )
        self.users[user.id] = user
        self._by_email[email.lower()] = user.id
        return user

    def _check_aliases(self, email: str, aliases: Iterable[str]) -> list[str]:
        """``aliases`` checked: addresses, none twice, none already another mailbox's."""
        if isinstance(aliases, str) or not isinstance(aliases, list | tuple):
            raise DirectoryError("aliases", "must be a list of e-mail addresses")
        taken = {a.lower() for user in self.users.values() for a in user.addresses}
        seen = {email.lower()}
        result: list[str] = []
        for alias in aliases:
            if not isinstance(alias, str) or not _looks_like_address(alias.strip()):
                raise DirectoryError("aliases", f"{alias!r} does not look like user@domain")
            alias = alias.strip()
            if alias.lower() in taken:
                raise DirectoryError("aliases", f"{alias} belongs to another mailbox", status=409)
            if alias.lower() in seen:
                raise DirectoryError("aliases", f"{alias} is listed twice")
            seen.add(alias.lower())
            result.append(alias)
        return result

    def find_user(self, key: str) -> User | None:
        """A user by object id or email/UPN (case-insensitive), or None."""
        user = self.users.get(key)
        if user is not None:
            return user
        user_id = self._by_email.get(key.lower()) or self._by_id_ci(key)
        return self.users.get(user_id) if user_id else None

    def _by_id_ci(self, key: str) -> str | None:
        lowered = key.lower()
        return next((uid for uid in self.users if uid.lower() == lowered), None)

    def set_password(self, user: User, password: str) -> None:
        if not isinstance(password, str) or not password:
            raise DirectoryError("password", "must be a non-empty string")
        user.password_hash = _hash_password(password)

    # apps ----------------------------------------------------------------------------
    def add_app(
        self,
        client_id: str,
        client_secret: str | None,
        redirect_uris: list[str],
        name: str = "",
    ) -> tuple[App, bool]:
        """Register (or replace) an app; returns (app, created)."""
        data = {"client_id": client_id, "client_secret": client_secret}
        client_id = _require_text(data, "client_id") or ""
        client_secret = _require_text(data, "client_secret", optional=True)
        if not isinstance(redirect_uris, list) or not all(
            isinstance(uri, str) and uri.strip() for uri in redirect_uris
        ):
            raise DirectoryError("redirect_uris", "must be a list of URL strings")
        for uri in redirect_uris:
            if not uri.startswith(("https://", "http://")):
                raise DirectoryError("redirect_uris", f"{uri!r} is not an http(s) URL")
        created = client_id not in self.apps
        app = App(client_id, client_secret, list(redirect_uris), name or client_id)
        self.apps[client_id] = app
        return app, created

    def find_app(self, client_id: str) -> App | None:
        return self.apps.get(client_id)

    # persistence ---------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {
            "users": [asdict(user) for user in self.users.values()],
            "apps": [asdict(app) for app in self.apps.values()],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Directory:
        directory = cls()
        for raw in state.get("users", []):
            user = User(**raw)
            directory.users[user.id] = user
            directory._by_email[user.email.lower()] = user.id
        for raw in state.get("apps", []):
            app = App(**raw)
            directory.apps[app.client_id] = app
        return directory
