"""``/api/providers``: the desk reads the clinic's providers; the admin adds and edits them
(what they offer, a daily cap, their Google Calendar). Their hours are in schedule.py."""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import actor_of, roles
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
    read_fields,
    record_id,
    stored,
)
from gateway.schemas import (
    BOOLEAN,
    INTEGER,
    NULLABLE_INTEGER,
    NULLABLE_STRING,
    STRING,
    items,
    obj,
    schema,
)
from store import providers as roster

routes = web.RouteTableDef()

NICKNAME = Text(
    60, blank_ok=False, pattern=r"^[^,]*[^,\s][^,]*$", hint="a name or phrase without commas"
)
RULES = {
    "name": Text(120, blank_ok=False),
    "title": Text(120),
    "daily_cap": Int(1, 200, nullable=True),  # null: as many as the hours hold
    "active": Bool(),
    "service_ids": Ids(),
    "google_calendar_id": Text(255, nullable=True, blank_ok=False),  # null: not linked
    "nicknames": Many(NICKNAME, 20),  # what customers call them: "Dr. Ben", "Ben"
}
NEW_PROVIDER = Fields(RULES, required=("name",))
PROVIDER_CHANGES = Fields(RULES, nonempty=True)
PROVIDER = obj(
    {
        "id": INTEGER,
        "name": STRING,
        "title": STRING,
        "daily_cap": NULLABLE_INTEGER,
        "active": BOOLEAN,
        "google_calendar_id": NULLABLE_STRING,
        "nicknames": {"type": "array", "items": STRING},
        "service_ids": {"type": "array", "items": INTEGER},
    }
)


@routes.get("/api/providers")
@roles("admin", "staff")
@schema(response=items(PROVIDER), query=PAGE_QUERY)
async def providers(request: web.Request) -> web.Response:
    """The clinic's providers: what each offers and the Google Calendar each is linked to."""
    found = await stored(roster.list_providers, request[keys.CLINIC_ID], *page(request, 200))
    return web.json_response({"items": found})


@routes.post("/api/providers")
@roles("admin")
@schema(request=NEW_PROVIDER.schema, response=PROVIDER, status=201)
async def add_provider(request: web.Request) -> web.Response:
    """Add a provider (409 when the name is taken); they work the clinic's hours until set."""
    fields = await read_fields(request, NEW_PROVIDER)
    created = await edit(
        request, roster.create_provider, request[keys.CLINIC_ID], actor_of(request), fields
    )
    return web.json_response(created, status=201)


@routes.patch("/api/providers/{id}")
@roles("admin")
@schema(request=PROVIDER_CHANGES.schema, response=PROVIDER)
async def update_provider(request: web.Request) -> web.Response:
    """Change a provider; ``service_ids`` replaces what they offer, ``active: false`` stops
    new bookings with them (booked appointments stand)."""
    provider_id = record_id(request)
    changes = await read_fields(request, PROVIDER_CHANGES)
    updated = await edit(
        request,
        roster.update_provider,
        request[keys.CLINIC_ID],
        actor_of(request),
        provider_id,
        changes,
    )
    return web.json_response(updated)
