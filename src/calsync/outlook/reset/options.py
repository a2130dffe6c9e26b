"""Reset Account's two questions (Odoo's wizard, with the guide's labels) and their answers.

:class:`ExistingEvents`: what happens to the events this account synced; :class:`NextSync`:
what the next sync does after reconnecting. The package docstring says what each means.
"""

from __future__ import annotations

import enum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calsync.outlook.models import OutlookAccount


class ExistingEvents(enum.StrEnum):
    """What happens to the user's existing (synced) events."""

    KEEP = "keep"
    DELETE_OUTLOOK = "delete-outlook"
    DELETE_LOCAL = "delete-local"
    DELETE_BOTH = "delete-both"

    @property
    def deletes_outlook(self) -> bool:
        return self in (ExistingEvents.DELETE_OUTLOOK, ExistingEvents.DELETE_BOTH)

    @property
    def deletes_local(self) -> bool:
        return self in (ExistingEvents.DELETE_LOCAL, ExistingEvents.DELETE_BOTH)

    @property
    def label(self) -> str:
        return str(EXISTING_LABELS[self])


class NextSync(enum.StrEnum):
    """What the next sync (after reconnecting) takes."""

    NEW = "new"
    ALL = "all"

    @property
    def label(self) -> str:
        return str(NEXT_LABELS[self])


EXISTING_LABELS = {
    ExistingEvents.KEEP: gettext_lazy("Leave them untouched"),
    ExistingEvents.DELETE_OUTLOOK: gettext_lazy(
        "Delete from the current Microsoft Calendar account"
    ),
    ExistingEvents.DELETE_LOCAL: gettext_lazy("Delete from calsync"),
    ExistingEvents.DELETE_BOTH: gettext_lazy("Delete from both"),
}

NEXT_LABELS = {
    NextSync.NEW: gettext_lazy("Synchronize only new events"),
    NextSync.ALL: gettext_lazy("Synchronize all existing events"),
}


class ResetError(Exception):
    """The reset cannot be done (nothing was changed); the message is for the user."""


def parse_existing(value: str) -> ExistingEvents:
    """``keep``/``delete-outlook``/... (``_`` accepted for ``-``); raises :class:`ResetError`."""
    try:
        return ExistingEvents(str(value).strip().lower().replace("_", "-"))
    except ValueError:
        raise ResetError(
            _("Existing events: choose one of %(choices)s.")
            % {"choices": ", ".join(e.value for e in ExistingEvents)}
        ) from None


def parse_next(value: str) -> NextSync:
    """``new`` or ``all``; raises :class:`ResetError`."""
    try:
        return NextSync(str(value).strip().lower())
    except ValueError:
        raise ResetError(
            _("Next sync: choose one of %(choices)s.")
            % {"choices": ", ".join(n.value for n in NextSync)}
        ) from None


def account_of(user: Any) -> OutlookAccount:
    """``user``'s Outlook account; :class:`ResetError` when they never connected one."""
    account = OutlookAccount.objects.select_related("user").filter(user=user).first()
    if account is None:
        raise ResetError(_("%(email)s has no Outlook account to reset.") % {"email": user.email})
    return account
