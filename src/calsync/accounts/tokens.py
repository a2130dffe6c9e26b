"""API tokens: issued once in clear, stored as their SHA-256 digest (:class:`ApiToken`).

Each ``POST /api/token`` issues a new token (the old ones cannot be shown again, they are
not stored) and keeps the user's :data:`TOKENS_PER_USER` newest: a script that asks for a
token every run never piles them up. A request's token is looked up once
(:func:`user_for_request_token`), however many parts of the server ask whose it is.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.http import HttpRequest

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


_RESOLVED = "_calsync_token_user"
"""The attribute of a request holding ``(token, user or None)`` once looked up."""


def user_for_request_token(request: HttpRequest, token: str) -> User | None:
    """:func:`user_for_token`, looked up once per request: the fair-share middleware asks
    whose request it is before DRF's authentication asks again."""
    resolved = getattr(request, _RESOLVED, None)
    if resolved is not None and resolved[0] == token:
        return resolved[1]
    user = user_for_token(token)
    setattr(request, _RESOLVED, (token, user))
    return user
