"""``calsync demo [--remove]``: whether the demo's users are still here; ``--remove`` deletes
them with everything they own, and the demo's Outlook settings (the first step of going live)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsync.accounts.demo import remaining_demo_users
from calsync.core import demo
from calsync.core.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_noop("Show the demo's users, or remove them and their data (--remove).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--remove",
            action="store_true",
            help=_("delete the demo users, their events and the demo's Outlook settings"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["remove"]:
            gone = demo.remove()
            if gone:
                self.stdout.write(
                    _("Removed the demo users and their data: %(emails)s")
                    % {"emails": ", ".join(gone)}
                )
            else:
                self.stdout.write(_("No demo user is left."))
            return
        left = remaining_demo_users()
        if left:
            self.stdout.write(
                _("Demo users here: %(emails)s. Remove them with: calsync demo --remove")
                % {"emails": ", ".join(left)}
            )
        else:
            self.stdout.write(_("No demo user is left."))
