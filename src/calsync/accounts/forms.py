"""The profile form: a user's name and time zone."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from calsync.accounts.zones import clean_zone, zone_names


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Calendar, sync log and new events use it."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in zone_names()]

    def clean_time_zone(self) -> str:
        zone = clean_zone(self.cleaned_data.get("time_zone"))
        if not zone:
            raise forms.ValidationError(_("Choose a time zone from the list."))
        return zone
