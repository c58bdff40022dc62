"""The OpenAPI 3.1 document, generated from the router itself so it cannot drift from the routes.

Summaries are the handlers' docstrings; request and response shapes come from their
``@schema`` declarations (``gateway/schemas.py``), security from their ``@roles``. Every
operation answers errors in the one shape of ``gateway/errors.py``, so 4XX and 5XX point at it.
"""

from __future__ import annotations

import copy
import inspect
import re

from aiohttp import web

from gateway import keys
from gateway.auth import PUBLIC_API_PATHS
from gateway.schemas import REQUIRED_PARAM, schema

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
ERROR_REF = "#/components/schemas/Error"
ID_PARAMETER = {"type": "integer", "minimum": 1}  # routes.common.path_id: digits, else 404


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


COMPONENTS = {
    "schemas": {"Error": ERROR_SCHEMA},
    "responses": {
        "ClientError": _error_response("the request cannot be served as sent"),
        "ServerError": _error_response("internal error, or a service that did not answer"),
    },
    "securitySchemes": {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "an access token; EventSource clients may send it as ?token= instead",
        }
    },
}


def path_of(route: web.AbstractRoute) -> str | None:
    """The route's path as OpenAPI writes it (``/api/kb/documents/{id}``), or None."""
    if route.resource is None:
        return None
    info = route.resource.get_info()
    return info.get("path") or info.get("formatter")


def documented_routes(app: web.Application):
    """The routes the document describes: every method of every resource but HEAD and ``*``."""
    for route in app.router.routes():
        path = path_of(route)
        if path and route.method not in ("HEAD", "*"):
            yield route, path


def _parameters(path: str, declared: dict) -> list[dict]:
    path_schemas = declared.get("path", {})
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": path_schemas.get(name, ID_PARAMETER if name == "id" else {"type": "string"}),
        }
        for name in re.findall(r"{(\w+)}", path)
    ]
    for name, spec in sorted(declared.get("query", {}).items()):
        spec = dict(spec)
        is_required = bool(spec.pop(REQUIRED_PARAM, False))
        parameters.append({"name": name, "in": "query", "required": is_required, "schema": spec})
    return parameters


def _responses(declared: dict) -> dict:
    status = str(declared.get("status", 200))
    success: dict = {"description": "no content" if status == "204" else "success"}
    if declared.get("response") is not None:
        media_type = declared.get("media_type", "application/json")
        success["content"] = {media_type: {"schema": declared["response"]}}
    responses = {status: success}
    for code, body in sorted(declared.get("responses", {}).items()):
        responses[str(code)] = {
            "description": "see the schema",
            "content": {"application/json": {"schema": body}},
        }
    responses["4XX"] = {"$ref": "#/components/responses/ClientError"}
    responses["5XX"] = {"$ref": "#/components/responses/ServerError"}
    return responses


def operation_of(route: web.AbstractRoute, path: str) -> dict:
    handler = route.handler
    doc = inspect.cleandoc(handler.__doc__ or "")
    summary, _, description = doc.partition("\n")
    declared = getattr(handler, "openapi", None) or {}
    module = handler.__module__.rsplit(".", 1)[-1]
    operation: dict = {
        "summary": summary or f"{route.method} {path}",
        "operationId": f"{module}.{handler.__name__}",
        "tags": [module],
        "responses": _responses(declared),
    }
    if description.strip():
        operation["description"] = description.strip()
    if declared.get("request") is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": declared["request"]}},
        }
    parameters = _parameters(path, declared)
    if parameters:
        operation["parameters"] = parameters
    if path.startswith("/api/") and path not in PUBLIC_API_PATHS:
        operation["security"] = [{"bearer": []}]
        allowed = getattr(handler, "allowed_roles", None)
        if allowed:
            operation["x-roles"] = sorted(allowed)
    return operation


def build_openapi(app: web.Application) -> dict:
    paths: dict[str, dict] = {}
    for route, path in documented_routes(app):
        paths.setdefault(path, {})[route.method.lower()] = operation_of(route, path)
    document = {
        "openapi": "3.1.0",
        "info": {"title": "VRAI receptionist API", "version": "1"},
        "components": COMPONENTS,
        "paths": dict(sorted(paths.items())),
    }
    return copy.deepcopy(document)  # the handlers' declarations stay theirs


@schema(response={"type": "object", "required": ["openapi", "paths"]})
async def openapi_json(request: web.Request) -> web.Response:
    """This API's OpenAPI 3.1 document."""
    return web.json_response(request.app[keys.OPENAPI])
