"""The OpenAPI document, generated from the router itself so it cannot drift from the routes.

Summaries are the handlers' docstrings; security comes from their ``@roles`` declarations.
"""

from __future__ import annotations

import re

from aiohttp import web

from gateway import keys
from gateway.auth import PUBLIC_API_PATHS

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


def build_openapi(app: web.Application) -> dict:
    paths: dict[str, dict] = {}
    for route in app.router.routes():
        if route.method in ("HEAD", "*"):
            continue
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if not path:
            continue
        handler = route.handler
        doc = (handler.__doc__ or "").strip().splitlines()
        declared = getattr(handler, "openapi", None) or {}
        success = {"description": "success"}
        if declared.get("response") is not None:
            success["content"] = {"application/json": {"schema": declared["response"]}}
        operation = {
            "summary": doc[0] if doc else route.method + " " + path,
            "operationId": handler.__name__,
            "responses": {
                str(declared.get("status", 200)): success,
                "4XX": {
                    "description": "client error",
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                },
            },
        }
        if declared.get("request") is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": declared["request"]}},
            }
        parameters = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in re.findall(r"{(\w+)}", path)
        ]
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": spec}
            for name, spec in sorted(declared.get("query", {}).items())
        ]
        if parameters:
            operation["parameters"] = parameters
        allowed = getattr(handler, "allowed_roles", None)
        if path.startswith("/api/") and path not in PUBLIC_API_PATHS:
            operation["security"] = [{"bearer": []}]
            if allowed:
                operation["x-roles"] = sorted(allowed)
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "VRAI receptionist API", "version": "1"},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
        "paths": dict(sorted(paths.items())),
    }


async def openapi_json(request: web.Request) -> web.Response:
    """This API's OpenAPI 3.1 document."""
    return web.json_response(request.app[keys.OPENAPI])
