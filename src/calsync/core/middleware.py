"""The first two middleware of every request: believe trusted proxies, then check the host.

``ForwardedHeadersMiddleware``: only when the request comes from an address listed in
``CALSYNC_FORWARDED_ALLOW_IPS`` (addresses or networks, comma-separated; ``*`` trusts any;
empty, the default, trusts nobody) are its ``X-Forwarded-Proto``, ``X-Forwarded-Host`` and
``X-Forwarded-For`` believed: they become the request's scheme, ``Host`` and client address,
so ``request.build_absolute_uri()``, secure cookies, CSRF checks and login throttling see
what the person's browser sees. From anyone else these headers are removed, so no code
further on can be fooled by them.

``HostCheckMiddleware``: a ``Host`` that is not accepted (see :mod:`calsync.core.deployment`)
raises ``DisallowedHost``, which Django answers with a 400; with DEBUG on, only loopback
clients are answered. Add a name with ``CALSYNC_ALLOWED_HOSTS``, or make it the Base URL's.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.views.defaults import bad_request

from calsync.core import deployment

logger = logging.getLogger("calsync.security")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PORT",
)


class TrustedProxies:
    """The reverse proxies whose forwarded headers are believed."""

    def __init__(self, entries: Iterable[str]) -> None:
        entries = [entry.strip() for entry in entries if entry.strip()]
        self.everyone = "*" in entries
        self.networks: list[Network] = [
            ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"
        ]

    def __bool__(self) -> bool:
        return self.everyone or bool(self.networks)

    def trusts(self, address: str) -> bool:
        """Whether ``address`` (a peer's IP) is one of the proxies."""
        if self.everyone:
            return True
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client_of(self, forwarded_for: str, peer: str) -> str:
        """The client's address: walking ``X-Forwarded-For`` from the right (each proxy
        appends the address it saw), the first one that is not a trusted proxy."""
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer


def _first(value: str) -> str:
    return value.split(",")[0].strip()


def believe_forwarded(meta: dict[str, object], proxies: TrustedProxies) -> None:
    """Apply a trusted proxy's forwarded headers to the WSGI ``meta``, or drop them."""
    peer = str(meta.get("REMOTE_ADDR", ""))
    headers = {name: str(meta.pop(name)) for name in FORWARDED_HEADERS if name in meta}
    if not headers or not proxies.trusts(peer):
        return
    proto = _first(headers.get("HTTP_X_FORWARDED_PROTO", "")).lower()
    if proto in {"http", "https"}:
        meta["wsgi.url_scheme"] = proto
    host = _first(headers.get("HTTP_X_FORWARDED_HOST", ""))
    if host:
        meta["HTTP_HOST"] = host
    if "HTTP_X_FORWARDED_FOR" in headers:
        meta["REMOTE_ADDR"] = proxies.client_of(headers["HTTP_X_FORWARDED_FOR"], peer)


class ForwardedHeadersMiddleware:
    """Believes ``X-Forwarded-*`` from ``CALSYNC_FORWARDED_ALLOW_IPS`` only (see module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = TrustedProxies(settings.CALSYNC_FORWARDED_ALLOW_IPS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        believe_forwarded(request.META, self.proxies)
        return self.get_response(request)


class HostCheckMiddleware:
    """400 for a ``Host`` calsync does not serve (one log line, no traceback); with DEBUG on,
    403 for any client but loopback."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        client = str(request.META.get("REMOTE_ADDR", ""))
        try:
            host = request.get_host()  # a malformed Host raises DisallowedHost here
            domain, _port = split_domain_port(host)
            if not deployment.is_accepted_host(domain):
                raise DisallowedHost(host)
        except DisallowedHost as exc:
            raw = str(request.META.get("HTTP_HOST", ""))[:200]
            logger.warning("400: refused Host %r from %s (%s)", raw, client, request.path[:200])
            response = bad_request(request, exc)
            response._has_been_logged = True  # type: ignore[attr-defined]  # by the line above
            return response
        if settings.DEBUG and not deployment.is_loopback(client):
            raise PermissionDenied("DEBUG is on: only loopback clients are answered")
        return self.get_response(request)
