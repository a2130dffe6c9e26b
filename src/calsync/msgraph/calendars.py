"""A mailbox's calendars over Graph (``GET /me/calendars``): its own and those shared
with it, as :class:`MailboxCalendar` values.

Contract: :func:`list_calendars` follows ``@odata.nextLink`` to the end (every page one
request through the client, so its retries and budget apply) and returns the calendars in
Graph's order; Graph failures raise the client's typed errors. Missing properties read as
Graph's defaults (``canEdit`` false, ``isDefaultCalendar`` false, no colour, no owner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calsync.msgraph.client import GraphClient

#: The properties read; a ``$select`` keeps the pages small.
SELECT = "id,name,color,hexColor,isDefaultCalendar,canEdit,owner"


@dataclass(frozen=True)
class MailboxCalendar:
    """One calendar a mailbox can read: ``hex_color`` "" when none was ever set."""

    id: str
    name: str
    color: str
    hex_color: str
    is_default: bool
    can_edit: bool
    owner_name: str
    owner_address: str


def calendar_of(item: dict[str, Any]) -> MailboxCalendar:
    """A Graph ``calendar`` resource as a value."""
    owner = item.get("owner") or {}
    return MailboxCalendar(
        id=str(item["id"]),
        name=str(item.get("name") or ""),
        color=str(item.get("color") or "auto"),
        hex_color=str(item.get("hexColor") or ""),
        is_default=bool(item.get("isDefaultCalendar")),
        can_edit=bool(item.get("canEdit")),
        owner_name=str(owner.get("name") or ""),
        owner_address=str(owner.get("address") or ""),
    )


def list_calendars(client: GraphClient) -> list[MailboxCalendar]:
    """Every calendar of the signed-in mailbox (``/me/calendars``, all pages)."""
    found: list[MailboxCalendar] = []
    page = client.get_json("/me/calendars", params={"$select": SELECT})
    while True:
        found.extend(calendar_of(item) for item in page.get("value", []))
        following = page.get("@odata.nextLink")
        if not following:
            return found
        page = client.get_json(following)
