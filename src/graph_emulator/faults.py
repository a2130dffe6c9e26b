"""Injected faults: latency, random 429/503/504, dropped connections, and connections
dropped after a write was applied, from a seed.

``FaultPlan.configure(**fields)`` replaces the whole plan (PUT semantics: fields left out go
back to their defaults). Each Graph request (and each ``$batch`` item) draws one
``FaultDecision``, always consuming the same four random numbers in the same order (a fifth
after them when ``drop_after_apply_rate`` is set), so a seeded plan yields the same sequence
for the same sequence of requests.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_MAILBOX_CONCURRENCY = 4
DEFAULT_REQUESTS_PER_10_MINUTES = 10_000


class FaultConfigError(ValueError):
    """Bad fault settings; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class FaultSettings:
    """What ``PUT /_emulator/faults`` accepts (all optional)."""

    latency_ms: int = 0
    processing_ms: int = 0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    disconnect_rate: float = 0.0
    drop_after_apply_rate: float = 0.0
    seed: int | None = None
    mailbox_concurrency: int = DEFAULT_MAILBOX_CONCURRENCY
    requests_per_10_minutes: int = DEFAULT_REQUESTS_PER_10_MINUTES
    retry_after: float = 1.0

    @classmethod
    def from_json(cls, data: Any) -> FaultSettings:
        """Validate a JSON object; raises FaultConfigError naming the field."""
        if not isinstance(data, dict):
            raise FaultConfigError("body", "must be a JSON object")
        known = set(cls.__dataclass_fields__)
        for name in data:
            if name not in known:
                raise FaultConfigError(name, f"unknown field (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {}
        for name in ("throttle_rate", "error_rate", "disconnect_rate", "drop_after_apply_rate"):
            if name in data:
                values[name] = _number(data[name], name, low=0.0, high=1.0)
        for name in ("latency_ms", "processing_ms"):
            if name in data:
                values[name] = int(_number(data[name], name, low=0, high=600_000))
        if "retry_after" in data:
            values["retry_after"] = _number(data["retry_after"], "retry_after", low=0, high=3600)
        for name in ("mailbox_concurrency", "requests_per_10_minutes"):
            if name in data:
                value = _number(data[name], name, low=1, high=10**9)
                if value != int(value):
                    raise FaultConfigError(name, "must be an integer")
                values[name] = int(value)
        if data.get("seed") is not None:
            seed = data["seed"]
            if not isinstance(seed, int) or isinstance(seed, bool):
                raise FaultConfigError("seed", "must be an integer or null")
            values["seed"] = seed
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(value: Any, name: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultConfigError(name, "must be a number")
    if not low <= value <= high:
        raise FaultConfigError(name, f"must be between {low} and {high}")
    return float(value)


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request."""

    latency_s: float = 0.0
    """The network's round trip: once per HTTP request (a ``$batch`` pays it once)."""
    processing_s: float = 0.0
    """The server's time for one operation: every request and every ``$batch`` item."""
    disconnect: bool = False
    throttle: bool = False
    error_status: int | None = None
    drop_after_apply: bool = False
    """A write that succeeds is applied, then its connection is dropped before the answer
    (for a ``$batch`` item: the whole batch's answer)."""

    @property
    def any_failure(self) -> bool:
        return (
            self.disconnect
            or self.throttle
            or self.error_status is not None
            or self.drop_after_apply
        )


NO_FAULT = FaultDecision()


class FaultPlan:
    """The current fault settings and their random number generator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.settings = FaultSettings()
        self._rng = random.Random()  # noqa: S311 - simulation, not security

    def configure(self, settings: FaultSettings) -> None:
        with self._lock:
            self.settings = settings
            self._rng = random.Random(settings.seed)  # noqa: S311

    def decide(self) -> FaultDecision:
        """Draw the decision for one request (four draws, always; a fifth for
        ``drop_after_apply_rate`` when it is set)."""
        with self._lock:
            s = self.settings
            if not (
                s.throttle_rate
                or s.error_rate
                or s.disconnect_rate
                or s.drop_after_apply_rate
                or s.latency_ms
                or s.processing_ms
            ):
                return NO_FAULT
            d_disconnect, d_throttle, d_error, d_kind = (self._rng.random() for _ in range(4))
            d_drop = self._rng.random() if s.drop_after_apply_rate else 1.0
        return FaultDecision(
            latency_s=s.latency_ms / 1000.0,
            processing_s=s.processing_ms / 1000.0,
            disconnect=d_disconnect < s.disconnect_rate,
            throttle=d_throttle < s.throttle_rate,
            error_status=(503 if d_kind < 0.5 else 504) if d_error < s.error_rate else None,
            drop_after_apply=d_drop < s.drop_after_apply_rate,
        )
