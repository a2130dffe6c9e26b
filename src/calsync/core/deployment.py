"""Serving calsync beyond this machine: the host names it answers, and when it insists on HTTPS.

- **Host names.** A request is answered when its ``Host`` is the Base URL's host (the
  Outlook settings' Base URL: the Settings page, or ``calsync outlook-config --base-url``),
  a loopback name (``localhost``, ``127.0.0.1``, ``[::1]``), or one of
  ``CALSYNC_ALLOWED_HOSTS`` (Django's syntax: ``.example.com`` takes the subdomains too).
  Any other gets a 400 (:class:`calsync.core.middleware.HostCheckMiddleware`), so a forged
  ``Host`` never reaches a page or a link built from it. The Base URL is re-read every few
  seconds, so a new one is answered without a restart.
- **HTTPS.** An ``https://`` Base URL, read when the web process starts (:func:`apply_https`),
  turns on Secure cookies, HSTS, the redirect of plain HTTP to HTTPS, and the Base URL as a
  trusted CSRF origin. Changing the Base URL's scheme takes effect at the next start.
- **DEBUG** is never honoured on an address other than loopback (:func:`debug_refusal`).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.http.request import validate_host
from django.utils.translation import gettext as _

logger = logging.getLogger("calsync.deployment")

LOOPBACK_HOSTS = ("localhost", ".localhost", "127.0.0.1", "[::1]")
"""The loopback names as Django host patterns (127.0.0.0/8 is accepted as a whole too)."""
BASE_URL_TTL = 5.0
"""Seconds a process keeps the Base URL it read (a save in this process forgets it at once)."""
HSTS_SECONDS = 365 * 24 * 3600

_base_url_lock = threading.Lock()
_base_url_cache: tuple[float, str] | None = None


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine
    only: ``localhost`` and its subdomains, 127.0.0.0/8, ``::1``. ``0.0.0.0`` is not."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def served_url(host: str, port: int) -> str:
    """The address a browser opens for ``calsync run --host HOST --port PORT`` (the demo's
    Base URL): ``http://HOST:PORT``, with this machine's host name for a HOST meaning every
    address (``0.0.0.0``, ``::``), which no browser elsewhere can open."""
    host = host.strip().strip("[]")
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 (recognised, not bound)
        host = socket.gethostname().lower() or "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def host_of(url: str) -> str:
    """The host name of ``url`` in lower case (IPv6 in brackets), or ``""``."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return f"[{host}]" if ":" in host else host


def stored_base_url() -> str:
    """The Base URL saved in the Outlook settings, or ``""`` (also before the first migrate).
    Other database errors propagate: a server that cannot read its settings must not guess."""
    from calsync.outlook.models import OutlookSettings

    table = OutlookSettings._meta.db_table
    if table not in connection.introspection.table_names():
        return ""
    row = OutlookSettings.objects.filter(pk=1).values_list("base_url", flat=True).first()
    return (row or "").strip().rstrip("/")


def base_url() -> str:
    """:func:`stored_base_url`, read at most every :data:`BASE_URL_TTL` seconds."""
    global _base_url_cache
    now = time.monotonic()
    cached = _base_url_cache
    if cached is not None and cached[0] > now:
        return cached[1]
    with _base_url_lock:
        value = stored_base_url()
        _base_url_cache = (now + BASE_URL_TTL, value)
    return value


def forget_base_url(**_kwargs: Any) -> None:
    """Drop the cached Base URL (connected to the settings row's ``post_save``)."""
    global _base_url_cache
    _base_url_cache = None


def configured_host_patterns() -> list[str]:
    """The host patterns answered whatever the Base URL: loopback, ``CALSYNC_ALLOWED_HOSTS``,
    and names Django's ``ALLOWED_HOSTS`` lists explicitly (its test runner adds
    ``testserver``)."""
    patterns = [*LOOPBACK_HOSTS, *settings.CALSYNC_ALLOWED_HOSTS]
    return patterns + [host for host in settings.ALLOWED_HOSTS if host != "*"]


def accepted_host_patterns() -> list[str]:
    """All the host patterns answered now: :func:`configured_host_patterns` and the Base
    URL's host."""
    base_host = host_of(base_url())
    return configured_host_patterns() + ([base_host] if base_host else [])


def is_accepted_host(domain: str) -> bool:
    """Whether a request for ``domain`` (the ``Host`` without its port) is answered. The
    configured names are tried first: the Base URL is read only for a host they lack."""
    if not domain:
        return False
    if is_loopback(domain) or validate_host(domain, configured_host_patterns()):
        return True
    base_host = host_of(base_url())
    return bool(base_host) and validate_host(domain, [base_host])


def https_settings(url: str) -> dict[str, Any]:
    """The Django settings an ``https`` Base URL ``url`` turns on ({} for any other URL)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        return {}
    origin = f"https://{parts.netloc}"
    return {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": settings.CALSYNC_HSTS_SECONDS,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": settings.CALSYNC_HSTS_PRELOAD,
        "CSRF_TRUSTED_ORIGINS": sorted({*settings.CSRF_TRUSTED_ORIGINS, origin}),
    }


def apply_https(url: str | None = None) -> dict[str, Any]:
    """Turn on :func:`https_settings` for the stored Base URL (or ``url``); returns what was
    set. Call it once at start, before the WSGI handler is built (middleware reads settings
    when it is made); it never turns anything off."""
    changes = https_settings(stored_base_url() if url is None else url)
    for name, value in changes.items():
        setattr(settings, name, value)
    if changes:
        logger.info("https Base URL: Secure cookies, HSTS and the redirect to https are on")
    return changes


def debug_refusal(host: str) -> str:
    """Why serving on ``host`` is refused, or ``""``: DEBUG shows code and settings to
    whoever reaches the server, so it is for loopback only."""
    if settings.DEBUG and not is_loopback(host):
        return _(
            "DEBUG is on (CALSYNC_DEBUG), which is never allowed on %(host)s, an address "
            "beyond this machine: unset CALSYNC_DEBUG, or serve on 127.0.0.1."
        ) % {"host": host}
    return ""
