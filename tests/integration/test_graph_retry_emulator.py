"""The Graph client's retry policy against the emulator over real HTTPS, with real sleeps.

Figures (printed; ``pytest -s`` shows them): a push of 45 creates through ``$batch`` (the
sync's own path, ``OutlookCalendar.apply_remote``) while Graph answers 429 with
``Retry-After: 300`` on every item, or on half of them, ends within 60 s and 10 HTTP
requests, with Throttled outcomes that say when to come back. And creates whose answers are
lost after they were applied (``drop_after_apply_rate``) are sent again without making a
single copy (their transactionId)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.integration.sync_world import StaticToken

from calsync.msgraph import GraphClient, RetryBudgetSpent, Throttled
from calsync.msgraph.batching import SubRequest, run_batch
from calsync.msgraph.calendar import OutlookCalendar
from calsync.msgraph.retry import RetryPolicy
from calsync.syncengine.actions import CreateRemote
from calsync.syncengine.model import EventData, RemoteItem

pytestmark = [pytest.mark.e2e]

MAILBOX = "retry@example.com"
PUSHED = 45
LONG_WAIT = 300


@pytest.fixture
def connect(emulator: Any) -> Iterator[Callable[..., GraphClient]]:
    """Makes Graph clients of the mailbox; they sleep for real unless told otherwise."""
    emulator.add_user(MAILBOX, "Retry", "pw")
    token = StaticToken(emulator.token_for(MAILBOX))
    made: list[GraphClient] = []

    def make(**kwargs: Any) -> GraphClient:
        made.append(GraphClient(emulator.graph_url, token, verify=emulator.ca_path, **kwargs))
        return made[-1]

    emulator.clear_stats()
    yield make
    for client in made:
        client.close()


def creates(n: int = PUSHED) -> list[CreateRemote]:
    first = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return [
        CreateRemote(
            f"uid-{i:03d}",
            EventData(f"E{i:03d}", first + timedelta(days=i), first + timedelta(days=i, hours=1)),
            f"L{i}",
            f"planned-{i:03d}",
        )
        for i in range(n)
    ]


def mailbox(connect: Callable[..., GraphClient]) -> list[dict[str, Any]]:
    """Every event of the mailbox (a fresh client: the pushing one may be throttled)."""
    with connect() as graph:
        listed = graph.get_json(
            "/me/events", params={"$top": "1000", "$select": "id,subject,transactionId"}
        )
    return sorted(listed["value"], key=lambda e: e["subject"])


def push(graph: GraphClient, actions: Sequence[CreateRemote]) -> tuple[list[Any], float]:
    started = time.monotonic()
    outcomes = OutlookCalendar(graph, MAILBOX).apply_remote(actions)
    return outcomes, time.monotonic() - started


def report(label: str, seconds: float, requests: int, graph: GraphClient, outcomes: list) -> None:
    done = sum(isinstance(o, RemoteItem) for o in outcomes)
    throttled = sum(isinstance(o, Throttled) for o in outcomes)
    print(
        f"\n{label}: {seconds:.2f} s, {requests} HTTP requests, {graph.retrier.retries} "
        f"retries, {graph.retrier.waited:.2f} s slept; {done} created, {throttled} throttled "
        f"until {graph.throttled_until}"
    )


def test_a_300_s_retry_after_on_every_item_ends_the_push_at_once(
    emulator: Any, connect: Callable[..., GraphClient]
) -> None:
    graph = connect()
    emulator.set_faults(throttle_rate=1.0, retry_after=LONG_WAIT)
    before = datetime.now(UTC)
    outcomes, seconds = push(graph, creates())
    requests = emulator.stats()["requests"]
    emulator.set_faults()
    report("every item 429 / Retry-After 300", seconds, requests, graph, outcomes)
    assert seconds < 60 and requests <= 10
    assert graph.retrier.waited == 0  # nothing was slept
    assert all(isinstance(o, Throttled) for o in outcomes)
    until = graph.throttled_until
    assert until is not None and before + timedelta(seconds=LONG_WAIT) <= until
    assert until <= datetime.now(UTC) + timedelta(seconds=LONG_WAIT)
    assert {o.until for o in outcomes} == {until}
    assert mailbox(connect) == []


def test_a_300_s_retry_after_on_half_the_items_keeps_what_was_done(
    emulator: Any, connect: Callable[..., GraphClient]
) -> None:
    graph = connect()
    emulator.set_faults(throttle_rate=0.5, retry_after=LONG_WAIT, seed=7)
    outcomes, seconds = push(graph, creates())
    requests = emulator.stats()["requests"]
    emulator.set_faults()
    report("half the items 429 / Retry-After 300", seconds, requests, graph, outcomes)
    assert seconds < 60 and requests <= 10
    done = [o for o in outcomes if isinstance(o, RemoteItem)]  # how many: the threads' luck
    assert len(done) + sum(isinstance(o, Throttled) for o in outcomes) == PUSHED
    assert graph.throttled_until is not None
    made = mailbox(connect)
    assert sorted(e["id"] for e in made) == sorted(o.remote_id for o in done)


def test_items_done_before_a_long_retry_after_stay_done(
    emulator: Any, connect: Callable[..., GraphClient]
) -> None:
    graph = connect()
    emulator.set_faults(throttle_rate=0.5, retry_after=LONG_WAIT, seed=7)
    outcomes, _ = push(graph, creates(15))  # one batch, its items side by side
    emulator.set_faults()
    done = [o for o in outcomes if isinstance(o, RemoteItem)]
    throttled = [o for o in outcomes if isinstance(o, Throttled)]
    assert done and throttled and len(done) + len(throttled) == 15
    assert emulator.stats()["requests"] == 1
    assert sorted(e["id"] for e in mailbox(connect)) == sorted(o.remote_id for o in done)


def test_one_batch_get_answered_429_with_300_s_costs_one_request_and_no_sleep(
    emulator: Any, connect: Callable[..., GraphClient]
) -> None:
    graph = connect()
    emulator.set_faults(throttle_rate=1.0, retry_after=LONG_WAIT)
    started = time.monotonic()
    [answer] = run_batch(graph, [SubRequest("GET", "/me/events/AAMkAGone")])
    seconds = time.monotonic() - started
    print(f"\none $batch GET, 429 / Retry-After 300: {seconds:.2f} s, 1 request")
    assert emulator.stats()["requests"] == graph.requests_made == 1
    assert seconds < 5 and graph.retrier.waited == 0
    assert answer.status == 429 and isinstance(answer.failure, Throttled)
    assert answer.failure.retry_after == LONG_WAIT
    [again] = run_batch(graph, [SubRequest("GET", "/me")])  # the client stays away
    assert graph.requests_made == 1 and again.status == 0
    assert isinstance(again.failure, Throttled) and again.failure.until == graph.throttled_until


def test_a_spent_retry_budget_ends_the_push_promptly(
    emulator: Any, connect: Callable[..., GraphClient]
) -> None:
    graph = connect(retry=RetryPolicy(budget_retries=3))
    emulator.set_faults(error_rate=1.0, retry_after=0.01, seed=2)  # every request 503 or 504
    outcomes, seconds = push(graph, creates())
    requests = emulator.stats()["requests"]
    emulator.set_faults()
    report("every request 503/504, a budget of 3 retries", seconds, requests, graph, outcomes)
    assert graph.retrier.retries == 3 and requests == 3 + 3  # three batches, three retries
    assert seconds < 60
    assert all(isinstance(o, RetryBudgetSpent) for o in outcomes)
    assert mailbox(connect) == []


def test_creates_whose_answers_were_lost_are_never_made_twice(
    emulator: Any, connect: Callable[..., GraphClient]
) -> None:
    graph = connect(sleep=lambda _s: None)
    emulator.set_faults(drop_after_apply_rate=0.2, seed=4)
    first, _ = push(graph, creates())
    stats = emulator.stats()
    emulator.set_faults()
    confirmed = sum(isinstance(o, RemoteItem) for o in first)
    print(
        f"\n45 creates, 20 % of writes lose their answer: {stats['requests']} requests, "
        f"{stats['faults_injected']} answers lost, {confirmed} creates confirmed"
    )
    assert stats["faults_injected"] >= 1 and stats["requests"] > 3  # answers lost, resent
    made = mailbox(connect)
    assert [e["subject"] for e in made] == [f"E{i:03d}" for i in range(PUSHED)]  # once each
    assert len({e["transactionId"] for e in made}) == PUSHED
    with connect() as again:  # the next run pushes what it could not confirm: no copy either
        second, _ = push(again, creates())
    ids = {e["subject"]: e["id"] for e in made}
    assert [o.remote_id for o in second] == [ids[f"E{i:03d}"] for i in range(PUSHED)]
    assert all(o.remote_id == ids[o.data.title] for o in first if isinstance(o, RemoteItem))
    assert len(mailbox(connect)) == PUSHED
