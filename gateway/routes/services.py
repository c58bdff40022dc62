"""``/api/services``: the menu callers book from. The desk reads it; the admin edits it.

A service is deactivated rather than deleted: appointments refer to it. Its ``synonyms`` are
the words callers use for it ("tox" for Botox), which the booking engine matches.
"""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import actor_of, roles
from gateway.routes.common import bool_param
from gateway.routes.editing import (
    PAGE_QUERY,
    Bool,
    Fields,
    Ids,
    Int,
    Many,
    Text,
    edit,
    page,
    query_value,
    read_fields,
    record_id,
    stored,
)
from gateway.schemas import BOOLEAN, INTEGER, NULLABLE_STRING, STRING, enum, items, obj, schema
from store import services_admin

routes = web.RouteTableDef()

MAX_CENTS = 10_000_000  # $100,000: beyond any treatment, short of any overflow
SYNONYM = Text(
    60, blank_ok=False, pattern=r"^[^,]*[^,\s][^,]*$", hint="a word or phrase without commas"
)
RULES = {
    "name": Text(120, blank_ok=False),
    "description": Text(2000),
    "synonyms": Many(SYNONYM, 50),
    "duration_min": Int(1, 600),
    "price_cents": Int(0, MAX_CENTS),
    "deposit_cents": Int(0, MAX_CENTS),
    "resource_kind": Text(60, nullable=True),
    "provider_ids": Ids(),
    "active": Bool(),
}
NEW_SERVICE = Fields(RULES, required=("name", "duration_min"))
SERVICE_CHANGES = Fields(RULES, nonempty=True)
SERVICE = obj(
    {
        "id": INTEGER,
        "name": STRING,
        "description": STRING,
        "synonyms": {"type": "array", "items": STRING},
        "duration_min": INTEGER,
        "price_cents": INTEGER,
        "deposit_cents": INTEGER,
        "resource_kind": NULLABLE_STRING,
        "active": BOOLEAN,
        "provider_ids": {"type": "array", "items": INTEGER},
    }
)


def _include_inactive(request: web.Request) -> bool:
    return bool_param(query_value(request, "include_inactive"), "include_inactive") is True


@routes.get("/api/services")
@roles("admin", "staff")
@schema(
    response=items(SERVICE),
    query={**PAGE_QUERY, "include_inactive": enum(("true", "false"))},
)
async def list_services(request: web.Request) -> web.Response:
    """The clinic's active services by name (``?include_inactive=true`` for all)."""
    found = await stored(
        services_admin.list_services,
        request[keys.CLINIC_ID],
        _include_inactive(request),
        *page(request),
    )
    return web.json_response({"items": found})


@routes.post("/api/services")
@roles("admin")
@schema(request=NEW_SERVICE.schema, response=SERVICE, status=201)
async def create_service(request: web.Request) -> web.Response:
    """Add a service, offered by ``provider_ids`` (409 when the name is taken)."""
    fields = await read_fields(request, NEW_SERVICE)
    created = await edit(
        request,
        services_admin.create_service,
        request[keys.CLINIC_ID],
        actor_of(request),
        fields,
    )
    return web.json_response(created, status=201)


@routes.patch("/api/services/{id}")
@roles("admin")
@schema(request=SERVICE_CHANGES.schema, response=SERVICE)
async def update_service(request: web.Request) -> web.Response:
    """Change a service; ``provider_ids`` replaces who offers it."""
    service_id = record_id(request)
    changes = await read_fields(request, SERVICE_CHANGES)
    updated = await edit(
        request,
        services_admin.update_service,
        request[keys.CLINIC_ID],
        actor_of(request),
        service_id,
        changes,
    )
    return web.json_response(updated)


@routes.delete("/api/services/{id}")
@roles("admin")
@schema(response=SERVICE)
async def deactivate_service(request: web.Request) -> web.Response:
    """Take a service off the menu (deactivated; its appointments stand)."""
    removed = await edit(
        request,
        services_admin.deactivate_service,
        request[keys.CLINIC_ID],
        actor_of(request),
        record_id(request),
    )
    return web.json_response(removed)
