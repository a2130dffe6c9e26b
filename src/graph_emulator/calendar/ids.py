"""Opaque identifiers shaped like Exchange's: event ids, occurrence ids, changeKeys, iCalUIds.

* Event ids look like ``AAMkAG...AAA=``: URL-safe base64 of 70 bytes (mailbox tag + item
  guid), case-sensitive, never reused. They never change (the emulator's ids are
  immutable whether or not ``Prefer: IdType="ImmutableId"`` is sent).
* An occurrence id is derived from its master's id and the occurrence's original date, so
  it is stable across reads and decodable without storage.
* iCalUIds follow Outlook's GlobalObjectId hex layout; an occurrence's iCalUId is its
  series' with the instance date filled in (bytes 16-19), so it differs per occurrence.
"""

from __future__ import annotations

import base64
import secrets
import struct
from datetime import date, datetime

_PREFIX = "AAMkAG"
_HEADER = b"\x00\x00\x00\x00\x00\x00"
_ITEM_MARK = b"\x00\x46\x00\x00\x00\x00\x00"
_OCCURRENCE_MARK = b"\x07\x00"
_RAW_LEN = len(_HEADER) + 16 + len(_ITEM_MARK) + 16 + 25
_CLASS_ID = "040000008200E00074C5B7101A82E008"
_FILETIME_EPOCH = 116444736000000000


def _encode(raw: bytes) -> str:
    return _PREFIX + base64.urlsafe_b64encode(raw).decode()


def _decode(value: str) -> bytes | None:
    if not value.startswith(_PREFIX):
        return None
    try:
        return base64.urlsafe_b64decode(value[len(_PREFIX) :].encode())
    except (ValueError, TypeError):
        return None


def well_formed(value: str) -> bool:
    """Whether ``value`` decodes like an event or occurrence id (it may still be unknown)."""
    raw = _decode(value)
    return raw is not None and len(raw) in (_RAW_LEN, _RAW_LEN + len(_OCCURRENCE_MARK) + 4)


def mailbox_tag() -> bytes:
    """16 random bytes identifying a mailbox inside its ids."""
    return secrets.token_bytes(16)


def new_event_id(tag: bytes) -> str:
    """A fresh, unique event id for the mailbox with ``tag``."""
    raw = _HEADER + tag + _ITEM_MARK + secrets.token_bytes(16) + b"\x00" * 25
    return _encode(raw)


def new_calendar_id(tag: bytes) -> str:
    """A fresh calendar (folder) id for the mailbox with ``tag``: shaped like an event id
    but never confused with one (a different marker byte)."""
    raw = _HEADER + tag + b"\x00\x2e" + _ITEM_MARK[2:] + secrets.token_bytes(16) + b"\x00" * 25
    return _encode(raw)


def is_calendar_id(value: str) -> bool:
    """Whether ``value`` decodes like a calendar id (it may still be unknown)."""
    raw = _decode(value)
    offset = len(_HEADER) + 16
    return raw is not None and len(raw) == _RAW_LEN and raw[offset : offset + 2] == b"\x00\x2e"


def occurrence_id(master_id: str, original: date) -> str:
    """The id of the occurrence of ``master_id`` originally on ``original``."""
    raw = _decode(master_id)
    assert raw is not None, "occurrence ids derive from emulator event ids"
    return _encode(
        raw + _OCCURRENCE_MARK + struct.pack(">HBB", original.year, original.month, original.day)
    )


def parse_occurrence_id(value: str) -> tuple[str, date] | None:
    """(master id, original date) for an occurrence id; None for anything else."""
    raw = _decode(value)
    if raw is None or len(raw) != _RAW_LEN + len(_OCCURRENCE_MARK) + 4:
        return None
    if raw[_RAW_LEN : _RAW_LEN + len(_OCCURRENCE_MARK)] != _OCCURRENCE_MARK:
        return None
    year, month, day = struct.unpack(">HBB", raw[-4:])
    try:
        original = date(year, month, day)
    except ValueError:
        return None
    return _encode(raw[:_RAW_LEN]), original


def new_change_key() -> str:
    """A changeKey: standard base64 like Exchange's (``DwAAABYAAAA...``)."""
    return base64.b64encode(b"\x0f\x00\x00\x00\x16\x00\x00\x00" + secrets.token_bytes(14)).decode()


def new_ical_uid(created: datetime) -> str:
    """A series/single iCalUId (GlobalObjectId hex, instance date zero)."""
    filetime = int(created.timestamp() * 10_000_000) + _FILETIME_EPOCH
    data = secrets.token_bytes(16).hex().upper()
    return f"{_CLASS_ID}00000000{struct.pack('<Q', filetime).hex().upper()}{'0' * 16}10000000{data}"


def occurrence_ical_uid(series_uid: str, original: date) -> str:
    """The iCalUId of one occurrence: the series' with the instance date filled in."""
    if not series_uid.startswith(_CLASS_ID) or len(series_uid) < len(_CLASS_ID) + 8:
        return f"{series_uid}-{original.strftime('%Y%m%d')}"
    stamp = struct.pack(">HBB", original.year, original.month, original.day).hex().upper()
    return series_uid[: len(_CLASS_ID)] + stamp + series_uid[len(_CLASS_ID) + 8 :]
