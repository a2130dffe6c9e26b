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
    def is_admin(self) -> bool:
        """Administrators may read every calendar and change the Outlook settings."""
        return self.is_staff or self.is_superuser
