"""A small, synchronous Microsoft Graph client over httpx.

Contract:

* ``GraphClient(base_url, token_provider, transport=None, verify=None)``: ``base_url`` is the
  Graph root (``https://graph.microsoft.com/v1.0`` or the emulator's ``…/v1.0``); paths are
  relative to it, and absolute URLs (``@odata.nextLink``) are accepted only on the same origin,
  so a bearer token never leaves for another host.
* Every request carries ``Authorization: Bearer <token_provider()>`` and
  ``Prefer: IdType="ImmutableId"`` (plus the caller's own preferences).
* A 401 asks the provider once for a forced refresh and retries; a provider that cannot give
  a token raises its own error, which propagates unchanged.
* 429, 503 and 504 are retried at most ``max_retries`` times, waiting ``Retry-After`` (fractional
  allowed) or an exponential backoff; a wait longer than ``max_retry_wait`` is not slept but
  raised at once as :class:`~calsync.msgraph.errors.Throttled` /
  :class:`~calsync.msgraph.errors.ServerError` carrying ``retry_after``. Retries after a 503/504
  go over a new connection when the client owns its transport. Safe methods are also retried
  after a dropped connection.
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
from os import PathLike
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from calsync.msgraph.errors import (
    GraphError,
    NetworkError,
    error_from_response,
)

logger = logging.getLogger("calsync.msgraph")

IMMUTABLE_ID = 'IdType="ImmutableId"'
RETRY_STATUSES = frozenset({429, 503, 504})
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
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._token_provider = token_provider
        self._owns_transport = transport is None
        self._verify = ssl_context(verify)
        self._timeout = httpx.Timeout(timeout)
        self._client = self._new_client(transport)
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._lock = threading.Lock()
        self._requests_made = 0

    # -- public API -------------------------------------------------------------------------

    @property
    def requests_made(self) -> int:
        """How many HTTP requests this client has sent (retries included)."""
        return self._requests_made

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        prefer: Iterable[str] = (),
    ) -> httpx.Response:
        """Send one Graph request (with retries) and return the successful response.

        Raises a :class:`~calsync.msgraph.errors.GraphError` subclass on failure.
        """
        method = method.upper()
        url = self._url(path)
        base_headers = {
            "Accept": "application/json",
            "Prefer": ", ".join([IMMUTABLE_ID, *prefer]),
            **(headers or {}),
        }
        refreshed = False
        fresh_connection = False
        attempt = 0
        while True:
            token = self._token_provider(force_refresh=refreshed)
            request = self._client.build_request(
                method,
                url,
                params=params,
                json=json,
                headers={
                    **base_headers,
                    "Authorization": f"Bearer {token}",
                    "client-request-id": str(uuid.uuid4()),
                },
            )
            try:
                response = self._send(request, fresh_connection)
            except httpx.TransportError as exc:
                if method in SAFE_METHODS and attempt < self.max_retries:
                    attempt += 1
                    self._sleep(self._backoff(attempt))
                    fresh_connection = True
                    continue
                raise NetworkError(
                    f"{method} {_path_only(url)}: {type(exc).__name__}", status=None
                ) from exc
            if response.is_success:
                return response
            if response.status_code == 401 and not refreshed:
                refreshed = True
                continue
            error = error_from_response(response)
            if response.status_code in RETRY_STATUSES and attempt < self.max_retries:
                wait = error.retry_after
                if wait is None:
                    wait = self._backoff(attempt + 1)
                if wait <= self.max_retry_wait:
                    attempt += 1
                    logger.info(
                        "graph %s %s answered %s; retrying in %.2fs",
                        method,
                        _path_only(url),
                        response.status_code,
                        wait,
                    )
                    self._sleep(wait)
                    fresh_connection = response.status_code in {503, 504}
                    continue
            raise error

    def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        prefer: Iterable[str] = (),
    ) -> dict[str, Any]:
        """GET ``path`` and return its JSON object."""
        return _json_object(self.request("GET", path, params=params, prefer=prefer))

    def me(self) -> dict[str, Any]:
        """The signed-in user (``GET /me``): ``id``, ``mail``, ``userPrincipalName``, ..."""
        return self.get_json("/me")

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
            trust_env=False,
            follow_redirects=False,
            headers={"User-Agent": "calsync"},
        )

    def _send(self, request: httpx.Request, fresh_connection: bool) -> httpx.Response:
        with self._lock:
            self._requests_made += 1
        started = time.monotonic()
        if fresh_connection and self._owns_transport:
            with self._new_client(None) as one_shot:
                response = one_shot.send(request)
        else:
            response = self._client.send(request)
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

    @staticmethod
    def _backoff(attempt: int) -> float:
        return min(0.5 * 2 ** (attempt - 1), 8.0)


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
