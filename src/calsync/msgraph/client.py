"""A small, synchronous Microsoft Graph client over httpx.

Contract:

* ``GraphClient(base_url, token_provider, transport=None, verify=None)``: ``base_url`` is the
  Graph root (``https://graph.microsoft.com/v1.0`` or the emulator's ``…/v1.0``); paths are
  relative to it, and absolute URLs (``@odata.nextLink``) are accepted only on the same origin,
  so a bearer token never leaves for another host.
* Every request carries ``Authorization: Bearer <token_provider()>`` and
  ``Prefer: IdType="ImmutableId"`` (plus the caller's own preferences).
* A 401 asks the provider once for a forced refresh and sends again; a provider that cannot
  give a token raises its own error, which propagates unchanged.
* Retries follow the client's one :class:`~calsync.msgraph.retry.Retrier` (read
  :mod:`calsync.msgraph.retry`): 429, 503 and 504 are retried after ``Retry-After`` (fractional
  or an HTTP date) or a jittered backoff, a ``Retry-After`` over the cap (30 s by default) raises
  :class:`~calsync.msgraph.errors.Throttled` at once (and every later request does, without
  being sent, until then: see ``throttled_until``), and a spent budget raises
  :class:`~calsync.msgraph.errors.RetryBudgetSpent`. A dropped connection is retried for safe
  methods, and for any request sent with ``idempotent=True``. Retries after a 503/504 or a
  dropped connection go over a new connection when the client owns its transport.
* Failures raise the typed errors of :mod:`calsync.msgraph.errors`.
* ``requests_made`` counts every HTTP request actually sent, retries included.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from os import PathLike
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from calsync.msgraph.budget import RequestGate, cost_of
from calsync.msgraph.errors import (
    GraphError,
    NetworkError,
    error_from_response,
)
from calsync.msgraph.retry import Retrier, RetryPolicy, transient

logger = logging.getLogger("calsync.msgraph")

IMMUTABLE_ID = 'IdType="ImmutableId"'
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenProvider(Protocol):
    """Gives a valid access token for Graph.

    Called before every attempt; ``force_refresh=True`` after Graph answered 401, so a
    revoked or expired token is replaced (or the provider raises, e.g. "reconnect needed").
    """

    def __call__(self, *, force_refresh: bool = False) -> str: ...


Verify = bool | str | PathLike[str] | ssl.SSLContext | None


def ssl_context(verify: Verify) -> ssl.SSLContext | bool:
    """An SSL context trusting ``verify`` (a CA bundle path), the system store (``None`` or
    ``True``), or nothing (``False``: only for tests that really mean it)."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        return False
    if verify is None or verify is True:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=str(verify))


class GraphClient:
    """Talks to Graph for one signed-in user (see the module docstring for the contract)."""

    def __init__(
        self,
        base_url: str,
        token_provider: TokenProvider,
        transport: httpx.BaseTransport | None = None,
        verify: Verify = None,
        *,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        gate: RequestGate | None = None,
        proxy: str | None = None,
    ) -> None:
        """``retry``: the numbers of the retry policy (default :class:`RetryPolicy()`);
        ``sleep`` is how the client waits (tests pass their own); ``gate``: the mailbox's
        request budget, asked before every request (:mod:`calsync.msgraph.budget`);
        ``proxy``: an outbound proxy URL for every request (None: straight out)."""
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._token_provider = token_provider
        self._owns_transport = transport is None
        self._verify = ssl_context(verify)
        self._timeout = httpx.Timeout(timeout)
        self._proxy = proxy
        self._gate = gate
        self._client = self._new_client(transport)
        self.retrier = Retrier(retry, sleep)
        self._lock = threading.Lock()
        self._requests_made = 0

    # -- public API -------------------------------------------------------------------------

    @property
    def requests_made(self) -> int:
        """How many HTTP requests this client has sent (retries included)."""
        return self._requests_made

    @property
    def throttled_until(self) -> datetime | None:
        """When Graph asked this client to come back (a ``Retry-After`` over the cap), else
        ``None``; until then every request raises Throttled without being sent."""
        return self.retrier.throttled_until

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        prefer: Iterable[str] = (),
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one Graph request (with retries) and return the successful response.

        ``idempotent``: whether the request may be sent twice after a dropped connection
        (default: for GET, HEAD and OPTIONS only). Raises a
        :class:`~calsync.msgraph.errors.GraphError` subclass on failure.
        """
        call = _Call(
            method.upper(),
            self._url(path),
            params,
            json,
            {
                "Accept": "application/json",
                "Prefer": ", ".join([IMMUTABLE_ID, *prefer]),
                **(headers or {}),
            },
        )
        resend = call.method in SAFE_METHODS if idempotent is None else idempotent
        return self.retrier.call(
            partial(self._attempt, call), retry_on=partial(transient, transport=resend)
        )

    def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        prefer: Iterable[str] = (),
    ) -> dict[str, Any]:
        """GET ``path`` and return its JSON object."""
        return _json_object(self.request("GET", path, params=params, prefer=prefer))

    def me(self, select: str | None = None) -> dict[str, Any]:
        """The signed-in user (``GET /me``): ``id``, ``mail``, ``userPrincipalName``, ...;
        ``select`` names the properties wanted (``proxyAddresses`` comes only so)."""
        return self.get_json("/me", params={"$select": select} if select else None)

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------

    def _new_client(self, transport: httpx.BaseTransport | None) -> httpx.Client:
        return httpx.Client(
            transport=transport,
            verify=self._verify,
            timeout=self._timeout,
            proxy=self._proxy if transport is None else None,
            trust_env=False,
            follow_redirects=False,
            headers={"User-Agent": "calsync"},
        )

    def _attempt(self, call: _Call) -> httpx.Response:
        """One attempt: the request, sent once more with a fresh token after a first 401."""
        self.retrier.check()
        response = self._send(call)
        if response.status_code == 401 and not call.refreshed:
            call.refreshed = True
            response = self._send(call)
        if response.is_success:
            return response
        call.fresh_connection = response.status_code in {503, 504}
        raise error_from_response(response)

    def _send(self, call: _Call) -> httpx.Response:
        token = self._token_provider(force_refresh=call.refreshed)
        request = self._client.build_request(
            call.method,
            call.url,
            params=call.params,
            json=call.json,
            headers={
                **call.headers,
                "Authorization": f"Bearer {token}",
                "client-request-id": str(uuid.uuid4()),
            },
        )
        release = (
            self._gate.admit(cost_of(call.method, call.url, call.json)) if self._gate else None
        )
        with self._lock:
            self._requests_made += 1
        started = time.monotonic()
        try:
            if call.fresh_connection and self._owns_transport:
                with self._new_client(None) as one_shot:
                    response = one_shot.send(request)
            else:
                response = self._client.send(request)
        except httpx.TransportError as exc:
            call.fresh_connection = True
            raise NetworkError(
                f"{call.method} {_path_only(call.url)}: {type(exc).__name__}", status=None
            ) from exc
        finally:
            if release is not None:
                release()
        logger.debug(
            "graph %s %s -> %s in %.3fs",
            request.method,
            request.url.path,
            response.status_code,
            time.monotonic() - started,
        )
        return response

    def _url(self, path: str) -> str:
        if path.startswith(("https://", "http://")):
            if _origin(path) != self._origin:
                raise ValueError("refusing to send a Graph token to another origin")
            return path
        return f"{self.base_url}/{path.lstrip('/')}"


@dataclass(slots=True)
class _Call:
    """One request and what its attempts learnt: a token refresh, a connection to renew."""

    method: str
    url: str
    params: Mapping[str, Any] | None
    json: Any
    headers: dict[str, str]
    refreshed: bool = False
    fresh_connection: bool = False


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _path_only(url: str) -> str:
    return urlsplit(url).path


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise GraphError(
            "Graph answered with something that is not JSON", status=response.status_code
        ) from exc
    if not isinstance(body, dict):
        raise GraphError(
            "Graph answered with JSON that is not an object", status=response.status_code
        )
    return body
