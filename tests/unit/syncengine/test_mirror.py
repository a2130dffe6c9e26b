"""The mirror planner's rules, one by one (calsync.syncengine.mirror)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from tests.unit.syncengine.builders import ME, all_day, event, guests

from calsync.syncengine import EventData
from calsync.syncengine.mirror import (
    SKIP_COPY,
    SKIP_DECLINED,
    SKIP_EXCEPTION,
    SKIP_INACTIVE,
    SKIP_INVITED,
    Copy,
    CreateCopy,
    DeleteCopy,
    Destination,
    Occurrence,
    Original,
    UpdateCopy,
    plan_mirror,
    project,
    project_exceptions,
    projection_hash,
    regular_occurrence,
)

SOURCE = "work"
BUSY = Destination("busy", addresses=frozenset({"home@example.org"}))
SECRET = event(
    "Merger talks",
    description="<p>Do not tell</p>",
    location="Room 4",
    attendees=guests("ceo@example.com"),
    show_as="tentative",
    recurrence="FREQ=WEEKLY;BYDAY=MO",
)


def copy_of(original: Original, mode: str = "busy", key: str = "C1", **changes) -> Copy:
    """The copy a pass made of ``original`` (as applying its CreateCopy leaves it)."""
    projected = project(original.data, mode)
    made = Copy(key, original.key, SOURCE, mode, projection_hash(projected, mode), projected)
    return replace(made, **changes)


def test_a_busy_copy_keeps_times_show_as_and_rule_only():
    busy = project(SECRET, "busy", "Bận")
    assert (busy.title, busy.description, busy.location) == ("Bận", "", "")
    assert busy.attendees == () and busy.organizer is None
    assert (busy.start, busy.end, busy.timezone) == (SECRET.start, SECRET.end, SECRET.timezone)
    assert (busy.show_as, busy.recurrence) == ("tentative", SECRET.recurrence)


def test_a_redacted_copy_keeps_the_title_too():
    redacted = project(SECRET, "redacted")
    assert redacted.title == "Merger talks"
    assert (redacted.description, redacted.location, redacted.attendees) == ("", "", ())


def test_an_all_day_original_stays_all_day():
    copy = project(all_day("Holiday", date(2026, 12, 24), 2), "busy")
    assert copy.all_day and copy.start == date(2026, 12, 24) and copy.end == date(2026, 12, 26)


def test_a_new_original_gets_a_copy_and_the_second_pass_is_empty():
    original = Original("o1", SECRET)
    first = plan_mirror(SOURCE, [original], [], BUSY)
    assert first.creates == (
        CreateCopy(
            "o1",
            SOURCE,
            "busy",
            projection_hash(project(SECRET, "busy"), "busy"),
            project(SECRET, "busy"),
        ),
    )
    assert not plan_mirror(SOURCE, [original], [copy_of(original)], BUSY)


def test_a_change_the_projection_hides_writes_nothing():
    original = Original("o1", SECRET)
    made = copy_of(original)
    quietly = replace(original, data=SECRET.with_fields({"description": "new", "title": "x"}))
    assert not plan_mirror(SOURCE, [quietly], [made], BUSY)


def test_a_moved_original_updates_its_copy():
    original = Original("o1", SECRET)
    moved = replace(original, data=event("Merger talks", days=3))
    decided = plan_mirror(SOURCE, [moved], [copy_of(original)], BUSY)
    assert [type(a) for a in decided.actions] == [UpdateCopy]
    assert decided.updates[0].data == project(moved.data, "busy")


def test_an_edited_copy_is_restored_and_the_original_untouched():
    original = Original("o1", SECRET)
    edited = copy_of(original, data=project(SECRET, "busy").with_fields({"title": "Mine"}))
    decided = plan_mirror(SOURCE, [original], [edited], BUSY)
    assert decided.updates == (
        UpdateCopy("C1", "o1", SOURCE, "busy", edited.made_from, project(SECRET, "busy")),
    )


def test_a_changed_mode_rewrites_the_copy():
    original = Original("o1", SECRET)
    decided = plan_mirror(
        SOURCE, [original], [copy_of(original, "busy")], replace(BUSY, mode="redacted")
    )
    assert decided.updates[0].data.title == "Merger talks"


@pytest.mark.parametrize(
    ("original", "reason"),
    [
        (Original("o1", SECRET, mirror_of="elsewhere"), SKIP_COPY),
        (Original("o1", SECRET, active=False), SKIP_INACTIVE),
        (Original("o1", SECRET, my_response="declined"), SKIP_DECLINED),
        (Original("o1", event("Invited", attendees=guests("Home@Example.org"))), SKIP_INVITED),
        (Original("o1", SECRET, ical_uid="ICAL-1"), SKIP_INVITED),
        (Original("o1", SECRET, series_key="o0"), SKIP_EXCEPTION),
    ],
)
def test_left_out_originals_have_no_copy_and_lose_theirs(original, reason):
    destination = replace(BUSY, ical_uids=frozenset({"ICAL-1"}))
    assert plan_mirror(SOURCE, [original], [], destination).skipped == {"o1": reason}
    decided = plan_mirror(SOURCE, [original], [copy_of(original)], destination)
    assert decided.actions == (DeleteCopy("C1", "o1"),)


def test_an_organizer_at_the_destination_is_invited():
    mine = Original("o1", event("Mine", organizer=replace(ME, email="home@example.org")))
    assert plan_mirror(SOURCE, [mine], [], BUSY).skipped == {"o1": SKIP_INVITED}


def test_tentative_and_free_map_faithfully():
    for show_as in ("tentative", "free", "oof"):
        original = Original("o1", SECRET.with_fields({"show_as": show_as}), my_response="tentative")
        assert plan_mirror(SOURCE, [original], [], BUSY).creates[0].data.show_as == show_as


def test_a_deleted_original_loses_its_copy_in_a_complete_listing():
    original = Original("o1", SECRET)
    assert plan_mirror(SOURCE, [], [copy_of(original)], BUSY).deletes == (DeleteCopy("C1", "o1"),)


def test_a_partial_listing_deletes_only_removed_originals_copies():
    one, two = Original("o1", SECRET), Original("o2", SECRET)
    copies = [copy_of(one, key="C1"), copy_of(two, key="C2")]
    decided = plan_mirror(SOURCE, [], copies, BUSY, complete=False, removed=frozenset({"o2"}))
    assert decided.actions == (DeleteCopy("C2", "o2"),)


def test_twin_copies_shrink_to_one():
    original = Original("o1", SECRET)
    copies = [copy_of(original, key="C2"), copy_of(original, key="C1")]
    assert plan_mirror(SOURCE, [original], copies, BUSY).actions == (DeleteCopy("C2", "o1"),)


def test_copies_from_another_source_are_left_alone():
    original = Original("o1", SECRET)
    foreign = copy_of(original, source="other")
    assert not plan_mirror(SOURCE, [], [foreign], BUSY)


def test_a_bad_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        Destination("two-way")


# -- modified occurrences of a series -----------------------------------------------------

WEEK = timedelta(days=7)


def moved_occurrence(series: EventData, weeks: int, hours: int = 2, **fields) -> Occurrence:
    """The occurrence ``weeks`` after the series' first, moved ``hours`` later."""
    original = series.start + weeks * WEEK
    data = series.with_fields(
        {
            "start": original + timedelta(hours=hours),
            "end": series.end + weeks * WEEK + timedelta(hours=hours),
            "recurrence": None,
            **fields,
        }
    )
    return Occurrence(original, data)


def test_a_moved_occurrence_travels_with_its_series_projected():
    second = moved_occurrence(SECRET, 1, title="Merger talks (moved)", location="Room 9")
    original = Original("o1", SECRET, exceptions=(second,))
    decided = plan_mirror(SOURCE, [original], [], Destination("redacted"))
    [create] = decided.creates
    [occurrence] = create.exceptions
    assert occurrence.original_start == second.original_start
    assert (occurrence.data.start, occurrence.data.end) == (second.data.start, second.data.end)
    assert occurrence.data.title == "Merger talks (moved)"
    assert (occurrence.data.location, occurrence.data.attendees) == ("", ())
    assert occurrence.data.recurrence is None
    busy = plan_mirror(SOURCE, [original], [], BUSY).creates[0].exceptions[0]
    assert busy.data.title == "Busy"
    # the exceptions are part of what the copy was made from
    assert create.made_from != projection_hash(create.data, "redacted")


def test_an_occurrence_like_the_series_own_or_cancelled_is_no_exception():
    same = moved_occurrence(SECRET, 1, hours=0, description="<p>only the notes</p>")
    cancelled_start = SECRET.start + 2 * WEEK
    series = SECRET.with_fields({"cancelled": (cancelled_start,)})
    gone = moved_occurrence(series, 2)
    assert project_exceptions(series, [same, gone], "busy") == ()
    original = Original("o1", series, exceptions=(same, gone))
    [create] = plan_mirror(SOURCE, [original], [], BUSY).creates
    assert create.exceptions == () and create.made_from == projection_hash(create.data, "busy")


def test_a_moved_occurrence_updates_the_copy_and_then_nothing():
    original = Original("o1", SECRET)
    made = copy_of(original, exceptions=())
    assert not plan_mirror(SOURCE, [original], [made], BUSY)
    moved = replace(original, exceptions=(moved_occurrence(SECRET, 1),))
    [update] = plan_mirror(SOURCE, [moved], [made], BUSY).updates
    assert [o.original_start for o in update.exceptions] == [SECRET.start + WEEK]
    assert update.reset == ()
    applied = replace(made, made_from=update.made_from, exceptions=update.exceptions)
    assert not plan_mirror(SOURCE, [moved], [applied], BUSY)


def test_an_edited_occurrence_of_a_copy_is_put_back():
    wanted = moved_occurrence(SECRET, 1)
    original = Original("o1", SECRET, exceptions=(wanted,))
    [create] = plan_mirror(SOURCE, [original], [], BUSY).creates
    copy = Copy("C1", "o1", SOURCE, "busy", create.made_from, create.data, create.exceptions)
    assert not plan_mirror(SOURCE, [original], [copy], BUSY)
    by_hand = moved_occurrence(create.data, 1, hours=5)
    stray = moved_occurrence(create.data, 3)
    for edited in ((by_hand,), (*create.exceptions, stray), ()):
        [update] = plan_mirror(SOURCE, [original], [replace(copy, exceptions=edited)], BUSY).updates
        assert update.exceptions == create.exceptions
        assert update.reset == ((stray.original_start,) if stray in edited else ())


def test_an_occurrence_no_longer_modified_is_put_back_on_the_copy():
    wanted = moved_occurrence(SECRET, 1)
    original = Original("o1", SECRET, exceptions=(wanted,))
    [create] = plan_mirror(SOURCE, [original], [], BUSY).creates
    copy = Copy("C1", "o1", SOURCE, "busy", create.made_from, create.data, create.exceptions)
    [update] = plan_mirror(SOURCE, [replace(original, exceptions=())], [copy], BUSY).updates
    assert update.exceptions == () and update.reset == (wanted.original_start,)
    # a copy's occurrence put back as the series makes it is no exception any more
    back = Occurrence(wanted.original_start, regular_occurrence(create.data, wanted.original_start))
    done = replace(copy, made_from=update.made_from, exceptions=(back,))
    assert not plan_mirror(SOURCE, [replace(original, exceptions=())], [done], BUSY)


def test_an_all_day_series_keys_its_occurrences_by_date():
    first = date(2026, 3, 2)
    holiday = all_day("Leave", first).with_fields({"recurrence": "FREQ=WEEKLY"})
    moved = Occurrence(
        date(2026, 3, 9),
        all_day("Leave", date(2026, 3, 10)),
    )
    [create] = plan_mirror(SOURCE, [Original("o1", holiday, exceptions=(moved,))], [], BUSY).creates
    [occurrence] = create.exceptions
    assert occurrence.original_start == date(2026, 3, 9)
    assert occurrence.data.start == date(2026, 3, 10) and occurrence.data.all_day
    regular = Occurrence(date(2026, 3, 16), all_day("Leave", date(2026, 3, 16)))
    assert project_exceptions(holiday, [regular], "redacted") == ()


def test_an_occurrence_start_must_be_aware():
    with pytest.raises(ValueError):
        Occurrence(datetime(2026, 3, 2, 9), SECRET)


def test_a_cancelled_exception_is_cancelled_on_the_copy_series():
    """An occurrence cancelled as an exception (archived here, ``isCancelled`` in Outlook)
    is cancelled on the copy series, as one the rule cancelled: its copy has no occurrence
    there, and the next pass is empty."""
    gone = replace(moved_occurrence(SECRET, 2), cancelled=True)
    moved = moved_occurrence(SECRET, 1)
    original = Original("o1", SECRET, exceptions=(moved, gone))
    [create] = plan_mirror(SOURCE, [original], [], BUSY).creates
    assert create.data.cancelled == (gone.original_start,)
    assert [o.original_start for o in create.exceptions] == [moved.original_start]
    by_rule = Original("o1", SECRET.with_fields({"cancelled": (gone.original_start,)}))
    assert plan_mirror(SOURCE, [by_rule], [], BUSY).creates[0].data == create.data
    made = Copy("C1", "o1", SOURCE, "busy", create.made_from, create.data, create.exceptions)
    assert not plan_mirror(SOURCE, [original], [made], BUSY)

    # cancelled later: the copy loses the occurrence it had moved, nothing is put back
    earlier = Original("o1", SECRET, exceptions=(moved, moved_occurrence(SECRET, 2)))
    [create] = plan_mirror(SOURCE, [earlier], [], BUSY).creates
    made = Copy("C1", "o1", SOURCE, "busy", create.made_from, create.data, create.exceptions)
    [update] = plan_mirror(SOURCE, [original], [made], BUSY).updates
    assert update.data.cancelled == (gone.original_start,) and update.reset == ()
    assert [o.original_start for o in update.exceptions] == [moved.original_start]
    # a copy's own cancelled exception is no modified occurrence of the copy
    stale = replace(made.exceptions[1], cancelled=True)
    done = replace(
        made, made_from=update.made_from, data=update.data, exceptions=(*update.exceptions, stale)
    )
    assert not plan_mirror(SOURCE, [original], [done], BUSY)
