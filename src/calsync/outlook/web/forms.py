"""The settings page's form. Checks live in :mod:`calsync.outlook.connection.actions`
(shared with the CLI); the form only collects values and shows the errors next to their fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OutlookSettingsForm(forms.Form):
    """Odoo's labels: **Outlook Calendar**, **Client ID**, **Client Secret**, and the Base URL."""

    enabled = forms.BooleanField(
        label=_("Outlook Calendar"),
        required=False,
        help_text=_("Let users synchronize their calendar with Outlook."),
    )
    client_id = forms.CharField(
        label=_("Client ID"),
        required=False,
        max_length=100,
        help_text=_("The Application (client) ID of the app registered in Microsoft Entra ID."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_secret = forms.CharField(
        label=_("Client Secret"),
        required=False,
        max_length=1000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("The secret's Value. It is never shown again; leave empty to keep it."),
    )
    clear_client_secret = forms.BooleanField(
        label=_("Clear the saved Client Secret"), required=False
    )
    base_url = forms.CharField(
        label=_("Base URL"),
        required=False,
        max_length=300,
        help_text=_("The address users open calsync at (Odoo's web.base.url)."),
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )
