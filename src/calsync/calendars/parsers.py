"""Request body parsing for the REST API: JSON with a nesting limit.

DRF's JSON parser hands a body nested thousands deep to :func:`json.load`, whose
``RecursionError`` escapes as a 500; a body nested a few hundred deep parses, then costs
every recursive step after it (validation, error rendering). :class:`DepthLimitedJSONParser`
answers both with a 400 that names the limit. It is the API's JSON parser
(``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` in the settings).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 20
"""The deepest nesting of arrays and objects a request body may have (an event has 3)."""


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and dicts (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            if depth + 1 <= MAX_JSON_DEPTH:
                stack.extend((child, depth + 1) for child in item)
    return deepest


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than :data:`MAX_JSON_DEPTH`."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        too_deep = ParseError(
            _("The JSON body is nested more than %(depth)d levels deep.")
            % {"depth": MAX_JSON_DEPTH}
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        return data
