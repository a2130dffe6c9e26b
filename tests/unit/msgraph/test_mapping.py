"""Graph JSON <-> engine values: zones, all-day dates, answers, recurrence, our uid."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from calsync.msgraph import mapping, zones
from calsync.msgraph.patterned_recurrence import UnsupportedRecurrence
from calsync.syncengine.model import Attendee, EventData, Person

ME = "ann@contoso.test"
WRAPPED = "<html><head></head><body>\r\n<p>x</p>\r\n</body></html>"
START = datetime(2026, 11, 24, 8, tzinfo=UTC)
END = datetime(2026, 11, 24, 9, tzinfo=UTC)


def graph_event(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "AAMk1",
        "iCalUId": "040000008200E0",
        "changeKey": "ck1",
        "lastModifiedDateTime": "2026-11-20T10:00:00.1234567Z",
        "subject": "Review",
        "body": {"contentType": "html", "content": WRAPPED},
        "start": {"dateTime": "2026-11-24T08:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-24T09:00:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "Romance Standard Time",
        "isAllDay": False,
        "showAs": "busy",
        "sensitivity": "private",
        "location": {"displayName": "Room 1"},
        "organizer": {"emailAddress": {"address": "Bob@Contoso.test", "name": "Bob"}},
        "isOrganizer": False,
        "responseStatus": {"response": "tentativelyAccepted"},
        "attendees": [
            {"emailAddress": {"address": ME, "name": "Ann"}, "type": "required",
             "status": {"response": "tentativelyAccepted"}},
            {"emailAddress": {"address": "cy@x.test", "name": "Cy"}, "type": "optional",
             "status": {"response": "accepted"}},
        ],
    }  # fmt: skip
    base.update(extra)
    return base


def test_reading_a_meeting_of_someone_else() -> None:
    item = mapping.remote_item(graph_event(), mailbox=ME)
    assert item.data.timezone == "Europe/Paris"
    assert item.data.start == datetime(2026, 11, 24, 8, tzinfo=UTC)
    assert item.data.description == "<p>x</p>"
    assert item.data.privacy == "private" and item.data.location == "Room 1"
    assert item.data.organizer == Person("bob@contoso.test", "Bob")
    assert item.is_organizer is False and item.my_response == "tentative"
    own, other = item.data.attendees
    assert (own.email, own.status) == (ME, "none")  # the answer lives in my_response
    assert (other.status, other.type) == ("accepted", "optional")


def test_a_zone_hint_that_maps_to_the_same_windows_zone_is_kept() -> None:
    obj = graph_event(originalStartTimeZone="W. Europe Standard Time")
    assert mapping.remote_item(obj, mailbox=ME).data.timezone == "Europe/Berlin"
    hinted = mapping.remote_item(obj, mailbox=ME, zone_hint="Europe/Amsterdam")
    assert hinted.data.timezone == "Europe/Amsterdam"
    other = mapping.remote_item(obj, mailbox=ME, zone_hint="Asia/Tokyo")
    assert other.data.timezone == "Europe/Berlin"


def test_all_day_dates_never_pass_through_utc() -> None:
    obj = graph_event(
        isAllDay=True,
        originalStartTimeZone="Tokyo Standard Time",
        start={"dateTime": "2026-12-24T00:00:00.0000000", "timeZone": "UTC"},
        end={"dateTime": "2026-12-26T00:00:00.0000000", "timeZone": "UTC"},
    )
    data = mapping.remote_item(obj, mailbox=ME).data
    assert (data.start, data.end, data.timezone) == (
        date(2026, 12, 24),
        date(2026, 12, 26),
        "Asia/Tokyo",
    )
    body = mapping.patch_body(data, frozenset({"start"}))
    assert body["start"] == {"dateTime": "2026-12-24T00:00:00", "timeZone": "Tokyo Standard Time"}
    assert body["isAllDay"] is True


def test_a_create_carries_our_uid_twice_and_a_patch_only_what_changed() -> None:
    data = EventData(
        title="T", start=START, end=END,
        timezone="America/New_York", organizer=Person(ME), attendees=(Attendee("cy@x.test", "Cy"),),
    )  # fmt: skip
    body = mapping.create_body(data, "u-1", "t-1")
    assert body["transactionId"] == "calsync:u-1:t-1"
    assert mapping.uid_from_transaction(body["transactionId"]) == "u-1"
    assert body["singleValueExtendedProperties"] == [
        {"id": mapping.UID_PROPERTY_ID, "value": "u-1"}
    ]
    assert body["start"] == {"dateTime": "2026-11-24T03:00:00", "timeZone": "Eastern Standard Time"}
    assert "organizer" not in body
    assert mapping.patch_body(data, frozenset({"title"})) == {"subject": "T"}
    assert set(mapping.patch_body(data, frozenset({"end"}))) == {"isAllDay", "start", "end"}


RULES = [
    "FREQ=DAILY;INTERVAL=2;COUNT=10",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20270131",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=MONTHLY;BYDAY=-1TU",
    "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=24",
    "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
    "FREQ=DAILY",
]


@pytest.mark.parametrize("rule", RULES)
def test_rules_are_written_by_patterned_recurrence_and_read_back_canonical(rule: str) -> None:
    data = EventData(
        title="S", start=START, end=END,
        timezone="Europe/Paris", recurrence=rule,
    )  # fmt: skip
    canonical = mapping.canonical_rrule(data)
    assert canonical is not None
    body = mapping.patch_body(data, frozenset({"recurrence"}))
    assert body["recurrence"]["range"]["recurrenceTimeZone"] == "Romance Standard Time"
    assert body["recurrence"]["range"]["startDate"] == "2026-11-24"
    master = graph_event(recurrence=body["recurrence"], type="seriesMaster", isOrganizer=True)
    read = mapping.event_data(master, mailbox=ME, zone_hint="Europe/Paris")
    assert read.recurrence == canonical
    again = data.with_fields({"recurrence": canonical})
    assert mapping.canonical_rrule(again) == canonical


def test_rules_outlook_cannot_express_are_refused_with_a_translatable_reason() -> None:
    data = EventData(
        title="S", start=START, end=END,
        recurrence="FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
    )  # fmt: skip
    with pytest.raises(UnsupportedRecurrence) as caught:
        mapping.patch_body(data, frozenset({"recurrence"}))
    assert caught.value.template and "BYWEEKNO" in str(caught.value)
    assert mapping.canonical_rrule(data) == data.recurrence


def test_a_master_reads_its_cancelled_occurrences_at_the_series_wall_time() -> None:
    paris = {"dateTime": "2027-03-23T09:00:00.0000000", "timeZone": "Romance Standard Time"}
    master = graph_event(
        id="M1", type="seriesMaster", isOrganizer=True,
        start=paris, end=paris | {"dateTime": "2027-03-23T10:00:00.0000000"},
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"],
                        "firstDayOfWeek": "monday"},
            "range": {"type": "noEnd", "startDate": "2027-03-23"},
        },
        cancelledOccurrences=["OID.M1.2027-03-23", "OID.M1.2027-03-30"],
    )  # fmt: skip
    data = mapping.event_data(master, mailbox=ME)
    # 09:00 Paris is 08:00Z before the DST change (28 March 2027), 07:00Z after it
    assert data.cancelled == (
        datetime(2027, 3, 23, 8, tzinfo=UTC),
        datetime(2027, 3, 30, 7, tzinfo=UTC),
    )
    assert data.recurrence == "FREQ=WEEKLY;BYDAY=TU;WKST=MO"


def test_an_exception_is_keyed_by_its_master_and_never_carries_the_master_uid() -> None:
    exception = graph_event(
        id="OCC1", type="exception", seriesMasterId="M1", isOrganizer=True,
        transactionId="calsync:master-uid:t", originalStart="2026-11-24T08:00:00Z",
    )  # fmt: skip
    item = mapping.remote_item(exception, mailbox=ME)
    assert item.uid is None
    assert item.series_remote_id == "M1"
    assert item.original_start == START
    all_day = graph_event(
        id="OCC2", type="exception", seriesMasterId="M2", isAllDay=True,
        originalStartTimeZone="Tokyo Standard Time", originalStart="2026-11-23T15:00:00Z",
        start={"dateTime": "2026-11-25T00:00:00", "timeZone": "UTC"},
        end={"dateTime": "2026-11-26T00:00:00", "timeZone": "UTC"},
    )  # fmt: skip
    assert mapping.remote_item(all_day, mailbox=ME).original_start == date(2026, 11, 24)


def as_graph_echoes(body: dict[str, object], fold: int = 0) -> dict[str, object]:
    """The event Graph gives back for the create ``body``, read as calsync reads it
    (``Prefer: outlook.timezone="UTC"``): times in UTC, ``originalStartTimeZone`` as written.
    A wall time its zone shows twice is taken as its first pass (``fold`` 0, the emulator's
    choice) or its second (1): Exchange documents neither."""

    def in_utc(node: object) -> dict[str, str]:
        assert isinstance(node, dict)
        tz = ZoneInfo(zones.named_zone(node["timeZone"]) or "UTC")
        wall = datetime.fromisoformat(node["dateTime"]).replace(tzinfo=tz, fold=fold)
        return {"dateTime": f"{wall.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.0000000", "timeZone": "UTC"}

    start, end = body["start"], body["end"]
    assert isinstance(start, dict)
    return {
        "id": "A", "subject": body["subject"], "isAllDay": False, "isOrganizer": True,
        "originalStartTimeZone": start["timeZone"], "start": in_utc(start), "end": in_utc(end),
        "attendees": [], "body": body["body"], "location": body["location"],
        "showAs": body["showAs"], "sensitivity": body["sensitivity"],
    }  # fmt: skip


SYDNEY_SECOND_PASS = datetime(2036, 4, 5, 16, 0, tzinfo=UTC)
"""02:00 in Australia/Sydney on 2036-04-06, after its clocks went back from 03:00 to 02:00."""


@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
    minutes=st.integers(1, 60 * 24 * 3),
    zone=st.sampled_from(
        ["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata", "Australia/Sydney"]
    ),
    fold=st.integers(0, 1),
)
@example(start=SYDNEY_SECOND_PASS.replace(tzinfo=None), minutes=1, zone="Australia/Sydney", fold=0)
@example(start=datetime(2026, 10, 25, 0, 30), minutes=60, zone="Europe/Paris", fold=1)  # 02:30 x2
def test_timed_events_round_trip_through_graph_json(
    start: datetime, minutes: int, zone: str, fold: int
) -> None:
    """Any instant, the repeated hour of a fall-back included, comes back the same instant
    with the user's zone name, whichever pass Outlook would take for a repeated wall time."""
    begin = start.replace(tzinfo=UTC, microsecond=0)
    data = EventData(title="x", start=begin, end=begin + timedelta(minutes=minutes), timezone=zone)
    echoed = as_graph_echoes(mapping.patch_body(data, mapping.CONTENT_FIELDS), fold)
    back = mapping.event_data(echoed, mailbox=ME, zone_hint=zone)
    assert (back.start, back.end, back.timezone) == (data.start, data.end, zone)


def test_an_instant_in_the_repeated_hour_goes_out_in_utc_and_reads_back_in_its_zone() -> None:
    data = EventData(
        title="x",
        start=SYDNEY_SECOND_PASS,
        end=SYDNEY_SECOND_PASS + timedelta(minutes=1),
        timezone="Australia/Sydney",
    )
    body = mapping.patch_body(data, mapping.CONTENT_FIELDS)
    assert body["start"] == {"dateTime": "2036-04-05T16:00:00", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2036-04-05T16:01:00", "timeZone": "UTC"}
    back = mapping.event_data(as_graph_echoes(body), mailbox=ME, zone_hint="Australia/Sydney")
    assert (back.start, back.end, back.timezone) == (data.start, data.end, "Australia/Sydney")
    # An hour later the wall time (02:00 standard time after 03:00) is the zone's again.
    later = data.with_fields(
        {"start": data.start + timedelta(hours=1), "end": data.end + timedelta(hours=1)}
    )
    assert mapping.patch_body(later, mapping.CONTENT_FIELDS)["start"] == {
        "dateTime": "2036-04-06T03:00:00",
        "timeZone": "AUS Eastern Standard Time",
    }


def test_a_series_starting_in_the_repeated_hour_keeps_its_zone() -> None:
    """A series recurs in wall time, so it is never written in UTC (its first wall time
    means the first pass there, as RFC 5545 and calsync's own expansion read it)."""
    series = EventData(
        title="x",
        start=SYDNEY_SECOND_PASS,
        end=SYDNEY_SECOND_PASS + timedelta(minutes=30),
        timezone="Australia/Sydney",
        recurrence="FREQ=DAILY;COUNT=3",
    )
    body = mapping.patch_body(series, mapping.CONTENT_FIELDS)
    assert body["start"] == {
        "dateTime": "2036-04-06T02:00:00",
        "timeZone": "AUS Eastern Standard Time",
    }


def test_a_wall_time_the_zone_skips_is_never_sent() -> None:
    """Clocks go forward: 02:30 does not exist in Paris on 2026-03-29. An instant always
    has a real wall time, so what goes out is 03:00 (01:00 UTC), read back the same."""
    start = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    data = EventData(
        title="x", start=start, end=start + timedelta(minutes=30), timezone="Europe/Paris"
    )
    body = mapping.patch_body(data, mapping.CONTENT_FIELDS)
    assert body["start"] == {"dateTime": "2026-03-29T03:00:00", "timeZone": "Romance Standard Time"}
    back = mapping.event_data(as_graph_echoes(body), mailbox=ME, zone_hint="Europe/Paris")
    assert (back.start, back.end, back.timezone) == (data.start, data.end, "Europe/Paris")


def test_an_invitation_to_an_alias_keeps_the_answer_out_of_the_content() -> None:
    invited = graph_event(
        attendees=[
            {"emailAddress": {"address": "Ann.Smith@Contoso.test", "name": "Ann"},
             "type": "required", "status": {"response": "tentativelyAccepted"}},
        ]
    )  # fmt: skip
    plain = mapping.remote_item(invited, mailbox=ME)
    assert plain.data.attendees[0].status == "tentative"
    aliased = mapping.remote_item(invited, mailbox=ME, aliases=["ann.smith@contoso.test"])
    assert aliased.data.attendees[0].status == "none"
    assert aliased.my_response == "tentative"


def test_the_mailbox_addresses_are_its_smtp_ones_primary_first() -> None:
    me = {
        "mail": "Ann@Contoso.test",
        "userPrincipalName": "ann@contoso.onmicrosoft.test",
        "proxyAddresses": [
            "SMTP:ann@contoso.test",
            "smtp:ann.smith@contoso.test",
            "SIP:ann@contoso.test",
            "X500:/o=ExchangeLabs/ou=Exchange",
            "smtp:@broken",
        ],
    }
    assert mapping.mailbox_addresses(me) == [
        "ann@contoso.test",
        "ann@contoso.onmicrosoft.test",
        "ann.smith@contoso.test",
    ]
    assert mapping.mailbox_addresses({"mail": None, "userPrincipalName": "x@y.test"}) == [
        "x@y.test"
    ]


def test_an_exception_writes_its_times_and_only_what_it_overrides() -> None:
    start = datetime(2026, 3, 3, 9, tzinfo=UTC)
    series = EventData(
        "Standup", start, start.replace(hour=10), "Europe/Paris", location="Room 1",
        attendees=(Attendee("a@x.test", "A", "required", "accepted"),),
        recurrence="FREQ=DAILY;COUNT=5",
    )  # fmt: skip
    moved = series.with_fields(
        {"start": start.replace(hour=14), "end": start.replace(hour=15), "recurrence": None,
         "attendees": (Attendee("a@x.test", "A", "required", "declined"),)}
    )  # fmt: skip
    assert mapping.overridden_fields(moved, series) == mapping.WHEN_FIELDS
    body = mapping.patch_body(moved, mapping.overridden_fields(moved, series))
    assert set(body) == {"isAllDay", "start", "end"}
    renamed = moved.with_fields({"title": "Standup (late)"})
    assert mapping.overridden_fields(renamed, series) == mapping.WHEN_FIELDS | {"title"}
    assert mapping.overridden_fields(renamed, None) == mapping.INSTANCE_FIELDS
