"""The ``calsync`` command (docs/contract.md, The calsync command).

``calsync emulator`` runs the Microsoft cloud emulator without Django; every other command
is a Django management command (``calsync reset-account`` runs ``reset_account``), so
Django's own commands (``migrate``, ``shell``, ...) work too. A user mistake prints one line
and exits non-zero, never a traceback. Messages follow the shell's language (``LANG``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def gettext_noop(message: str) -> str:
    """Marks a msgid for the catalogue (as Django's, which needs settings to import)."""
    return message


OUR_COMMANDS = (
    ("run", gettext_noop("migrate, then serve the web app with the embedded sync scheduler")),
    ("emulator", gettext_noop("run the Microsoft cloud emulator alone (HTTPS)")),
    ("adduser", gettext_noop("create a local user (login is the email)")),
    ("outlook-config", gettext_noop("the Outlook settings, from the shell")),
    ("sync", gettext_noop("run one sync now for some users")),
    ("reset-account", gettext_noop("the Reset Account wizard")),
    ("worker", gettext_noop("run background sync without the web server")),
    ("demo", gettext_noop("show the demo users, or remove them and their data (--remove)")),
)


def _usage() -> str:
    """The command list, in the shell's language."""
    from django.utils.translation import gettext as _

    lines = [_("usage: calsync COMMAND [options]"), "", _("commands:")]
    lines += [f"  {name:<16}{_(text)}" for name, text in OUR_COMMANDS]
    lines += [
        "",
        _("Django's management commands (migrate, shell, ...) are available too."),
        _("'calsync COMMAND --help' describes a command."),
    ]
    return "\n".join(lines)


def _set_up_django() -> None:
    """Django set up, speaking the shell's language."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calsync.settings")
    import django
    from django.utils import translation

    django.setup()
    translation.activate(shell_language(os.environ))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        _set_up_django()
        sys.stdout.write(_usage() + "\n")
        return
    command, rest = args[0], args[1:]
    if command == "emulator":
        try:
            from graph_emulator.server import main as emulator_main
        except ImportError as exc:
            _set_up_django()
            from calsync.core.extras import emulator_missing

            sys.stderr.write(f"calsync emulator: {emulator_missing(exc)}\n")
            sys.exit(2)
        sys.exit(emulator_main(rest))
    from django.core.management import execute_from_command_line

    _set_up_django()
    if command == "check":  # `calsync check --deploy` judges the settings the server runs with
        from calsync.core.deployment import apply_https

        apply_https()
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
