"""Helpers every REST module shares: ask an actor, read typed parameters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

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


def page_params(query, default: int = 100, most: int = 1000) -> tuple[int, int]:
    """``?limit=&offset=`` of a list that can grow."""
    limit = int_param(query.get("limit"), "limit", default, 1, most)
    return limit, int_param(query.get("offset"), "offset", 0, 0, 10**9)


def choice_param(value: str | None, name: str, allowed) -> str | None:
    """An optional value that must be one of ``allowed``, or a 400 that lists them."""
    if not value:
        return None
    if value not in allowed:
        raise ApiError(400, "invalid", f"{name} must be one of {', '.join(allowed)}")
    return value


def bool_param(value: str | None, name: str) -> bool | None:
    """An optional ``true``/``false`` query parameter (None when not sent)."""
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise ApiError(400, "invalid", f"{name} must be true or false")
    return value == "true"


def path_id(request: web.Request, name: str = "id") -> int:
    """A row id from the path; anything else (``x1``, ``²``, past 64 bits) names no row: 404."""
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
        raise ApiError(404, "not_found", f"no such {name}")
    return int(raw)


YEARS = (2000, 2100)  # what a clinic books in; beyond it a date is a typo (or an overflow)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def parse_instant(value: str) -> datetime:
    """An RFC 3339 instant, so with its UTC offset (a bare wall time is ambiguous), as UTC."""
    value = value.upper()  # RFC 3339 allows "t" and "z"
    try:
        if not RFC3339.match(value):
            raise ValueError
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "must be ISO 8601 with an offset, e.g. 2030-01-31T09:00:00-08:00"
        ) from None
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise ValueError(f"must be between {YEARS[0]} and {YEARS[1]}")
    return parsed.astimezone(UTC)


def instant_param(value: str | None, name: str) -> datetime | None:
    """An optional instant from the query string, or a 400 that says what it must be."""
    if value is None or value == "":
        return None
    try:
        return parse_instant(value)
    except ValueError as error:
        raise ApiError(400, "invalid", f"{name} {error}") from None
