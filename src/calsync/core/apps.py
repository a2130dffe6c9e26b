from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "calsync.core"
    label = "core"
    verbose_name = _("calsync")

    def ready(self) -> None:
        from calsync.core import deployment
        from calsync.outlook.models import OutlookSettings

        # a saved Base URL is answered at once by this process (others re-read it soon)
        post_save.connect(
            deployment.forget_base_url, sender=OutlookSettings, dispatch_uid="core-base-url"
        )
