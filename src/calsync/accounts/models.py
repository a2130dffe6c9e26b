"""Users: people log in with their email address."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailUserManager(UserManager["User"]):
    """Creates users keyed by a normalised email (the username is the email too)."""

    def _create_user(self, email: str | None, password: str | None, **extra: Any) -> User:  # type: ignore[override]
        if not email:
            raise ValueError(_("An email address is required."))
        email = self.normalize_email(email).lower()
        extra.pop("username", None)
        user = self.model(email=email, username=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:  # type: ignore[override]
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(
        self, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:  # type: ignore[override]
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A calsync user. ``email`` is the login; ``is_staff`` marks an administrator."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_(
            "An IANA name such as Asia/Ho_Chi_Minh: pages show times in it and new events "
            "take it. Empty until the first login, which takes the browser's."
        ),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = EmailUserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        """The name to show for this user: their name, else their email."""
        return self.name or self.get_full_name() or self.email

    @property
    def zone_name(self) -> str:
        """The user's time zone, or the server's (``settings.TIME_ZONE``) while none is set."""
        from django.conf import settings

        return self.time_zone or settings.TIME_ZONE

    @property
    def is_admin(self) -> bool:
        """Administrators may read every calendar and change the Outlook settings."""
        return self.is_staff or self.is_superuser


class ApiToken(models.Model):
    """An API token (``Authorization: Token <token>``), kept only as its SHA-256 digest.

    The token itself is shown once, when ``POST /api/token`` issues it; a copy of the
    database gives nobody a token. Tokens are 256 random bits, so a plain digest (no salt,
    no slow hash) is as safe as the token itself; see :mod:`calsync.accounts.tokens`.
    """

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ("-created", "-pk")

    def __str__(self) -> str:
        return f"{self.user} ({self.created:%Y-%m-%d})"
