from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "calsync.calendars"
    label = "calendars"
    verbose_name = _("Calendars")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from calsync.calendars.calendar_list import on_user_saved

        post_save.connect(
            on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="calsync.default_calendar"
        )
