"""API tokens: issued once in clear, stored as their SHA-256 digest (:class:`ApiToken`).

Each ``POST /api/token`` issues a new token (the old ones cannot be shown again, they are
not stored) and keeps the user's :data:`TOKENS_PER_USER` newest: a script that asks for a
token every run never piles them up.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from calsync.accounts.models import ApiToken, User

TOKENS_PER_USER = 20


def digest_of(token: str) -> str:
    """The stored form of ``token``: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def do_issue_token(user: User) -> str:
    """A new token for ``user`` (returned once, stored hashed); the oldest beyond
    :data:`TOKENS_PER_USER` are revoked."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=digest_of(token))
    stale = ApiToken.objects.filter(user=user).values_list("pk", flat=True)[TOKENS_PER_USER:]
    ApiToken.objects.filter(pk__in=list(stale)).delete()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a token belongs to, or None."""
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(token), user__is_active=True)
        .first()
    )
    return found.user if found else None
