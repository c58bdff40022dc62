"""JSON Schema pieces for the OpenAPI document, and ``@schema`` to declare a route's shapes.

A handler declares what it reads and returns; ``gateway/openapi.py`` publishes it, and
``tests/test_openapi.py`` checks every response the suite sees against it, so the document
cannot drift from what the routes really send.
"""

from __future__ import annotations

STRING = {"type": "string"}
NON_EMPTY_STRING = {"type": "string", "minLength": 1}
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


#: Marks a query parameter as required (see ``required``); ``gateway/openapi.py`` removes it.
REQUIRED_PARAM = "x-required"


def required(schema: dict) -> dict:
    """A query parameter the route cannot do without: ``query={"q": required(STRING)}``."""
    return {**schema, REQUIRED_PARAM: True}


def schema(
    *,
    response: dict | None = None,
    request: dict | None = None,
    query: dict | None = None,
    status: int = 200,
    path: dict | None = None,
    media_type: str = "application/json",
    responses: dict[int, dict] | None = None,
):
    """Declare a route's request body, query and path parameters, and success response.

    ``response=None`` with a 204 ``status`` declares an answer without a body. ``media_type``
    names a success body that is not JSON (``response`` is then its schema as a string).
    ``responses`` adds other statuses whose body is not the error shape, e.g. ``/readyz``'s
    503 that says which check failed. Path parameters default to strings, ``{id}`` to a
    positive integer (``routes.common.path_id`` reads it); ``path`` overrides them.
    """

    def mark(handler):
        handler.openapi = {
            "response": response,
            "request": request,
            "query": query or {},
            "status": status,
            "path": path or {},
            "media_type": media_type,
            "responses": responses or {},
        }
        return handler

    return mark
