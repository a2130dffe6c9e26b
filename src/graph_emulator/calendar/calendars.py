"""A mailbox's calendars: its own (one default, more created with ``POST /calendars``) and
the calendars other mailboxes share with it (the control plane's ``share``).

Contract:
* every mailbox has exactly one default calendar (``isDefaultCalendar``), named
  "Calendar", created with the mailbox; ``/events``, ``/calendarView`` and their delta are
  that calendar's, and meeting copies land in it;
* a shared calendar is an entry of the sharee's list pointing at the owner's calendar;
  its events are the owner's (same ids), read through the sharee's entry, written only
  when ``canEdit`` (else 403 ``ErrorAccessDenied``, Graph's answer);
* names are unique per mailbox (case-insensitive): a second calendar of the same name is
  409 ``ErrorFolderExists``;
* every function expects the store's lock to be held (the store's methods take it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph_emulator.calendar import ids
from graph_emulator.calendar.errors import CalendarError, body_read, invalid_property
from graph_emulator.calendar.model import CALENDAR_COLORS, CalendarRecord, Mailbox

if TYPE_CHECKING:
    from graph_emulator.calendar.store import CalendarStore

DEFAULT_NAME = "Calendar"
MAX_NAME = 255
#: Properties a client may echo back on POST/PATCH; ignored, as Graph ignores them.
READ_ONLY = frozenset(
    {
        "id", "changeKey", "isDefaultCalendar", "canEdit", "canShare", "canViewPrivateItems",
        "owner", "hexColor", "isRemovable", "isTallyingResponses",
        "allowedOnlineMeetingProviders", "defaultOnlineMeetingProvider",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Target:
    """Where a calendar's events live: the owner's mailbox and the records' calendar key,
    and whether the caller may write them."""

    mailbox: Mailbox
    key: str
    can_edit: bool
    entry: CalendarRecord


def access_denied() -> CalendarError:
    return CalendarError(
        403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
    )


def ensure_default(mb: Mailbox) -> CalendarRecord:
    """The mailbox's default calendar, created the first time."""
    for cal in mb.calendars.values():
        if cal.is_default:
            return cal
    cal = CalendarRecord(
        id=ids.new_calendar_id(mb.tag),
        name=DEFAULT_NAME,
        change_key=ids.new_change_key(),
        is_default=True,
    )
    mb.calendars = {cal.id: cal, **mb.calendars}
    return cal


def find(mb: Mailbox, calendar_id: str) -> CalendarRecord:
    """An entry of ``mb``'s list; 400 ErrorInvalidIdMalformed, 404 ErrorItemNotFound."""
    cal = mb.calendars.get(calendar_id)
    if cal is not None:
        return cal
    if not ids.is_calendar_id(calendar_id) and not ids.well_formed(calendar_id):
        raise CalendarError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
    raise CalendarError(
        404, "ErrorItemNotFound", "The specified object was not found in the store."
    )


def target(store: CalendarStore, mb: Mailbox, calendar_id: str | None) -> Target:
    """Where the events of ``mb``'s calendar ``calendar_id`` (None: the default) live."""
    cal = ensure_default(mb) if calendar_id is None else find(mb, calendar_id)
    if cal.owner_id is None:
        return Target(mb, cal.key, True, cal)
    owner = store.mailboxes.get(cal.owner_id)
    if owner is None or (cal.source and cal.source not in owner.calendars):
        raise CalendarError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
    return Target(owner, cal.source, cal.can_edit, cal)


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise body_read("name", f"must be a string, not {value!r}")
    name = value.strip()
    if not name:
        raise invalid_property("name", "a calendar needs a name")
    if len(name) > MAX_NAME:
        raise invalid_property("name", f"at most {MAX_NAME} characters")
    return name


def _parse(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        raise body_read("(body)", "the request body must be a JSON object (a calendar)")
    values: dict[str, str] = {}
    for key, value in body.items():
        if key.startswith("@odata.") or key in READ_ONLY:
            continue
        if key == "name":
            values["name"] = _name(value)
        elif key == "color":
            if value not in CALENDAR_COLORS:
                raise body_read(
                    "color",
                    f"'{value}' is not a valid value of type 'microsoft.graph.calendarColor'",
                )
            values["color"] = value
        else:
            raise body_read(
                key,
                f"The property '{key}' does not exist on type 'microsoft.graph.calendar'. Make "
                "sure to only use property names that are defined by the type.",
            )
    return values


def _check_unique(mb: Mailbox, name: str, keep: CalendarRecord | None = None) -> None:
    for cal in mb.calendars.values():
        if cal is not keep and cal.name.lower() == name.lower():
            raise CalendarError(
                409, "ErrorFolderExists", "A folder with the specified name already exists."
            )


def create(mb: Mailbox, body: Any) -> CalendarRecord:
    """POST /calendars: ``name`` (required, unique in the mailbox) and ``color``."""
    values = _parse(body)
    if "name" not in values:
        raise invalid_property("name", "is required")
    _check_unique(mb, values["name"])
    ensure_default(mb)
    cal = CalendarRecord(
        id=ids.new_calendar_id(mb.tag),
        name=values["name"],
        change_key=ids.new_change_key(),
        color=values.get("color", "auto"),
    )
    mb.calendars[cal.id] = cal
    return cal


def update(mb: Mailbox, calendar_id: str, body: Any) -> CalendarRecord:
    """PATCH /calendars/{id}: ``name`` and ``color`` (a shared entry's too: the sharee's
    own name and colour for it)."""
    cal = find(mb, calendar_id)
    values = _parse(body)
    if "name" in values:
        _check_unique(mb, values["name"], keep=cal)
        cal.name = values["name"]
    if "color" in values:
        cal.color = values["color"]
    cal.change_key = ids.new_change_key()
    return cal


def share(
    owner: Mailbox, calendar_id: str | None, sharee: Mailbox, *, can_edit: bool, name: str = ""
) -> CalendarRecord:
    """Share ``owner``'s calendar (None: the default) with ``sharee``: the sharee's entry,
    new or (shared again) updated with ``can_edit``."""
    cal = ensure_default(owner) if calendar_id is None else find(owner, calendar_id)
    if cal.owner_id is not None:
        raise invalid_property("calendar", "a calendar shared with this mailbox is not its own")
    if owner is sharee:
        raise invalid_property("with", "a mailbox cannot share a calendar with itself")
    for entry in sharee.calendars.values():
        if entry.owner_id == owner.user_id and entry.source == cal.key:
            entry.can_edit = can_edit
            entry.change_key = ids.new_change_key()
            return entry
    shown = _name(name) if name else (owner.name if cal.is_default else cal.name)
    taken = {c.name.lower() for c in sharee.calendars.values()}
    unique, n = shown, 2
    while unique.lower() in taken:
        unique, n = f"{shown} ({n})", n + 1
    ensure_default(sharee)
    entry = CalendarRecord(
        id=ids.new_calendar_id(sharee.tag),
        name=unique,
        change_key=ids.new_change_key(),
        color=cal.color,
        owner_id=owner.user_id,
        source=cal.key,
        can_edit=can_edit,
    )
    sharee.calendars[entry.id] = entry
    return entry


def calendar_json(store: CalendarStore, mb: Mailbox, cal: CalendarRecord) -> dict[str, Any]:
    """Graph's ``calendar`` resource for an entry of ``mb``'s list."""
    shared = cal.owner_id is not None
    owner = store.mailboxes.get(cal.owner_id) if shared else mb
    return {
        "id": cal.id,
        "name": cal.name,
        "color": cal.color,
        "hexColor": CALENDAR_COLORS[cal.color],
        "isDefaultCalendar": cal.is_default,
        "changeKey": cal.change_key,
        "canShare": not shared,
        "canViewPrivateItems": not shared,
        "canEdit": cal.can_edit,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": not shared,
        "isRemovable": not cal.is_default,
        "owner": dict(owner.email_address) if owner is not None else {"name": "", "address": ""},
    }


def calendar_of_record(mb: Mailbox, key: str) -> CalendarRecord:
    """The own calendar whose records carry ``key``."""
    if not key:
        return ensure_default(mb)
    return mb.calendars[key]
