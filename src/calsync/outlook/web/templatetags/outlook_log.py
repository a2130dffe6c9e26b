"""``{% load outlook_log %}``: sync-log entries in the reader's language
(see :mod:`calsync.outlook.sync.log_messages`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django import template
from django.utils import formats, timezone

from calsync.outlook.sync import conflict_lines, log_messages

register = template.Library()


@register.filter
def log_text(entry: Any) -> str:
    """An error entry (or phrase) rendered in the active language; an old row's message."""
    return log_messages.render(entry) if isinstance(entry, Mapping) else str(entry or "")


@register.filter
def conflict_text(conflict: Any) -> str:
    """A stored conflict as one translated sentence, field label and readable value."""
    return conflict_lines.conflict_text(conflict) if isinstance(conflict, Mapping) else ""


@register.filter
def run_message(run: Any) -> str:
    """A ``SyncRun``'s one-line message in the active language (its ``message_parts``
    rendered; the stored text for rows without parts)."""
    if run.message_parts:
        return log_messages.render_all(run.message_parts)
    return str(run.message or "")


@register.filter
def instant(value: Any) -> datetime | None:
    """An ISO 8601 string (as the status holds times) as an aware datetime, for ``|date``
    (which shows it in the reader's zone); a datetime passes through; anything else: None."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


@register.filter
def log_time(value: Any) -> str:
    """A time of the log in the reader's zone: "14:05" today, else a short date and time."""
    if not isinstance(value, datetime):
        return ""
    here = timezone.localtime(value)
    if here.date() == timezone.localdate():
        return formats.time_format(here, "TIME_FORMAT")
    return formats.date_format(here, "SHORT_DATETIME_FORMAT")
