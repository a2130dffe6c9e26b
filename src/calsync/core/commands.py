"""The base of calsync's management commands: their ``--help`` in the active language.

``calsync`` activates the shell's language (``LANG``) before Django builds a command's
parser, so argument helps written with ``gettext`` in ``add_arguments`` are translated
already; the class attribute ``help`` is read at import time, so commands mark it with
``gettext_noop`` and this base translates it when the parser is made.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext


class TranslatedCommand(BaseCommand):
    """A command whose description (``help``, a msgid) is shown translated."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = gettext(self.help) if self.help else None
        return parser
