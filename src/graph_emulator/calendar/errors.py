"""Errors of the calendar model, shaped like Graph's (status, code, message).

The model knows no HTTP: the Graph routes turn a ``CalendarError`` into Graph's error
envelope. Every validation error names the offending property in its message.
"""

from __future__ import annotations


class CalendarError(Exception):
    """A failed calendar operation: HTTP ``status``, Graph error ``code``, ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def not_found() -> CalendarError:
    """404 ErrorItemNotFound, Outlook's answer for an unknown (or foreign) id."""
    return CalendarError(
        404, "ErrorItemNotFound", "The specified object was not found in the store."
    )


def invalid_property(prop: str, detail: str) -> CalendarError:
    """400 ErrorPropertyValidationFailure naming ``prop``."""
    return CalendarError(
        400,
        "ErrorPropertyValidationFailure",
        f"At least one property failed validation. Property '{prop}': {detail}",
    )


def invalid_request(prop: str, detail: str) -> CalendarError:
    """400 ErrorInvalidRequest naming ``prop``."""
    return CalendarError(
        400, "ErrorInvalidRequest", f"Invalid request. Property '{prop}': {detail}"
    )


def body_read(prop: str, detail: str) -> CalendarError:
    """400 RequestBodyRead: a value of the wrong JSON type or outside its enum."""
    return CalendarError(400, "RequestBodyRead", f"Property '{prop}': {detail}")


def invalid_parameter(detail: str) -> CalendarError:
    """400 ErrorInvalidParameter (query parameters such as startDateTime)."""
    return CalendarError(400, "ErrorInvalidParameter", detail)


def invalid_query(detail: str) -> CalendarError:
    """400 ErrorInvalidUrlQuery (unsupported $filter, $select on delta, ...)."""
    return CalendarError(400, "ErrorInvalidUrlQuery", detail)
