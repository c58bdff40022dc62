"""One JSON error shape, produced in one place: ``{"error": {"code", "message"}}``.

Handlers raise ``ApiError``; the middleware turns it, aiohttp's own HTTP errors (404, 405, 413)
and any unexpected exception into that shape. Nobody ever sees a bare 500 page; an unexpected
exception is logged with the request id and answered as ``internal``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from aiohttp import web

from actors.messages import Category, Failure
from gateway import keys

log = logging.getLogger("vrai.gateway")

# Failure categories crossing from actors, mapped to HTTP
STATUS_BY_CATEGORY = {
    Category.NOT_FOUND: 404,
    Category.INVALID: 400,
    Category.CONFLICT: 409,
    Category.UNAVAILABLE: 503,
    Category.RATE_LIMITED: 429,
    Category.INTERNAL: 500,
}
RETRY_AFTER_S = "2"  # what a client is told to wait when a failure says retrying can help
CODE_BY_STATUS = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )


def raise_for_failure(reply) -> object:
    """Return an ``Ok`` reply's value, or raise the ``Failure`` as the matching HTTP error."""
    if isinstance(reply, Failure):
        status = STATUS_BY_CATEGORY.get(reply.category, 500)
        message = reply.message if status < 500 else "the service could not complete the request"
        headers = {"Retry-After": RETRY_AFTER_S} if reply.retryable else None
        raise ApiError(status, str(reply.category), message, headers)
    return reply.value


async def read_json(request: web.Request) -> dict:
    """The request body as a JSON object, or a 400/415 that says what is wrong."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send a JSON body (application/json)")
    try:
        body = await request.json(loads=json.loads)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "the body must be a JSON object")
    return body


@web.middleware
async def request_context(request: web.Request, handler):
    """Request id, timing, access log without query strings (they may carry tokens)."""
    request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
    request[keys.REQUEST_ID] = request_id
    started = time.perf_counter()
    status = 500
    try:
        response = await _json_errors(request, handler)
        status = response.status
        if not response.prepared:  # streams (SSE) set it themselves before they start
            response.headers["X-Request-ID"] = request_id
        return response
    finally:
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={"request_id": request_id, "ms": round((time.perf_counter() - started) * 1e3, 2)},
        )


async def _json_errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(error.status, error.code, error.message, error.headers)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = CODE_BY_STATUS.get(error.status, "error")
        message = error.reason if error.status != 404 else f"no route for {request.path}"
        kept = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        return error_response(error.status, code, message, kept)
    except Exception:
        log.exception("unhandled error", extra={"request_id": request.get(keys.REQUEST_ID)})
        return error_response(500, "internal", "internal error; quote the X-Request-ID header")
