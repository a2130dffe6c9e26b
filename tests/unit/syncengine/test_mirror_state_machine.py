"""The mirror machine: two in-memory calendars, a mirror each way, random edits, invariants.

Calendar ``A`` mirrors into ``B`` and ``B`` into ``A`` (each way ``busy`` or ``redacted``,
and the mode may change). Rules add originals (some invitations the other side is already
on, some declined), edit them, archive, delete, edit a copy by hand (as a user would in
Outlook), and run a mirror pass both ways. After every pass: no title, description,
location or attendee reaches a ``busy`` copy, nothing but the title and times a
``redacted`` one; no copy of a copy; every copy shows its original's projection; a
left-out or deleted original has no copy; and the next ten passes plan nothing. Series
originals get occurrences modified (moved, retitled) or cancelled (by the rule, or as a
cancelled exception: archived here, ``isCancelled`` in Outlook), and copies' occurrences
are edited by hand: a copy series shows its original's projected exceptions, no more, and
cancels what its original cancelled either way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import count

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from tests.unit.syncengine.strategies import DESCRIPTIONS, LOCATIONS, TITLES, events

from calsync.syncengine import Attendee, EventData
from calsync.syncengine.mirror import (
    Copy,
    CreateCopy,
    DeleteCopy,
    Destination,
    MirrorPlan,
    Occurrence,
    Original,
    UpdateCopy,
    exceptional,
    plan_mirror,
    project,
    project_exceptions,
    series_of,
    skip_reason,
)

ADDRESS = {"A": "a@example.com", "B": "b@example.com"}
OTHER = {"A": "B", "B": "A"}
BUSY_WORD = "Occupied"
SIDES = st.sampled_from("AB")
SHOW_AS = st.sampled_from(["free", "tentative", "oof", "busy"])


@dataclass(frozen=True, slots=True)
class Stored:
    """An event of a memory calendar: an original (``mark`` None) or a marked copy."""

    data: EventData
    active: bool = True
    my_response: str | None = None
    ical_uid: str | None = None
    mark: Copy | None = None
    exceptions: tuple[Occurrence, ...] = ()


class MirrorCalendar:
    """A calendar in memory that carries out mirror actions."""

    def __init__(self, name: str, keys: count) -> None:
        self.name = name
        self.keys = keys
        self.events: dict[str, Stored] = {}

    def add(self, stored: Stored) -> str:
        key = f"{self.name}{next(self.keys)}"
        self.events[key] = stored
        return key

    def originals(self) -> list[Original]:
        return [
            Original(
                key,
                s.data,
                s.active,
                s.my_response,
                s.ical_uid,
                s.mark.of if s.mark else None,
                exceptions=s.exceptions,
            )
            for key, s in self.events.items()
        ]

    def copies(self) -> list[Copy]:
        return [
            replace(s.mark, key=k, data=s.data, exceptions=s.exceptions)
            for k, s in self.events.items()
            if s.mark
        ]

    def ical_uids(self) -> frozenset[str]:
        return frozenset(s.ical_uid for s in self.events.values() if s.ical_uid and not s.mark)

    def apply(self, decided: MirrorPlan) -> None:
        for action in decided.actions:
            if isinstance(action, DeleteCopy):
                del self.events[action.key]
            elif isinstance(action, UpdateCopy):
                kept = self.events[action.key].exceptions
                exceptions = _occurrences_after(action, kept)
                self.events[action.key] = Stored(
                    action.data, mark=_mark(action), exceptions=exceptions
                )
            elif isinstance(action, CreateCopy):
                exceptions = _occurrences_after(action, ())
                self.add(Stored(action.data, mark=_mark(action), exceptions=exceptions))


def _occurrences_after(
    action: CreateCopy | UpdateCopy, kept: tuple[Occurrence, ...]
) -> tuple[Occurrence, ...]:
    """A copy series' modified occurrences once ``action`` is applied as the I/O does: the
    ``reset`` ones put back (no longer exceptions), the wanted ones written, the cancelled
    ones gone with their occurrence; others (of no rule any more) stay as they were."""
    reset = set(getattr(action, "reset", ()))
    found = {o.original_start: o for o in kept if o.original_start not in reset}
    found.update({o.original_start: o for o in action.exceptions})
    cancelled = set(action.data.cancelled)
    return tuple(o for start, o in sorted(found.items(), key=lambda i: i[0].isoformat())
                 if start not in cancelled)  # fmt: skip


def _mark(action: CreateCopy | UpdateCopy) -> Copy:
    return Copy("", action.of, action.source, action.mode, action.made_from)


class MirrorMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        keys = count(1)
        self.calendars = {name: MirrorCalendar(name, keys) for name in ("A", "B")}
        self.modes = {"A": "busy", "B": "busy"}
        self.shared_ical = count(1)

    def destination(self, into: str) -> Destination:
        return Destination(
            self.modes[OTHER[into]],
            addresses=frozenset({ADDRESS[into]}),
            ical_uids=self.calendars[into].ical_uids(),
            busy_title=BUSY_WORD,
        )

    def plan(self, source: str) -> MirrorPlan:
        into = OTHER[source]
        return plan_mirror(
            source,
            self.calendars[source].originals(),
            self.calendars[into].copies(),
            self.destination(into),
        )

    def mirror_pass(self) -> tuple[MirrorPlan, MirrorPlan]:
        made = []
        for source in ("A", "B"):
            decided = self.plan(source)
            self.calendars[OTHER[source]].apply(decided)
            made.append(decided)
        return made[0], made[1]

    def keys(self, side: str, copies: bool) -> list[str]:
        return sorted(k for k, s in self.calendars[side].events.items() if bool(s.mark) == copies)

    # -- rules ------------------------------------------------------------------------

    @rule(
        side=SIDES,
        data=events(),
        answer=st.sampled_from([None, "accepted", "tentative", "declined"]),
        then_mirror=st.booleans(),
    )
    def add_original(
        self, side: str, data: EventData, answer: str | None, then_mirror: bool
    ) -> None:
        ical = f"ical-{side}-{next(self.shared_ical)}"
        self.calendars[side].add(Stored(data, my_response=answer, ical_uid=ical))
        if then_mirror:
            self.mirror()

    @rule(side=SIDES, data=events())
    def add_invitation_the_other_side_has(self, side: str, data: EventData) -> None:
        """A meeting both calendars were invited to: the other side's address is on it."""
        invited = (*data.attendees, Attendee(ADDRESS[OTHER[side]]))
        self.calendars[side].add(Stored(data.with_fields({"attendees": invited})))

    @rule(side=SIDES, data=events())
    def add_same_meeting_on_both_sides(self, side: str, data: EventData) -> None:
        ical = f"shared-{next(self.shared_ical)}"
        self.calendars[side].add(Stored(data, ical_uid=ical))
        self.calendars[OTHER[side]].add(Stored(data, ical_uid=ical))

    @precondition(lambda self: self.keys("A", False) or self.keys("B", False))
    @rule(
        side=SIDES,
        pick=st.integers(0, 50),
        field=st.sampled_from(["title", "description", "location", "when", "show_as"]),
        data=st.data(),
    )
    def edit_original(self, side: str, pick: int, field: str, data: st.DataObject) -> None:
        key = self._pick(side, pick, copies=False)
        if key is None:
            return
        stored = self.calendars[side].events[key]
        if field == "when":
            moved = data.draw(events())
            changes = {"start": moved.start, "end": moved.end, "all_day": moved.all_day}
        else:
            values = {"title": TITLES, "description": DESCRIPTIONS, "location": LOCATIONS}
            changes = {field: data.draw(values.get(field, SHOW_AS))}
        self.calendars[side].events[key] = replace(stored, data=stored.data.with_fields(changes))

    @rule(
        side=SIDES,
        pick=st.integers(0, 50),
        what=st.sampled_from(["archive", "unarchive", "decline", "delete"]),
    )
    def change_original(self, side: str, pick: int, what: str) -> None:
        key = self._pick(side, pick, copies=False)
        if key is None:
            return
        events_ = self.calendars[side].events
        if what == "delete":
            del events_[key]
        elif what == "decline":
            events_[key] = replace(events_[key], my_response="declined")
        else:
            events_[key] = replace(events_[key], active=what == "unarchive")

    @rule(side=SIDES, pick=st.integers(0, 50), title=TITLES, description=DESCRIPTIONS)
    def edit_a_copy_by_hand(self, side: str, pick: int, title: str, description: str) -> None:
        key = self._pick(side, pick, copies=True)
        if key is None:
            return
        stored = self.calendars[side].events[key]
        changed = stored.data.with_fields({"title": title, "description": description})
        self.calendars[side].events[key] = replace(stored, data=changed)

    @rule(
        side=SIDES,
        pick=st.integers(0, 50),
        weeks=st.integers(0, 3),
        hours=st.integers(-3, 3),
        title=TITLES,
        cancel=st.sampled_from(["no", "by the rule", "as an exception"]),
    )
    def modify_an_occurrence(
        self, side: str, pick: int, weeks: int, hours: int, title: str, cancel: str
    ) -> None:
        """One occurrence of a series original moved and retitled, or cancelled (listed by
        the series, or a cancelled exception)."""
        key = self._pick(side, pick, copies=False, series=True)
        if key is None:
            return
        stored = self.calendars[side].events[key]
        original = _nth_start(stored.data, weeks)
        if cancel == "by the rule":
            cancelled = (*stored.data.cancelled, original)
            data = stored.data.with_fields({"cancelled": cancelled})
            self.calendars[side].events[key] = replace(stored, data=data)
            return
        exceptions = {o.original_start: o for o in stored.exceptions}
        exceptions[original] = _moved(stored.data, original, hours, title)
        if cancel == "as an exception":
            exceptions[original] = replace(exceptions[original], cancelled=True)
        self.calendars[side].events[key] = replace(stored, exceptions=tuple(exceptions.values()))

    @rule(side=SIDES, pick=st.integers(0, 50), weeks=st.integers(0, 3), hours=st.integers(1, 3))
    def edit_a_copys_occurrence_by_hand(self, side: str, pick: int, weeks: int, hours: int) -> None:
        key = self._pick(side, pick, copies=True, series=True)
        if key is None:
            return
        stored = self.calendars[side].events[key]
        original = _nth_start(stored.data, weeks)
        exceptions = {o.original_start: o for o in stored.exceptions}
        exceptions[original] = _moved(stored.data, original, hours, "by hand")
        self.calendars[side].events[key] = replace(stored, exceptions=tuple(exceptions.values()))

    @rule(side=SIDES, mode=st.sampled_from(["busy", "redacted"]))
    def change_mode(self, side: str, mode: str) -> None:
        self.modes[side] = mode

    @rule()
    def mirror(self) -> None:
        self.mirror_pass()
        self.check_copies()
        for _ in range(10):
            again = self.mirror_pass()
            assert not again[0] and not again[1], f"a pass after a pass planned {again}"

    # -- invariants -------------------------------------------------------------------

    @invariant()
    def a_pass_now_would_leave_it_right(self) -> None:
        """After any step, a pass on a copy of the calendars is right and the next is empty."""
        kept = {name: dict(calendar.events) for name, calendar in self.calendars.items()}
        self.mirror_pass()
        self.check_copies()
        again = self.mirror_pass()
        assert not again[0] and not again[1], f"a pass after a pass planned {again}"
        for name, calendar in self.calendars.items():
            calendar.events = kept[name]

    @invariant()
    def no_copy_of_a_copy(self) -> None:
        for side in ("A", "B"):
            others = self.calendars[OTHER[side]].events
            for copy in self.calendars[side].copies():
                original = others.get(copy.of)
                assert original is None or original.mark is None, f"{copy} copies a copy"

    def check_copies(self) -> None:
        for side in ("A", "B"):
            source = OTHER[side]
            originals = self.calendars[source].events
            listed = {o.key: o for o in self.calendars[source].originals()}
            wanted = {
                k for k, o in listed.items() if skip_reason(o, self.destination(side)) is None
            }
            copies = self.calendars[side].copies()
            assert sorted(c.of for c in copies) == sorted(wanted)
            for copy in copies:
                self.check_no_leak(copy, listed[copy.of])
                self.check_may_be_copied(originals[copy.of], ADDRESS[side])
                self.check_exceptions(copy, listed[copy.of])

    def check_no_leak(self, copy: Copy, source: Original) -> None:
        """No leak; the copy shows its original's projection, cancelling what the original
        cancelled (by its rule or as a cancelled exception)."""
        original = source.data
        data = copy.data
        assert data is not None
        assert (data.description, data.location, data.attendees, data.organizer) == (
            "",
            "",
            (),
            None,
        )
        if copy.mode == "busy":
            assert data.title == BUSY_WORD
        else:
            assert data.title == original.title
        assert data == project(series_of(source), copy.mode, BUSY_WORD)
        gone = {o.original_start for o in source.exceptions if o.cancelled}
        if original.recurrence:
            assert gone <= set(data.cancelled)

    def check_exceptions(self, copy: Copy, original: Original) -> None:
        """A copy series shows its original's modified occurrences, projected, no more."""
        assert copy.data is not None and copy.exceptions is not None
        if not copy.data.recurrence:
            return
        series = series_of(original)
        wanted = project_exceptions(series, original.exceptions, copy.mode, BUSY_WORD)
        assert exceptional(copy.data, copy.exceptions) == wanted
        for occurrence in copy.exceptions:
            assert occurrence.data.description == "" and occurrence.data.attendees == ()

    def check_may_be_copied(self, original: Stored, address: str) -> None:
        """Said again without the planner: what must never have a copy has none."""
        assert original.active and original.mark is None
        assert original.my_response != "declined"
        assert address not in {attendee.email for attendee in original.data.attendees}

    def _pick(self, side: str, pick: int, copies: bool, series: bool = False) -> str | None:
        keys = self.keys(side, copies)
        if series:
            events_ = self.calendars[side].events
            keys = [k for k in keys if events_[k].data.recurrence]
        return keys[pick % len(keys)] if keys else None


def _nth_start(series: EventData, weeks: int) -> date | datetime:
    """A start of the series' rule's kind (a date when all-day) ``weeks`` after its first
    (the planner keys occurrences; it never checks the rule has one there)."""
    return series.start + timedelta(days=7 * weeks)  # type: ignore[operator]


def _moved(series: EventData, original: date | datetime, hours: int, title: str) -> Occurrence:
    shift = timedelta(days=1 if hours > 0 else 0) if series.all_day else timedelta(hours=hours)
    length = series.end - series.start  # type: ignore[operator]
    start = original + shift  # type: ignore[operator]
    changes = {"start": start, "end": start + length, "title": title, "recurrence": None}
    return Occurrence(original, series.with_fields({**changes, "cancelled": ()}))


TestMirrorMachine = MirrorMachine.TestCase
if settings.default.derandomize:  # the CI profile: keep this machine near 30 seconds
    TestMirrorMachine.settings = settings(settings.default, max_examples=60, stateful_step_count=30)
