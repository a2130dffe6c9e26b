"""``Authorization: Token <token>`` for the REST API, against hashed tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from calsync.accounts.tokens import user_for_request_token, user_for_token


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's token header, looked up by digest (:mod:`calsync.accounts.tokens`), once per
    request: the fair-share middleware (:mod:`calsync.core.fair_share`) has usually looked
    it up already."""

    http_request: HttpRequest | None = None

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        self.http_request = request._request  # the HttpRequest DRF wraps
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, None]:
        if self.http_request is None:
            user = user_for_token(key)
        else:
            user = user_for_request_token(self.http_request, key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return user, None
