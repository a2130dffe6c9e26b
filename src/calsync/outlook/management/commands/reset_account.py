"""``calsync reset-account EMAIL --existing {keep,delete-outlook,delete-local,delete-both}
--next {new,all} [--preview] [--yes]``: the Reset Account wizard (docs/contract.md,
The calsync command).

Prints what the choice touches (events deleted on each side, cancellation mails Outlook
sends), then asks for confirmation on a terminal; ``--yes`` skips the question (needed off
a terminal), ``--preview`` stops after the counts. Bad input is one line, exit non-zero.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import formats
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from calsync.accounts.models import User
from calsync.core.commands import TranslatedCommand
from calsync.outlook.reset import (
    ExistingEvents,
    NextSync,
    ResetError,
    ResetPreview,
    ResetResult,
    parse_existing,
    parse_next,
    reset_account,
    reset_preview,
)
from calsync.outlook.sync.log_messages import render


class Command(TranslatedCommand):
    help = gettext_noop(
        "Reset a user's Outlook account: what happens to existing events, what syncs next."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", metavar="EMAIL")
        parser.add_argument(
            "--existing",
            required=True,
            choices=[e.value for e in ExistingEvents],
            help=_("what happens to the user's existing synced events"),
        )
        parser.add_argument(
            "--next",
            required=True,
            dest="next_sync",
            choices=[n.value for n in NextSync],
            help=_("new: only events created after the reset; all: every event"),
        )
        parser.add_argument("--preview", action="store_true", help=_("count; change nothing"))
        parser.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(_("No user with the email %(email)s.") % {"email": options["email"]})
        try:
            existing = parse_existing(options["existing"])
            next_sync = parse_next(options["next_sync"])
            preview = reset_preview(user, existing, next_sync)
        except ResetError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(describe(preview))
        if options["preview"]:
            return
        if not options["yes"]:
            stdin = options.get("stdin") or sys.stdin
            if not stdin.isatty():
                raise CommandError(_("Not on a terminal: add --yes to confirm the reset."))
            self.stdout.write(_("Reset this account? Type 'yes' to confirm: "), ending="")
            self.stdout.flush()
            if stdin.readline().strip().lower() not in ("yes", "y"):
                raise CommandError(_("Reset cancelled; nothing was changed."))
        try:
            result = reset_account(user, existing, next_sync)
        except ResetError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(done(result))
        if not result.ok:
            sys.exit(1)


def describe(preview: ResetPreview) -> str:
    """The preview in a few lines (also what the wizard's confirmation says)."""
    lines = [
        _("Reset Account of %(user)s (Outlook mailbox %(mailbox)s):")
        % {"user": preview.user, "mailbox": preview.mailbox or "-"},
        "  "
        + _("existing events: %(existing)s; next sync: %(next)s")
        % {
            "existing": ExistingEvents(preview.existing).label,
            "next": NextSync(preview.next_sync).label,
        },
        "  "
        + _("%(count)s events deleted in Outlook (%(series)s of them series)")
        % {"count": preview.outlook_events, "series": preview.outlook_series},
        "  "
        + _("%(mails)s cancellation mails sent by Outlook (%(messages)s messages)")
        % {"mails": preview.cancellations, "messages": preview.cancellation_messages},
        "  "
        + _("%(count)s events deleted in calsync (%(series)s of them series)")
        % {"count": preview.local_events, "series": preview.local_series},
        "  "
        + _("%(count)s sync links dropped; the account is disconnected (tokens removed)")
        % {"count": preview.linked},
    ]
    lines += ["  " + line for line in _caveats(preview)]
    return "\n".join(lines)


def _caveats(preview: ResetPreview) -> list[str]:
    """The wizard's notes on what the counts leave out (same words as the page)."""
    lines = []
    count = preview.pending_deletions
    if count and preview.deletes_outlook:
        lines.append(
            ngettext(
                "This includes %(count)s event deleted or archived here since the last sync: "
                "its deletion had not reached Outlook yet.",
                "This includes %(count)s events deleted or archived here since the last sync: "
                "their deletion had not reached Outlook yet.",
                count,
            )
            % {"count": count}
        )
    elif count:
        lines.append(
            ngettext(
                "%(count)s event deleted or archived here since the last sync is still in "
                "Outlook and stays there.",
                "%(count)s events deleted or archived here since the last sync are still in "
                "Outlook and stay there.",
                count,
            )
            % {"count": count}
        )
    if preview.changed_here:
        lines.append(
            ngettext(
                "%(count)s of the events deleted from calsync was changed here since the last "
                "sync: Outlook keeps it without these changes.",
                "%(count)s of the events deleted from calsync were changed here since the last "
                "sync: Outlook keeps them without these changes.",
                preview.changed_here,
            )
            % {"count": preview.changed_here}
        )
    if preview.last_sync:
        lines.append(
            _(
                "These counts are taken now from calsync's events and sync links; what Outlook "
                "holds is known as of the last sync (%(time)s): an event created there since is "
                "neither counted nor touched, one deleted there since counts as done, and "
                "changes made there since (guests included) are not counted."
            )
            % {"time": formats.date_format(localtime(preview.last_sync), "DATETIME_FORMAT")}
        )
    return lines


def done(result: ResetResult) -> str:
    text = _(
        "Reset done: %(outlook)s deleted in Outlook, %(local)s deleted in calsync, "
        "%(mails)s cancellation mails; disconnected. The user reconnects with "
        "'Sync with Outlook'."
    ) % {
        "outlook": result.outlook_deleted,
        "local": result.local_deleted,
        "mails": result.cancellations,
    }
    if result.already_gone:
        text += "\n  " + _(
            "%(count)s events were already deleted in Outlook: nothing left to delete there."
        ) % {"count": result.already_gone}
    for error in result.errors:
        text += "\n  " + _("error (event %(event)s): %(message)s") % {
            "event": error["event"] if error["event"] is not None else "-",
            "message": render(error),
        }
    return text
