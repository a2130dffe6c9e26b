"""The demo's users: who they are, and whether any is left.

``make run`` on an empty installation creates them (see :mod:`calsync.core.demo`) with a
published password; going live starts with ``calsync demo --remove``, which deletes them and
everything they own. The Settings page warns while one exists.
"""

from __future__ import annotations

from calsync.accounts.models import User

DEMO_PASSWORD = "demo"
DEMO_USERS = (
    ("admin@example.com", "Ada Admin", True),
    ("alice@example.com", "Alice Nguyen", False),
    ("bob@example.com", "Bob Tran", False),
)


def demo_emails() -> list[str]:
    return [email for email, _name, _admin in DEMO_USERS]


def remaining_demo_users() -> list[str]:
    """The emails of the demo users that exist here."""
    return sorted(User.objects.filter(email__in=demo_emails()).values_list("email", flat=True))
