"""``CalendarStore`` <-> JSON-ready data, for the emulator's ``--state FILE``.

Everything is kept, including the change log, tombstones, delta generations and the token
signing secret, so delta links issued before a restart stay valid after it.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from graph_emulator.calendar import calendars
from graph_emulator.calendar.model import (
    CalendarRecord,
    EventRecord,
    ExceptionRecord,
    Mailbox,
    Span,
)
from graph_emulator.calendar.recurrence import Recurrence
from graph_emulator.calendar.timezones import Zone, custom_zone, is_custom, resolve_zone

if TYPE_CHECKING:
    from graph_emulator.calendar.store import CalendarStore

VERSION = 1


def _span(span: Span) -> dict[str, Any]:
    """A custom zone is kept as the IANA zone whose rules it has (``*_custom``)."""
    return {
        "start": span.start.isoformat(),
        "start_zone": span.start_zone.name,
        "start_custom": span.start_zone.iana if is_custom(span.start_zone) else None,
        "end": span.end.isoformat(),
        "end_zone": span.end_zone.name,
        "end_custom": span.end_zone.iana if is_custom(span.end_zone) else None,
        "all_day": span.is_all_day,
    }


def _load_zone(data: dict[str, Any], which: str) -> Zone:
    custom = data.get(f"{which}_custom")
    if custom:
        return custom_zone(custom)
    return resolve_zone(data[f"{which}_zone"], f"{which}.timeZone")


def _load_span(data: dict[str, Any]) -> Span:
    start_zone, end_zone = _load_zone(data, "start"), _load_zone(data, "end")
    return Span(
        datetime.fromisoformat(data["start"]).astimezone(start_zone.tz),
        datetime.fromisoformat(data["end"]).astimezone(end_zone.tz),
        start_zone,
        end_zone,
        data["all_day"],
    )


def _rule(rule: Recurrence | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    data = asdict(rule)
    data["start_date"] = rule.start_date.isoformat()
    data["end_date"] = rule.end_date.isoformat() if rule.end_date else None
    data["days_of_week"] = list(rule.days_of_week)
    return data


def _load_rule(data: dict[str, Any] | None) -> Recurrence | None:
    if data is None:
        return None
    values = dict(data)
    values["start_date"] = date.fromisoformat(values["start_date"])
    values["end_date"] = date.fromisoformat(values["end_date"]) if values["end_date"] else None
    values["days_of_week"] = tuple(values["days_of_week"])
    return Recurrence(**values)


def _record(rec: EventRecord) -> dict[str, Any]:
    return {
        "number": rec.number,
        "id": rec.id,
        "ical_uid": rec.ical_uid,
        "change_key": rec.change_key,
        "created": rec.created.isoformat(),
        "modified": rec.modified.isoformat(),
        "span": _span(rec.span),
        "props": rec.props,
        "attendees": rec.attendees,
        "organizer": rec.organizer,
        "is_organizer": rec.is_organizer,
        "response": rec.response,
        "response_time": rec.response_time.isoformat() if rec.response_time else None,
        "is_cancelled": rec.is_cancelled,
        "transaction_id": rec.transaction_id,
        "extended": rec.extended,
        "recurrence": _rule(rec.recurrence),
        "cancelled": sorted(d.isoformat() for d in rec.cancelled),
        "declined": sorted(d.isoformat() for d in rec.declined),
        "exceptions": [
            {
                "original": e.original.isoformat(),
                "span": _span(e.span),
                "overrides": e.overrides,
                "attendees": e.attendees,
                "change_key": e.change_key,
                "modified": e.modified.isoformat(),
            }
            for e in rec.exceptions.values()
        ],
        "history": [[seq, _rule(rule)] for seq, rule in rec.history],
        "seq": rec.seq,
        "calendar": rec.calendar,
    }


def _load_record(data: dict[str, Any]) -> EventRecord:
    exceptions = {}
    for raw in data["exceptions"]:
        original = date.fromisoformat(raw["original"])
        exceptions[original] = ExceptionRecord(
            original,
            _load_span(raw["span"]),
            raw["overrides"],
            raw["attendees"],
            raw["change_key"],
            datetime.fromisoformat(raw["modified"]),
        )
    history: list[tuple[int, Recurrence]] = []
    for seq, raw_rule in data["history"]:
        rule = _load_rule(raw_rule)
        if rule is not None:
            history.append((seq, rule))
    return EventRecord(
        number=data["number"],
        id=data["id"],
        ical_uid=data["ical_uid"],
        change_key=data["change_key"],
        created=datetime.fromisoformat(data["created"]),
        modified=datetime.fromisoformat(data["modified"]),
        span=_load_span(data["span"]),
        props=data["props"],
        attendees=data["attendees"],
        organizer=data["organizer"],
        is_organizer=data["is_organizer"],
        response=data["response"],
        response_time=(
            datetime.fromisoformat(data["response_time"]) if data["response_time"] else None
        ),
        is_cancelled=data["is_cancelled"],
        transaction_id=data["transaction_id"],
        extended=data["extended"],
        recurrence=_load_rule(data["recurrence"]),
        cancelled={date.fromisoformat(d) for d in data["cancelled"]},
        declined={date.fromisoformat(d) for d in data.get("declined", [])},
        exceptions=exceptions,
        history=history,
        seq=data["seq"],
        calendar=data.get("calendar", ""),
    )


_PLAIN = ("user_id", "address", "name", "seq", "next_number", "next_generation")


def dump(store: CalendarStore) -> dict[str, Any]:
    """The store as JSON-ready data."""
    mailboxes = []
    for mb in store.mailboxes.values():
        data: dict[str, Any] = {name: getattr(mb, name) for name in _PLAIN}
        data["tag"] = mb.tag.hex()
        data["records"] = [_record(mb.records[n]) for n in mb.numbers]
        data["tombstones"] = [_record(rec) for rec in mb.tombstones.values()]
        data["log"] = [mb.log_seqs, mb.log_numbers]
        data["generations"] = list(mb.generations)
        data["calendars"] = [asdict(cal) for cal in mb.calendars.values()]
        mailboxes.append(data)
    return {"version": VERSION, "secret": store.secret.hex(), "mailboxes": mailboxes}


def load(store: CalendarStore, state: dict[str, Any]) -> None:
    """Replace the store's content with ``state`` (from ``dump``)."""
    if state.get("version") != VERSION:
        raise ValueError(f"calendar state version {state.get('version')!r} is not {VERSION}")
    store.secret = bytes.fromhex(state["secret"])
    store.mailboxes.clear()
    store._by_address.clear()
    assert {f.name for f in fields(Mailbox)} >= set(_PLAIN)
    for data in state["mailboxes"]:
        mb = Mailbox(data["user_id"], data["address"], data["name"], bytes.fromhex(data["tag"]))
        for name in _PLAIN[3:]:
            setattr(mb, name, data[name])
        for raw in data["records"]:
            rec = _load_record(raw)
            mb.records[rec.number] = rec
            mb.numbers.append(rec.number)
            mb.by_id[rec.id] = rec.number
            mb.by_uid.setdefault(rec.ical_uid, rec.number)
            if rec.transaction_id:
                mb.by_txn[rec.transaction_id] = rec.number
        for raw in data["tombstones"]:
            rec = _load_record(raw)
            mb.tombstones[rec.number] = rec
        mb.log_seqs, mb.log_numbers = list(data["log"][0]), list(data["log"][1])
        mb.generations = list(data["generations"])
        for raw in data.get("calendars", []):  # state saved before calendars: the default only
            cal = CalendarRecord(**raw)
            mb.calendars[cal.id] = cal
        calendars.ensure_default(mb)
        store.mailboxes[mb.user_id] = mb
        store._by_address[mb.address.lower()] = mb.user_id
