"""``calsync worker``: background sync without the web server (the engine alone).

It takes due syncs from the database (:mod:`calsync.outlook.triggers.due`): periodic ones
and the requests web processes record (changes, page views, change notifications), so the
web app may run without an engine of its own (e.g. under gunicorn). Any number of workers
divide the accounts between them and never repeat a run."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsync.core.commands import TranslatedCommand
from calsync.outlook.triggers import scheduler


class Command(TranslatedCommand):
    help = gettext_noop(
        "Sync every connected account periodically and soon after a change in Outlook."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=None, help=_("seconds between rounds (default 300)")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        runner = scheduler.default()
        if options["interval"] is not None:
            if options["interval"] <= 0:
                from django.core.management.base import CommandError

                raise CommandError(_("--interval must be a positive number of seconds."))
            runner.interval = options["interval"]
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_a: stop.set())
        scheduler.warm_up()
        runner.start()
        self.stdout.write(
            _("calsync worker: syncing every %(seconds)s s (Ctrl+C stops it)")
            % {"seconds": int(runner.interval)}
        )
        stop.wait()
        runner.stop()
