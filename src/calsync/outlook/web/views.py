"""Pages of the Outlook integration: the settings page, the consent flow, disconnect."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calsync.accounts.demo import remaining_demo_users
from calsync.outlook.connection import actions, consent, crypto, validation
from calsync.outlook.connection.configuration import (
    client_secret_of,
    current,
    redirect_uri_for,
    request_base_url,
    same_origin,
)
from calsync.outlook.models import OutlookSettings
from calsync.outlook.sync import log_messages
from calsync.outlook.web.forms import OutlookSettingsForm

logger = logging.getLogger("calsync.outlook")


def _refused(request: HttpRequest, refusal: consent.ConsentRefused) -> HttpResponse:
    response = render(
        request,
        "outlook/consent_refused.html",
        {"message": refusal.message, "link": refusal.link},
        status=refusal.status,
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """``/settings/``: administrators only (others: login redirect or 403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_admin:
        raise PermissionDenied(_("Only administrators can change the Outlook settings."))
    row = OutlookSettings.load()
    here = request_base_url(request)
    secret_unreadable = False
    try:
        client_secret_of(row)
    except crypto.SecretUnreadable:
        secret_unreadable = True
    if request.method == "POST":
        form = OutlookSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_update_settings(
                    enabled=data["enabled"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"],
                    clear_client_secret=data["clear_client_secret"],
                    base_url=data["base_url"] or here,
                )
            except actions.SettingsError as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("The Outlook settings were saved."))
                return redirect("outlook:settings")
    else:
        form = OutlookSettingsForm(
            initial={
                "enabled": row.enabled,
                "client_id": row.client_id,
                "base_url": row.base_url or here,
            }
        )
    context = _settings_context(request, form, row, here, secret_unreadable)
    return render(request, "outlook/settings.html", context)


def _settings_context(
    request: HttpRequest,
    form: OutlookSettingsForm,
    row: OutlookSettings,
    here: str,
    secret_unreadable: bool,
) -> dict[str, Any]:
    """What the Settings page shows besides its form: the redirect URI for the Base URL
    being entered, warnings, the cloud in use, the demo users left."""
    shown_base_url = (form["base_url"].value() or "").strip() or row.base_url or here
    try:
        shown_base_url = validation.clean_base_url(shown_base_url)
    except ValidationError:  # the form reports the invalid entry itself
        shown_base_url = row.base_url or here
    config = current(request, row) if not secret_unreadable else None
    return {
        "form": form,
        "secret_set": row.has_client_secret,
        "secret_unreadable": secret_unreadable,
        "redirect_uri": redirect_uri_for(shown_base_url),
        "base_url": shown_base_url,
        "here": here,
        "host_mismatch": not same_origin(shown_base_url, here),
        "insecure_base_url": shown_base_url.startswith("http://")
        and not validation.is_loopback_url(shown_base_url),
        "authority_host": config.authority_host if config else "",
        "graph_url": config.graph_url if config else "",
        "cloud": config.cloud if config else "",
        "demo_users": remaining_demo_users(),
    }


@never_cache
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    """``POST /outlook/connect`` (the **Sync with Outlook** button): go to Microsoft."""
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    try:
        auth_uri = consent.start(request)
    except consent.ConsentRefused as refusal:
        return _refused(request, refusal)
    return HttpResponseRedirect(auth_uri)


@never_cache
@require_GET
def authentication(request: HttpRequest) -> HttpResponse:
    """``/microsoft_account/authentication``: Microsoft's answer; store it, back to ``/``."""
    try:
        account = consent.complete(request)
    except consent.ConsentRefused as refusal:
        return _refused(request, refusal)
    logger.info("outlook: consent completed for user %s", account.user_id)
    response = redirect("/")
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_POST
def disconnect(request: HttpRequest) -> HttpResponse:
    """``POST /outlook/disconnect``: remove the user's tokens (events and links stay)."""
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    actions.do_disconnect(request.user)
    return redirect("/")


@never_cache
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    """``POST /outlook/sync`` (the **Sync with Outlook** button once connected): ask the
    background engines for a sync now and answer at once; the page then follows the run
    through ``GET /api/outlook/status``. A script (``Accept: application/json``) gets
    ``202 {"asked": true}``; a plain form post comes back to the calendar with a message.
    ``confirm=1`` (the go-ahead for a mass delete) runs the sync itself, as before."""
    from calsync.outlook.models import OutlookAccount
    from calsync.outlook.sync.run import run_sync
    from calsync.outlook.triggers import scheduler

    wants_json = "application/json" in request.headers.get("Accept", "")
    if not request.user.is_authenticated:
        if wants_json:
            return JsonResponse({"detail": _("Your session has ended: log in again.")}, status=401)
        return redirect_to_login("/")
    account = OutlookAccount.objects.filter(user=request.user).first()
    if account is None or not account.connected:
        return connect(request)
    if request.POST.get("confirm") == "1":
        summary = run_sync(account, "button", confirm=True)
        _tell_result(request, summary)
        return redirect("/")
    scheduler.ask(request.user.pk, 0.0, "button")
    if wants_json:
        return JsonResponse({"asked": True}, status=202)
    messages.info(request, _("Sync with Outlook started: it runs in the background."))
    return redirect("/")


def _tell_result(request: HttpRequest, summary: Any) -> None:
    counts = {
        "pulled": sum(summary.pulled.values()),
        "pushed": sum(summary.pushed.values()),
        "mails": summary.invitations,
    }
    if summary.ok:
        messages.success(
            request,
            _("Synced with Outlook: %(pulled)s changes from Outlook, %(pushed)s to Outlook, "
              "%(mails)s mails sent by Outlook.") % counts,
        )  # fmt: skip
    else:
        text = "; ".join(log_messages.render(e) for e in summary.errors[:3])
        messages.warning(request, _("Sync with Outlook: %(errors)s") % {"errors": text})


@never_cache
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    """``GET /outlook/panel``: the calendar's Outlook panel alone (HTML), for the page to
    swap in when the change cursor says the sync state moved."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return render(request, "outlook/_panel_section.html")
