from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "calsync.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from calsync.accounts.zones import remember_browser_zone

        user_logged_in.connect(remember_browser_zone, dispatch_uid="accounts-browser-zone")
