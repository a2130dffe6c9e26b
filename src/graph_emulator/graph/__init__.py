"""Graph v1.0 routes. ``routes()`` collects each route module's ``ROUTES`` list.

A module that does not exist yet is skipped with a warning in the log (never silently).
"""

from __future__ import annotations

import importlib
import logging

from starlette.routing import BaseRoute

log = logging.getLogger("graph_emulator.graph")

ROUTE_MODULES = (
    "me",
    "events",
    "calendar_view",
    "delta",
    "instances",
    "calendars",
    "responses",
    "subscriptions",
    "batch",
)


def routes() -> list[BaseRoute]:
    """All Graph routes, in ``ROUTE_MODULES`` order."""
    collected: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        qualified = f"{__name__}.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
            log.warning("Graph route module %s is missing: its routes are not served", qualified)
            continue
        collected.extend(module.ROUTES)
    return collected
