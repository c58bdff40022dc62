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


MAX_ID = 2**63 - 1  # the largest row id either database can hold


def path_id(request: web.Request, name: str = "id") -> int:
    """A row id from the path; anything else (``x1``, ``²``, past 64 bits) names no row: 404."""
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
        raise ApiError(404, "not_found", f"no such {name}")
    return int(raw)
