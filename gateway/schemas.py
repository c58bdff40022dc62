"""JSON Schema pieces for the OpenAPI document, and ``@schema`` to declare a route's shapes.

A handler declares what it reads and returns; ``gateway/openapi.py`` publishes it, and
``tests/test_openapi.py`` checks every response the suite sees against it, so the document
cannot drift from what the routes really send.
"""

from __future__ import annotations

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
INTEGER = {"type": "integer"}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
BOOLEAN = {"type": "boolean"}
NUMBER = {"type": "number"}
INSTANT = {"type": "string", "format": "date-time"}
NULLABLE_INSTANT = {"type": ["string", "null"], "format": "date-time"}
ANY_OBJECT = {"type": "object"}
ANYTHING: dict = {}


def obj(required: dict | None = None, optional: dict | None = None, extra: bool = True) -> dict:
    """An object schema: ``required`` properties must be present, ``optional`` may be."""
    properties = {**(required or {}), **(optional or {})}
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(required)
    if not extra:
        schema["additionalProperties"] = False
    return schema


def items(item: dict, **more: dict) -> dict:
    """The shape every list route answers: ``{"items": [...]}`` plus paging fields."""
    return obj({"items": {"type": "array", "items": item}}, more or None)


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


def schema(
    *,
    response: dict | None = None,
    request: dict | None = None,
    query: dict | None = None,
    status: int = 200,
):
    """Declare a route's request body, query parameters and success response."""

    def mark(handler):
        handler.openapi = {
            "response": response,
            "request": request,
            "query": query or {},
            "status": status,
        }
        return handler

    return mark
