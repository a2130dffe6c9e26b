"""Generate the Graph schema fragment the emulator's responses are checked against.

Output: ``src/graph_emulator/schema/graph-v1.0-calendar.json`` (OpenAPI 3.0 schema objects
under ``components.schemas``, for ``openapi_schema_validator.OAS30Validator``).

Source: an OpenAPI 3.0 document that Microsoft generates from the Graph v1.0 CSDL
(OpenAPI.NET.OData), either the whole API, ``microsoftgraph/msgraph-metadata``
``openapi/v1.0/openapi.yaml``, or its Calendar module split,
``microsoftgraph/msgraph-sdk-powershell`` ``openApiDocs/v1.0/Calendar.yml``. Both carry the
same ``components.schemas`` entries (``microsoft.graph.event`` and friends).

    python scripts/fetch_graph_schema.py --source URL_OR_PATH [--output PATH]

How the shipped fragment was produced (honestly): this machine has no internet access, and
``openapi/v1.0/openapi.yaml`` was not in the code index available to us. The
``components`` section of ``Calendar.yml`` (msgraph-sdk-powershell, stored copy at commit
05285992051ac91e8177a729402122fac62dea56) was read through that index and transcribed,
without the ``description`` texts, into a local YAML file; this script was then run on that
file. Run it on the real URL to regenerate from the newest document:
``https://raw.githubusercontent.com/microsoftgraph/msgraph-sdk-powershell/dev/openApiDocs/v1.0/Calendar.yml``.

What the script does to Microsoft's schemas (each step is deliberate):

1. keeps the schemas reachable from ``microsoft.graph.event``,
   ``microsoft.graph.eventCollectionResponse`` and ``microsoft.graph.ODataErrors.ODataError``,
   after dropping the navigation properties the emulator never serves (``attachments``,
   ``calendar``, ``extensions``, ``instances``, ``multiValueExtendedProperties``);
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
   (``Collection(graph.event)``), both present in the current v1.0 CSDL;
6. adds the delta response wrapper (``BaseDeltaFunctionResponse`` in ``openapi.yaml``:
   ``value``, ``@odata.nextLink``, ``@odata.deltaLink``) as ``microsoft.graph.eventDeltaResponse``;
7. strips ``description``, ``title``, ``example`` and ``x-ms-*`` keys.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOTS = (
    "microsoft.graph.event",
    "microsoft.graph.eventCollectionResponse",
    "microsoft.graph.ODataErrors.ODataError",
)
DROPPED_NAVIGATION = {
    "attachments", "calendar", "extensions", "instances", "multiValueExtendedProperties",
}  # fmt: skip
FREE_FORM = {"microsoft.graph.ODataErrors.InnerError"}
PREFIX = "#/components/schemas/"
ADDED_EVENT_PROPERTIES: dict[str, Any] = {
    "cancelledOccurrences": {"type": "array", "items": {"type": "string"}},
    "exceptionOccurrences": {"type": "array", "items": {"$ref": PREFIX + "microsoft.graph.event"}},
}
DELTA_RESPONSE = {
    "type": "object",
    "properties": {
        "value": {"type": "array", "items": {"$ref": PREFIX + "microsoft.graph.event"}},
        "@odata.nextLink": {"type": "string", "nullable": True},
        "@odata.deltaLink": {"type": "string", "nullable": True},
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


def build(document: dict[str, Any]) -> dict[str, Any]:
    """The fragment: reachable, flattened, closed schemas (see the module docstring)."""
    schemas = document["components"]["schemas"]
    event = schemas["microsoft.graph.event"]
    for part in event.get("allOf", [event]):
        for nav in DROPPED_NAVIGATION:
            part.get("properties", {}).pop(nav, None)
    wanted: set[str] = set()
    pending = list(ROOTS)
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
        if name == "microsoft.graph.event":
            for prop, spec in ADDED_EVENT_PROPERTIES.items():
                schema["properties"].setdefault(prop, copy.deepcopy(spec))
        if "properties" in schema:
            _nullable_refs(schema["properties"])
        _close(schema, name)
        result[name] = schema
    delta = copy.deepcopy(DELTA_RESPONSE)
    _close(delta, "microsoft.graph.eventDeltaResponse")
    result["microsoft.graph.eventDeltaResponse"] = delta
    collection = result["microsoft.graph.eventCollectionResponse"]
    collection["properties"].pop("@odata.nextLink", None)
    collection["properties"]["@odata.nextLink"] = {"type": "string", "nullable": True}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="path or URL of the OpenAPI YAML/JSON")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="where to write the JSON")
    args = parser.parse_args(argv)
    fragment = {
        "$comment": "Generated by scripts/fetch_graph_schema.py; do not edit by hand.",
        "source": args.source if "://" in args.source else Path(args.source).name,
        "openapi": "3.0.1",
        "components": {"schemas": build(load(args.source))},
    }
    Path(args.output).write_text(json.dumps(fragment, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(fragment['components']['schemas'])} schemas to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
