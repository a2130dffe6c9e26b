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
* retries follow the client's retry policy (:mod:`.retry`, its one place): a sub-request
  answered 429, 503 or 504 is sent again in a later round after the longest ``Retry-After``
  of that round (or a jittered backoff); the others keep their answer: each item succeeds or
  fails alone. An item answered 424 (its predecessor in a serial batch failed, so it never
  ran) is sent again at once, as a new chain, without counting as a retry;
* a ``$batch`` itself is retried by the client like any request, a dropped connection
  included: creates carry a transactionId and updates are idempotent, so sending again a
  write that happened does no harm;
* when Graph asks for a wait longer than the policy's cap (an item's or the batch's
  ``Retry-After``), or the client's retry budget is spent, nothing more is sent: every item
  not done yet gets that :class:`~.errors.Throttled` as its ``failure`` (and
  ``client.throttled_until`` says when to come back); items already done keep their answers;
* the result has one :class:`SubResponse` per request, in order; an item whose retries ran
  out keeps its last answer (status 429...); one whose batch never got through has status 0,
  the error's text and the error as ``failure``.

The client's token provider is called from the worker threads too (``GraphClient`` is
thread-safe); ``on_thread_exit`` runs in each worker thread when it is done (a caller whose
provider opens per-thread resources, such as database connections, closes them there).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from calsync.msgraph.client import GraphClient
from calsync.msgraph.errors import (
    GraphError,
    NetworkError,
    ServerError,
    Throttled,
    parse_retry_after,
)
from calsync.msgraph.retry import RETRY_STATUSES

MAX_BATCH = 20
MAX_IN_FLIGHT = 4
MIN_PER_BATCH = 15  # issue 5: at most 1 request per 15 pushed events
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
    """One answer: ``status`` (0: no answer at all), ``headers``, parsed ``body``;
    ``failure``: the error that ended this item on our side (its batch got no answer, or
    Graph asked to wait longer than we do), else ``None``."""

    status: int
    headers: dict[str, str]
    body: Any
    failure: GraphError | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> tuple[str, str]:
        """Graph's (code, message) for a failed answer (the failure's, when there is one)."""
        if self.failure is not None:
            return self.failure.code, str(self.failure)
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
    on_batch: Callable[[int], None] | None = None,
    on_thread_exit: Callable[[], None] | None = None,
    on_answered: Callable[[int], None] | None = None,
    on_answers: Callable[[dict[int, SubResponse]], None] | None = None,
) -> list[SubResponse]:
    """Send ``requests`` through ``$batch`` (see the module docstring); one answer each.

    ``on_batch(n)`` hears of each batch of ``n`` items before it goes; ``on_answered(n)``
    of each batch answered, and ``on_answers`` of its answers (by index in ``requests``),
    from the thread that sent it: they must be thread-safe; a retried item is heard of
    again. A caller may so read answers while later batches are in flight; the answers
    returned are the very objects it heard of (unless a later answer or a stop replaced
    them)."""
    hooks = _Hooks(on_batch, on_thread_exit, on_answered, on_answers)
    rounds = _Rounds(client, requests, hooks)
    try:
        client.retrier.call(rounds.run, retry_on=lambda exc: isinstance(exc, _RetryItems))
    except _RetryItems:
        pass  # the policy's attempts ran out: those items keep their last answer
    except Throttled as exc:
        rounds.stop(exc)
    return rounds.results()


@dataclass(frozen=True, slots=True)
class _Hooks:
    on_batch: Callable[[int], None] | None
    on_thread_exit: Callable[[], None] | None
    on_answered: Callable[[int], None] | None
    on_answers: Callable[[dict[int, SubResponse]], None] | None = None

    def answered(self, got: dict[int, SubResponse]) -> None:
        """Tell the hooks of one batch's answers."""
        if self.on_answers is not None:
            self.on_answers(got)
        if self.on_answered is not None:
            self.on_answered(len(got))


class _RetryItems(GraphError):
    """Items of a round were answered 429/503/504: the retry policy may send them again
    after ``retry_after`` (the longest of their ``Retry-After``; ``None``: none said)."""


class _Rounds:
    """The items of one :func:`run_batch` call, their answers and those still to send."""

    def __init__(self, client: GraphClient, requests: Sequence[SubRequest], hooks: _Hooks):
        self.client = client
        self.requests = requests
        self.hooks = hooks
        self.answers: list[SubResponse | None] = [None] * len(requests)
        self.pending = list(range(len(requests)))

    def run(self) -> None:
        """One attempt of the policy: send the pending items (those a serial batch skipped
        with 424 go again at once: they never ran, each pass runs every chain's head) until
        each has an answer. Raises :class:`_RetryItems` for the items worth retrying, or the
        client's Throttled when it refused to go on."""
        while self.pending:
            got = self._send_round(self.pending)
            for index, answer in got.items():
                self.answers[index] = answer
            stopped = next((a.failure for a in got.values() if _stops(a)), None)
            not_run = [i for i in self.pending if got[i].status == NOT_RUN]
            retry = [i for i in self.pending if _retryable(got[i])]
            if stopped is not None:
                self.pending = [i for i in self.pending if _unfinished(got[i])]
                raise stopped
            if retry:
                self.pending = sorted(retry + not_run)
                raise _retry_items([got[i] for i in retry])
            self.pending = not_run

    def stop(self, error: Throttled) -> None:
        """Nothing more is sent: each item not done carries ``error`` as its failure."""
        for index in self.pending:
            answer = self.answers[index]
            if answer is None or answer.status in (0, NOT_RUN):
                self.answers[index] = SubResponse(0, {}, str(error), error)
            else:
                self.answers[index] = replace(answer, failure=error)
        self.pending = []

    def results(self) -> list[SubResponse]:
        return [a if a is not None else SubResponse(0, {}, "not sent") for a in self.answers]

    def _send_round(self, pending: list[int]) -> dict[int, SubResponse]:
        chunks = _chunks(pending)
        for chunk in chunks:
            if self.hooks.on_batch is not None:
                self.hooks.on_batch(len(chunk))
        if len(chunks) > 1:
            return _send_concurrently(self.client, self.requests, chunks, self.hooks)
        answers = _send(self.client, self.requests, chunks[0], False)
        self.hooks.answered(answers)
        return answers


def _stops(answer: SubResponse) -> bool:
    return isinstance(answer.failure, Throttled)


def _retryable(answer: SubResponse) -> bool:
    """Graph answered the item 429/503/504, or left it out of the batch's answer."""
    return answer.failure is None and (answer.status in RETRY_STATUSES or answer.status == 0)


def _unfinished(answer: SubResponse) -> bool:
    return _stops(answer) or _retryable(answer) or answer.status == NOT_RUN


def _retry_items(answers: list[SubResponse]) -> _RetryItems:
    waits = [parse_retry_after(a.headers.get("Retry-After")) for a in answers]
    known = [w for w in waits if w is not None]
    statuses = sorted({a.status for a in answers})
    return _RetryItems(
        f"{len(answers)} $batch items answered {', '.join(map(str, statuses))}",
        status=429 if 429 in statuses else statuses[-1],
        code=answers[0].error()[0],
        retry_after=max(known) if known else None,
    )


def _send_concurrently(
    client: GraphClient,
    requests: Sequence[SubRequest],
    chunks: list[list[int]],
    hooks: _Hooks,
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
                got = _send(client, requests, chunk, True)
                with lock:
                    answers.update(got)
                hooks.answered(got)
        except BaseException as exc:  # re-raised in the calling thread
            failures.append(exc)
        finally:
            if hooks.on_thread_exit is not None:
                hooks.on_thread_exit()

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
    client: GraphClient, requests: Sequence[SubRequest], chunk: list[int], serial: bool
) -> dict[int, SubResponse]:
    """One ``$batch`` of the items ``chunk`` (sent again by the client if it must); an
    error that ends the whole batch (no answer, 5xx, throttled) becomes each item's
    failure, other errors (401, 400...) propagate."""
    before = [None, *chunk[:-1]] if serial else [None] * len(chunk)
    items = [_payload(i, requests[i], b) for i, b in zip(chunk, before, strict=True)]
    try:
        response = client.request("POST", "/$batch", json={"requests": items}, idempotent=True)
    except (NetworkError, Throttled, ServerError) as exc:
        return {index: SubResponse(0, {}, str(exc), exc) for index in chunk}
    answers: dict[int, SubResponse] = {}
    for item in response.json().get("responses", []):
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


def _title(name: str) -> str:
    return "Retry-After" if name.lower() == "retry-after" else name
