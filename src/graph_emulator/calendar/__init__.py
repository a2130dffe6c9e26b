"""The Outlook calendar model behind the Graph routes: pure state, no HTTP.

``CalendarStore`` holds every mailbox's events; ``recurrence``, ``exceptions``,
``meetings``, ``delta``, ``serialize`` and ``timezones`` implement Outlook's rules (see each
module's docstring for the choices made where Microsoft's behaviour is not documented).
"""

from __future__ import annotations

from graph_emulator.calendar.errors import CalendarError
from graph_emulator.calendar.serialize import View
from graph_emulator.calendar.store import CalendarStore

__all__ = ["CalendarError", "CalendarStore", "View"]
