"""``calsync run``: migrate, then serve the web app with the embedded sync scheduler."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsync.core.commands import TranslatedCommand

logger = logging.getLogger("calsync.run")


class Command(TranslatedCommand):
    help = gettext_noop("Migrate, then serve the web app with the embedded sync scheduler.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--demo",
            action="store_true",
            default=None,
            help=_("start the demo (built-in emulator and demo users); default when unconfigured"),
        )
        parser.add_argument("--no-demo", dest="demo", action="store_false")
        # one person's requests wait for their turn holding a thread (calsync.core.fair_share):
        # enough threads that the others are served meanwhile
        parser.add_argument("--threads", type=int, default=32)

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from calsync.core import demo, deployment
        from calsync.outlook.triggers import scheduler

        host = options["host"]
        refusal = deployment.debug_refusal(host)
        if refusal:
            raise CommandError(refusal)
        call_command("migrate", interactive=False, verbosity=0)
        base_url = deployment.served_url(host, options["port"])
        if demo.should_start(options["demo"]):
            for line in demo.start(base_url, public=not deployment.is_loopback(host)):
                self.stdout.write(line)
        from calsync.wsgi import application  # after the demo: it reads the saved Base URL

        background = None
        if settings.CALSYNC_CELERY:  # Celery's beat and workers run the due syncs
            self.stdout.write(_("Background syncs run on the Celery workers (CALSYNC_CELERY)."))
        else:
            background = scheduler.default().start()
        self.stdout.write(_("calsync is serving on %(url)s (Ctrl+C stops it)") % {"url": base_url})
        self.stdout.write(
            _("It answers for the host names %(hosts)s; CALSYNC_ALLOWED_HOSTS adds others.")
            % {"hosts": ", ".join(deployment.accepted_host_patterns())}
        )
        try:
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                # forwarded headers are judged by calsync (CALSYNC_FORWARDED_ALLOW_IPS), which
                # removes them from untrusted peers: waitress must hand them over untouched
                clear_untrusted_proxy_headers=False,
            )
        finally:
            if background is not None:
                background.stop()
