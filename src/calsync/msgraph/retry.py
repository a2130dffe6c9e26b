"""The one retry policy of the Graph client: what is retried, how long to wait, when to stop.

Every retry in :mod:`calsync.msgraph` goes through a :class:`Retrier` (tenacity underneath):
the client's requests (:meth:`~.client.GraphClient.request`) and the rounds of ``$batch``
items Graph answered 429/503/504 (:func:`~.batching.run_batch`). :class:`RetryPolicy` holds
the numbers; a client has one retrier, so one budget per sync run.

* What is retried: whatever the caller's ``retry_on`` accepts; for requests (see
  :func:`transient`) answers 429, 503 and 504, and a dropped connection when the request may
  be sent twice (GET/HEAD/OPTIONS; ``$batch``, whose creates carry a transactionId).
* How long to wait: Graph's ``Retry-After`` (seconds, fractional, or an HTTP date), else a
  jittered exponential backoff (tenacity's ``wait_random_exponential``: a random wait up to
  ``backoff_base`` s, then up to twice that, ... never over ``backoff_max``).
* A ``Retry-After`` longer than ``max_retry_after`` is not slept: :class:`~.errors.Throttled`
  (``retry_after``, ``until``) is raised at once, and the retrier refuses every later call
  (raising :class:`~.errors.Throttled` without sending) until that time has passed: Graph
  throttles the app in the whole mailbox, asking earlier only adds to its count.
* One call makes at most ``max_attempts`` attempts; then its last error is raised.
* The budget: at most ``budget_retries`` retries and ``budget_seconds`` seconds of waiting in
  all, over every call of the retrier; a retry it cannot pay is not made:
  :class:`~.errors.RetryBudgetSpent` (a :class:`~.errors.Throttled`) is raised instead, at
  once. Calls that need no retry still go through.

Thread-safe: the ``$batch`` worker threads share their client's retrier.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import tenacity

from calsync.msgraph.errors import GraphError, NetworkError, RetryBudgetSpent, Throttled

logger = logging.getLogger("calsync.msgraph")

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The numbers of the policy (module docstring); seconds are floats."""

    max_retry_after: float = 30.0
    """The longest ``Retry-After`` slept; a longer one raises Throttled at once."""
    max_attempts: int = 5
    """Attempts of one call (the first one included)."""
    budget_retries: int = 20
    """Retries of all calls of one retrier (one client: one sync run)."""
    budget_seconds: float = 120.0
    """Seconds of waiting of all calls of one retrier."""
    backoff_base: float = 0.5
    """The first backoff's longest wait (when Graph names none); it doubles each retry."""
    backoff_max: float = 8.0
    """The longest backoff wait, whatever ``max_retry_after`` is."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.budget_retries < 0:
            raise ValueError("max_attempts must be at least 1 and budget_retries not negative")
        seconds = (self.max_retry_after, self.budget_seconds, self.backoff_base, self.backoff_max)
        if min(seconds) < 0:
            raise ValueError("retry seconds must not be negative")


def transient(error: BaseException, *, transport: bool) -> bool:
    """Whether a request that failed with ``error`` is worth sending again: Graph answered
    429, 503 or 504, or (when ``transport``: the request may be sent twice) no answer came."""
    if isinstance(error, NetworkError):
        return transport
    return isinstance(error, GraphError) and error.status in RETRY_STATUSES


class Retrier:
    """Runs calls under a :class:`RetryPolicy`, with one budget and one "throttled until"."""

    def __init__(
        self, policy: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._blocked: Throttled | None = None
        self.retries = 0
        """Retries made so far (all calls)."""
        self.waited = 0.0
        """Seconds of waiting so far (all calls)."""
        self._backoff = tenacity.wait_random_exponential(
            multiplier=self.policy.backoff_base, max=self.policy.backoff_max
        )

    @property
    def throttled_until(self) -> datetime | None:
        """Until when Graph asked this retrier's caller to stay away (``None``: it did not)."""
        with self._lock:
            return self._blocked.until if self._blocked is not None else None

    def call(self, attempt: Callable[[], T], *, retry_on: Callable[[BaseException], bool]) -> T:
        """``attempt()`` until it returns, retrying the exceptions ``retry_on`` accepts as the
        policy says; raises the last error, Throttled or RetryBudgetSpent (module docstring)."""
        self.check()
        retrying = tenacity.Retrying(
            sleep=self._sleep,
            retry=tenacity.retry_if_exception(lambda exc: retry_on(exc) and self._fits(exc)),
            wait=self._wait,
            stop=tenacity.stop_after_attempt(self.policy.max_attempts) | self._unaffordable,
            before_sleep=self._log,
            retry_error_callback=self._give_up,
        )
        try:
            return retrying(attempt)
        except Exception as exc:
            if not retry_on(exc) or self._fits(exc):
                raise
            throttled = self._block(exc)
            if throttled is exc:
                raise
            raise throttled from exc

    def check(self) -> None:
        """Raise Throttled (nothing is sent) while Graph's long ``Retry-After`` runs."""
        with self._lock:
            blocked = self._blocked
        if blocked is None or blocked.until is None:
            return
        left = (blocked.until - datetime.now(UTC)).total_seconds()
        if left <= 0:
            return
        raise Throttled(
            f"not sent: Graph asked to wait until {blocked.until:%Y-%m-%d %H:%M:%S} UTC",
            code=blocked.code,
            retry_after=left,
            until=blocked.until,
        )

    # -- tenacity's callbacks ----------------------------------------------------------------

    def _fits(self, error: BaseException) -> bool:
        """Whether the wait ``error`` asks for may be slept (no Retry-After: a backoff may)."""
        wait = getattr(error, "retry_after", None)
        return wait is None or wait <= self.policy.max_retry_after

    def _wait(self, state: tenacity.RetryCallState) -> float:
        assert state.outcome is not None
        wait = getattr(state.outcome.exception(), "retry_after", None)
        return float(wait) if wait is not None else self._backoff(state)

    def _unaffordable(self, state: tenacity.RetryCallState) -> bool:
        """The budget's stop: pays for the coming wait, or says stop when it cannot."""
        wait = state.upcoming_sleep
        with self._lock:
            if (
                self.retries >= self.policy.budget_retries
                or self.waited + wait > self.policy.budget_seconds
            ):
                return True
            self.retries += 1
            self.waited += wait
            return False

    def _give_up(self, state: tenacity.RetryCallState) -> None:
        assert state.outcome is not None
        error = state.outcome.exception()
        if state.attempt_number >= self.policy.max_attempts or error is None:
            state.outcome.result()  # raises the last error
            return
        raise RetryBudgetSpent(
            f"not retried: this client's retries are spent ({self.retries} retries, "
            f"{self.waited:.1f} s waited); last answer: {error}",
            status=getattr(error, "status", None),
            code=getattr(error, "code", ""),
            retry_after=state.upcoming_sleep,
        ) from error

    def _block(self, error: Exception) -> Throttled:
        """The Throttled for a wait longer than the policy's, remembered until it ends."""
        if not isinstance(error, Throttled):
            wait = float(getattr(error, "retry_after", 0.0))
            error = Throttled(
                f"Graph asked to wait {wait:g} s, more than the {self.policy.max_retry_after:g} s"
                f" this client waits ({getattr(error, 'message', error)})",
                status=getattr(error, "status", None),
                code=getattr(error, "code", ""),
                request_id=getattr(error, "request_id", ""),
                retry_after=wait,
            )
        with self._lock:
            current = self._blocked
            if (
                current is None
                or current.until is None
                or (error.until is not None and error.until > current.until)
            ):
                self._blocked = error
        return error

    def _log(self, state: tenacity.RetryCallState) -> None:
        assert state.outcome is not None
        logger.info(
            "graph: %s; retry %d of this client in %.2f s",
            state.outcome.exception(),
            self.retries,
            state.upcoming_sleep,
        )
