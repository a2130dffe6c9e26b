"""``/users/``: an administrator's list of users with their Outlook health, mailbox, last sync
and last error, each linking to their page; and adding a user, deactivating one (or letting
them back in) and setting a new password. Django's admin (``/admin/``) has the rest.
All POSTs are CSRF-protected; others than administrators get 403, visitors the login page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from calsync.accounts import actions as account_actions
from calsync.accounts.models import User
from calsync.outlook.models import OutlookSettings
from calsync.outlook.web.status import status_for
from calsync.outlook.web.user_page import admin_only


class NewUserForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    password = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput, strip=False, max_length=128
    )
    admin = forms.BooleanField(label=gettext_lazy("Administrator"), required=False)


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("New password"), widget=forms.PasswordInput, strip=False, max_length=128
    )


def _rows() -> list[dict[str, Any]]:
    """One row per user: the user and their Outlook status (the settings row read once)."""
    settings_row = OutlookSettings.load()
    users = User.objects.order_by("-is_active", "email")
    return [{"user": user, "status": status_for(user, settings_row)} for user in users]


def _render(request: HttpRequest, code: int = 200, **extra: Any) -> HttpResponse:
    context = {"rows": _rows(), "new_user_form": NewUserForm(), **extra}
    return render(request, "outlook/users.html", context, status=code)


@never_cache
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    if (answer := admin_only(request, _("Only administrators manage users."))) is not None:
        return answer
    return _render(request)


@never_cache
@require_POST
def add_user(request: HttpRequest) -> HttpResponse:
    if (answer := admin_only(request, _("Only administrators manage users."))) is not None:
        return answer
    form = NewUserForm(request.POST)
    if not form.is_valid():
        return _render(request, 400, new_user_form=form)
    data = form.cleaned_data
    try:
        made = account_actions.do_create_user(
            data["email"], data["password"], name=data["name"], admin=data["admin"]
        )
    except account_actions.UserError as exc:
        form.add_error(None, str(exc))
        return _render(request, 400, new_user_form=form)
    messages.success(request, _("%(email)s can now log in.") % {"email": made.email})
    return redirect("outlook:users")


@never_cache
@require_POST
def set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    if (answer := admin_only(request, _("Only administrators manage users."))) is not None:
        return answer
    subject = get_object_or_404(User, pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        account_actions.do_set_active(subject, active, by=request.user)
    except account_actions.UserError as exc:
        messages.error(request, str(exc))
        return redirect("outlook:users")
    text = _("%(email)s can log in again.") if active else _("%(email)s can no longer log in.")
    messages.success(request, text % {"email": subject.email})
    return redirect("outlook:users")


@never_cache
@require_POST
def set_password(request: HttpRequest, user_id: int) -> HttpResponse:
    if (answer := admin_only(request, _("Only administrators manage users."))) is not None:
        return answer
    subject = get_object_or_404(User, pk=user_id)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            account_actions.do_set_password(subject, form.cleaned_data["password"])
        except account_actions.UserError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("New password set for %(email)s.") % {"email": subject.email}
            )
    else:
        messages.error(request, _("Type the new password."))
    return redirect("outlook:users")
