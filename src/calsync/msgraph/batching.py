"""Graph JSON batching: many sub-requests, ``$batch`` requests of at most 20, retries per item.

Contract of :func:`run_batch`:

* requests go out in ``$batch`` requests of at most :data:`MAX_BATCH` sub-requests, with at
  most :data:`MAX_IN_FLIGHT` (4) sub-requests running at once in the mailbox, Outlook's limit
  (Outlook runs up to 4 sub-requests of one batch in parallel, per Microsoft's
  https://learn.microsoft.com/en-us/graph/throttling-limits):
  - up to 20 requests: one batch whose items run in parallel;
  - more: *serial* batches (each item ``dependsOn`` the one before it, as Microsoft advises
    for parallel batches), up to 4 of them in flight at once from worker threads, so the
    round trip of one batch overlaps the work of the others;
* every sub-request carries ``Prefer: IdType="ImmutableId", outlook.timezone="UTC"``;
* a sub-request answered 429, 503 or 504 is sent again in a later round after the longest
  ``Retry-After`` of that round (or a short backoff), at most ``attempts`` times; the others
  keep their answer: each item succeeds or fails alone. An item answered 424 (its
  predecessor in a serial batch failed, so it never ran) is sent again without using up an
  attempt;
* a ``$batch`` that gets no answer (connection dropped) is sent again whole, at most
  ``attempts`` times: creates carry a transactionId and updates are idempotent, so a retry
  of a write that happened does no harm;
* the result has one :class:`SubResponse` per request, in order; an item whose retries ran
  out keeps its last answer (status 429...), and one whose batch never got through has
  status 0 and the error's text.

The client's token provider is called from the worker threads too (``GraphClient`` is
thread-safe); ``on_thread_exit`` runs in each worker thread when it is done (a caller whose
provider opens per-thread resources, such as database connections, closes them there).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from calsync.msgraph.client import GraphClient
from calsync.msgraph.errors import (
    GraphError,
    NetworkError,
    ServerError,
    Throttled,
    parse_retry_after,
)

MAX_BATCH = 20
MAX_IN_FLIGHT = 4
MIN_PER_BATCH = 15  # issue 5: at most 1 request per 15 pushed events
RETRY_STATUSES = frozenset({429, 503, 504})
NOT_RUN = 424  # a serial batch's item after a failed one
ITEM_PREFER = 'IdType="ImmutableId", outlook.timezone="UTC"'


@dataclass(frozen=True, slots=True)
class SubRequest:
    """One request inside a batch: ``url`` relative to the Graph root (``/me/events``)."""

    method: str
    url: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SubResponse:
    """One answer: ``status`` (0: no answer at all), ``headers``, parsed ``body``."""

    status: int
    headers: dict[str, str]
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> tuple[str, str]:
        """Graph's (code, message) for a failed answer."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            err = self.body["error"]
            return str(err.get("code") or ""), str(err.get("message") or "")
        return "", str(self.body or f"HTTP {self.status}")


def _payload(index: int, request: SubRequest, after: int | None = None) -> dict[str, Any]:
    headers = {"Prefer": ITEM_PREFER, **request.headers}
    item: dict[str, Any] = {"id": str(index), "method": request.method, "url": request.url}
    if after is not None:
        item["dependsOn"] = [str(after)]
    if request.body is not None:
        headers.setdefault("Content-Type", "application/json")
        item["body"] = request.body
    item["headers"] = headers
    return item


def _chunks(pending: list[int]) -> list[list[int]]:
    """Batches of at most MAX_BATCH, as even as possible; when it keeps them at least
    :data:`MIN_PER_BATCH` long, a multiple of MAX_IN_FLIGHT of them (no idle last round)."""
    count = -(-len(pending) // MAX_BATCH)
    rounded = -(-count // MAX_IN_FLIGHT) * MAX_IN_FLIGHT
    if count > 1 and len(pending) >= MIN_PER_BATCH * rounded:
        count = rounded
    size, extra = divmod(len(pending), count)
    chunks, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        chunks.append(pending[start:end])
        start = end
    return chunks


def run_batch(
    client: GraphClient,
    requests: Sequence[SubRequest],
    *,
    attempts: int = 5,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    on_batch: Callable[[int], None] | None = None,
    on_thread_exit: Callable[[], None] | None = None,
    on_answered: Callable[[int], None] | None = None,
) -> list[SubResponse]:
    """Send ``requests`` through ``$batch`` (see the module docstring); one answer each.

    ``on_batch(n)`` hears of each batch of ``n`` items before it goes; ``on_answered(n)``
    of each batch answered (from the thread that sent it: it must be thread-safe; a retried
    item is heard of again)."""
    results: list[SubResponse | None] = [None] * len(requests)
    tries = [0] * len(requests)
    pending = list(range(len(requests)))
    round_number = 0
    while pending:
        chunks = _chunks(pending)
        serial = len(chunks) > 1
        for chunk in chunks:
            if on_batch is not None:
                on_batch(len(chunk))
        if serial:
            answers = _send_concurrently(
                client, requests, chunks, attempts, sleep, on_thread_exit, on_answered
            )
        else:
            answers = _send(client, requests, chunks[0], attempts, sleep, False)
            if on_answered is not None:
                on_answered(len(chunks[0]))
        waits: list[float] = []
        retry: list[int] = []
        for index in pending:
            answer = answers[index]
            results[index] = answer
            if answer.status == NOT_RUN and serial and round_number < len(requests) + attempts:
                retry.append(index)  # never ran; each round runs every chain's head at least
                continue
            tries[index] += 1
            if (answer.status in RETRY_STATUSES or answer.status == 0) and tries[index] < attempts:
                retry.append(index)
                wait = parse_retry_after(answer.headers.get("Retry-After"))
                waits.append(wait if wait is not None else min(0.5 * 2**round_number, 8.0))
        pending = retry
        round_number += 1
        if pending and waits:
            sleep(min(max(waits), max_wait))
    return [r if r is not None else SubResponse(0, {}, "not sent") for r in results]


def _send_concurrently(
    client: GraphClient,
    requests: Sequence[SubRequest],
    chunks: list[list[int]],
    attempts: int,
    sleep: Callable[[float], None],
    on_thread_exit: Callable[[], None] | None,
    on_answered: Callable[[int], None] | None = None,
) -> dict[int, SubResponse]:
    """Serial batches of ``chunks``, from at most MAX_IN_FLIGHT worker threads; the first
    exception of a worker (after every worker ended) is raised here."""
    answers: dict[int, SubResponse] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()
    queue = iter(chunks)

    def work() -> None:
        try:
            while not failures:
                with lock:
                    chunk = next(queue, None)
                if chunk is None:
                    return
                got = _send(client, requests, chunk, attempts, sleep, True)
                with lock:
                    answers.update(got)
                if on_answered is not None:
                    on_answered(len(chunk))
        except BaseException as exc:  # re-raised in the calling thread
            failures.append(exc)
        finally:
            if on_thread_exit is not None:
                on_thread_exit()

    workers = [
        threading.Thread(target=work, name=f"graph-batch-{n}", daemon=True)
        for n in range(min(MAX_IN_FLIGHT, len(chunks)))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]
    return answers


def _send(
    client: GraphClient,
    requests: Sequence[SubRequest],
    chunk: list[int],
    attempts: int,
    sleep: Callable[[float], None],
    serial: bool,
) -> dict[int, SubResponse]:
    before = [None, *chunk[:-1]] if serial else [None] * len(chunk)
    items = [_payload(i, requests[i], b) for i, b in zip(chunk, before, strict=True)]
    payload = {"requests": items}
    last: GraphError | None = None
    for attempt in range(attempts):
        try:
            response = client.request("POST", "/$batch", json=payload)
        except (NetworkError, Throttled, ServerError) as exc:
            last = exc
            sleep(exc.retry_after if exc.retry_after is not None else 0.2 * 2**attempt)
            continue
        body = response.json()
        answers: dict[int, SubResponse] = {}
        for item in body.get("responses", []):
            try:
                index = int(item["id"])
            except (KeyError, ValueError):
                continue
            headers = {str(k): str(v) for k, v in (item.get("headers") or {}).items()}
            headers = {_title(k): v for k, v in headers.items()}
            answers[index] = SubResponse(int(item.get("status", 0)), headers, item.get("body"))
        for index in chunk:
            answers.setdefault(index, SubResponse(0, {}, "no answer in the batch"))
        return answers
    message = str(last) if last else "not sent"
    return {index: SubResponse(0, {}, message) for index in chunk}


def _title(name: str) -> str:
    return "Retry-After" if name.lower() == "retry-after" else name
