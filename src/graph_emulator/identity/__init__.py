"""The Microsoft identity platform (v2.0 endpoints): discovery, authorize, token.

``routes()`` returns the Starlette routes; state lives in ``state.IdentityState`` on the world.
"""

from __future__ import annotations

import importlib
import logging

from starlette.routing import BaseRoute

log = logging.getLogger("graph_emulator.identity")


def routes() -> list[BaseRoute]:
    collected: list[BaseRoute] = []
    for name in ("discovery", "authorize", "token"):
        qualified = f"{__name__}.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
            log.warning("identity module %s is missing: its routes are not served", qualified)
            continue
        collected.extend(module.ROUTES)
    return collected
