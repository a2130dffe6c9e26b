"""``calsync sync [EMAIL ...] [--all] [--json] [--preview] [--confirm]``: one sync now.

Prints one line per account (or, with ``--json``, the sync summary of docs/contract.md,
REST API: one object for one account, a list for several). On a terminal a progress bar
shows the events written of one account's sync, or the accounts done of several. Exits 1
when a sync failed or stopped for confirmation; bad input is one line, exit 2.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsync.accounts.models import User
from calsync.core.commands import TranslatedCommand
from calsync.outlook.models import OutlookAccount
from calsync.outlook.sync.log_messages import render
from calsync.outlook.sync.progress import Snapshot
from calsync.outlook.sync.run import SyncSummary, run_sync


class Command(TranslatedCommand):
    help = gettext_noop("Run one Outlook sync now for the given users (or --all connected users).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("emails", nargs="*", metavar="EMAIL")
        parser.add_argument("--all", action="store_true", help=_("every connected user"))
        parser.add_argument("--json", action="store_true", help=_("print the summary as JSON"))
        parser.add_argument(
            "--preview", action="store_true", help=_("plan and report; write nothing")
        )
        parser.add_argument(
            "--confirm", action="store_true", help=_("go on with a sync that deletes many events")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = self._accounts(options["emails"], options["all"])
        summaries: list[SyncSummary] = []
        progress = None
        if len(accounts) > 1 and sys.stderr.isatty() and not options["json"]:
            from tqdm import tqdm

            progress = tqdm(total=len(accounts), unit=_("account"), file=sys.stderr)
        bar = EventBar() if len(accounts) == 1 and sys.stderr.isatty() else None
        for account in accounts:
            try:
                summary = run_sync(
                    account,
                    "cli",
                    preview=options["preview"],
                    confirm=options["confirm"],
                    listener=bar,
                )
            finally:
                if bar is not None:
                    bar.close()
            summaries.append(summary)
            if progress is not None:
                progress.update(1)
            if not options["json"]:
                self.stdout.write(_line(summary))
        if progress is not None:
            progress.close()
        if options["json"]:
            payload = [s.as_json() for s in summaries]
            self.stdout.write(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
        if any(not s.ok for s in summaries):
            sys.exit(1)

    def _accounts(self, emails: list[str], everyone: bool) -> list[OutlookAccount]:
        if everyone and emails:
            raise CommandError(_("Give EMAILs or --all, not both."))
        if everyone:
            return [
                a
                for a in OutlookAccount.objects.select_related("user").order_by("user__email")
                if a.connected
            ]
        if not emails:
            raise CommandError(_("Give at least one EMAIL, or --all."))
        accounts = []
        for email in emails:
            user = User.objects.filter(email__iexact=email.strip()).first()
            if user is None:
                raise CommandError(_("No user with the email %(email)s.") % {"email": email})
            account = OutlookAccount.objects.filter(user=user).first()
            if account is None or not account.has_tokens:
                raise CommandError(
                    _("%(email)s has not connected Outlook (Sync with Outlook on the calendar).")
                    % {"email": email}
                )
            accounts.append(account)
        return accounts


def _line(summary: SyncSummary) -> str:
    values = {
        "user": summary.user,
        "state": _("preview") if summary.preview else summary.status,
        "pc": summary.pulled["created"],
        "pu": summary.pulled["updated"],
        "pd": summary.pulled["deleted"],
        "sc": summary.pushed["created"],
        "su": summary.pushed["updated"],
        "sd": summary.pushed["deleted"],
        "conflicts": summary.conflicts,
        "mails": summary.invitations,
        "requests": summary.graph_requests,
        "seconds": summary.seconds,
    }
    line = (
        _(
            "%(user)s: %(state)s; from Outlook +%(pc)s ~%(pu)s -%(pd)s; to Outlook +%(sc)s ~%(su)s "
            "-%(sd)s; %(conflicts)s conflicts; %(mails)s mails; %(requests)s Graph requests; "
            "%(seconds).2fs"
        )
        % values
    )
    for error in summary.errors:
        line += "\n  " + _("error (event %(event)s): %(message)s") % {
            "event": error["event"] if error["event"] is not None else "-",
            "message": render(error),
        }
    return line


class EventBar:
    """A terminal bar for one account's sync: each phase, and the events written of its
    total (a listener of :func:`~calsync.outlook.sync.run.run_sync`)."""

    def __init__(self, file: Any = None) -> None:
        self.file = file or sys.stderr
        self.phase: str | None = None
        self.bar: Any = None

    def __call__(self, snapshot: Snapshot) -> None:
        from tqdm import tqdm

        if snapshot.phase != self.phase or self.bar is None:
            self.close()
            self.phase = snapshot.phase
            self.bar = tqdm(
                total=snapshot.total or None,
                desc=snapshot.title(),
                unit=_("event"),
                file=self.file,
                leave=False,
            )
        self.bar.n = snapshot.done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
