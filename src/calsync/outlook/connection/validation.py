"""Checks for the Outlook settings' fields, shared by the settings page and the CLI.

Each ``clean_*`` returns the normalised value or raises Django's ``ValidationError`` with a
message that names what is wrong; an empty value is valid (it means "not set").
"""

from __future__ import annotations

import ipaddress
import uuid
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOOPBACK_NAMES = {"localhost"}


def _is_guid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def clean_client_id(value: str) -> str:
    """The Application (client) ID: a GUID as Azure shows it."""
    value = (value or "").strip()
    if value and not _is_guid(value):
        raise ValidationError(
            _(
                "Client ID must be the Application (client) ID shown by Azure, a GUID like "
                "12345678-1234-1234-1234-123456789abc."
            ),
            code="client_id",
        )
    return value.lower()


def clean_client_secret(value: str) -> str:
    """The client secret's Value (not its Secret ID, which is a GUID)."""
    value = (value or "").strip()
    if not value:
        return ""
    if _is_guid(value):
        raise ValidationError(
            _(
                "This looks like the secret's ID. Client Secret must be the secret's Value, "
                "copied when the secret was created."
            ),
            code="client_secret",
        )
    if any(ch.isspace() for ch in value) or len(value) > 1000:
        raise ValidationError(
            _("Client Secret must be the secret's Value: one word without spaces."),
            code="client_secret",
        )
    return value


def clean_base_url(value: str) -> str:
    """The address users open calsync at, e.g. ``https://calendar.example.com``.

    Scheme and host (and port, path prefix) only; no query, fragment or credentials.
    """
    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    message = _(
        "Base URL must be the address users open calsync at, such as "
        "https://calendar.example.com (http or https, no query or fragment)."
    )
    try:
        port = parts.port
    except ValueError as exc:
        raise ValidationError(message, code="base_url") from exc
    if (
        parts.scheme.lower() not in {"http", "https"}
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ValidationError(message, code="base_url")
    netloc = parts.hostname.lower()
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (Microsoft allows http:// only there)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
