"""The per-mailbox Graph request budget, shared by every process: at most 4 requests in
flight and 10,000 per 10 minutes per (app, mailbox), in the database or in Redis.

Threads stand for processes here: each holds its own database connection (or Redis
connection), and the stores keep their state only there. The last test runs real Graph
clients against the emulator, which answers 429 "MailboxConcurrency" past 4 in flight, as
Outlook does: with the budget, three clients pushing to one mailbox at once get none.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from calsync.msgraph import Throttled
from calsync.msgraph.batching import SubRequest, run_batch
from calsync.outlook.connection import budget
from calsync.outlook.connection.graph import graph_client_for

KEY = (f"app-{uuid.uuid4().hex[:8]}", "kim@example.com")  # own keys: runs may overlap


def database_store() -> budget.Store:
    return budget.DatabaseStore()


def redis_store() -> budget.Store:
    from tests.integration.conftest import REDIS_URL

    store = budget.RedisStore(REDIS_URL)
    for name in store._keys(KEY):
        store.client.delete(name)
    return store


STORES = [
    pytest.param(database_store, marks=pytest.mark.django_db(transaction=True), id="database"),
    pytest.param(redis_store, marks=[pytest.mark.redis, pytest.mark.django_db], id="redis"),
]


@pytest.mark.parametrize("make_store", STORES)
def test_at_most_four_requests_are_in_flight_at_once(make_store: Callable[[], Any]) -> None:
    store = make_store()
    changed = threading.Condition()
    holding, most, admitted = [0], [0], [0]

    def one_process() -> None:
        gate = budget.MailboxGate(*KEY, store)
        try:
            for _n in range(3):
                release = gate.admit(1)
                with changed:
                    holding[0] += 1
                    most[0] = max(most[0], holding[0])
                    changed.notify_all()
                    # hold the place until four were held at once (or a while passes): a loaded
                    # machine cannot hide a gate that admits fewer than four at once
                    changed.wait_for(lambda: most[0] >= 4, timeout=2)
                time.sleep(0.05)  # still holding: a fifth admitted now would be counted
                with changed:
                    holding[0] -= 1
                    admitted[0] += 1
                release()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_process) for _n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted[0] == 30
    assert most[0] == 4


@pytest.mark.parametrize("make_store", STORES)
def test_a_full_window_throttles_until_its_oldest_minute_leaves(
    make_store: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget, "WINDOW_REQUESTS", 50)
    store = make_store()
    now = [1_800_000_000.0]  # a minute boundary
    gate = budget.MailboxGate(*KEY, store, clock=lambda: now[0])
    gate.admit(20)()
    now[0] += 120
    gate.admit(30)()  # 50 in the window: full
    with pytest.raises(Throttled) as refused:
        gate.admit(1)
    assert refused.value.until.timestamp() == 1_800_000_000.0 + 600  # the first minute leaves
    now[0] = 1_800_000_000.0 + 600
    gate.admit(15)()  # the first minute's 20 left the window


@pytest.mark.parametrize("make_store", STORES)
def test_a_place_a_crashed_process_held_frees_after_its_lease(
    make_store: Callable[[], Any],
) -> None:
    store = make_store()
    now = [1_800_000_000.0]
    gate = budget.MailboxGate(*KEY, store, clock=lambda: now[0], wait_at_most=0)
    for _n in range(4):
        gate.admit(1)  # never given back: their process died
    with pytest.raises(Throttled):
        gate.admit(1)
    now[0] += budget.SLOT_LEASE + 1
    gate.admit(1)()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_clients_sharing_a_mailbox_stay_under_outlooks_concurrency_limit(
    connect_by_consent: Any, emulator: Any
) -> None:
    kim = connect_by_consent("kim@example.com", "Kim")
    emulator.set_faults(latency_ms=100)
    emulator.clear_stats()
    requests = [SubRequest("GET", "/me/events?$top=1") for _n in range(60)]
    failures: list[BaseException] = []

    def one_process() -> None:
        try:
            with graph_client_for(kim.account) as graph:
                answers = run_batch(graph, requests)
            assert all(answer.status == 200 for answer in answers)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_process) for _n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    emulator.set_faults()
    assert failures == []
    stats = emulator.stats()
    assert stats["requests"] >= 9  # three clients, three serial batches of 20 each
    assert stats["throttled"] == 0
