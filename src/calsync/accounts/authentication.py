"""``Authorization: Token <token>`` for the REST API, against hashed tokens."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from calsync.accounts.tokens import user_for_token


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's token header, looked up by digest (:mod:`calsync.accounts.tokens`)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, None]:
        user = user_for_token(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return user, None
