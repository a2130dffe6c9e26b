"""``POST /api/token``: trade an email and password for an API token.

Each call issues a new token, stored hashed (:mod:`calsync.accounts.tokens`); failed tries
count towards the sign-in throttle (:mod:`calsync.accounts.throttle`).
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calsync.accounts.tokens import do_issue_token


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)


class ObtainTokenView(APIView):
    """Returns ``{"token": ...}`` for valid credentials; 400 names what was wrong."""

    permission_classes = (AllowAny,)
    authentication_classes = ()

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=form.validated_data["email"].lower(),
            password=form.validated_data["password"],
        )
        if user is None:
            return Response(
                {"non_field_errors": [_("Unable to log in with these credentials.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"token": do_issue_token(user)})


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    is_admin = serializers.BooleanField()
    time_zone = serializers.CharField()


class MeView(APIView):
    """``GET /api/me``: who the credentials belong to."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            {
                "id": user.pk,
                "email": user.email,
                "name": user.display_name,
                "is_admin": user.is_admin,
                "time_zone": user.zone_name,
            }
        )
