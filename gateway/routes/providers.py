"""``/api/providers``: staff read the clinic's providers; admins link each to their calendar."""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import roles
from gateway.dbio import run_db
from gateway.errors import ApiError, read_json
from gateway.routes.common import path_id
from store.providers import list_providers, set_google_calendar

routes = web.RouteTableDef()

EDITABLE = {"google_calendar_id"}


@routes.get("/api/providers")
@roles("admin", "staff")
async def providers(request: web.Request) -> web.Response:
    """The clinic's providers, with the Google Calendar each is linked to (or null)."""
    return web.json_response({"items": await run_db(list_providers, request[keys.CLINIC_ID])})


@routes.patch("/api/providers/{id}")
@roles("admin")
async def update_provider(request: web.Request) -> web.Response:
    """Link a provider to their Google Calendar (``{"google_calendar_id": "..."}``, or null)."""
    body = await read_json(request)
    unknown = set(body) - EDITABLE
    if unknown or not body:
        raise ApiError(400, "invalid", "only google_calendar_id can be changed")
    calendar_id = body["google_calendar_id"]
    if calendar_id is not None:
        if not isinstance(calendar_id, str) or not calendar_id.strip() or len(calendar_id) > 255:
            raise ApiError(400, "invalid", "google_calendar_id must be a calendar id or null")
        calendar_id = calendar_id.strip()
    updated = await run_db(
        set_google_calendar, request[keys.CLINIC_ID], path_id(request), calendar_id
    )
    if updated is None:
        raise ApiError(404, "not_found", "no such provider")
    return web.json_response(updated)
