"""``GraphContext``: what a Graph endpoint gets: request, world, caller and mailbox."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from graph_emulator.graph.errors import GraphError

if TYPE_CHECKING:
    from graph_emulator.directory import User
    from graph_emulator.identity.state import AccessToken
    from graph_emulator.world import World


class Prefer(dict[str, str]):
    """The parsed ``Prefer`` header(s): name -> value, names case-insensitive.

    ``Prefer: outlook.timezone="Pacific Standard Time", odata.maxpagesize=50`` gives
    ``{"outlook.timezone": "Pacific Standard Time", "odata.maxpagesize": "50"}``; a bare
    preference (``return=minimal``-less, e.g. ``respond-async``) maps to "".
    """

    def __init__(self, headers: list[str] | None = None) -> None:
        super().__init__()
        self._names: dict[str, str] = {}
        for header in headers or []:
            for part in _split_outside_quotes(header):
                name, _, value = part.partition("=")
                name, value = name.strip(), value.strip()
                if not name:
                    continue
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                self[name] = value

    def __setitem__(self, key: str, value: str) -> None:
        old = self._names.get(key.lower())
        if old is not None and old != key:
            super().__delitem__(old)
        self._names[key.lower()] = key
        super().__setitem__(key, value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(self._names.get(key.lower(), key))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._names

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if key in self:
            return self[key]
        return default


def _split_outside_quotes(text: str) -> list[str]:
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char in ",;" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


@dataclass
class GraphContext:
    """One Graph call, authenticated and addressed.

    ``caller`` is the signed-in user of the access token; ``mailbox`` the user the URL
    addresses (``/me`` -> the caller). ``base_url`` is ``https://host:port/v1.0`` as the client
    used it, for building ``@odata.nextLink``/``deltaLink``.
    """

    request: Request
    world: World
    caller: User
    mailbox: User
    token: AccessToken
    body: bytes = b""
    prefer: Prefer = field(default_factory=Prefer)

    @property
    def app_id(self) -> str:
        return self.token.client_id

    @property
    def path_params(self) -> dict[str, Any]:
        return self.request.path_params

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def headers(self) -> Any:
        return self.request.headers

    @property
    def base_url(self) -> str:
        return str(self.request.base_url).rstrip("/") + "/v1.0"

    def json_body(self) -> Any:
        """The request body as JSON; 400 BadRequest (Graph's shape) when it is not JSON.

        An empty body gives ``{}``.
        """
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise GraphError(
                400, "BadRequest", f"Unable to read JSON request payload: {exc}"
            ) from None
