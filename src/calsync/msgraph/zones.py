"""Time zones between calsync (IANA names) and Outlook (Windows names and custom zones).

Writing (:func:`writable_zone`): an IANA zone goes out as its Windows name (CLDR's
``windowsZones``, from ``tzlocal.windows_tz``) when that Windows zone's own IANA zone has
the same UTC offsets over the event's span; otherwise as another Windows zone that does
(``America/Ciudad_Juarez`` has no Windows name: ``Mountain Standard Time`` agrees); failing
that as ``UTC`` instants (the instant is kept; the wall time follows UTC).

A single timed event whose start or end falls in the hour a zone's clocks show twice (they
go back) goes out in ``UTC`` (:func:`event_writable_zone`): a wall time there would not say
which of the two instants is meant.

Reading (:func:`event_zone`): Outlook echoes a Windows name, which maps back to one IANA
name (``SE Asia Standard Time`` -> ``Asia/Bangkok`` for an event made in
``Asia/Ho_Chi_Minh``). The zone we last synced (``hint``) is kept when it is what we would
write for it (``UTC`` for an event in a repeated hour), or when Outlook's zone has the
same offsets over the event's span (:func:`calsync.syncengine.zones.same_zone`). A series
whose start zone tells nothing takes its ``recurrence.range.recurrenceTimeZone``.

Custom zones: events imported from ICS files and made by some clients carry
``originalStartTimeZone: "tzone://Microsoft/Custom"``; Graph's ``start``/``end`` are UTC
and name no zone. Outlook keeps the zone's rules in the MAPI property
PidLidAppointmentTimeZoneDefinitionStartDisplay (and ...Recur for a series): a
TZDEFINITION (MS-OXOCAL 2.2.1.41; "About persisting TZDEFINITION to a stream"), read as a
Binary single-value extended property (:data:`DEFINITION_PROPERTIES`, base64). Its rules
(bias, standard and daylight bias and the yearly change dates, Windows' TIME_ZONE_INFORMATION)
become a :class:`WindowsRuleZone`, and the custom zone reads as the first IANA zone with the
same offsets over the whole years of the event's span (else over the span itself): the
definition's key name when it names a zone, then the hint, then CLDR's zones, those most
places use first (:func:`definition_zone`).
Without a definition: the hint, else UTC (the instants are right either way: Graph gives
them in UTC).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import struct
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

from calsync.syncengine import zones as engine_zones

UTC_NAME = "UTC"
UTC_ALIASES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Zulu"})
CUSTOM_PREFIX = "tzone://Microsoft/"
"""Outlook's names for zones with no Windows name: ``tzone://Microsoft/Custom`` (a custom
definition), ``tzone://Microsoft/Utc``."""

_APPOINTMENT = "{00062002-0000-0000-C000-000000000046}"
START_DISPLAY_PROPERTY = f"Binary {_APPOINTMENT} Id 0x825E"
"""PidLidAppointmentTimeZoneDefinitionStartDisplay: the zone of an event's start."""
RECUR_PROPERTY = f"Binary {_APPOINTMENT} Id 0x8260"
"""PidLidAppointmentTimeZoneDefinitionRecur: the zone a series recurs in."""
DEFINITION_PROPERTIES = (START_DISPLAY_PROPERTY, RECUR_PROPERTY)

Span = tuple[datetime, datetime]


# -- names ---------------------------------------------------------------------------------


def graph_zone(iana: str) -> str | None:
    """The Windows name of the IANA zone ``iana``; ``UTC`` for UTC; None if it has none."""
    if iana in UTC_ALIASES:
        return UTC_NAME
    return tz_win.get(iana)


def named_zone(name: str | None) -> str | None:
    """The IANA zone Graph's zone ``name`` (Windows or IANA) stands for; None if unknown
    (custom zones included)."""
    if not name:
        return None
    if name in UTC_ALIASES or name.lower() == f"{CUSTOM_PREFIX}utc".lower():
        return UTC_NAME
    if name in win_tz:
        return win_tz[name]
    return name if _zoneinfo(name) is not None else None


def is_custom(name: str | None) -> bool:
    """True for Outlook's ``tzone://Microsoft/Custom`` (a zone only a definition describes)."""
    return (
        bool(name)
        and str(name).lower().startswith(CUSTOM_PREFIX.lower())
        and (named_zone(name) is None)
    )


@lru_cache(maxsize=4096)
def writable_zone(iana: str, first: datetime, last: datetime) -> str:
    """The zone name to send Graph for the IANA zone ``iana`` over ``[first, last]``: a
    Windows zone with its offsets over the whole span, else over the longest end of it
    from a new year on (a long series in a zone whose rules changed: its occurrences
    from then on are right), else ``UTC``."""
    if iana in UTC_ALIASES:
        return UTC_NAME
    tz = _zoneinfo(iana)
    if tz is None:
        return UTC_NAME
    starts = [first] + [first.replace(year=year, month=1, day=1, hour=0, minute=0, second=0)
                        for year in range(first.year + 1, last.year + 1)]  # fmt: skip
    for start in starts:
        found = _windows_zone_over(iana, tz, (start, last))
        if found is not None:
            return found
    return UTC_NAME


def event_writable_zone(
    iana: str, start: datetime | date, end: datetime | date, recurrence: str | None
) -> str:
    """The zone name to send Graph for an event in ``iana``: :func:`writable_zone` over its
    span, but ``UTC`` for a single timed event whose start or end falls in an hour that
    zone's clocks show twice (a wall time there could mean either instant: Exchange's
    choice is not documented, so UTC says the very instant). A series keeps its zone: its
    occurrences are wall times in it."""
    first, last = engine_zones.span(start, end, recurrence)
    name = writable_zone(iana, first, last)
    if not recurrence and engine_zones.ambiguous(start, end, named_zone(name) or UTC_NAME):
        return UTC_NAME
    return name


def _windows_zone_over(iana: str, tz: tzinfo, span: Span) -> str | None:
    """``iana``'s Windows zone if it has its offsets over ``span``, else the first that does."""
    own = tz_win.get(iana)
    if own is not None and engine_zones.same_zone(iana, win_tz[own], span):
        return own
    for windows, canonical in _windows_zones():
        if _close(tz, canonical, span[0]) and engine_zones.same_zone(iana, canonical, span):
            return windows
    return None


# -- reading -------------------------------------------------------------------------------


def event_zone(
    obj: dict[str, Any],
    span: Span,
    hint: str | None = None,
    when: tuple[datetime | date, datetime | date] | None = None,
) -> str:
    """The IANA zone of the Graph event ``obj`` whose instants cover ``span`` (``when``: its
    start and end, read in UTC)."""
    name = obj.get("originalStartTimeZone") or ""
    if hint and writable_zone(hint, *span) == name:
        return hint
    if hint and _written_in_utc(obj, name, hint, when):
        return hint
    found = None if is_custom(name) else named_zone(name)
    if found is None and obj.get("recurrence"):
        found = named_zone(recurrence_zone_name(obj["recurrence"]))
    if found is None:
        found = definition_zone(obj, span, hint)
    if found is None:
        return hint or UTC_NAME
    if hint and engine_zones.same_zone(found, hint, span):
        return hint
    return found


def _written_in_utc(
    obj: dict[str, Any],
    name: str,
    hint: str | None,
    when: tuple[datetime | date, datetime | date] | None,
) -> bool:
    """True when we wrote the single event ``obj`` in UTC for the zone ``hint`` (its start
    or end is in an hour ``hint`` repeats: :func:`event_writable_zone`)."""
    return bool(
        hint
        and name in UTC_ALIASES
        and when is not None
        and not obj.get("recurrence")
        and event_writable_zone(hint, *when, None) == UTC_NAME
    )


def recurrence_zone_name(recurrence: dict[str, Any] | None) -> str | None:
    """``range.recurrenceTimeZone`` of Graph's patternedRecurrence, if any."""
    rng = (recurrence or {}).get("range") or {}
    value = rng.get("recurrenceTimeZone")
    return str(value) if value else None


def graph_span(start: datetime | date, end: datetime | date, recurrence: Any) -> Span:
    """The instants an event's zone matters for, from Graph's start, end and recurrence
    (an upper bound for a series: see :func:`calsync.syncengine.zones.span`)."""
    rule = None
    if isinstance(recurrence, dict):
        pattern = recurrence.get("pattern") or {}
        rng = recurrence.get("range") or {}
        kind = str(pattern.get("type") or "daily")
        freq = "YEARLY" if kind.endswith("Yearly") else "MONTHLY" if "Monthly" in kind else None
        freq = freq or ("WEEKLY" if kind == "weekly" else "DAILY")
        rule = f"FREQ={freq};INTERVAL={_positive(pattern.get('interval'))}"
        if rng.get("type") == "endDate" and rng.get("endDate"):
            rule += f";UNTIL={str(rng['endDate'])[:10].replace('-', '')}"
        elif rng.get("type") == "numbered":
            rule += f";COUNT={_positive(rng.get('numberOfOccurrences'))}"
    return engine_zones.span(start, end, rule)


def definition_zone(obj: dict[str, Any], span: Span, hint: str | None = None) -> str | None:
    """The IANA zone with the offsets of the event's TZDEFINITION over ``span`` (see the
    module docstring for the order tried); None when the event carries no definition."""
    definition = _definition_of(obj)
    if definition is None:
        return None
    zone = WindowsRuleZone(definition.rules, definition.key_name)
    first = span[0]
    names = [win_tz.get(definition.key_name), definition.key_name, hint, *_candidates()]
    candidates = [name for name in names if name and _zoneinfo(name) is not None]
    for window in (_whole_years(span), span):  # a zone with its rules, else its offsets
        for name in candidates:
            tz = _zoneinfo(name)
            if (
                tz is not None
                and _close(zone, name, first)
                and engine_zones.agree(zone, tz, *window)
            ):
                return name
    for name in candidates:
        if _close(zone, name, first):
            return name  # nothing agrees all along: right at least where the event starts
    return None


def _whole_years(span: Span) -> Span:
    """``span`` widened to whole UTC years (a custom zone's rules show in a year)."""
    first, last = span
    return (
        first.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
        last.replace(month=12, day=31, hour=23, minute=59, second=59, microsecond=0),
    )


# -- TZDEFINITION --------------------------------------------------------------------------

SystemTime = tuple[int, int, int, int, int, int, int, int]
"""Windows SYSTEMTIME: year, month, day of week (0 = Sunday), day, hour, minute, second, ms."""


@dataclass(frozen=True, slots=True)
class TzRule:
    """One TZRULE: from ``year`` on, UTC = local + ``bias`` (+ ``standard_bias`` or
    ``daylight_bias``) minutes; ``standard``/``daylight`` say when each period begins
    (month 0: no daylight time; year 0: the ``day``-th ``day of week`` of the month, 5 =
    the last; else that very date), as local wall time of the period that ends."""

    year: int
    bias: int
    standard_bias: int
    daylight_bias: int
    standard: SystemTime
    daylight: SystemTime


@dataclass(frozen=True, slots=True)
class TzDefinition:
    key_name: str
    rules: tuple[TzRule, ...]


def parse_definition(blob: bytes) -> TzDefinition:
    """A persisted TZDEFINITION (little endian); ValueError when it is not one."""
    try:
        major, _minor, header_size, flags = struct.unpack_from("<BBHH", blob, 0)
        if major != 2:
            raise ValueError(f"TZDEFINITION version {major} is not 2")
        at = 6 + (16 if flags & 0x1 else 0)
        key_name = ""
        if flags & 0x2:
            (length,) = struct.unpack_from("<H", blob, at)
            key_name = blob[at + 2 : at + 2 + 2 * length].decode("utf-16-le")
            at += 2 + 2 * length
        (count,) = struct.unpack_from("<H", blob, at)
        at = 4 + header_size
        rules = []
        for _ in range(count):
            rule, at = _parse_rule(blob, at)
            rules.append(rule)
    except (struct.error, UnicodeDecodeError) as exc:
        raise ValueError(f"not a TZDEFINITION: {exc}") from None
    if not rules:
        raise ValueError("a TZDEFINITION without rules")
    return TzDefinition(key_name, tuple(sorted(rules, key=lambda rule: rule.year)))


def _parse_rule(blob: bytes, at: int) -> tuple[TzRule, int]:
    _major, _minor, size = struct.unpack_from("<BBH", blob, at)
    body = at + 4
    year = struct.unpack_from("<8H", blob, body + 2)[0]
    bias, standard_bias, daylight_bias = struct.unpack_from("<lll", blob, body + 18)
    standard = struct.unpack_from("<8H", blob, body + 30)
    daylight = struct.unpack_from("<8H", blob, body + 46)
    rule = TzRule(year, bias, standard_bias, daylight_bias, standard, daylight)  # type: ignore[arg-type]
    return rule, body + size


class WindowsRuleZone(tzinfo):
    """A tzinfo that follows TZDEFINITION rules, as Outlook does for custom zones (the
    rule of a year is the last one starting in or before it, else the first)."""

    def __init__(self, rules: tuple[TzRule, ...], name: str = "") -> None:
        self.rules = rules
        self.name = name or "Custom"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WindowsRuleZone) and other.rules == self.rules

    def __hash__(self) -> int:
        return hash(self.rules)

    def __repr__(self) -> str:
        return f"WindowsRuleZone({self.name!r})"

    def fromutc(self, dt: datetime) -> datetime:
        utc = dt.replace(tzinfo=None)
        return dt + timedelta(minutes=self._offset(utc))

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        if dt is None:
            return None
        wall = dt.replace(tzinfo=None)
        rule = self._rule(wall.year)
        standard = -(rule.bias + rule.standard_bias)
        return timedelta(minutes=self._offset(wall - timedelta(minutes=standard)))

    def dst(self, dt: datetime | None) -> timedelta | None:
        offset = self.utcoffset(dt)
        if offset is None or dt is None:
            return None
        rule = self._rule(dt.year)
        return offset - timedelta(minutes=-(rule.bias + rule.standard_bias))

    def tzname(self, dt: datetime | None) -> str:
        return self.name

    def _rule(self, year: int) -> TzRule:
        chosen = self.rules[0]
        for rule in self.rules:
            if rule.year <= year:
                chosen = rule
        return chosen

    def _offset(self, utc: datetime) -> int:
        """Minutes east of UTC at the naive UTC ``utc``."""
        rule = self._rule(utc.year)
        changes = _daylight_period(rule, utc.year)
        if changes is None:
            return -(rule.bias + rule.standard_bias)
        begins, ends = changes
        inside = begins <= utc < ends if begins < ends else (utc >= begins or utc < ends)
        return -(rule.bias + (rule.daylight_bias if inside else rule.standard_bias))


@lru_cache(maxsize=4096)
def _daylight_period(rule: TzRule, year: int) -> tuple[datetime, datetime] | None:
    """When daylight time begins and ends in ``year`` (naive UTC); None without it."""
    if rule.daylight[1] == 0 or rule.standard[1] == 0:
        return None
    begins = _change_day(rule.daylight, year) + timedelta(minutes=rule.bias + rule.standard_bias)
    ends = _change_day(rule.standard, year) + timedelta(minutes=rule.bias + rule.daylight_bias)
    return begins, ends


def _change_day(when: SystemTime, year: int) -> datetime:
    """The local wall time a SYSTEMTIME change date means in ``year``."""
    _year, month, weekday, day, hour, minute, second, _ms = when
    if when[0]:
        moment = datetime(year, month, min(day, calendar.monthrange(year, month)[1]))  # noqa: DTZ001
    else:
        first_weekday = (weekday - 1) % 7  # SYSTEMTIME counts from Sunday, Python from Monday
        first = date(year, month, 1)
        offset = (first_weekday - first.weekday()) % 7
        days = calendar.monthrange(year, month)[1]
        chosen = 1 + offset + 7 * (max(1, min(day, 5)) - 1)
        while chosen > days:
            chosen -= 7
        moment = datetime(year, month, chosen)  # noqa: DTZ001
    return moment + timedelta(hours=hour, minutes=minute, seconds=second)


def _definition_of(obj: dict[str, Any]) -> TzDefinition | None:
    """The event's TZDEFINITION (a series: the recurrence one first), if it carries one."""
    values = {
        str(prop.get("id", "")).lower(): prop.get("value")
        for prop in obj.get("singleValueExtendedProperties") or []
    }
    order = (RECUR_PROPERTY, START_DISPLAY_PROPERTY)
    if not obj.get("recurrence"):
        order = (START_DISPLAY_PROPERTY, RECUR_PROPERTY)
    for prop_id in order:
        value = values.get(prop_id.lower())
        if not value:
            continue
        try:
            return parse_definition(base64.b64decode(str(value), validate=True))
        except (ValueError, binascii.Error):
            continue
    return None


# -- helpers -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _windows_zones() -> tuple[tuple[str, str], ...]:
    """(Windows name, its IANA zone) for every Windows zone: UTC first, then the zones
    most places use (most IANA names map to them), then by name, so that a choice among
    zones with the same offsets is stable and familiar (Berlin's for CET, Bangkok's for
    +07:00)."""
    places = Counter(tz_win.values())
    return tuple(
        sorted(win_tz.items(), key=lambda item: (item[0] != UTC_NAME, -places[item[0]], item[0]))
    )


@lru_cache(maxsize=1)
def _candidates() -> tuple[str, ...]:
    """IANA zones a custom zone may read as: CLDR's zone of each Windows zone first, then
    every other zone CLDR maps (fixed offsets ``Etc/GMT±n`` among them)."""
    canonical = [iana for _windows, iana in _windows_zones()]
    others = sorted(name for name in tz_win if name and name not in canonical)
    found: list[str] = []
    for name in [*canonical, *others]:
        if name not in found and _zoneinfo(name) is not None:
            found.append(name)
    return tuple(found)


def _close(tz: tzinfo, name: str, moment: datetime) -> bool:
    """A quick first test: ``tz`` and the zone ``name`` agree at ``moment``."""
    other = _zoneinfo(name)
    if other is None:
        return False
    return engine_zones.offset_at(tz, moment) == engine_zones.offset_at(other, moment)


@lru_cache(maxsize=1024)
def _zoneinfo(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _positive(value: Any) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1
