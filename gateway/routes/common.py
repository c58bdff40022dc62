"""Helpers every REST module shares: ask an actor, read typed parameters."""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.bridge import ActorUnavailable
from gateway.errors import ApiError, raise_for_failure


async def call(request: web.Request, service: str, message, timeout_s: float = 10.0):
    """Ask a service actor; its ``Failure`` becomes the matching HTTP error."""
    try:
        reply = await request.app[keys.BRIDGE].ask_service(service, message, timeout_s)
    except (ActorUnavailable, TimeoutError):
        raise ApiError(503, "unavailable", f"the {service} service did not answer") from None
    return raise_for_failure(reply)


def int_param(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, "invalid", f"{name} must be an integer") from None
    if not low <= number <= high:
        raise ApiError(400, "invalid", f"{name} must be between {low} and {high}")
    return number


def path_id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info[name]
    if not raw.isdigit():
        raise ApiError(404, "not_found", f"no such {name}")
    return int(raw)
