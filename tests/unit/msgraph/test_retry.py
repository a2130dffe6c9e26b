"""The retry policy (calsync.msgraph.retry): cap, attempts, budget, "throttled until".

The Retrier runs plain callables here; the client and ``$batch`` use it over real HTTPS in
tests/integration/test_batching_emulator.py."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from calsync.msgraph.errors import (
    GraphError,
    NetworkError,
    NotFound,
    RetryBudgetSpent,
    ServerError,
    Throttled,
)
from calsync.msgraph.retry import Retrier, RetryPolicy, transient


class Failing:
    """An attempt that raises the given errors in turn, then returns "done"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def unavailable(retry_after: float | None = None) -> ServerError:
    return ServerError("Service Unavailable", status=503, retry_after=retry_after)


def throttled(retry_after: float | None) -> Throttled:
    return Throttled("Please retry again later.", status=429, retry_after=retry_after)


def requests_retry(exc: BaseException) -> bool:
    return transient(exc, transport=False)


def retrier(**policy: float) -> tuple[Retrier, list[float]]:
    slept: list[float] = []
    return Retrier(RetryPolicy(**policy), slept.append), slept  # type: ignore[arg-type]


def test_what_a_request_may_retry() -> None:
    assert transient(throttled(1), transport=False)
    assert transient(unavailable(), transport=False)
    assert transient(ServerError("Gateway Timeout", status=504), transport=False)
    assert not transient(ServerError("boom", status=500), transport=True)
    assert not transient(NotFound("gone", status=404), transport=True)
    assert transient(NetworkError("reset"), transport=True)
    assert not transient(NetworkError("reset"), transport=False)
    assert not transient(ValueError("not Graph"), transport=True)


def test_retry_after_within_the_cap_is_slept_then_the_call_succeeds() -> None:
    policy, slept = retrier()
    attempt = Failing(throttled(2.5), unavailable(0.25))
    assert policy.call(attempt, retry_on=requests_retry) == "done"
    assert slept == [2.5, 0.25]
    assert (policy.retries, policy.waited) == (2, 2.75)


def test_without_retry_after_the_backoff_is_jittered_exponential_and_capped() -> None:
    policy, slept = retrier(max_attempts=8, backoff_base=0.5, backoff_max=2.0)
    attempt = Failing(*(unavailable() for _ in range(7)))
    assert policy.call(attempt, retry_on=requests_retry) == "done"
    highs = [0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    assert all(0 <= wait <= high for wait, high in zip(slept, highs, strict=True))
    assert len(set(slept)) > 1  # random, not a fixed ladder


def test_a_retry_after_over_the_cap_raises_throttled_without_sleeping() -> None:
    policy, slept = retrier(max_retry_after=30)
    before = datetime.now(UTC)
    attempt = Failing(throttled(300))
    with pytest.raises(Throttled) as caught:
        policy.call(attempt, retry_on=requests_retry)
    assert caught.value.retry_after == 300
    assert before + timedelta(seconds=300) <= caught.value.until
    assert caught.value.until <= datetime.now(UTC) + timedelta(seconds=300)
    assert slept == [] and attempt.calls == 1
    assert policy.throttled_until == caught.value.until


def test_until_then_every_call_is_refused_without_being_made() -> None:
    policy, _ = retrier(max_retry_after=0.05, backoff_max=0.05)
    with pytest.raises(Throttled):
        policy.call(Failing(throttled(0.3)), retry_on=requests_retry)
    later = Failing()
    with pytest.raises(Throttled) as caught:
        policy.call(later, retry_on=requests_retry)
    assert later.calls == 0
    assert caught.value.status is None  # nothing was sent
    assert 0 < caught.value.retry_after <= 0.3
    time.sleep(0.35)
    assert policy.call(later, retry_on=requests_retry) == "done"


def test_a_longer_wait_from_a_5xx_is_throttled_as_well_and_chained() -> None:
    policy, slept = retrier(max_retry_after=10)
    with pytest.raises(Throttled) as caught:
        policy.call(Failing(unavailable(60)), retry_on=requests_retry)
    assert caught.value.status == 503 and caught.value.retry_after == 60
    assert isinstance(caught.value.__cause__, ServerError)
    assert slept == []


def test_attempts_run_out_the_last_error_is_raised() -> None:
    policy, slept = retrier(max_attempts=3)
    attempt = Failing(*(throttled(1) for _ in range(5)))
    with pytest.raises(Throttled) as caught:
        policy.call(attempt, retry_on=requests_retry)
    assert type(caught.value) is Throttled and caught.value.retry_after == 1
    assert attempt.calls == 3 and slept == [1, 1]


def test_other_errors_are_not_retried() -> None:
    policy, slept = retrier()
    attempt = Failing(NotFound("gone", status=404))
    with pytest.raises(NotFound):
        policy.call(attempt, retry_on=requests_retry)
    assert attempt.calls == 1 and slept == [] and policy.retries == 0


def test_the_budget_counts_retries_over_every_call() -> None:
    policy, slept = retrier(budget_retries=3, max_attempts=5)
    assert policy.call(Failing(unavailable(1), unavailable(1)), retry_on=requests_retry)
    attempt = Failing(unavailable(1), unavailable(1), unavailable(1))
    with pytest.raises(RetryBudgetSpent) as caught:
        policy.call(attempt, retry_on=requests_retry)
    assert attempt.calls == 2  # one retry left in the budget, then none
    assert slept == [1, 1, 1]
    assert caught.value.status == 503 and caught.value.code == ""
    assert isinstance(caught.value, Throttled) and caught.value.until is not None
    assert isinstance(caught.value.__cause__, ServerError)
    again = Failing(unavailable(1))
    with pytest.raises(RetryBudgetSpent):  # spent: a failure is not retried, at once
        policy.call(again, retry_on=requests_retry)
    assert again.calls == 1 and slept == [1, 1, 1]
    assert policy.call(Failing(), retry_on=requests_retry) == "done"  # no retry needed: fine


def test_the_budget_counts_seconds_of_waiting() -> None:
    policy, slept = retrier(budget_seconds=10, max_attempts=10)
    with pytest.raises(RetryBudgetSpent) as caught:
        policy.call(Failing(*(throttled(4) for _ in range(5))), retry_on=requests_retry)
    assert slept == [4, 4]  # a third wait would pass 10 s
    assert caught.value.retry_after == 4 and policy.waited == 8


def test_the_budget_is_shared_by_threads() -> None:
    policy, slept = retrier(budget_retries=5, max_attempts=4)
    spent: list[BaseException] = []

    def run() -> None:
        try:
            policy.call(Failing(*(unavailable(0) for _ in range(3))), retry_on=requests_retry)
        except RetryBudgetSpent as exc:
            spent.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slept) == policy.retries == 5  # 4 calls wanted 12 retries
    assert len(spent) >= 2


def test_a_caller_predicate_decides_what_is_retried() -> None:
    class Again(GraphError):
        pass

    policy, slept = retrier()
    attempt = Failing(Again("items", retry_after=0.5), unavailable(1))
    with pytest.raises(ServerError):  # retried only what the predicate accepts
        policy.call(attempt, retry_on=lambda exc: isinstance(exc, Again))
    assert slept == [0.5] and attempt.calls == 2


@pytest.mark.parametrize(
    "numbers",
    [
        {"max_attempts": 0},
        {"budget_retries": -1},
        {"max_retry_after": -1.0},
        {"backoff_max": -1.0},
    ],
)
def test_a_policy_refuses_numbers_that_make_no_sense(numbers: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**numbers)  # type: ignore[arg-type]


def test_a_cap_below_the_backoff_still_backs_off_on_503() -> None:
    policy, slept = retrier(max_retry_after=2, backoff_max=8, max_attempts=6)
    assert policy.call(Failing(*(unavailable() for _ in range(5))), retry_on=requests_retry)
    assert len(slept) == 5 and max(slept) <= 8
