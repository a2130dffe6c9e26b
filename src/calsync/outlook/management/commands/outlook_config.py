"""``calsync outlook-config [--enable/--disable] [--client-id ID] [--client-secret SECRET]
[--clear-secret] [--base-url URL]``: the settings page's fields, from the shell.

Without options it prints the current settings. ``--client-secret -`` reads the secret from
standard input (so it stays out of the shell history and the process list). The secret is
never printed: only "set" or "not set".
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsync.core.commands import TranslatedCommand
from calsync.outlook.connection import actions
from calsync.outlook.connection.configuration import current, redirect_uri_for
from calsync.outlook.connection.crypto import SecretUnreadable
from calsync.outlook.models import OutlookSettings

FLAGS = {
    "enabled": "--enable/--disable",
    "client_id": "--client-id",
    "client_secret": "--client-secret",
    "base_url": "--base-url",
}


class Command(TranslatedCommand):
    help = gettext_noop("Show or change the Outlook settings (the settings page's fields).")

    def add_arguments(self, parser: CommandParser) -> None:
        toggle = parser.add_mutually_exclusive_group()
        toggle.add_argument(
            "--enable",
            dest="enabled",
            action="store_true",
            default=None,
            help=_("tick Outlook Calendar"),
        )
        toggle.add_argument(
            "--disable", dest="enabled", action="store_false", help=_("untick Outlook Calendar")
        )
        parser.add_argument("--client-id", help=_("the Application (client) ID from Azure"))
        parser.add_argument(
            "--client-secret", help=_("the client secret's Value ('-' reads it from stdin)")
        )
        parser.add_argument(
            "--clear-secret", action="store_true", help=_("remove the saved client secret")
        )
        parser.add_argument("--base-url", help=_("the address users open calsync at"))

    def handle(self, *args: Any, **options: Any) -> None:
        secret = options["client_secret"]
        if secret == "-":
            secret = sys.stdin.readline().strip()
            if not secret:
                raise CommandError(_("--client-secret: nothing was read from standard input."))
        changes = {
            "enabled": options["enabled"],
            "client_id": options["client_id"],
            "client_secret": secret,
            "base_url": options["base_url"],
        }
        if any(value is not None for value in changes.values()) or options["clear_secret"]:
            try:
                actions.do_update_settings(clear_client_secret=options["clear_secret"], **changes)
            except actions.SettingsError as exc:
                field, message = next(iter(exc.errors.items()))
                raise CommandError(f"{FLAGS.get(field, field)}: {message}") from exc
            self.stdout.write(_("Outlook settings saved."))
        self._print(OutlookSettings.load())

    def _print(self, row: OutlookSettings) -> None:
        try:
            config = current(row=row)
            secret = _("set") if row.has_client_secret else _("not set")
        except SecretUnreadable:
            config = None
            secret = _("set, but unreadable (the secret key changed): enter it again")
        lines = [
            (_("Outlook Calendar"), _("enabled") if row.enabled else _("disabled")),
            (_("Client ID"), row.client_id or _("not set")),
            (_("Client Secret"), secret),
            (_("Base URL"), row.base_url or _("not set (the address each user opens calsync at)")),
            (
                _("Redirect URI"),
                redirect_uri_for(row.base_url) or _("<Base URL>/microsoft_account/authentication"),
            ),
        ]
        if config is not None:
            lines += [(_("Sign-in service"), config.authority_host), (_("Graph"), config.graph_url)]
        for label, value in lines:
            self.stdout.write(f"{label}: {value}")
