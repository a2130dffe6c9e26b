"""Graph JSON batching: many sub-requests, ``$batch`` requests of at most 20, retries per item.

Contract of :func:`run_batch`:

* requests go out in ``$batch`` requests of at most :data:`MAX_BATCH` sub-requests, one
  ``$batch`` in flight at a time per mailbox: Outlook runs at most 4 sub-requests of a batch
  at once, so this keeps at most 4 requests in flight per mailbox (Graph facts §4-5);
* every sub-request carries ``Prefer: IdType="ImmutableId", outlook.timezone="UTC"``;
* a sub-request answered 429, 503 or 504 is sent again in a later batch after the longest
  ``Retry-After`` of that round (or a short backoff), at most ``attempts`` times; the others
  keep their answer: each item succeeds or fails alone;
* a ``$batch`` that gets no answer (connection dropped) is sent again whole, at most
  ``attempts`` times: creates carry a transactionId and updates are idempotent, so a retry
  of a write that happened does no harm;
* the result has one :class:`SubResponse` per request, in order; an item whose retries ran
  out keeps its last answer (status 429...), and one whose batch never got through has
  status 0 and the error's text.
"""

from __future__ import annotations

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
RETRY_STATUSES = frozenset({429, 503, 504})
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


def _payload(index: int, request: SubRequest) -> dict[str, Any]:
    headers = {"Prefer": ITEM_PREFER, **request.headers}
    item: dict[str, Any] = {"id": str(index), "method": request.method, "url": request.url}
    if request.body is not None:
        headers.setdefault("Content-Type", "application/json")
        item["body"] = request.body
    item["headers"] = headers
    return item


def run_batch(
    client: GraphClient,
    requests: Sequence[SubRequest],
    *,
    attempts: int = 5,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    on_batch: Callable[[int], None] | None = None,
) -> list[SubResponse]:
    """Send ``requests`` through ``$batch`` (see the module docstring); one answer each."""
    results: list[SubResponse | None] = [None] * len(requests)
    pending = list(range(len(requests)))
    for attempt in range(attempts):
        waits: list[float] = []
        retry: list[int] = []
        for start in range(0, len(pending), MAX_BATCH):
            chunk = pending[start : start + MAX_BATCH]
            answers = _send(client, requests, chunk, attempts, sleep)
            if on_batch is not None:
                on_batch(len(chunk))
            for index in chunk:
                answer = answers[index]
                results[index] = answer
                if answer.status in RETRY_STATUSES or answer.status == 0:
                    retry.append(index)
                    wait = parse_retry_after(answer.headers.get("Retry-After"))
                    waits.append(wait if wait is not None else min(0.5 * 2**attempt, 8.0))
        if not retry or attempt == attempts - 1:
            break
        pending = retry
        sleep(min(max(waits), max_wait))
    return [r if r is not None else SubResponse(0, {}, "not sent") for r in results]


def _send(
    client: GraphClient,
    requests: Sequence[SubRequest],
    chunk: list[int],
    attempts: int,
    sleep: Callable[[float], None],
) -> dict[int, SubResponse]:
    payload = {"requests": [_payload(i, requests[i]) for i in chunk]}
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
