"""The Outlook API: ``GET /api/outlook/status`` (no tokens, ever), ``POST /api/outlook/sync``,
``POST /api/outlook/reset`` (administrators)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calsync.outlook.sync import log_messages
from calsync.outlook.sync.progress import PHASES
from calsync.outlook.web.status import status_for


class OutlookStatusView(APIView):
    """The caller's Outlook status (docs/contract.md, REST API)."""

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
                    ["disabled", "not_connected", "reconnect_needed", "stopped", "degraded", "ok"]
                ),
                "health_label": serializers.CharField(),
                "health_reason": serializers.CharField(allow_null=True),
                "not_in_outlook": serializers.IntegerField(required=False),
                "not_in_outlook_events": serializers.ListField(
                    child=inline_serializer(
                        "NotInOutlookEvent",
                        {
                            "event": serializers.IntegerField(),
                            "title": serializers.CharField(),
                            "reason": serializers.CharField(),
                        },
                    ),
                    required=False,
                ),
                "notifications": inline_serializer(
                    "OutlookNotifications",
                    {
                        "active": serializers.BooleanField(),
                        "expires": serializers.DateTimeField(allow_null=True),
                        "last_notification": serializers.DateTimeField(allow_null=True),
                        "problem": serializers.CharField(allow_null=True),
                    },
                    required=False,
                    allow_null=True,
                ),
                "progress": inline_serializer(
                    "OutlookSyncProgress",
                    {
                        "phase": serializers.ChoiceField(list(PHASES)),
                        "done": serializers.IntegerField(),
                        "total": serializers.IntegerField(),
                        "label": serializers.CharField(),
                    },
                    required=False,
                    allow_null=True,
                ),
            },
        )
    )
    def get(self, request: Request) -> Response:
        return Response(status_for(request.user))


class OutlookSyncView(APIView):
    """``POST /api/outlook/sync`` (``?preview=1`` plans only, ``?confirm=1`` allows a mass
    delete): sync the caller's account now; the answer is the sync summary
    (docs/contract.md, REST API).

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
        from calsync.outlook.sync.run import run_sync

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
        return Response(_localised_errors(summary.as_json()))


class IsAdmin(permissions.BasePermission):
    """Administrators only (others: 403)."""

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


class OutlookResetView(APIView):
    """``POST /api/outlook/reset`` (administrators): the Reset Account wizard
    (docs/contract.md, REST API).

    Body: ``{"user": id or email (default: the caller), "existing": "keep" |
    "delete-outlook" | "delete-local" | "delete-both", "next": "new" | "all",
    "confirm": bool}`` (``_`` for ``-`` and ``next_sync`` for ``next`` are accepted).
    Without ``confirm`` it answers ``{"done": false, "preview": …}`` and changes nothing;
    with it, the result (``done``, ``ok``, counts, ``errors``, ``preview``). 400 on a bad
    choice, 404 for an unknown user, 409 when the reset cannot be done (no account, a sync
    running, Outlook unreachable for a deletion there).
    """

    permission_classes = [IsAdmin]

    @extend_schema(
        request=inline_serializer(
            "OutlookResetRequest",
            {
                "user": serializers.CharField(required=False),
                "existing": serializers.ChoiceField(
                    ["keep", "delete-outlook", "delete-local", "delete-both"]
                ),
                "next": serializers.ChoiceField(["new", "all"]),
                "confirm": serializers.BooleanField(required=False),
            },
        ),
        responses=inline_serializer(
            "OutlookResetAnswer",
            {
                "done": serializers.BooleanField(),
                "ok": serializers.BooleanField(required=False),
                "preview": serializers.DictField(),
                "errors": serializers.ListField(child=serializers.DictField(), required=False),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        from django.utils.translation import gettext as _

        from calsync.accounts.models import User
        from calsync.outlook import reset

        data = request.data if isinstance(request.data, dict) else {}
        errors: dict[str, list[str]] = {}
        choices: dict[str, Any] = {}
        for name, key, parse in (
            ("existing", "existing", reset.parse_existing),
            ("next", "next" if "next" in data else "next_sync", reset.parse_next),
        ):
            try:
                choices[name] = parse(str(data.get(key, "")))
            except reset.ResetError as exc:
                errors[name] = [str(exc)]
        confirm = data.get("confirm", False)
        if not isinstance(confirm, bool):
            errors["confirm"] = [_("Use true or false.")]
        if errors:
            return Response(errors, status=400)
        who = data.get("user")
        if who in (None, ""):
            subject = request.user
        else:
            text = str(who).strip()
            lookup = {"pk": int(text)} if text.isdigit() else {"email__iexact": text}
            subject = User.objects.filter(**lookup).first()
            if subject is None:
                return Response({"detail": _("No such user.")}, status=404)
        try:
            if not confirm:
                preview = reset.reset_preview(subject, choices["existing"], choices["next"])
                return Response({"done": False, "preview": preview.as_json()})
            result = reset.reset_account(subject, choices["existing"], choices["next"])
        except reset.ResetError as exc:
            return Response({"detail": str(exc)}, status=409)
        return Response(_localised_errors(result.as_json()))


def _localised_errors(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with each error's ``message`` in the request's language (the other keys,
    ``event``, ``code``, ``template`` and ``params``, as stored)."""
    errors = payload.get("errors") or []
    return {**payload, "errors": [log_messages.localised(e) for e in errors]}
