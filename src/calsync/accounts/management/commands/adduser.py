"""``calsync adduser EMAIL --password PW [--name NAME] [--admin]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsync.accounts.actions import UserError, do_create_user
from calsync.core.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_noop("Create a local user (the login is the email).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--admin", action="store_true", help=_("make this user an administrator")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = do_create_user(
                options["email"], options["password"], name=options["name"], admin=options["admin"]
            )
        except UserError as exc:
            raise CommandError(str(exc)) from exc
        role = _("administrator") if user.is_admin else _("user")
        self.stdout.write(_("Created %(role)s %(email)s.") % {"role": role, "email": user.email})
