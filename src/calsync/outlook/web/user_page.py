"""``/users/<id>/calendar``: an administrator's view of a user's Outlook sync
(docs/contract.md, Web pages).

Health, the sync log, and the Reset Account wizard (:func:`reset_account_view`: choose,
see the counts, confirm; CSRF-protected POSTs). Administrators only: others get 403,
visitors the login page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from calsync.accounts.models import User
from calsync.outlook import reset
from calsync.outlook.models import OutlookAccount, SyncRecord, SyncRun
from calsync.outlook.web import sync_log
from calsync.outlook.web.reset_form import ResetAccountForm
from calsync.outlook.web.status import status_for

LOG_RUNS = 2000
"""Runs the log's pages are made of (the newest; quiet ones fold, so pages stay short)."""


def admin_only(request: HttpRequest, reason: str | None = None) -> HttpResponse | None:
    """The login page for visitors; 403 (saying ``reason``) for users who are not
    administrators; None for an administrator."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_admin:
        raise PermissionDenied(reason or _("Only administrators can read another user's sync log."))
    return None


def _render(request: HttpRequest, subject: User, code: int = 200, **extra: Any) -> HttpResponse:
    account = OutlookAccount.objects.filter(user=subject).first()
    status = status_for(subject)
    runs = list(
        SyncRun.objects.filter(account__user=subject).order_by("-started_at", "-id")[:LOG_RUNS]
    )
    log_page = sync_log.page_of(runs, account.pk if account else None, request.GET.get("page"))
    context = {
        "subject": subject,
        "account": account,
        "status": status,
        "health_text": status["health_label"],
        "linked": SyncRecord.objects.filter(account=account).count() if account else 0,
        "log_page": log_page,
        "entries": log_page.object_list,
        "reset_form": ResetAccountForm(),
        "readonly_calendar": {
            "eventsUrl": f"{get_script_prefix()}api/events",
            "userId": subject.pk,
            "email": subject.email,
            "language": get_language() or "en",
            "timeZone": request.user.time_zone,
        },
        **extra,
    }
    return render(request, "outlook/user_calendar.html", context, status=code)


@never_cache
@require_GET
def user_calendar(request: HttpRequest, user_id: int) -> HttpResponse:
    if (answer := admin_only(request)) is not None:
        return answer
    return _render(request, get_object_or_404(User, pk=user_id))


@never_cache
@require_POST
def reset_account_view(request: HttpRequest, user_id: int) -> HttpResponse:
    """The Reset Account wizard: ``step=preview`` shows the counts and asks to confirm,
    ``step=confirm`` resets and comes back to the page (with a message)."""
    if (answer := admin_only(request)) is not None:
        return answer
    subject = get_object_or_404(User, pk=user_id)
    form = ResetAccountForm(request.POST)
    if not form.is_valid():
        return _render(request, subject, reset_form=form, code=400)
    existing, next_sync = form.choices()
    try:
        if request.POST.get("step") != "confirm":
            preview = reset.reset_preview(subject, existing, next_sync)
            account = reset.account_of(subject)
            if existing.deletes_outlook and not account.connected:
                raise reset.ResetError(
                    _(
                        "Outlook cannot be reached for this user (not connected, or reconnect "
                        "needed): leave the Outlook events untouched, or have them reconnect "
                        "first."
                    )
                )
            return _render(request, subject, reset_form=form, reset_preview=preview)
        result = reset.reset_account(subject, existing, next_sync)
    except reset.ResetError as exc:
        return _render(request, subject, reset_form=form, reset_error=str(exc), code=409)
    text = _(
        "Reset done: %(outlook)s events deleted in Outlook, %(local)s deleted in calsync, "
        "%(mails)s cancellation mails sent by Outlook. The account is disconnected: "
        "%(email)s reconnects with Sync with Outlook."
    ) % {
        "outlook": result.outlook_deleted,
        "local": result.local_deleted,
        "mails": result.cancellations,
        "email": subject.email,
    }
    if result.ok:
        messages.success(request, text)
    else:
        messages.warning(
            request,
            text
            + " "
            + _("%(count)s events could not be deleted in Outlook (see the log).")
            % {"count": len(result.errors)},
        )
    return redirect("outlook:user-calendar", user_id=subject.pk)
