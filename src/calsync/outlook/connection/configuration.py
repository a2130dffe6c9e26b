"""The Outlook configuration in effect: the settings row, overridden by configured settings.

Resolution, for the authority host, the Graph URL and the CA bundle: a ``CALSYNC_*`` setting
(read from the environment) wins when set; else the demo's emulator, which only the demo
writes into the settings row and which saving any other Client ID forgets
(:func:`calsync.outlook.connection.actions.do_update_settings`); else Microsoft's public
cloud and the system trust store. So the emulator and Microsoft differ only in
configuration, and a demo's endpoints never stay behind a real app's Client ID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

from calsync import config as calsync_config
from calsync.outlook.connection import crypto
from calsync.outlook.models import OutlookSettings

REDIRECT_PATH = "/microsoft_account/authentication"
MICROSOFT = "microsoft"
EMULATOR = "emulator"
CONFIGURED = "configured"
TENANT = "common"


@dataclass(frozen=True)
class OutlookConfiguration:
    """Everything needed to talk to Microsoft for this installation."""

    enabled: bool
    client_id: str
    client_secret: str = field(repr=False)
    base_url: str
    authority_host: str
    graph_url: str
    ca_bundle: str | None
    cloud: str = MICROSOFT
    """Whose endpoints these are: :data:`MICROSOFT`, :data:`EMULATOR` (the demo's) or
    :data:`CONFIGURED` (``CALSYNC_MS_AUTHORITY_HOST``/``CALSYNC_GRAPH_URL``)."""

    @property
    def authority(self) -> str:
        """The MSAL authority: ``<host>/common`` (multi-tenant and personal accounts)."""
        return f"{self.authority_host}/{TENANT}"

    @property
    def redirect_uri(self) -> str:
        """The exact URI to register in Azure: ``<Base URL>/microsoft_account/authentication``."""
        return redirect_uri_for(self.base_url)

    @property
    def ready(self) -> bool:
        """Whether users can connect: enabled, with a client id, a secret and a base URL."""
        return bool(self.enabled and self.client_id and self.client_secret and self.base_url)


def redirect_uri_for(base_url: str) -> str:
    """The redirect URI for a base URL (``""`` when the base URL is unknown)."""
    return f"{base_url.rstrip('/')}{REDIRECT_PATH}" if base_url else ""


def request_base_url(request: HttpRequest) -> str:
    """The scheme and host the request came in on, e.g. ``http://127.0.0.1:8000``."""
    return request.build_absolute_uri("/").rstrip("/")


def same_origin(url_a: str, url_b: str) -> bool:
    """Whether two URLs share scheme, host and port."""
    a, b = urlsplit(url_a), urlsplit(url_b)
    return (a.scheme.lower(), a.netloc.lower()) == (b.scheme.lower(), b.netloc.lower())


def client_secret_of(row: OutlookSettings) -> str:
    """The row's decrypted client secret, or "". Raises ``crypto.SecretUnreadable``."""
    if not row.client_secret_encrypted:
        return ""
    return crypto.decrypt(row.client_secret_encrypted, crypto.CLIENT_SECRET)


def _pick(configured: str, default: str, stored: str) -> str:
    """A configured value when set, else the demo's stored one, else Microsoft's."""
    configured = (configured or "").rstrip("/")
    if configured:
        return configured
    return stored.rstrip("/") if stored else default


def _cloud(row: OutlookSettings) -> str:
    if settings.CALSYNC_MS_AUTHORITY_HOST or settings.CALSYNC_GRAPH_URL:
        return CONFIGURED
    return EMULATOR if row.authority_host else MICROSOFT


def current(
    request: HttpRequest | None = None, row: OutlookSettings | None = None
) -> OutlookConfiguration:
    """The configuration in effect. Without a saved base URL, the request's own base URL is
    used (the URL the person is using). Raises ``crypto.SecretUnreadable`` if the stored
    client secret cannot be decrypted."""
    row = row or OutlookSettings.load()
    base_url = row.base_url or (request_base_url(request) if request is not None else "")
    ca_bundle = settings.CALSYNC_CA_BUNDLE or row.ca_bundle or None
    return OutlookConfiguration(
        enabled=row.enabled,
        client_id=row.client_id,
        client_secret=client_secret_of(row),
        base_url=base_url.rstrip("/"),
        authority_host=_pick(
            settings.CALSYNC_MS_AUTHORITY_HOST,
            calsync_config.DEFAULT_AUTHORITY_HOST,
            row.authority_host,
        ),
        graph_url=_pick(
            settings.CALSYNC_GRAPH_URL, calsync_config.DEFAULT_GRAPH_URL, row.graph_url
        ),
        ca_bundle=ca_bundle,
        cloud=_cloud(row),
    )
