"""Hypothesis strategies for event content (shared by the property and state-machine tests)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from tests.unit.syncengine.builders import ME, NOW

from calsync.syncengine import Attendee, EventData, Person

BOSS = Person("boss@example.com", "Boss")
PEOPLE = ("ana@example.com", "bao@example.com", "chi@example.com", "dan@example.com")
TITLES = st.sampled_from(["Standup", "Review", "Lunch", "1:1", "Offsite", "Retro"])
LOCATIONS = st.sampled_from(["", "Room 1", "Room 2", "Teams", "Hà Nội"])
DESCRIPTIONS = st.sampled_from(["", "<p>Agenda</p>", "<p>Notes:  bring   laptop</p>"])
ZONES = st.sampled_from(["Europe/Paris", "America/New_York", "UTC", "Asia/Ho_Chi_Minh"])
SHOW_AS = st.sampled_from(["free", "tentative", "busy", "oof", "workingElsewhere"])
PRIVACY = st.sampled_from(["normal", "personal", "private", "confidential"])
RULES = st.sampled_from([None, None, "FREQ=WEEKLY;BYDAY=MO", "FREQ=DAILY;COUNT=5"])
ANSWERS = st.sampled_from(["accepted", "tentative", "declined"])
STATUSES = st.sampled_from(["none", "accepted", "tentative", "declined"])


@st.composite
def attendees(draw: st.DrawFn) -> tuple[Attendee, ...]:
    emails = draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=3))
    return tuple(
        Attendee(email, "", draw(st.sampled_from(["required", "optional"]))) for email in emails
    )


@st.composite
def whens(draw: st.DrawFn) -> tuple[object, object, bool]:
    """(start, end, all_day) from 60 days ago to 400 days ahead."""
    days = draw(st.integers(-60, 400))
    if draw(st.booleans()) and draw(st.booleans()):
        first = (NOW + timedelta(days=days)).date()
        return first, first + timedelta(days=draw(st.integers(1, 3))), True
    start = NOW.replace(minute=0) + timedelta(days=days, hours=draw(st.integers(-12, 12)))
    return start, start + timedelta(minutes=draw(st.sampled_from([15, 30, 60, 90]))), False


@st.composite
def events(draw: st.DrawFn, organizer: Person = ME) -> EventData:
    start, end, all_day = draw(whens())
    return EventData(
        title=draw(TITLES),
        start=start,
        end=end,
        all_day=all_day,
        timezone=draw(ZONES),
        description=draw(DESCRIPTIONS),
        location=draw(LOCATIONS),
        show_as=draw(SHOW_AS),
        privacy=draw(PRIVACY),
        organizer=organizer,
        attendees=draw(attendees()),
        recurrence=draw(RULES),
    )


FIELD_VALUES = {
    "title": TITLES,
    "location": LOCATIONS,
    "description": DESCRIPTIONS,
    "timezone": ZONES,
    "show_as": SHOW_AS,
    "privacy": PRIVACY,
    "recurrence": RULES,
}
"""Single fields an edit may change, with the values it may give them."""
