"""Sync-log entries by meaning (:mod:`calsync.outlook.sync.log_messages`): rendering, fallbacks for
rows written before, readable conflict values, and the entries sync builds from failures.

The pages are read with Django's test client and ``Accept-Language``; Vietnamese comes from
the shipped catalogue (msgids that already had a translation before this change)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape

from calsync.msgraph import GraphError
from calsync.msgraph.patterned_recurrence import UnsupportedRecurrence
from calsync.outlook.models import OutlookAccount, SyncRun
from calsync.outlook.sync import conflict_lines
from calsync.outlook.sync.conflict_lines import display_value, field_label
from calsync.outlook.sync.log_messages import entry, phrase, render
from calsync.outlook.sync.summary import failure_entry, identity_entry
from calsync.outlook.web.templatetags.outlook_log import run_message
from calsync.syncengine.errors import IdentityConflict

pytestmark = pytest.mark.django_db


def vi(part: dict[str, Any]) -> str:
    with translation.override("vi"):
        return render(part)


# -- entries -------------------------------------------------------------------------------


def test_an_entry_keeps_its_msgid_and_values_and_english_whatever_the_language() -> None:
    with translation.override("vi"):
        made = entry("reconnect_needed", "Reconnect needed: %(reason)s", 7, reason="invalid_grant")
    assert made == {
        "event": 7,
        "code": "reconnect_needed",
        "template": "Reconnect needed: %(reason)s",
        "params": {"reason": "invalid_grant"},
        "message": "Reconnect needed: invalid_grant",
    }
    assert vi(made) == "Cần kết nối lại: invalid_grant"
    with translation.override("en"):
        assert render(made) == made["message"]


def test_a_nested_phrase_is_translated_too() -> None:
    made = entry(
        "reset",
        "Reconnect needed: %(reason)s",
        reason=phrase("Leave them untouched"),
    )
    assert made["message"] == "Reconnect needed: Leave them untouched"
    assert vi(made) == "Cần kết nối lại: Giữ nguyên"


def test_old_and_broken_entries_render_their_stored_message() -> None:
    assert vi({"event": 3, "message": "An old English line"}) == "An old English line"
    broken = {"template": "Reconnect needed: %(reason)s", "params": {}, "message": "as stored"}
    assert vi(broken) == "as stored"
    assert vi({"template": 12, "message": "not a msgid"}) == "not a msgid"
    assert vi({}) == ""


def test_an_unknown_msgid_renders_in_english() -> None:
    made = entry("x", "Nobody translated %(what)s.", what="this")
    assert vi(made) == "Nobody translated this."


# -- what sync stores ----------------------------------------------------------------------


def test_graphs_own_words_stay_as_sent_inside_a_translated_frame() -> None:
    cause = GraphError("The event is locked by its organizer.", status=403, code="ErrorAccess")
    made = failure_entry(12, cause)
    assert made["event"] == 12 and made["code"] == "outlook_refused"
    assert made["params"] == {"reason": "403 ErrorAccess: The event is locked by its organizer."}
    assert made["message"] == (
        "Outlook refused the change: 403 ErrorAccess: The event is locked by its organizer."
    )
    with translation.override("vi"):
        assert "403 ErrorAccess: The event is locked by its organizer." in render(made)


def test_a_cause_with_its_own_template_is_stored_by_meaning() -> None:
    cause = UnsupportedRecurrence(
        "Outlook takes intervals up to %(max)d, not %(interval)d.", max=999, interval=1200
    )
    made = failure_entry(5, cause)
    assert made["template"] == "Outlook takes intervals up to %(max)d, not %(interval)d."
    assert made["params"] == {"max": 999, "interval": 1200}
    assert made["message"] == "Outlook takes intervals up to 999, not 1200."
    assert vi(made) == "Outlook chấp nhận khoảng lặp tối đa 999, không phải 1200."


def test_a_token_problem_on_one_write_reads_in_the_readers_language() -> None:
    from calsync.outlook.connection.tokens import ReconnectNeeded

    made = failure_entry(7, ReconnectNeeded("Outlook needs to be reconnected."))
    assert made["code"] == "outlook_unreachable"
    assert made["message"] == "Outlook could not be reached: Outlook needs to be reconnected."
    assert vi(made) == "Không thể kết nối tới Outlook: Cần kết nối lại Outlook."


def test_any_other_failure_is_framed_with_its_text() -> None:
    made = failure_entry("uid-1", RuntimeError("the side returned no item for a create"))
    assert made["code"] == "write_failed"
    assert made["message"] == (
        "The change could not be written: the side returned no item for a create"
    )


def test_an_identity_conflict_names_its_side_and_ids() -> None:
    made = identity_entry(IdentityConflict("remote", "ical-1", ("AAA", "BBB")))
    assert made["code"] == "identity_conflict"
    assert made["params"] == {"count": 2, "key": "ical-1", "ids": "AAA, BBB"}
    assert made["message"].startswith("2 Outlook events claim the same identity ical-1")


# -- conflicts -----------------------------------------------------------------------------


def test_fields_show_by_their_label() -> None:
    assert field_label("title") == "Title"
    assert field_label("show_as") == "Show as"
    assert field_label("attendees[bob@example.com]") == "Attendee bob@example.com"
    assert field_label("something_new") == "something_new"
    with translation.override("vi"):
        assert field_label("title") == "Tiêu đề"
        assert field_label("location") == "Địa điểm"


def test_values_are_readable() -> None:
    assert display_value("all_day", True) == "yes"
    assert display_value("all_day", False) == "no"
    assert display_value("show_as", "oof") == "Away"
    assert display_value("privacy", "private") == "Private"
    assert display_value("location", "") == "(empty)"
    assert display_value("organizer", {"email": "o@x.test", "name": "Olga"}) == "Olga <o@x.test>"
    attendee = {"email": "b@x.test", "name": "Bob", "status": "accepted", "type": "optional"}
    assert display_value("attendees[b@x.test]", attendee) == "Bob <b@x.test> (Accepted, Optional)"
    html = "<p>" + "A long &amp; winding agenda. " * 10 + "</p>"
    text = display_value("description", html)
    assert "<p>" not in text and "&amp;" not in text and "A long & winding" in text
    assert len(text) <= conflict_lines.VALUE_MAX and text.endswith("…")
    days = display_value("when", ["2026-11-24", "2026-11-26", True])
    assert days == "11/24/2026 – 11/25/2026 (All day)"  # the end is exclusive
    hours = display_value(
        "when", ["2026-11-24T09:00:00+00:00", "2026-11-24T10:30:00+00:00", False], "Asia/Tokyo"
    )
    assert hours == "11/24/2026 6 p.m. – 7:30 p.m. (JST)"
    with translation.override("vi"):
        assert display_value("all_day", True) != "yes"
        assert display_value("show_as", "oof") == "Vắng mặt"


# -- the pages -----------------------------------------------------------------------------


@pytest.fixture
def old_run(alice: Any) -> SyncRun:
    """A run as stored before entries had templates: texts only."""
    account = OutlookAccount.objects.create(user=alice, mailbox="alice@contoso.test")
    return SyncRun.objects.create(
        account=account,
        trigger="schedule",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status=SyncRun.STATUS_PARTIAL,
        errors=[{"event": 7, "message": "An old English line"}],
        conflicts=[{"event": "u-1", "field": "title", "winner": "remote", "losing_value": "Old"}],
        message="An old English line",
    )


def test_an_old_row_still_renders_in_both_languages(
    admin: Any, alice: Any, old_run: SyncRun
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(admin)
    page = client.get(f"/users/{alice.pk}/calendar").content.decode()
    assert "Sự kiện 7: An old English line" in page
    assert escape("Xung đột ở Tiêu đề: giá trị trong Outlook được giữ") in page
    assert "“Old”" in page
    with translation.override("vi"):
        assert run_message(old_run) == "An old English line"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = client.get(f"/users/{alice.pk}/calendar").content.decode()
    assert "Conflict on Title: the Outlook value won; the calsync value was “Old”." in english
