"""``msgraph.batching.run_batch`` against the emulator over real HTTPS: serial batches, up
to 4 in flight, stay within Outlook's 4 concurrent requests per mailbox; an item that fails
does not fail its batch-mates (the ones a serial batch skipped with 424 are sent again);
throttled items are retried after their Retry-After. The retry policy's figures with the
clock's real sleep are in test_graph_retry_emulator.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.integration.sync_world import StaticToken

from calsync.msgraph import GraphClient
from calsync.msgraph.batching import SubRequest, run_batch

pytestmark = [pytest.mark.e2e]

MAILBOX = "batch@example.com"


@pytest.fixture
def connect(emulator: Any) -> Iterator[Callable[..., GraphClient]]:
    """Makes Graph clients of the mailbox (``GraphClient`` keywords: ``sleep``, ``retry``)."""
    emulator.add_user(MAILBOX, "Batch", "pw")
    token = StaticToken(emulator.token_for(MAILBOX))
    made: list[GraphClient] = []

    def make(**kwargs: Any) -> GraphClient:
        made.append(GraphClient(emulator.graph_url, token, verify=emulator.ca_path, **kwargs))
        return made[-1]

    emulator.clear_stats()
    yield make
    for client in made:
        client.close()


@pytest.fixture
def graph(connect: Callable[..., GraphClient]) -> GraphClient:
    return connect()


def creates(n: int) -> list[SubRequest]:
    return [
        SubRequest(
            "POST",
            "/me/events",
            {
                "subject": f"E{i:03d}",
                "start": {"dateTime": f"2026-03-{1 + i % 28:02d}T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": f"2026-03-{1 + i % 28:02d}T10:00:00", "timeZone": "UTC"},
            },
        )
        for i in range(n)
    ]


def subjects(graph: GraphClient) -> list[str]:
    listed = graph.get_json("/me/events", params={"$top": "1000", "$select": "subject"})
    return sorted(e["subject"] for e in listed["value"])


def test_many_requests_go_in_few_batches_without_passing_the_mailbox_limit(
    emulator: Any, graph: GraphClient
) -> None:
    emulator.set_faults(processing_ms=30)  # items overlap: 4 batches are in flight at once
    batches: list[int] = []
    answers = run_batch(graph, creates(90), on_batch=batches.append)
    emulator.set_faults()
    assert [a.status for a in answers] == [201] * 90
    assert [a.body["subject"] for a in answers] == [f"E{i:03d}" for i in range(90)]
    assert batches == [18] * 5  # 90 requests: 5 even serial batches, one round
    stats = emulator.stats()
    assert stats["requests"] == 5 and stats["batch_subrequests"] == 90
    assert stats["throttled"] == 0  # never over Outlook's 4 concurrent requests per mailbox
    assert subjects(graph) == [f"E{i:03d}" for i in range(90)]


def test_a_failing_item_does_not_fail_its_batch_mates(emulator: Any, graph: GraphClient) -> None:
    requests = creates(40)
    requests[5] = SubRequest("PATCH", "/me/events/AAMkAGnope", {"subject": "x"})
    requests[25] = SubRequest("POST", "/me/events", {"subject": "no start"})
    answers = run_batch(graph, requests)
    statuses = [a.status for a in answers]
    assert statuses[5] in (400, 404) and statuses[25] == 400  # a bad id; no start
    assert [s for i, s in enumerate(statuses) if i not in (5, 25)] == [201] * 38
    assert emulator.stats()["requests"] > 2  # the items after a failure were sent again
    assert len(subjects(graph)) == 38  # and created once each


def test_throttled_items_are_retried_after_retry_after(
    emulator: Any, connect: Callable[..., GraphClient]
) -> None:
    waits: list[float] = []
    graph = connect(sleep=waits.append)
    emulator.set_faults(throttle_rate=0.3, seed=11, retry_after=0.05)
    answers = run_batch(graph, creates(30))
    emulator.set_faults()
    assert [a.status for a in answers] == [201] * 30
    assert waits and all(w == 0.05 for w in waits)
    assert graph.retrier.retries == len(waits)  # one budget for the client: every round paid
    assert subjects(graph) == [f"E{i:03d}" for i in range(30)]


def test_each_batchs_answers_are_heard_of_as_it_comes_back(
    emulator: Any, connect: Callable[..., GraphClient]
) -> None:
    heard: list[dict[int, Any]] = []
    graph = connect(sleep=lambda _seconds: None)
    emulator.set_faults(throttle_rate=0.05, seed=11, retry_after=0.05)
    answers = run_batch(graph, creates(60), on_answers=heard.append)
    emulator.set_faults()
    assert [a.status for a in answers] == [201] * 60
    assert graph.retrier.retries > 0  # some items were heard of twice: 429, then 201
    assert len(heard) == emulator.stats()["requests"]  # once per $batch answered
    assert all(len(got) <= 20 for got in heard)
    last: dict[int, Any] = {}
    for got in heard:
        last.update(got)
    # what run_batch returns is, item by item, the very answer heard of last
    assert all(answers[index] is last[index] for index in range(60))
