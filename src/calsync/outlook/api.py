"""``GET /api/outlook/status``: the signed-in user's Outlook status (no tokens, ever)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calsync.outlook.status import status_for


class OutlookStatusView(APIView):
    """The caller's Outlook status (CONTRACT §4)."""

    @extend_schema(
        responses=inline_serializer(
            "OutlookStatus",
            {
                "enabled": serializers.BooleanField(),
                "connected": serializers.BooleanField(),
                "mailbox": serializers.CharField(allow_null=True),
                "last_sync": serializers.DateTimeField(allow_null=True),
                "last_error": serializers.CharField(allow_null=True),
                "needs_reconnect": serializers.BooleanField(),
                "health": serializers.ChoiceField(
                    ["disabled", "not_connected", "reconnect_needed", "error", "ok"]
                ),
            },
        )
    )
    def get(self, request: Request) -> Response:
        return Response(status_for(request.user))


class OutlookSyncView(APIView):
    """``POST /api/outlook/sync`` (``?preview=1`` plans only, ``?confirm=1`` allows a mass
    delete): sync the caller's account now; the answer is CONTRACT §4's summary.

    409 when the caller has not connected Outlook; the summary's ``ok`` says how it went.
    """

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "SyncSummary",
            {
                "user": serializers.CharField(),
                "ok": serializers.BooleanField(),
                "pulled": serializers.DictField(child=serializers.IntegerField()),
                "pushed": serializers.DictField(child=serializers.IntegerField()),
                "conflicts": serializers.IntegerField(),
                "errors": serializers.ListField(child=serializers.DictField()),
                "graph_requests": serializers.IntegerField(),
                "seconds": serializers.FloatField(),
                "invitations": serializers.IntegerField(),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        from django.utils.translation import gettext as _

        from calsync.outlook.models import OutlookAccount
        from calsync.outlook.sync import run_sync

        flags = {}
        for name in ("preview", "confirm"):
            raw = str(request.query_params.get(name, request.data.get(name, "0")) or "0")
            if raw.lower() not in ("0", "1", "true", "false", ""):
                return Response({name: [_("Use 1 or 0.")]}, status=400)
            flags[name] = raw.lower() in ("1", "true")
        account = OutlookAccount.objects.filter(user=request.user).first()
        if account is None or not account.connected:
            return Response(
                {"detail": _("Connect Outlook first (Sync with Outlook on the calendar).")},
                status=409,
            )
        summary = run_sync(account, "api", preview=flags["preview"], confirm=flags["confirm"])
        return Response(summary.as_json())
