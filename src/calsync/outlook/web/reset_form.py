"""The Reset Account wizard's form: Odoo's two questions, with the guide's labels."""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundWidget
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calsync.outlook.reset import EXISTING_LABELS, NEXT_LABELS, ExistingEvents, NextSync

EXISTING_HELP = {
    ExistingEvents.KEEP: _(
        "No change to the events, here or in Outlook: an event deleted or archived in "
        "calsync since the last sync stays in Outlook."
    ),
    ExistingEvents.DELETE_OUTLOOK: _(
        "The synced events are deleted from Outlook (whole series too), and so are those "
        "deleted or archived in calsync since the last sync; calsync keeps its events. "
        "Outlook mails a cancellation to each attendee of a meeting the user organises."
    ),
    ExistingEvents.DELETE_LOCAL: _(
        "The user's synced events are deleted from calsync (whole series too); Outlook keeps them."
    ),
    ExistingEvents.DELETE_BOTH: _("Both of the above."),
}
NEXT_HELP = {
    NextSync.NEW: _(
        "After reconnecting, only events created from now on sync, in both directions."
    ),
    NextSync.ALL: _(
        "After reconnecting, every event syncs again; events on both sides are linked "
        "again, not copied."
    ),
}


class ResetAccountForm(forms.Form):
    """**User's existing events** and **Next synchronization** (defaults as in Odoo)."""

    existing = forms.ChoiceField(
        label=_("User's existing events"),
        choices=[(e.value, EXISTING_LABELS[e]) for e in ExistingEvents],
        initial=ExistingEvents.KEEP.value,
        widget=forms.RadioSelect,
        help_text=_("Only the user's own events that were synced with Outlook are affected."),
    )
    next_sync = forms.ChoiceField(
        label=_("Next synchronization"),
        choices=[(n.value, NEXT_LABELS[n]) for n in NextSync],
        initial=NextSync.NEW.value,
        widget=forms.RadioSelect,
    )

    def existing_options(self) -> list[tuple[BoundWidget, Promise]]:
        """Each radio of **User's existing events** with what it does."""
        return [
            (radio, EXISTING_HELP[ExistingEvents(radio.data["value"])])
            for radio in self["existing"]
        ]

    def next_options(self) -> list[tuple[BoundWidget, Promise]]:
        """Each radio of **Next synchronization** with what it does."""
        return [(radio, NEXT_HELP[NextSync(radio.data["value"])]) for radio in self["next_sync"]]

    def choices(self) -> tuple[ExistingEvents, NextSync]:
        """The validated answers (call after ``is_valid()``)."""
        return (
            ExistingEvents(self.cleaned_data["existing"]),
            NextSync(self.cleaned_data["next_sync"]),
        )
