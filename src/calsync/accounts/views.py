"""``/profile/``: the signed-in user's name and time zone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from calsync.accounts.actions import do_update_profile
from calsync.accounts.forms import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show the profile form; a valid POST saves it and comes back with a message."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            do_update_profile(user, **form.cleaned_data)
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
    else:
        form = ProfileForm(initial={"name": user.name, "time_zone": user.zone_name})
    return render(request, "accounts/profile.html", {"form": form})
