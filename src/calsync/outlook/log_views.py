"""``/users/<id>/calendar``: an administrator's view of a user's Outlook sync (CONTRACT §3).

Health and the sync log now; the Reset Account wizard comes with its own issue (a marked
place in the template). Administrators only: others get 403, visitors the login page.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from calsync.accounts.models import User
from calsync.outlook.models import OutlookAccount, SyncRecord, SyncRun
from calsync.outlook.status import status_for

LOG_RUNS = 50

HEALTH_TEXT = {
    "disabled": _("Outlook sync is not set up"),
    "not_connected": _("Not connected"),
    "reconnect_needed": _("Reconnect needed"),
    "error": _("The last sync had errors"),
    "ok": _("Healthy"),
}


@never_cache
@require_GET
def user_calendar(request: HttpRequest, user_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_admin:
        raise PermissionDenied(_("Only administrators can read another user's sync log."))
    subject = get_object_or_404(User, pk=user_id)
    account = OutlookAccount.objects.filter(user=subject).first()
    status = status_for(subject)
    runs = list(
        SyncRun.objects.filter(account__user=subject).order_by("-started_at", "-id")[:LOG_RUNS]
    )
    context = {
        "subject": subject,
        "account": account,
        "status": status,
        "health_text": str(HEALTH_TEXT.get(status["health"], status["health"])),
        "linked": SyncRecord.objects.filter(account=account).count() if account else 0,
        "runs": list(runs[:LOG_RUNS]),
    }
    return render(request, "outlook/user_calendar.html", context)
