"""Generate the Graph schema fragment the emulator's responses are checked against.

Output: ``src/graph_emulator/schema/graph-v1.0-calendar.json`` (OpenAPI 3.0 schema objects
under ``components.schemas``, for ``openapi_schema_validator.OAS30Validator``): events, their
collections and delta pages, errors, ``/me`` (``microsoft.graph.user``) and ``/subscriptions``
(``microsoft.graph.subscription`` and its collection), and calendars
(``microsoft.graph.calendar`` and its collection).

Source: an OpenAPI 3.0 document that Microsoft generates from the Graph v1.0 CSDL
(OpenAPI.NET.OData), either the whole API, ``microsoftgraph/msgraph-metadata``
``openapi/v1.0/openapi.yaml``, or its Calendar module split,
``microsoftgraph/msgraph-sdk-powershell`` ``openApiDocs/v1.0/Calendar.yml``. Both carry the
same ``components.schemas`` entries (``microsoft.graph.event`` and friends). ``--source`` may
be given several times (module splits: ``Calendar.yml``, ``Users.yml``,
``ChangeNotifications.yml``); their schemas are merged, the first definition of a name wins.

    python scripts/fetch_graph_schema.py --source URL_OR_PATH [--source ...] [--output PATH]

How the shipped fragment was produced (honestly): this machine has no internet access, and
``openapi/v1.0/openapi.yaml`` was not in the code index available to us. The
``components`` section of ``Calendar.yml`` (msgraph-sdk-powershell, stored copy at commit
05285992051ac91e8177a729402122fac62dea56) was read through that index and transcribed,
without the ``description`` texts, into a local YAML file; this script was then run on that
file. Run it on the real URL to regenerate from the newest document:
``https://raw.githubusercontent.com/microsoftgraph/msgraph-sdk-powershell/dev/openApiDocs/v1.0/Calendar.yml``.

``microsoft.graph.calendar`` (and ``calendarColor``, ``calendarCollectionResponse``) was
added from ``scripts/schema-sources/calendar.yaml``, transcribed from the v1.0 model classes
Microsoft generates from the same CSDL (msgraph-sdk for Python,
its module ``msgraph.generated.models.calendar``), run as the second ``--source`` after the
previous fragment. With the real URL, ``Calendar.yml`` carries it already.

``microsoft.graph.user`` and ``microsoft.graph.subscription`` were added the same way:
``components`` of ``Users.yml`` (stored copy at commit
01724eb1e735b45ee4b1c31f65b6631afdd2b897: ``user``, ``directoryObject``, ``entity``) and of
``ChangeNotifications.yml`` (commit 09b375c12cf746183a2f635d9cadada2b13c29a1:
``subscription``) transcribed without descriptions into a second local YAML; the script was
run with the previous fragment as the first ``--source`` (every step below is idempotent,
so a generated fragment fed back in comes out unchanged; a test checks this) and that file
as the second. With the real URLs: ``--source .../Calendar.yml --source .../Users.yml
--source .../ChangeNotifications.yml``.

What the script does to Microsoft's schemas (each step is deliberate):

1. keeps the schemas reachable from ``microsoft.graph.event``,
   ``microsoft.graph.eventCollectionResponse`` and ``microsoft.graph.ODataErrors.ODataError``,
   after dropping the navigation properties the emulator never serves (``attachments``,
   ``calendar``, ``extensions``, ``instances``, ``multiValueExtendedProperties``) and of
   ``microsoft.graph.calendar`` (``calendarPermissions``, ``calendarView``, ``events``,
   the extended properties), and every
   property of ``microsoft.graph.user`` whose value is not a primitive or a collection of
   primitives (its navigation properties and complex ones such as ``mailboxSettings`` or
   ``passwordProfile``: the emulator serves none of them, and they would pull in hundreds of
   schemas);
2. flattens ``allOf`` inheritance (entity -> outlookItem -> event) into one object schema;
3. replaces OpenAPI.NET's open-type marker ``additionalProperties: {type: object}`` with
   "declared properties plus instance annotations (names starting with ``@``) only", so a
   misspelt or invented property fails validation (``InnerError`` stays free-form, as its
   schema says "service-specific");
4. lets a property given as a bare ``$ref`` be ``null`` (CSDL properties are nullable unless
   declared otherwise; Graph answers ``"recurrence": null``; newer generator versions write
   this as ``anyOf: [$ref, {nullable: true}]``);
5. adds v1.0 event properties newer than an older source when they are absent:
   ``cancelledOccurrences`` (``Collection(Edm.String)``) and ``exceptionOccurrences``
   (``Collection(graph.event)``), both present in the current v1.0 CSDL; likewise the
   subscription's ``notificationUrlAppId`` (``Edm.String``, nullable: in the v1.0 models
   Microsoft generates, e.g. the Graph Python SDK's ``msgraph/generated/models/subscription.py``,
   but not yet in the stored ``ChangeNotifications.yml``);
6. adds the delta response wrapper (``BaseDeltaFunctionResponse`` in ``openapi.yaml``:
   ``value``, ``@odata.nextLink``, ``@odata.deltaLink``) as ``microsoft.graph.eventDeltaResponse``,
   and the list of subscriptions (``GET /subscriptions``' inline "Collection of subscription":
   ``value``, ``@odata.nextLink``) as ``microsoft.graph.subscriptionCollectionResponse``;
7. strips ``description``, ``title``, ``example`` and ``x-ms-*`` keys.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ROOTS = (
    "microsoft.graph.event",
    "microsoft.graph.eventCollectionResponse",
    "microsoft.graph.ODataErrors.ODataError",
    "microsoft.graph.user",
    "microsoft.graph.subscription",
)
#: Roots kept when a source defines them (a module split without them still builds).
OPTIONAL_ROOTS = ("microsoft.graph.calendar", "microsoft.graph.calendarCollectionResponse")
CALENDAR_NAVIGATION = {
    "calendarPermissions", "calendarView", "events", "multiValueExtendedProperties",
    "singleValueExtendedProperties",
}  # fmt: skip
PRIMITIVES_ONLY = {"microsoft.graph.user"}
GENERATED = "Generated by scripts/fetch_graph_schema.py; do not edit by hand."
DROPPED_NAVIGATION = {
    "attachments", "calendar", "extensions", "instances", "multiValueExtendedProperties",
}  # fmt: skip
FREE_FORM = {"microsoft.graph.ODataErrors.InnerError"}
PREFIX = "#/components/schemas/"
ADDED_EVENT_PROPERTIES: dict[str, Any] = {
    "cancelledOccurrences": {"type": "array", "items": {"type": "string"}},
    "exceptionOccurrences": {"type": "array", "items": {"$ref": PREFIX + "microsoft.graph.event"}},
}
ADDED_SUBSCRIPTION_PROPERTIES: dict[str, Any] = {
    "notificationUrlAppId": {"type": "string", "nullable": True},
}
DELTA_RESPONSE = {
    "type": "object",
    "properties": {
        "value": {"type": "array", "items": {"$ref": PREFIX + "microsoft.graph.event"}},
        "@odata.nextLink": {"type": "string", "nullable": True},
        "@odata.deltaLink": {"type": "string", "nullable": True},
    },
}
SUBSCRIPTIONS_RESPONSE = {
    "type": "object",
    "properties": {
        "value": {"type": "array", "items": {"$ref": PREFIX + "microsoft.graph.subscription"}},
        "@odata.nextLink": {"type": "string", "nullable": True},
    },
}
STRIPPED_KEYS = {"description", "title", "example", "externalDocs"}
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parents[1] / "src/graph_emulator/schema/graph-v1.0-calendar.json"
)


def load(source: str) -> dict[str, Any]:
    """The OpenAPI document at a path or URL (YAML or JSON)."""
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=120) as response:
            text = response.read().decode()
    else:
        text = Path(source).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _clean(v)
            for k, v in node.items()
            if k not in STRIPPED_KEYS and not k.startswith("x-ms-")
        }
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(PREFIX):
            found.add(ref[len(PREFIX) :])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _flatten(name: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """One object schema with the properties of the whole allOf chain."""
    schema = schemas[name]
    if "allOf" not in schema:
        return copy.deepcopy(schema)
    merged: dict[str, Any] = {"type": "object", "properties": {}}
    for part in schema["allOf"]:
        base = _flatten(part["$ref"][len(PREFIX) :], schemas) if "$ref" in part else part
        merged["properties"].update(copy.deepcopy(base.get("properties", {})))
        if base.get("required"):
            merged.setdefault("required", []).extend(base["required"])
    return merged


def _nullable_refs(properties: dict[str, Any]) -> None:
    for name, prop in properties.items():
        if set(prop) == {"$ref"}:
            properties[name] = {"anyOf": [prop, {"enum": [None]}]}


def _close(schema: dict[str, Any], name: str) -> None:
    """Only declared properties plus ``@`` annotations (Microsoft's open-type marker replaced)."""
    if name in FREE_FORM:
        schema.pop("additionalProperties", None)
        return
    if schema.get("type") == "object" and "properties" in schema:
        schema["additionalProperties"] = False
        schema["patternProperties"] = {"^@": {}}


def merge_schemas(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``components.schemas`` of all documents; the first definition of a name wins."""
    schemas: dict[str, Any] = {}
    for document in documents:
        for name, schema in document["components"]["schemas"].items():
            schemas.setdefault(name, copy.deepcopy(schema))
    return schemas


def build(document: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """The fragment: reachable, flattened, closed schemas (see the module docstring).

    ``keep``: more roots (the schemas of a fragment fed back in, whose inheritance bases
    flattening made unreachable)."""
    schemas = document["components"]["schemas"]
    event = schemas["microsoft.graph.event"]
    for part in event.get("allOf", [event]):
        for nav in DROPPED_NAVIGATION:
            part.get("properties", {}).pop(nav, None)
    calendar = schemas.get("microsoft.graph.calendar", {})
    for part in calendar.get("allOf", [calendar]):
        for nav in CALENDAR_NAVIGATION:
            part.get("properties", {}).pop(nav, None)
    for name in PRIMITIVES_ONLY & schemas.keys():
        for part in schemas[name].get("allOf", [schemas[name]]):
            properties = part.get("properties", {})
            for prop in [p for p, spec in properties.items() if _refs(spec)]:
                del properties[prop]
    wanted: set[str] = set()
    pending = [*ROOTS, *(r for r in OPTIONAL_ROOTS if r in schemas), *keep]
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        if name not in schemas:
            raise SystemExit(f"schema {name} is referenced but not in the source document")
        wanted.add(name)
        pending.extend(_refs(schemas[name]) - wanted)
    result: dict[str, Any] = {}
    for name in sorted(wanted):
        schema = _clean(_flatten(name, schemas))
        added = {
            "microsoft.graph.event": ADDED_EVENT_PROPERTIES,
            "microsoft.graph.subscription": ADDED_SUBSCRIPTION_PROPERTIES,
        }.get(name, {})
        for prop, spec in added.items():
            schema["properties"].setdefault(prop, copy.deepcopy(spec))
        if "properties" in schema:
            _nullable_refs(schema["properties"])
        _close(schema, name)
        result[name] = schema
    delta = copy.deepcopy(DELTA_RESPONSE)
    _close(delta, "microsoft.graph.eventDeltaResponse")
    result["microsoft.graph.eventDeltaResponse"] = delta
    if "microsoft.graph.subscription" in result:
        listing = copy.deepcopy(SUBSCRIPTIONS_RESPONSE)
        _close(listing, "microsoft.graph.subscriptionCollectionResponse")
        result["microsoft.graph.subscriptionCollectionResponse"] = listing
    for name in ("microsoft.graph.eventCollectionResponse",
                 "microsoft.graph.calendarCollectionResponse"):  # fmt: skip
        if name in result:
            collection = result[name]
            collection["properties"].pop("@odata.nextLink", None)
            collection["properties"]["@odata.nextLink"] = {"type": "string", "nullable": True}
    return result


def _provenance(source: str, document: dict[str, Any]) -> str:
    """How the fragment names a source: a URL, a file name, or for a fragment made by this
    script (fed back in), that fragment's own sources."""
    if document.get("$comment") == GENERATED and isinstance(document.get("source"), str):
        return document["source"]
    return source if "://" in source else Path(source).name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        required=True,
        action="append",
        help="path or URL of an OpenAPI YAML/JSON (repeat to merge module splits)",
    )
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="where to write the JSON")
    args = parser.parse_args(argv)
    documents = [load(source) for source in args.source]
    fragment = {
        "$comment": GENERATED,
        "source": " + ".join(
            _provenance(source, document)
            for source, document in zip(args.source, documents, strict=True)
        ),
        "openapi": "3.0.1",
        "components": {
            "schemas": build(
                {"components": {"schemas": merge_schemas(documents)}},
                keep=[
                    name
                    for document in documents
                    if document.get("$comment") == GENERATED
                    for name in document["components"]["schemas"]
                ],
            )
        },
    }
    Path(args.output).write_text(json.dumps(fragment, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(fragment['components']['schemas'])} schemas to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
