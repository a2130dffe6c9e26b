"""Sync-log messages stored by meaning and rendered in the reader's language.

A sync run writes its errors (``SyncRun.errors``, a summary's ``errors``) and its one-line
message (``SyncRun.message_parts``) as *entries*, plain JSON::

    {"event": 12 | "uid" | None, "code": "write_failed", "template": "<msgid>",
     "params": {...}, "message": "<the English rendering>"}

``template`` is an untranslated msgid (marked with ``gettext_noop`` where it is written),
``params`` its ``%`` values: JSON scalars shown as they are (Graph's own error texts stay as
Graph sent them, framed by the translated template), or a nested *phrase*
``{"template", "params"}`` that is itself translated (a Reset Account choice, say).
``code`` names the kind of entry for scripts; ``message`` is the English text, what old
readers, ``calsync sync --json`` and the log file see.

:func:`render` gives an entry's text in the active language; an entry without a template
(rows written before templates were stored) renders its ``message``. Nothing here raises
for a malformed entry: it falls back to the stored ``message``.

A conflict's line is :mod:`calsync.outlook.sync.conflict_lines`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext

MESSAGE_MAX = 500
"""Longest English ``message`` kept in an entry (characters)."""


# -- entries ---------------------------------------------------------------------------------


def clock_time(when: datetime) -> str:
    """An instant as a log entry's parameter: the hour and minute in the server's zone, with
    the zone named (``14:05 UTC``)."""
    local = timezone.localtime(when)
    return f"{local:%H:%M} {local.tzname() or ''}".strip()


def phrase(template: str, /, **params: Any) -> dict[str, Any]:
    """A translatable text: ``template`` (an untranslated msgid) and its ``params``."""
    return {"template": template, "params": {k: _jsonable(v) for k, v in params.items()}}


def msgid_phrase(label: Any) -> dict[str, Any]:
    """The phrase of a ``gettext_lazy`` label (its msgid, read with translation off)."""
    with translation.override(None):
        return phrase(str(label))


def entry(code: str, template: str, event: Any = None, /, **params: Any) -> dict[str, Any]:
    """A log entry (see the module docstring) whose ``message`` is the English rendering
    (``params`` may be named anything, ``code`` and ``event`` included)."""
    made = {"event": event, "code": code, **phrase(template, **params)}
    made["message"] = english(made)[:MESSAGE_MAX]
    return made


def reason_of(cause: object) -> Any:
    """An exception as a param: its phrase when it carries a translatable ``template`` (and
    ``params``: calsync's token errors, msgraph's UnsupportedRecurrence), else its text as it
    came (Graph's own words stay Graph's)."""
    template = getattr(cause, "template", None)
    if isinstance(template, str):
        return phrase(template, **(getattr(cause, "params", None) or {}))
    return str(cause) or type(cause).__name__


def reason_text(cause: object) -> str:
    """:func:`reason_of` ``cause`` as text in the active language."""
    return str(_param(reason_of(cause)))


def english(part: Mapping[str, Any]) -> str:
    """``part`` rendered in English (the stored ``message``)."""
    with translation.override("en"):
        return render(part)


def render(part: Mapping[str, Any]) -> str:
    """``part`` (an entry or a phrase) in the active language; its ``message`` when it has
    no template (old rows) or its template cannot be filled."""
    template = part.get("template")
    fallback = str(part.get("message") or "")
    if not isinstance(template, str) or not template:
        return fallback
    params = part.get("params") or {}
    if not isinstance(params, Mapping):
        return fallback or template
    values = {key: _param(value) for key, value in params.items()}
    for text in (gettext(template), template):  # a broken translation falls back to English
        try:
            return text % values if values or "%(" in text else text
        except (KeyError, TypeError, ValueError):
            continue
    return fallback or template


def render_all(parts: Iterable[Mapping[str, Any]], separator: str = "; ") -> str:
    """The rendered ``parts`` joined (a run's one-line message)."""
    return separator.join(text for text in (render(p) for p in parts) if text)


def localised(entry_: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``entry_`` whose ``message`` is in the active language (API answers)."""
    return {**entry_, "message": render(entry_)}


def message_parts(entries: Iterable[Mapping[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    """The first ``limit`` entries as stored in ``SyncRun.message_parts`` (no ``event``)."""
    kept = []
    for item in list(entries)[:limit]:
        kept.append({k: item[k] for k in ("code", "template", "params", "message") if k in item})
    return kept


def last_error_text(account: Any) -> str:
    """``account.last_error`` in the active language: when it is the stored (English)
    message of the account's latest finished sync, that run's parts rendered; otherwise
    (a token problem, an old row) as stored."""
    if not account.last_error:
        return ""
    from calsync.outlook.models import SyncRun

    latest = (
        SyncRun.objects.filter(account=account, preview=False)
        .exclude(status=SyncRun.STATUS_RUNNING)
        .exclude(trigger="reset")
        .order_by("-started_at", "-id")
        .values_list("message", "message_parts")
        .first()
    )
    if latest and latest[1] and latest[0] == account.last_error:
        return render_all(latest[1])
    return str(account.last_error)


def _param(value: Any) -> Any:
    if isinstance(value, Mapping) and "template" in value:
        return render(value)
    return value


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


__all__ = [
    "english",
    "entry",
    "last_error_text",
    "localised",
    "message_parts",
    "msgid_phrase",
    "phrase",
    "reason_of",
    "reason_text",
    "render",
    "render_all",
]
