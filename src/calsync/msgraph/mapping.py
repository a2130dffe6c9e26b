"""Graph event JSON <-> the sync engine's values: pure functions, no HTTP, no Django.

Reading (:func:`remote_item`): events are read with ``Prefer: outlook.timezone="UTC"``, so
``start``/``end`` are UTC wall times; the event's own zone is read by
:func:`.zones.event_zone`: ``originalStartTimeZone`` (a Windows name, or an IANA name), a
series' ``recurrenceTimeZone``, or a custom zone's definition. A Windows zone covers several
IANA zones (W. Europe Standard Time is Berlin, Amsterdam, Rome...): ``zone_hint`` (the zone
we last synced) is kept when Outlook's zone has its offsets over the event's span, so a zone
never drifts. A series' ``endDate`` is a date in its ``recurrenceTimeZone``. All-day events
are dates: the date part of ``start``/``end`` (Graph keeps them midnight to midnight), never
through UTC.

Writing (:func:`create_body`, :func:`patch_body`): times are sent as wall time in the
event's zone with the Windows name :func:`.zones.writable_zone` gives for its span (``UTC``
for UTC, and for a zone no Windows zone matches: then UTC instants); a single event whose
start or end is in the hour the zone repeats when clocks go back goes out in UTC (its wall
time would not say which pass), and reads back as its zone. ``privacy`` is Graph's
``sensitivity`` (same four words), ``show_as`` is ``showAs``, ``description`` is the HTML
``body``, ``location`` its ``displayName``. ``organizer`` is never written (Graph sets it).
Attendees are sent without their answers.

Our uid: every event we create carries it twice, in the single-value extended property
:data:`UID_PROPERTY_ID` (``String {7d3c5e0a-...} Name calsyncUid``, fixed forever) and in the
``transactionId`` (``calsync:<uid>:<planned id>``, so a retried POST never duplicates).
Delta does not return extended properties, but it returns ``transactionId``; the property
is read back (``$expand``) only for events whose transactionId is not ours.

The user's own answer: on a meeting the user does not organise, ``my_response`` carries it
(from ``responseStatus``) and the user's own attendee entry has its status set to "none" in
the content, on both sides, so an answer is never also a content change.

Series: Graph's patternedRecurrence and an RRULE are translated both ways by
:mod:`.patterned_recurrence` (:func:`recurrence_body`, and ``from_graph`` when reading);
:func:`canonical_rrule` spells a local rule the way Outlook gives it back, so both sides
compare equal. A rule Outlook cannot express raises
:class:`~.patterned_recurrence.UnsupportedRecurrence` (the event stays local; its message is
a translatable template). A master's ``cancelledOccurrences`` (read only when selected:
:data:`MASTER_SELECT`) become ``EventData.cancelled``. An exception (a modified occurrence)
is its own item with ``series_remote_id`` and ``original_start``; it never carries our uid
(Graph shows the master's extended property and transactionId on every instance): the
engine keys it by its master (see :mod:`calsync.syncengine.identity`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from calsync.msgraph import patterned_recurrence, zones
from calsync.syncengine.model import Attendee, EventData, Person, RemoteItem

UID_PROPERTY_GUID = "7d3c5e0a-4b1f-4c8e-9a2d-6f0b1e5c3a71"
UID_PROPERTY_ID = f"String {{{UID_PROPERTY_GUID}}} Name calsyncUid"
"""The single-value extended property holding our event uid (never change it)."""

TRANSACTION_PREFIX = "calsync:"

RESPONSES = {
    "none": "none",
    "notResponded": "none",
    "organizer": "none",
    "accepted": "accepted",
    "tentativelyAccepted": "tentative",
    "declined": "declined",
}
"""Graph's responseType -> the engine's answer words."""

UTC_NAME = zones.UTC_NAME

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.IGNORECASE | re.DOTALL)
MASTER_SELECT = ",".join(
    (
        "id", "subject", "body", "start", "end", "originalStartTimeZone", "isAllDay",
        "location", "showAs", "sensitivity", "organizer", "attendees", "isOrganizer",
        "responseStatus", "recurrence", "iCalUId", "changeKey", "lastModifiedDateTime",
        "createdDateTime", "transactionId", "seriesMasterId", "type", "originalStart",
        "isCancelled", "cancelledOccurrences",
    )
)  # fmt: skip
"""The ``$select`` that reads a series master with its ``cancelledOccurrences``."""


# -- time zones ----------------------------------------------------------------------------

graph_zone = zones.graph_zone


def _parse_wall(value: str) -> datetime:
    """Graph's ``2026-11-24T09:00:00.0000000`` as a naive datetime (seconds precision)."""
    return datetime.fromisoformat(value[:19])


def _read_time(node: dict[str, Any]) -> datetime:
    tz = ZoneInfo(zones.named_zone(node.get("timeZone")) or UTC_NAME)
    return _parse_wall(node["dateTime"]).replace(tzinfo=tz).astimezone(UTC)


def _write_time(value: datetime | date, all_day: bool, windows: str) -> dict[str, str]:
    """``value`` as Graph's dateTimeTimeZone in the zone ``windows``: its wall time there
    (by that zone's own rules, so Outlook reads the very instant), or the date."""
    if all_day:
        assert isinstance(value, date)
        day = value if not isinstance(value, datetime) else value.date()
        return {"dateTime": f"{day.isoformat()}T00:00:00", "timeZone": windows}
    assert isinstance(value, datetime)
    wall = value.astimezone(ZoneInfo(zones.named_zone(windows) or UTC_NAME))
    return {"dateTime": wall.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": windows}


# -- reading -------------------------------------------------------------------------------


def body_html(body: dict[str, Any] | None) -> str:
    """The event's description as HTML: the inside of Outlook's ``<body>`` wrapper."""
    if not body:
        return ""
    content = str(body.get("content") or "")
    if body.get("contentType") == "text":
        from html import escape

        return escape(content)
    match = _BODY.search(content)
    return (match.group(1) if match else content).strip()


def _person(node: dict[str, Any] | None) -> Person | None:
    address = ((node or {}).get("emailAddress") or {}).get("address")
    if not address:
        return None
    return Person(address, ((node or {}).get("emailAddress") or {}).get("name") or "")


def _attendees(items: list[dict[str, Any]], own: frozenset[str]) -> tuple[Attendee, ...]:
    seen: dict[str, Attendee] = {}
    for item in items or []:
        email_node = item.get("emailAddress") or {}
        address = (email_node.get("address") or "").strip().lower()
        if not address or address in seen:
            continue
        status = RESPONSES.get(((item.get("status") or {}).get("response")) or "none", "none")
        if address in own:
            status = "none"
        name = (email_node.get("name") or "").strip()
        if name.lower() == address:
            name = ""  # Exchange shows an unresolved address as its own name: no name
        seen[address] = Attendee(address, name, item.get("type") or "required", status)
    return tuple(seen.values())


def event_data(
    obj: dict[str, Any],
    *,
    mailbox: str,
    zone_hint: str | None = None,
    aliases: Iterable[str] = (),
) -> EventData:
    """The engine's content of the Graph event ``obj`` read from ``mailbox`` (whose other
    addresses are ``aliases``: the user's own attendee entry, under any of them, carries
    no answer in the content)."""
    all_day = bool(obj.get("isAllDay"))
    if all_day:
        start: datetime | date = date.fromisoformat(obj["start"]["dateTime"][:10])
        end: datetime | date = date.fromisoformat(obj["end"]["dateTime"][:10])
    else:
        start, end = _read_time(obj["start"]), _read_time(obj["end"])
    recurrence = obj.get("recurrence")
    span = zones.graph_span(start, end, recurrence)
    zone = zones.event_zone(obj, span, zone_hint, (start, end))
    organizer = _person(obj.get("organizer"))
    own = (
        frozenset()
        if obj.get("isOrganizer", True)
        else frozenset({mailbox.lower(), *(a.lower() for a in aliases)})
    )
    data = EventData(
        title=obj.get("subject") or "",
        start=start,
        end=end,
        timezone=zone,
        all_day=all_day,
        description=body_html(obj.get("body")),
        location=((obj.get("location") or {}).get("displayName")) or "",
        show_as=obj.get("showAs") or "busy",
        privacy=obj.get("sensitivity") or "normal",
        organizer=organizer,
        attendees=_attendees(obj.get("attendees") or [], own),
    )
    if recurrence:
        range_zone = zones.named_zone(zones.recurrence_zone_name(recurrence))
        rule = patterned_recurrence.from_graph(
            recurrence,
            start,
            zone,
            all_day=all_day,
            range_zone=range_zone if range_zone not in (None, zone) else None,
        )
        data = data.with_fields({"recurrence": rule})
        cancelled = cancelled_starts(obj, data)
        if cancelled:
            data = data.with_fields({"cancelled": cancelled})
    return data


def uid_from_transaction(transaction_id: str | None) -> str | None:
    """Our uid from a transactionId we wrote (``calsync:<uid>:<planned>``), else None."""
    if not transaction_id or not transaction_id.startswith(TRANSACTION_PREFIX):
        return None
    uid = transaction_id[len(TRANSACTION_PREFIX) :].split(":", 1)[0]
    return uid or None


def uid_from_extended(obj: dict[str, Any]) -> str | None:
    """Our uid from the expanded extended property, if the event carries it."""
    for prop in obj.get("singleValueExtendedProperties") or []:
        if str(prop.get("id", "")).lower() == UID_PROPERTY_ID.lower():
            return str(prop.get("value") or "") or None
    return None


def modified_at(obj: dict[str, Any]) -> datetime:
    stamp = obj.get("lastModifiedDateTime") or obj.get("createdDateTime")
    if not stamp:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return _utc_stamp(stamp)


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_graph_time(value: Any) -> datetime | None:
    """A Graph DateTimeOffset (``createdDateTime``, ``expirationDateTime``: any number of
    fraction digits, ``Z`` or an offset; none: UTC) as an aware UTC datetime; None if bad."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _utc_stamp(stamp: str) -> datetime:
    """Graph's ``2026-11-24T08:00:00Z`` (or with fractions) as an aware UTC datetime."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")[:19] + "+00:00")


def remote_item(
    obj: dict[str, Any],
    *,
    mailbox: str,
    zone_hint: str | None = None,
    uid: str | None = None,
    aliases: Iterable[str] = (),
) -> RemoteItem:
    """The :class:`RemoteItem` of the full Graph event ``obj`` (not a skeletal occurrence);
    ``aliases``: the mailbox's other addresses."""
    is_organizer = bool(obj.get("isOrganizer", True))
    answer = None
    if not is_organizer:
        response = (obj.get("responseStatus") or {}).get("response") or "none"
        answer = RESPONSES.get(response, "none")
    series_id = obj.get("seriesMasterId")
    found_uid = uid or uid_from_transaction(obj.get("transactionId")) or uid_from_extended(obj)
    data = event_data(obj, mailbox=mailbox, zone_hint=zone_hint, aliases=aliases)
    original: datetime | date | None = None
    if series_id:
        found_uid = None  # an instance shows its master's uid: the engine keys it by master
        stamp = obj.get("originalStart")
        if stamp:
            original = _utc_stamp(stamp)
            if data.all_day:
                original = original.astimezone(ZoneInfo(data.timezone)).date()
    return RemoteItem(
        remote_id=obj["id"],
        ical_uid=obj.get("iCalUId"),
        change_key=obj.get("changeKey"),
        data=data,
        modified_at=modified_at(obj),
        uid=found_uid,
        is_organizer=is_organizer,
        my_response=answer,
        series_remote_id=series_id,
        original_start=original,
        cancelled=bool(obj.get("isCancelled")),
    )


ME_SELECT = "id,displayName,mail,userPrincipalName,proxyAddresses"
"""What ``GET /me`` is asked for: who the user is and every address of their mailbox."""


def mailbox_addresses(me: dict[str, Any]) -> list[str]:
    """Every SMTP address of the mailbox ``me`` (a ``GET /me`` with :data:`ME_SELECT`),
    lower-case, primary first: ``mail``, ``userPrincipalName``, and each ``SMTP:`` /
    ``smtp:`` proxy address (other kinds, ``SIP:`` or ``X500:``, are not mail addresses)."""
    found = [str(me.get("mail") or ""), str(me.get("userPrincipalName") or "")]
    for proxy in me.get("proxyAddresses") or []:
        kind, _, address = str(proxy).partition(":")
        if kind.lower() == "smtp":
            found.append(address)
    seen: dict[str, None] = {}
    for address in found:
        address = address.strip().lower()
        if "@" in address and not address.startswith("@"):
            seen.setdefault(address, None)
    return list(seen)


# -- writing -------------------------------------------------------------------------------

WHEN_FIELDS = frozenset({"start", "end", "all_day", "timezone"})


def patch_body(data: EventData, fields: set[str] | frozenset[str]) -> dict[str, Any]:
    """The Graph JSON that writes ``fields`` of ``data`` (a PATCH sends only these)."""
    body: dict[str, Any] = {}
    if "title" in fields:
        body["subject"] = data.title
    if "description" in fields:
        body["body"] = {"contentType": "html", "content": data.description}
    if "location" in fields:
        body["location"] = {"displayName": data.location}
    if "show_as" in fields:
        body["showAs"] = data.show_as
    if "privacy" in fields:
        body["sensitivity"] = data.privacy
    if "attendees" in fields:
        organizer = data.organizer.email if data.organizer else None
        body["attendees"] = [
            {"emailAddress": {"address": a.email, "name": a.name}, "type": a.type}
            for a in data.attendees
            if a.email != organizer
        ]
    if fields & WHEN_FIELDS or ("recurrence" in fields and data.recurrence):
        windows = writable_zone(data)
        body["isAllDay"] = data.all_day
        body["start"] = _write_time(data.start, data.all_day, windows)
        body["end"] = _write_time(data.end, data.all_day, windows)
    if "recurrence" in fields or (data.recurrence and fields & WHEN_FIELDS):
        body["recurrence"] = recurrence_body(data) if data.recurrence else None
    return body


def writable_zone(data: EventData) -> str:
    """The zone name Graph is sent for ``data`` (:func:`.zones.event_writable_zone`: UTC for
    a single event in a repeated hour)."""
    return zones.event_writable_zone(data.timezone, data.start, data.end, data.recurrence)


CONTENT_FIELDS = frozenset(
    {"title", "description", "location", "show_as", "privacy", "attendees", "recurrence"}
    | WHEN_FIELDS
)
INSTANCE_FIELDS = CONTENT_FIELDS - {"recurrence"}
"""What a PATCH of one occurrence may write when it becomes an exception."""


def overridden_fields(data: EventData, series: EventData | None) -> frozenset[str]:
    """The fields a PATCH of one occurrence writes to make it the exception ``data`` of
    ``series``: its times, and what it holds otherwise than its series (Outlook's
    exceptions keep only what they override, and follow their series in the rest; an
    attendee list counts by who is on it, not their answers). Every field without
    ``series``."""
    if series is None:
        return INSTANCE_FIELDS
    fields = set(WHEN_FIELDS)
    for name in INSTANCE_FIELDS - WHEN_FIELDS:
        mine, theirs = getattr(data, name), getattr(series, name)
        if name == "attendees":
            mine = sorted((a.email, a.name, a.type) for a in mine)
            theirs = sorted((a.email, a.name, a.type) for a in theirs)
        if mine != theirs:
            fields.add(name)
    return frozenset(fields)


def transaction_id(uid: str, planned: str) -> str:
    """The transactionId of the create of ``uid`` planned as ``planned`` (stable on retry)."""
    return f"{TRANSACTION_PREFIX}{uid}:{planned}"


def create_body(data: EventData, uid: str, planned_transaction: str) -> dict[str, Any]:
    """The Graph JSON of a create: every field, our uid property, the transactionId."""
    body = patch_body(data, CONTENT_FIELDS)
    body["transactionId"] = transaction_id(uid, planned_transaction)
    body["singleValueExtendedProperties"] = [{"id": UID_PROPERTY_ID, "value": uid}]
    return body


# -- recurrence ----------------------------------------------------------------------------


def recurrence_body(data: EventData) -> dict[str, Any]:
    """Graph's patternedRecurrence for the series ``data`` (:func:`patterned_recurrence.to_graph`;
    ``recurrenceTimeZone`` is the zone's name as :func:`writable_zone` sends it). Raises
    :class:`~.patterned_recurrence.UnsupportedRecurrence` when Outlook cannot express it."""
    assert data.recurrence is not None
    windows = writable_zone(data)
    return patterned_recurrence.to_graph(
        data.recurrence,
        data.start,
        zones.named_zone(windows) or UTC_NAME,  # its rules: the same as ours, or nearest
        data.all_day,
        recurrence_time_zone=windows,
    )


def canonical_rrule(data: EventData) -> str | None:
    """``data.recurrence`` spelled as Outlook would give it back (unchanged if Outlook
    cannot express it: pushing it then fails with a clear error for that event)."""
    if not data.recurrence:
        return None
    try:
        return patterned_recurrence.canonical_rrule(
            data.recurrence, data.start, data.timezone, data.all_day
        )
    except ValueError:  # UnsupportedRecurrence included
        return data.recurrence


def cancelled_starts(obj: dict[str, Any], data: EventData) -> tuple[datetime | date, ...]:
    """The original starts of a master's ``cancelledOccurrences`` (``OID.{id}.{date}``, the
    date local to the series' zone): dates for an all-day series, else the UTC instant of
    that date at the series' wall time."""
    found: list[datetime | date] = []
    for value in obj.get("cancelledOccurrences") or []:
        try:
            day = date.fromisoformat(str(value).rsplit(".", 1)[1][:10])
        except (IndexError, ValueError):
            continue
        found.append(occurrence_start(data, day))
    return tuple(found)


def occurrence_start(data: EventData, day: date) -> datetime | date:
    """The original start of the occurrence of series ``data`` on its local date ``day``."""
    if data.all_day:
        return day
    assert isinstance(data.start, datetime)
    tz = ZoneInfo(data.timezone)
    wall = data.start.astimezone(tz).time()
    return datetime.combine(day, wall).replace(tzinfo=tz).astimezone(UTC)


def window(now: datetime, back_days: int = 365, ahead_days: int = 730) -> tuple[datetime, datetime]:
    """The rolling sync window around ``now``: whole UTC days, a year back, two ahead."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=back_days), today + timedelta(days=ahead_days)
