"""The ``calsync`` command (CONTRACT §2).

``calsync emulator`` runs the Microsoft cloud emulator without Django; every other command
is a Django management command (``calsync reset-account`` runs ``reset_account``), so
Django's own commands (``migrate``, ``shell``, ...) work too. A user mistake prints one line
and exits non-zero, never a traceback. Messages follow the shell's language (``LANG``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

OUR_COMMANDS = (
    ("run", "migrate, then serve the web app with the embedded sync scheduler"),
    ("emulator", "run the Microsoft cloud emulator alone (HTTPS)"),
    ("adduser", "create a local user (login is the email)"),
    ("outlook-config", "the Outlook settings, from the shell"),
    ("sync", "run one sync now for some users"),
    ("reset-account", "the Reset Account wizard"),
    ("worker", "run background sync without the web server"),
)


def _usage() -> str:
    lines = ["usage: calsync COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<16}{text}" for name, text in OUR_COMMANDS]
    lines += [
        "",
        "Django's management commands (migrate, shell, ...) are available too.",
        "'calsync COMMAND --help' describes a command.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        sys.stdout.write(_usage() + "\n")
        return
    command, rest = args[0], args[1:]
    if command == "emulator":
        from graph_emulator.server import main as emulator_main

        sys.exit(emulator_main(rest))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calsync.settings")
    import django
    from django.core.management import execute_from_command_line
    from django.utils import translation

    django.setup()
    translation.activate(shell_language(os.environ))
    execute_from_command_line(["calsync", command.replace("-", "_"), *rest])


def shell_language(environ: Mapping[str, str]) -> str:
    """The language of the shell (``LC_ALL``, ``LC_MESSAGES`` or ``LANG``, e.g.
    ``vi_VN.UTF-8``) if calsync speaks it, else the default language."""
    from django.conf import settings
    from django.utils.translation import get_supported_language_variant

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            code = value.split(".")[0].split("@")[0].replace("_", "-").lower()
            try:
                return get_supported_language_variant(code)
            except LookupError:
                return settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


if __name__ == "__main__":
    main()
