"""CORS for the ``/api`` routes, for the browser origins ``VRAI_CORS_ORIGINS`` lists; off without.

Only an exactly listed origin is answered: a preflight ``OPTIONS`` gets a 204 that allows the
route's methods and the headers the API reads, and every ``/api`` answer (errors and event
streams too) names that origin in ``Access-Control-Allow-Origin``. Any other origin gets no
CORS header at all, so the browser refuses it. The origin is echoed, never ``*``, and no
credentials are allowed: the API takes bearer tokens, not cookies.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import hdrs, web

ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID"
EXPOSE_HEADERS = "X-Request-ID, Retry-After, WWW-Authenticate"
MAX_AGE_S = "600"  # how long a browser may keep a preflight's answer


def _is_api(request: web.BaseRequest) -> bool:
    return request.path.startswith("/api/")


def _allowed_methods(request: web.Request) -> list[str] | None:
    """The methods the path's routes answer, or None when no route has the path (or one
    answers OPTIONS itself)."""
    error = request.match_info.http_exception
    if isinstance(error, web.HTTPMethodNotAllowed):
        return sorted(m for m in error.allowed_methods if m != hdrs.METH_HEAD)
    return None


def middlewares(origins: Iterable[str]) -> list:
    """The preflight middleware, if any origin is listed (none: CORS is off)."""
    allowed = frozenset(origins)
    return [_preflight_middleware(allowed)] if allowed else []


def _preflight_middleware(allowed: frozenset[str]):
    """Answers the preflights of listed origins; everything else passes through."""

    @web.middleware
    async def preflight(request: web.Request, handler):
        origin = request.headers.get(hdrs.ORIGIN)
        if (
            request.method != hdrs.METH_OPTIONS
            or origin not in allowed
            or hdrs.ACCESS_CONTROL_REQUEST_METHOD not in request.headers
            or not _is_api(request)
        ):
            return await handler(request)
        methods = _allowed_methods(request)
        if methods is None:  # no such route: its ordinary 404
            return await handler(request)
        return web.Response(
            status=204,
            headers={
                hdrs.ACCESS_CONTROL_ALLOW_METHODS: ", ".join(methods),
                hdrs.ACCESS_CONTROL_ALLOW_HEADERS: ALLOW_HEADERS,
                hdrs.ACCESS_CONTROL_MAX_AGE: MAX_AGE_S,
            },
        )

    return preflight


def install(app: web.Application, origins: Iterable[str]) -> None:
    """Name a listed origin on every ``/api`` answer, just before its headers go out (so
    event streams, which send theirs from inside the handler, get it too)."""
    allowed = frozenset(origins)
    if not allowed:
        return

    async def allow_origin(request: web.Request, response: web.StreamResponse) -> None:
        if not _is_api(request):
            return
        _vary_on_origin(response)
        origin = request.headers.get(hdrs.ORIGIN)
        if origin in allowed:
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
            response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSE_HEADERS

    app.on_response_prepare.append(allow_origin)


def _vary_on_origin(response: web.StreamResponse) -> None:
    """The answer depends on Origin: say so, so a shared cache keeps one per origin."""
    vary = response.headers.get(hdrs.VARY, "")
    if "origin" not in vary.lower():
        response.headers[hdrs.VARY] = f"{vary}, Origin" if vary else "Origin"
