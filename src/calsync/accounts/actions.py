"""Actions on users (the CLI and the admin pages call these, never the ORM directly)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from calsync.accounts.models import User


class UserError(ValueError):
    """A user could not be created or changed; the message is for the person asking."""


@transaction.atomic
def do_create_user(
    email: str,
    password: str,
    *,
    name: str = "",
    admin: bool = False,
    check_password: bool = True,
) -> User:
    """Create a local user whose login is ``email``. Raises :class:`UserError` on bad input,
    including a password Django's validators refuse (settings.AUTH_PASSWORD_VALIDATORS);
    ``check_password=False`` is for the demo's published password, served on loopback only."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise UserError(_("%(email)s is not a valid email address.") % {"email": email}) from exc
    if not password:
        raise UserError(_("A password is required."))
    if User.objects.filter(email__iexact=email).exists():
        raise UserError(_("A user with the email %(email)s already exists.") % {"email": email})
    if check_password:
        check_new_password(password, User(email=email, username=email, name=name))
    if admin:
        return User.objects.create_superuser(email=email, password=password, name=name)
    return User.objects.create_user(email=email, password=password, name=name)


def check_new_password(password: str, user: User) -> None:
    """Raise :class:`UserError` naming every rule ``password`` breaks for ``user``."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserError(" ".join(exc.messages)) from exc


@transaction.atomic
def do_set_password(user: User, password: str, *, check_password: bool = True) -> None:
    """Give ``user`` a new password (checked like :func:`do_create_user`'s)."""
    if check_password:
        check_new_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def do_update_profile(user: User, *, name: str, time_zone: str) -> None:
    """Save ``user``'s name and time zone (an IANA name already checked by the caller)."""
    user.name = name.strip()
    user.time_zone = time_zone
    user.save(update_fields=["name", "time_zone"])


@transaction.atomic
def do_set_active(user: User, active: bool, *, by: User) -> None:
    """Let ``user`` log in again or not (their events stay); nobody deactivates themselves."""
    if user.pk == by.pk and not active:
        raise UserError(_("You cannot deactivate yourself."))
    user.is_active = active
    user.save(update_fields=["is_active"])
