"""The error body every OpenAI endpoint returns, for the local fakes of those endpoints."""

from __future__ import annotations

from aiohttp import web


def openai_error(
    status: int,
    message: str,
    kind: str = "invalid_request_error",
    code: str | None = None,
    *,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """``{"error": {message, type, param, code}}`` with ``status``, as the SDK parses it."""
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return web.json_response(body, status=status, headers=headers)
