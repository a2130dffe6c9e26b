"""``calsync compile_translations``: build the .mo files from the shipped .po files.

Uses polib, so a fresh machine needs no GNU gettext tools (``make install`` runs this).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.utils.translation import gettext_noop

from calsync.core.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_noop("Compile the translation catalogues (.po -> .mo) without GNU gettext.")

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for locale_dir in map(Path, settings.LOCALE_PATHS):
            for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                # written aside, then moved into place: a process reading the catalogue
                # meanwhile (a test worker, a server) sees the old one or the new one, whole
                draft = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
                polib.pofile(str(po_path)).save_as_mofile(str(draft))
                os.replace(draft, mo_path)
                compiled += 1
        self.stdout.write(f"compiled {compiled} translation catalogue(s)")
