"""``/api/waitlist``: the desk sees who is waiting for an opening, adds and removes them.

Openings are offered first come, first served (the list's order); what each entry was
offered, and what became of it, is in its ``offers``.
"""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import actor_of, roles
from gateway.routes.common import choice_param
from gateway.routes.editing import (
    DAY,
    MAX_ID,
    PAGE_QUERY,
    Choice,
    Fields,
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
from gateway.schemas import INTEGER, NULLABLE_INTEGER, NULLABLE_STRING, STRING, items, obj, schema
from store import waitlist
from store.models import PARTS_OF_DAY, WAITLIST_STATUSES

routes = web.RouteTableDef()
DESK = ("admin", "staff")


NEW_ENTRY = Fields(
    {
        "phone": Text(32, blank_ok=False),
        "name": Text(120, nullable=True),
        "service_id": Int(1, MAX_ID),
        "provider_id": Int(1, MAX_ID, nullable=True),  # null or absent: any provider
        "weekdays": Many(Choice(waitlist.WEEKDAYS), 7),  # empty or absent: any day
        "part_of_day": Choice(PARTS_OF_DAY),
        "from_day": DAY,
        "until_day": DAY,
    },
    required=("phone", "service_id"),
)
DAY_OUT = {"type": "string", "format": "date"}
ENTRY = obj(
    {
        "id": INTEGER,
        "status": STRING,
        "customer": obj({"id": INTEGER, "name": NULLABLE_STRING, "phone": STRING}),
        "service": obj({"id": INTEGER, "name": STRING}),
        "provider": {"type": ["object", "null"]},
        "weekdays": {"type": "array", "items": STRING},
        "part_of_day": NULLABLE_STRING,
        "from_day": DAY_OUT,
        "until_day": DAY_OUT,
        "source": STRING,
        "appointment_id": NULLABLE_INTEGER,
        "created_at": STRING,
        "offers": {"type": "array", "items": {"type": "object"}},
    }
)
LIST_QUERY = {**PAGE_QUERY, "status": {"type": "string", "enum": list(WAITLIST_STATUSES)}}


@routes.get("/api/waitlist")
@roles(*DESK)
@schema(response=items(ENTRY), query=LIST_QUERY)
async def list_entries(request: web.Request) -> web.Response:
    """The list in the order openings are offered; ``?status=waiting`` for who still waits."""
    status = choice_param(query_value(request, "status"), "status", WAITLIST_STATUSES)
    found, total = await stored(
        waitlist.entries, request[keys.CLINIC_ID], status, *page(request, 50)
    )
    return web.json_response({"items": found, "total": total})


@routes.get("/api/waitlist/{id}")
@roles(*DESK)
@schema(response=ENTRY)
async def show_entry(request: web.Request) -> web.Response:
    """One entry with the offers made to it."""
    found = await stored(waitlist.entry, request[keys.CLINIC_ID], record_id(request))
    return web.json_response(found)


@routes.post("/api/waitlist")
@roles(*DESK)
@schema(request=NEW_ENTRY.schema, response=ENTRY, status=201)
async def add_entry(request: web.Request) -> web.Response:
    """Put a customer on the list (a new customer needs a ``name``); the window defaults to
    the next two weeks. A customer already waiting for the service has that wish widened."""
    fields = await read_fields(request, NEW_ENTRY)
    created = await edit(
        request, waitlist.add_entry, request[keys.CLINIC_ID], actor_of(request), fields
    )
    return web.json_response(created, status=201)


@routes.delete("/api/waitlist/{id}")
@roles(*DESK)
@schema(response=ENTRY)
async def remove_entry(request: web.Request) -> web.Response:
    """Take a customer off the list (409 when they already left it); an opening held for
    them goes to the next in line."""
    removed = await edit(
        request,
        waitlist.remove_entry,
        request[keys.CLINIC_ID],
        actor_of(request),
        record_id(request),
    )
    return web.json_response(removed)
