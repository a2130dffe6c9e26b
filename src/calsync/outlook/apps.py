from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutlookConfig(AppConfig):
    name = "calsync.outlook"
    label = "outlook"
    verbose_name = _("Outlook Calendar")

    def ready(self) -> None:
        from calsync.calendars import links
        from calsync.outlook.models import OutlookLink
        from calsync.outlook.triggers import receivers
        from calsync.outlook.web import live

        receivers.connect()
        live.connect()
        links.register(links.LinkSource("outlook_link", OutlookLink.of_event))
