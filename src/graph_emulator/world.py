"""The emulator's whole state: one ``World`` object, apart from HTTP.

Contract for code that changes state (routes, the calendar model, the control plane):

* hold ``world.lock`` (one ``threading.RLock``) around every read-modify-write of state;
* read time only from ``world.clock()`` (aware UTC); tests move it with ``world.set_clock``
  or ``world.advance_clock``;
* the calendar model lives in ``world.calendars``: an instance of
  ``graph_emulator.calendar.CalendarStore``, constructed as ``CalendarStore(world)``;
  ``World.add_user`` calls ``world.calendars.ensure_mailbox(user)``; for ``--state`` the
  store may offer ``to_state() -> dict`` and ``load_state(dict)`` (used when present);
* every mail Outlook would send is appended to ``world.outbox`` as
  ``{"kind": "invitation"|"update"|"cancellation"|"response", "from", "to": [...],
  "subject", "event_id"}``;
* after each committed change to an event, the model calls
  ``world.on_event_change(mailbox_user_id, event_id, change_type, etag=None)`` with
  ``change_type`` one of "created", "updated", "deleted" (lock may be held; listeners only
  enqueue, they never block). Subscriptions turn these into change notifications.
"""

from __future__ import annotations

import importlib
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_emulator.directory import App, Directory, User
from graph_emulator.faults import FaultPlan
from graph_emulator.identity.keys import SigningKey
from graph_emulator.identity.state import AccessToken, IdentityState
from graph_emulator.stats import Stats
from graph_emulator.throttle import Throttle
from graph_emulator.webhooks import SubscriptionStore

log = logging.getLogger("graph_emulator")

CONTROL_PLANE_CLIENT_ID = "emulator-control-plane"
ChangeListener = Callable[[str, str, str, "str | None"], None]


@dataclass(frozen=True)
class Settings:
    """Tunables; ``PUT /_emulator/settings`` changes them at run time."""

    access_token_lifetime: float = 3600.0
    notification_delay: float = 0.2
    notification_retries: int = 4
    notification_backoff: float = 0.5

    @classmethod
    def fields(cls) -> set[str]:
        return set(cls.__dataclass_fields__)


class World:
    """Root of all emulator state (directory, identity, calendars, outbox, subscriptions)."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        clock: Callable[[], datetime] | None = None,
        signing_key: SigningKey | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.default_settings = settings or Settings()
        self.settings = self.default_settings
        self._clock_source = clock
        self._clock_offset = timedelta(0)
        self.tenant_id = str(uuid.uuid4())
        self.signing_key = signing_key or SigningKey.generate()
        self.stats = Stats()
        self.faults = FaultPlan()
        self.throttle = Throttle(self.faults, self.clock)
        self._listeners: list[ChangeListener] = []
        self._init_state()

    def _init_state(self) -> None:
        self.directory = Directory()
        self.identity = IdentityState()
        self.outbox: list[dict[str, Any]] = []
        self.subscriptions = SubscriptionStore()
        self.calendars: Any = self._new_calendars()

    def _new_calendars(self) -> Any:
        """The other half's CalendarStore, or None while that package does not exist."""
        try:
            module = importlib.import_module("graph_emulator.calendar")
        except ModuleNotFoundError as exc:
            if exc.name not in {"graph_emulator.calendar"}:
                raise
            log.warning("graph_emulator.calendar is missing: no calendars in this world")
            return None
        store_class = getattr(module, "CalendarStore", None)
        if store_class is None:
            log.warning("graph_emulator.calendar has no CalendarStore: no calendars")
            return None
        return store_class(self)

    # time ----------------------------------------------------------------------------
    def clock(self) -> datetime:
        """Now, aware UTC (overridable, plus any offset set by ``advance_clock``)."""
        base = self._clock_source() if self._clock_source else datetime.now(UTC)
        return base + self._clock_offset

    def set_clock(self, clock: Callable[[], datetime] | None) -> None:
        self._clock_source = clock

    def advance_clock(self, seconds: float) -> None:
        with self.lock:
            self._clock_offset += timedelta(seconds=seconds)

    @property
    def clock_offset(self) -> float:
        return self._clock_offset.total_seconds()

    # directory -------------------------------------------------------------------------
    def add_user(
        self,
        email: str,
        name: str,
        password: str,
        *,
        time_zone: str = "UTC",
        aliases: list[str] | tuple[str, ...] = (),
    ) -> User:
        """Create a user and their mailbox (reached at ``email`` and every alias); raises
        DirectoryError naming a bad field."""
        with self.lock:
            user = self.directory.add_user(
                email, name, password, time_zone=time_zone, aliases=aliases
            )
            if self.calendars is not None:
                self.calendars.ensure_mailbox(user)
            return user

    def add_app(
        self, client_id: str, client_secret: str | None, redirect_uris: list[str], name: str = ""
    ) -> tuple[App, bool]:
        with self.lock:
            return self.directory.add_app(client_id, client_secret, redirect_uris, name)

    def issue_token(self, user: User, client_id: str = CONTROL_PLANE_CLIENT_ID) -> AccessToken:
        """A delegated access token for ``user`` without a sign-in (the control plane's)."""
        with self.lock:
            return self.identity.new_access_token(
                user.id,
                client_id,
                ["Calendars.ReadWrite", "User.Read"],
                self.clock(),
                self.settings.access_token_lifetime,
            )

    def revoke_user(self, user: User) -> int:
        """Revoke all grants and tokens of a user (Entra's "revoke sessions")."""
        with self.lock:
            count = self.identity.revoke_user(user.id, self.clock())
        self.subscriptions.on_user_revoked(self, user.id)
        return count

    # settings ----------------------------------------------------------------------------
    def update_settings(self, **values: Any) -> Settings:
        with self.lock:
            self.settings = replace(self.settings, **values)
            return self.settings

    # change notifications ----------------------------------------------------------------
    def add_change_listener(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def remove_change_listener(self, listener: ChangeListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def on_event_change(
        self, mailbox_user_id: str, event_id: str, change_type: str, etag: str | None = None
    ) -> None:
        """The calendar model's hook: an event changed ("created"/"updated"/"deleted")."""
        if change_type not in {"created", "updated", "deleted"}:
            raise ValueError(f"change_type must be created/updated/deleted, not {change_type!r}")
        for listener in list(self._listeners):
            try:
                listener(mailbox_user_id, event_id, change_type, etag)
            except Exception:  # a listener must never break a write
                log.exception("change listener failed")

    # reset & persistence -----------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything but the tenant id, the signing key and the listeners."""
        with self.lock:
            self._init_state()
            self.settings = self.default_settings
            self._clock_offset = timedelta(0)
            self.faults.configure(type(self.faults.settings)())
            self.throttle.reset()
            self.stats.clear()

    def to_state(self) -> dict[str, Any]:
        """The whole world as JSON-ready data (see ``persistence``)."""
        with self.lock:
            calendars = None
            if self.calendars is not None and hasattr(self.calendars, "to_state"):
                calendars = self.calendars.to_state()
            return {
                "version": 1,
                "tenant_id": self.tenant_id,
                "signing_key": self.signing_key.to_pem(),
                "settings": asdict(self.settings),
                "clock_offset": self.clock_offset,
                "directory": self.directory.to_state(),
                "identity": self.identity.to_state(),
                "outbox": list(self.outbox),
                "subscriptions": self.subscriptions.to_state(),
                "calendars": calendars,
            }

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace this world's state with ``state`` (from ``to_state``)."""
        with self.lock:
            self.tenant_id = state["tenant_id"]
            self.signing_key = SigningKey.from_pem(state["signing_key"])
            known = Settings.fields()
            values = {k: v for k, v in state.get("settings", {}).items() if k in known}
            self.settings = replace(self.default_settings, **values)
            self._clock_offset = timedelta(seconds=state.get("clock_offset", 0))
            self.directory = Directory.from_state(state.get("directory", {}))
            self.identity = IdentityState.from_state(state.get("identity", {}))
            self.outbox = list(state.get("outbox", []))
            self.subscriptions = SubscriptionStore.from_state(state.get("subscriptions", {}))
            self.calendars = self._new_calendars()
            if self.calendars is not None:
                if state.get("calendars") is not None and hasattr(self.calendars, "load_state"):
                    self.calendars.load_state(state["calendars"])
                for user in self.directory.users.values():
                    self.calendars.ensure_mailbox(user)  # (again: the aliases' addresses)
