"""Encryption at rest for the Outlook client secret and the users' token caches.

Keys are derived from Django's ``SECRET_KEY`` with HKDF-SHA256, one key per purpose, and used
with Fernet (AES-128-CBC + HMAC-SHA256, random IV). ``SECRET_KEY_FALLBACKS`` still decrypt,
so the secret key can be rotated; values are always encrypted with the current key.
Changing the secret key without a fallback makes stored values unreadable
(:class:`SecretUnreadable`): the admin re-enters the client secret, users reconnect.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

CLIENT_SECRET = "outlook.client-secret"
TOKEN_CACHE = "outlook.token-cache"
_SALT = b"calsync.outlook.v1"


class SecretUnreadable(Exception):
    """A stored value cannot be decrypted (the secret key changed, or the value was altered)."""


def _fernet(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode()).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _keys(purpose: str) -> MultiFernet:
    secret_keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key, purpose) for key in secret_keys])


def encrypt(plaintext: str, purpose: str) -> str:
    """Encrypt ``plaintext`` for ``purpose``; the result is ASCII text safe for a TextField."""
    return _keys(purpose).encrypt(plaintext.encode()).decode("ascii")


def decrypt(ciphertext: str, purpose: str) -> str:
    """Decrypt a value made by :func:`encrypt` with the same purpose.

    Raises :class:`SecretUnreadable` if no current or fallback key opens it.
    """
    try:
        return _keys(purpose).decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable(purpose) from exc
