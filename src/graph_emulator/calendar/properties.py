"""Event input (POST/PATCH bodies): validated, normalised, every error naming its property.

Read-only properties that clients commonly echo back (``id``, ``changeKey``, ``iCalUId``,
``organizer``...) are ignored; unknown properties are 400 ``RequestBodyRead`` as Graph
answers them; a value of the wrong JSON type or outside its enum is 400 ``RequestBodyRead``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph_emulator.calendar.errors import body_read, invalid_property
from graph_emulator.calendar.model import NO_TIME
from graph_emulator.calendar.timezones import Zone, parse_date_time_time_zone

MISSING: Any = object()

READ_ONLY = frozenset(
    {
        "id", "changeKey", "createdDateTime", "lastModifiedDateTime", "iCalUId", "uid",
        "type", "seriesMasterId", "isOrganizer", "organizer", "responseStatus", "webLink",
        "bodyPreview", "hasAttachments", "isCancelled", "isDraft", "onlineMeeting",
        "onlineMeetingUrl", "originalStart", "originalStartTimeZone", "originalEndTimeZone",
        "cancelledOccurrences", "occurrenceId", "exceptionOccurrences", "instances",
        "attachments", "calendar", "extensions", "multiValueExtendedProperties",
    }
)  # fmt: skip
ENUMS: dict[str, tuple[str, ...]] = {
    "showAs": ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown"),
    "sensitivity": ("normal", "personal", "private", "confidential"),
    "importance": ("low", "normal", "high"),
    "onlineMeetingProvider": (
        "unknown",
        "skypeForBusiness",
        "skypeForConsumer",
        "teamsForBusiness",
    ),
}
BOOLEANS = (
    "isReminderOn",
    "responseRequested",
    "hideAttendees",
    "allowNewTimeProposals",
    "isOnlineMeeting",
)
ATTENDEE_TYPES = ("required", "optional", "resource")
LOCATION_TYPES = (
    "default", "conferenceRoom", "homeAddress", "businessAddress", "geoCoordinates",
    "streetAddress", "hotel", "restaurant", "localBusiness", "postalAddress",
)  # fmt: skip
UNIQUE_ID_TYPES = ("unknown", "locationStore", "directory", "private", "bing")
MAX_ATTENDEES = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_EXTENDED_ID = re.compile(
    r"^(String|Integer|Boolean|SystemTime|Double|Binary|Long|Short|CLSID|Currency|Float)\s+"
    r"(\{[0-9a-fA-F-]{36}\}\s+(Name\s+\S.*|Id\s+0x[0-9a-fA-F]+)|0x[0-9a-fA-F]+)$"
)


@dataclass
class Changes:
    """A validated event body. Absent fields are ``MISSING``."""

    props: dict[str, Any] = field(default_factory=dict)
    start: tuple[datetime, Zone] | Any = MISSING
    end: tuple[datetime, Zone] | Any = MISSING
    is_all_day: bool | Any = MISSING
    attendees: list[dict[str, Any]] | Any = MISSING
    recurrence: Any = MISSING
    extended: list[dict[str, str]] | Any = MISSING
    transaction_id: str | Any = MISSING

    @property
    def touches_time(self) -> bool:
        return any(v is not MISSING for v in (self.start, self.end, self.is_all_day))


def enum_value(value: Any, prop: str, allowed: tuple[str, ...]) -> str:
    """The canonical spelling of an enum member (case-insensitive), else RequestBodyRead."""
    if isinstance(value, str):
        for option in allowed:
            if option.lower() == value.lower():
                return option
    raise body_read(prop, f"cannot convert {value!r}; expected one of {', '.join(allowed)}")


def _bool(value: Any, prop: str) -> bool:
    if not isinstance(value, bool):
        raise body_read(prop, f"must be true or false, not {value!r}")
    return value


def _string(value: Any, prop: str, *, allow_null: bool = True) -> str:
    if value is None and allow_null:
        return ""
    if not isinstance(value, str):
        raise body_read(prop, f"must be a string, not {value!r}")
    return value


def parse_body(value: Any) -> dict[str, str]:
    if value is None:
        return {"contentType": "text", "content": ""}
    if not isinstance(value, dict):
        raise body_read("body", "must be an object {contentType, content}")
    kind = value.get("contentType")
    content_type = enum_value(kind, "body.contentType", ("text", "html")) if kind else "text"
    return {"contentType": content_type, "content": _string(value.get("content"), "body.content")}


def _email_address(value: Any, prop: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise body_read(prop, "must be an object {name, address}")
    address = value.get("address")
    if not isinstance(address, str) or not _EMAIL.match(address.strip()):
        raise invalid_property(f"{prop}.address", f"{address!r} is not an email address")
    name = value.get("name")
    if name is not None and not isinstance(name, str):
        raise body_read(f"{prop}.name", "must be a string")
    address = address.strip()
    return {"name": name or address, "address": address}


def parse_attendees(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise body_read("attendees", "must be an array of attendee objects")
    if len(value) > MAX_ATTENDEES:
        raise invalid_property("attendees", f"at most {MAX_ATTENDEES} attendees per event")
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, raw in enumerate(value):
        prop = f"attendees[{position}]"
        if not isinstance(raw, dict):
            raise body_read(prop, "must be an object {emailAddress, type}")
        email = _email_address(raw.get("emailAddress"), f"{prop}.emailAddress")
        kind = raw.get("type")
        attendee_type = enum_value(kind, f"{prop}.type", ATTENDEE_TYPES) if kind else "required"
        if email["address"].lower() in seen:
            continue
        seen.add(email["address"].lower())
        result.append(
            {
                "type": attendee_type,
                "status": {"response": "none", "time": NO_TIME},
                "emailAddress": email,
            }
        )
    return result


def _location(value: Any, prop: str, unique_id_type: str) -> dict[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise body_read(prop, "must be a location object")
    name = _string(value.get("displayName"), f"{prop}.displayName")
    kind = value.get("locationType")
    location_type = enum_value(kind, f"{prop}.locationType", LOCATION_TYPES) if kind else "default"
    address = value.get("address") or {}
    if not isinstance(address, dict):
        raise body_read(f"{prop}.address", "must be a physicalAddress object")
    coordinates = value.get("coordinates") or {}
    if not isinstance(coordinates, dict):
        raise body_read(f"{prop}.coordinates", "must be an outlookGeoCoordinates object")
    result: dict[str, Any] = {"displayName": name, "locationType": location_type}
    for key in ("locationUri", "locationEmailAddress"):
        if value.get(key) is not None:
            result[key] = _string(value[key], f"{prop}.{key}")
    if name:
        result["uniqueId"] = name
        result["uniqueIdType"] = unique_id_type
    else:
        result["uniqueIdType"] = "unknown"
    result["address"] = {k: v for k, v in address.items() if isinstance(v, str)}
    result["coordinates"] = {k: v for k, v in coordinates.items() if isinstance(v, (int, float))}
    return result


def parse_location(value: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(location, locations) from a ``location`` input: they are kept in correspondence."""
    location = _location(value, "location", "private")
    locations = [_location(value, "location", "unknown")] if location["displayName"] else []
    return location, locations


def parse_locations(value: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(location, locations) from a ``locations`` input."""
    if value is None:
        value = []
    if not isinstance(value, list):
        raise body_read("locations", "must be an array of location objects")
    locations = [_location(raw, f"locations[{i}]", "unknown") for i, raw in enumerate(value)]
    names = [loc["displayName"] for loc in locations if loc["displayName"]]
    summary = _location({"displayName": "; ".join(names)}, "location", "private")
    if len(locations) == 1:
        summary = _location(value[0], "locations[0]", "private")
    return summary, locations


def parse_extended(value: Any) -> list[dict[str, str]]:
    prop = "singleValueExtendedProperties"
    if not isinstance(value, list):
        raise body_read(prop, "must be an array of {id, value}")
    result = []
    for position, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise body_read(f"{prop}[{position}]", "must be an object {id, value}")
        prop_id, prop_value = raw.get("id"), raw.get("value")
        if not isinstance(prop_id, str) or not _EXTENDED_ID.match(prop_id.strip()):
            raise invalid_property(
                f"{prop}[{position}].id",
                f"{prop_id!r} is not an extended property id like "
                "'String {00020329-0000-0000-C000-000000000046} Name myProp'",
            )
        if not isinstance(prop_value, str):
            raise body_read(f"{prop}[{position}].value", "must be a string")
        result.append({"id": prop_id.strip(), "value": prop_value})
    return result


def parse_changes(body: Any, *, creating: bool) -> Changes:
    """Validate a POST/PATCH body; ``creating`` requires start and end."""
    if not isinstance(body, dict):
        raise body_read("(body)", "the request body must be a JSON object (an event)")
    changes = Changes()
    for key, value in body.items():
        if key.startswith("@odata.") or key in READ_ONLY:
            continue
        if key == "subject":
            changes.props["subject"] = _string(value, "subject")
        elif key == "body":
            changes.props["body"] = parse_body(value)
        elif key in ENUMS:
            changes.props[key] = enum_value(value, key, ENUMS[key])
        elif key in BOOLEANS:
            changes.props[key] = _bool(value, key)
        elif key == "categories":
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise body_read("categories", "must be an array of strings")
            changes.props["categories"] = list(value)
        elif key == "reminderMinutesBeforeStart":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise body_read(key, f"must be a non-negative integer, not {value!r}")
            changes.props[key] = value
        elif key == "location":
            changes.props["location"], changes.props["locations"] = parse_location(value)
        elif key == "locations":
            if "location" not in body:
                changes.props["location"], changes.props["locations"] = parse_locations(value)
        elif key in ("start", "end"):
            setattr(changes, key, parse_date_time_time_zone(value, key))
        elif key == "isAllDay":
            changes.is_all_day = _bool(value, key)
        elif key == "attendees":
            changes.attendees = parse_attendees(value)
        elif key == "recurrence":
            changes.recurrence = value
        elif key == "singleValueExtendedProperties":
            changes.extended = parse_extended(value)
        elif key == "transactionId":
            changes.transaction_id = _string(value, key)
        else:
            raise body_read(
                key,
                f"The property '{key}' does not exist on type 'microsoft.graph.event'. Make "
                "sure to only use property names that are defined by the type.",
            )
    if creating:
        if changes.start is MISSING:
            raise invalid_property("start", "is required")
        if changes.end is MISSING:
            raise invalid_property("end", "is required")
    return changes
