"""Event -> Graph JSON.

* ``start``/``end`` in UTC unless the view names another zone (``Prefer:
  outlook.timezone``); all-day events stay midnight-to-midnight of their dates whatever
  the zone. ``createdDateTime``/``lastModifiedDateTime``/``originalStart`` are UTC ``Z``.
* Bodies come back as HTML (text input is converted), or as text with
  ``Prefer: outlook.body-content-type="text"``.
* ``$select`` keeps ``id`` and ``@odata.etag``; ``cancelledOccurrences`` appears only when
  selected, on a series master. Extended properties appear only when expanded, and only
  those matching the expand filter (absent when none match); the zone definitions
  (``zone_definitions``) are among them, computed from the event's zones.
* Delta shapes: skeletal occurrences and ``@removed`` tombstones.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from graph_emulator.calendar import zone_definitions
from graph_emulator.calendar.exceptions import cancelled_occurrence_ids
from graph_emulator.calendar.model import NO_TIME, Instance
from graph_emulator.calendar.timezones import (
    UTC_ZONE,
    Zone,
    all_day_output,
    format_utc,
    format_utc_seconds,
    to_date_time_time_zone,
)

EVENT_TYPE = "#microsoft.graph.event"
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_HTML_HEAD = (
    '<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
    "</head>\r\n<body>\r\n"
)


@dataclass(frozen=True)
class View:
    """How to render: output zone, body type, $select, expanded extended property ids.

    ``expand_extended`` None = not expanded; an empty tuple = all of them.
    """

    zone: Zone = UTC_ZONE
    body_type: str | None = None
    select: frozenset[str] | None = None
    expand_extended: tuple[str, ...] | None = None
    expand_exceptions: bool = False


def html_to_text(content: str) -> str:
    text = re.sub(r"(?is)<(head|style|script)[^>]*>.*?</\1>", "", content)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
    text = html.unescape(_TAG.sub("", text))
    return "\n".join(line.strip() for line in text.strip().splitlines())


def _body(stored: dict[str, str], body_type: str | None) -> dict[str, str]:
    content, kind = stored["content"], stored["contentType"]
    if body_type == "text":
        return {
            "contentType": "text",
            "content": html_to_text(content) if kind == "html" else content,
        }
    if not content:
        return {"contentType": "html", "content": ""}
    if kind == "text":
        content = html.escape(content).replace("\r\n", "\n").replace("\n", "<br>\r\n")
        content = f'<div class="PlainText">{content}</div>'
    if content.lstrip().lower().startswith("<html"):
        return {"contentType": "html", "content": content}
    return {"contentType": "html", "content": f"{_HTML_HEAD}{content}\r\n</body>\r\n</html>\r\n"}


def _preview(stored: dict[str, str]) -> str:
    return _preview_of(stored["contentType"], stored["content"])


@lru_cache(maxsize=4096)
def _preview_of(content_type: str, content: str) -> str:
    text = html_to_text(content) if content_type == "html" else content
    return _SPACE.sub(" ", text).strip()[:255]


def _bound(inst: Instance, which: str, zone: Zone) -> dict[str, str]:
    span = inst.span
    value = span.start if which == "start" else span.end
    if span.is_all_day:
        return all_day_output(value.date(), zone)
    return to_date_time_time_zone(value, zone)


@lru_cache(maxsize=65536)
def web_link(event_id: str) -> str:
    return (
        "https://outlook.office365.com/owa/?itemid="
        f"{quote(event_id, safe='')}&exvsurl=1&path=/calendar/item"
    )


def _extended(inst: Instance, wanted: tuple[str, ...]) -> list[dict[str, str]]:
    """Stored properties, and the zone definitions when asked for by id (computed from the
    event's zones: see ``zone_definitions``)."""
    values = dict(inst.record.extended)
    if inst.exception is not None:
        values.update(inst.exception.overrides.get("singleValueExtendedProperties", {}))
    if not wanted:
        return [dict(v) for v in values.values()]
    values.update(_zone_definitions(inst, wanted))
    return [dict(values[w.lower()]) for w in wanted if w.lower() in values]


def _zone_definitions(inst: Instance, wanted: tuple[str, ...]) -> dict[str, dict[str, str]]:
    asked = {w.lower() for w in wanted}
    year = inst.span.start.year
    zones = {zone_definitions.START_DISPLAY: inst.span.start_zone}
    zones[zone_definitions.END_DISPLAY] = inst.span.end_zone
    if inst.record.recurrence is not None:
        zones[zone_definitions.RECUR] = inst.record.span.start_zone
    return {
        prop.lower(): zone_definitions.definition_property(prop, zone, year)
        for prop, zone in zones.items()
        if prop.lower() in asked
    }


def _response_status(inst: Instance, response_time: str) -> dict[str, str]:
    """The mailbox owner's answer: an occurrence answered on its own carries its own."""
    if inst.exception is not None and "responseStatus" in inst.exception.overrides:
        return dict(inst.exception.overrides["responseStatus"])
    return {"response": inst.record.response, "time": response_time}


def event_json(inst: Instance, view: View = View()) -> dict[str, Any]:
    """The full Graph representation of one instance."""
    rec = inst.record
    original_start = None
    if inst.original is not None:
        original_start = format_utc_seconds(rec.occurrence_start(inst.original))
    response_time = format_utc(rec.response_time) if rec.response_time else NO_TIME
    result: dict[str, Any] = {
        "@odata.etag": inst.etag,
        "id": inst.id,
        "createdDateTime": format_utc(rec.created),
        "lastModifiedDateTime": format_utc(inst.modified),
        "changeKey": inst.change_key,
        "categories": list(inst.prop("categories")),
    }
    if rec.transaction_id:
        result["transactionId"] = rec.transaction_id
    body = inst.prop("body")
    result.update(
        {
            "originalStartTimeZone": inst.span.start_zone.name,
            "originalEndTimeZone": inst.span.end_zone.name,
            "iCalUId": inst.ical_uid,
            "reminderMinutesBeforeStart": inst.prop("reminderMinutesBeforeStart"),
            "isReminderOn": inst.prop("isReminderOn"),
            "hasAttachments": False,
            "subject": inst.prop("subject"),
            "bodyPreview": _preview(body),
            "importance": inst.prop("importance"),
            "sensitivity": inst.prop("sensitivity"),
            "isAllDay": inst.span.is_all_day,
            "isCancelled": rec.is_cancelled,
            "isOrganizer": rec.is_organizer,
            "responseRequested": inst.prop("responseRequested"),
            "seriesMasterId": inst.series_master_id,
            "showAs": inst.prop("showAs"),
            "type": inst.kind,
            "webLink": web_link(inst.id),
            "onlineMeetingUrl": None,
            "isOnlineMeeting": inst.prop("isOnlineMeeting"),
            "onlineMeetingProvider": inst.prop("onlineMeetingProvider"),
            "allowNewTimeProposals": inst.prop("allowNewTimeProposals"),
            "isDraft": False,
            "hideAttendees": inst.prop("hideAttendees"),
            "responseStatus": _response_status(inst, response_time),
            "body": _body(body, view.body_type),
            "start": _bound(inst, "start", view.zone),
            "end": _bound(inst, "end", view.zone),
            "location": dict(inst.prop("location")),
            "locations": [dict(loc) for loc in inst.prop("locations")],
            "recurrence": rec.recurrence.to_graph()
            if inst.kind == "seriesMaster" and rec.recurrence
            else None,
            "attendees": [dict(a) for a in inst.attendees],
            "organizer": {"emailAddress": dict(rec.organizer)},
            "onlineMeeting": None,
        }
    )
    if original_start is not None:
        result["originalStart"] = original_start
    if view.select is not None:
        keep = {name.lower() for name in view.select} | {"id", "@odata.etag"}
        result = {k: v for k, v in result.items() if k.lower() in keep}
        if "cancelledoccurrences" in keep and inst.kind == "seriesMaster":
            result["cancelledOccurrences"] = cancelled_occurrence_ids(rec)
    if view.expand_extended is not None:
        found = _extended(inst, view.expand_extended)
        if found:
            result["singleValueExtendedProperties"] = found
    if view.expand_exceptions and inst.kind == "seriesMaster":
        from graph_emulator.calendar.exceptions import occurrence

        inner = View(view.zone, view.body_type)
        result["exceptionOccurrences"] = [
            event_json(found, inner)
            for day in sorted(rec.exceptions)
            if (found := occurrence(rec, day)) is not None
        ]
    return result


def skeletal_json(inst: Instance, view: View = View()) -> dict[str, Any]:
    """An occurrence as calendarView/delta returns it: no subject, no iCalUId."""
    return {
        "@odata.type": EVENT_TYPE,
        "@odata.etag": inst.etag,
        "id": inst.id,
        "seriesMasterId": inst.series_master_id,
        "type": inst.kind,
        "start": _bound(inst, "start", view.zone),
        "end": _bound(inst, "end", view.zone),
    }


def delta_json(inst: Instance, view: View = View()) -> dict[str, Any]:
    """A changed item in a delta page: skeletal for plain occurrences, full otherwise."""
    if inst.kind == "occurrence":
        return skeletal_json(inst, view)
    return {"@odata.type": EVENT_TYPE, **event_json(inst, view)}


def removed_json(event_id: str) -> dict[str, Any]:
    return {"@odata.type": EVENT_TYPE, "id": event_id, "@removed": {"reason": "deleted"}}
