"""When the clinic can be booked: weekly hours (the clinic's and each provider's), closures
and time off, holidays.

The desk (staff) keeps these current day to day; only the admin changes the clinic's own
opening hours. The booking engine reads the same rows, so a closure made here blocks booking
from the next request (a closure cancels nothing: what it covers is listed back so the desk
can call those customers).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from aiohttp import web

from gateway import keys
from gateway.auth import actor_of, roles
from gateway.routes.common import instant_param as common_instant
from gateway.routes.common import parse_instant
from gateway.routes.editing import (
    DAY,
    MAX_ID,
    PAGE_QUERY,
    Fields,
    Int,
    Many,
    Text,
    edit,
    invalid,
    page,
    query_value,
    read_fields,
    record_id,
    stored,
)
from gateway.schemas import INSTANT, INTEGER, NULLABLE_INTEGER, STRING, items, obj, schema
from store import schedule_admin

routes = web.RouteTableDef()
DESK = ("admin", "staff")

MAX_INTERVALS = 70  # ten a day is more breaks than any clinic has
MAX_CLOSURE = timedelta(days=366)
HHMM = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"

INTERVAL = Fields(
    {
        "weekday": Int(0, 6),
        "start": Text(5, pattern=HHMM, hint="HH:MM, 24-hour"),
        "end": Text(5, pattern=HHMM, hint="HH:MM, 24-hour (24:00 for midnight)"),
    },
    required=("weekday", "start", "end"),
)
WEEK = Fields({"items": Many(INTERVAL, MAX_INTERVALS)}, required=("items",))
HOURS = items(obj({"weekday": INTEGER, "start": STRING, "end": STRING}))


def weekly(intervals: list[dict]) -> list[dict]:
    """Each interval starts before it ends; a day's intervals do not overlap (touching is a
    break of zero minutes, and fine)."""
    for n, interval in enumerate(intervals):
        if interval["start"] >= interval["end"]:  # zero-padded HH:MM compares as text
            raise invalid(f"items[{n}]: start must be before end")
    ordered = sorted(intervals, key=lambda i: (i["weekday"], i["start"]))
    for before, after in pairwise(ordered):
        if before["weekday"] == after["weekday"] and after["start"] < before["end"]:
            raise invalid(
                f"weekday {after['weekday']}: {before['start']}-{before['end']} and "
                f"{after['start']}-{after['end']} overlap"
            )
    return ordered


async def replace_week(request: web.Request, provider_id: int | None) -> web.Response:
    """The path's provider is read before the body, so a bad id is a 404 whatever is sent."""
    intervals = weekly((await read_fields(request, WEEK))["items"])
    replaced = await edit(
        request,
        schedule_admin.replace_hours,
        request[keys.CLINIC_ID],
        actor_of(request),
        provider_id,
        intervals,
    )
    return web.json_response(replaced)


@routes.put("/api/clinic/hours")
@roles("admin")
@schema(request=WEEK.schema, response=HOURS)
async def put_clinic_hours(request: web.Request) -> web.Response:
    """Replace the clinic's weekly opening hours; providers work only within them (and an
    empty week closes the clinic to booking)."""
    return await replace_week(request, None)


@routes.get("/api/providers/{id}/hours")
@roles(*DESK)
@schema(response=HOURS)
async def provider_hours(request: web.Request) -> web.Response:
    """A provider's own weekly hours; none means they work the clinic's opening hours."""
    found = await stored(schedule_admin.hours_of, request[keys.CLINIC_ID], record_id(request))
    return web.json_response({"items": found})


@routes.put("/api/providers/{id}/hours")
@roles(*DESK)
@schema(request=WEEK.schema, response=HOURS)
async def put_provider_hours(request: web.Request) -> web.Response:
    """Replace a provider's weekly hours (an empty list: back to the clinic's hours)."""
    return await replace_week(request, record_id(request))


# ---------------------------------------------------------------------------- closures


def instant_param(request: web.Request, name: str) -> datetime | None:
    return common_instant(query_value(request, name), name)


CLOSURE_IN = Fields(
    {
        "starts_at": Text(40, check=parse_instant, fmt="date-time"),
        "ends_at": Text(40, check=parse_instant, fmt="date-time"),
        "provider_id": Int(1, MAX_ID, nullable=True),
        "reason": Text(200),
    },
    required=("starts_at", "ends_at"),
)
CLOSURE = obj(
    {
        "id": INTEGER,
        "provider_id": NULLABLE_INTEGER,
        "starts_at": INSTANT,
        "ends_at": INSTANT,
        "reason": STRING,
    }
)
CREATED_CLOSURE = obj(
    {**CLOSURE["properties"], "standing_appointment_ids": {"type": "array", "items": INTEGER}}
)


@routes.get("/api/closures")
@roles(*DESK)
@schema(
    response=items(CLOSURE),
    query={**PAGE_QUERY, "from": INSTANT, "to": INSTANT},
)
async def list_closures(request: web.Request) -> web.Response:
    """Closures and time off overlapping ``?from=&to=`` (ISO instants), in start order."""
    start, end = instant_param(request, "from"), instant_param(request, "to")
    if start and end and start >= end:
        raise invalid("from must be before to")
    found = await stored(
        schedule_admin.list_closures, request[keys.CLINIC_ID], start, end, *page(request)
    )
    return web.json_response({"items": found})


@routes.post("/api/closures")
@roles(*DESK)
@schema(request=CLOSURE_IN.schema, response=CREATED_CLOSURE, status=201)
async def add_closure(request: web.Request) -> web.Response:
    """Close the clinic (no provider_id) or one provider for a while; nothing is booked in it."""
    body = await read_fields(request, CLOSURE_IN)
    starts, ends = body["starts_at"], body["ends_at"]
    if starts >= ends:
        raise invalid("starts_at must be before ends_at")
    if ends - starts > MAX_CLOSURE:
        raise invalid("a closure is at most 366 days long")
    created = await edit(
        request,
        schedule_admin.add_closure,
        request[keys.CLINIC_ID],
        actor_of(request),
        starts,
        ends,
        body.get("provider_id"),
        body.get("reason", ""),
    )
    return web.json_response(created, status=201)


@routes.delete("/api/closures/{id}")
@roles(*DESK)
@schema(response=CLOSURE)
async def remove_closure(request: web.Request) -> web.Response:
    """Reopen: the closure is removed (and returned)."""
    removed = await edit(
        request,
        schedule_admin.remove_closure,
        request[keys.CLINIC_ID],
        actor_of(request),
        record_id(request),
    )
    return web.json_response(removed)


# ---------------------------------------------------------------------------- holidays


HOLIDAY_IN = Fields(
    {
        "day": DAY,
        "name": Text(120),
    },
    required=("day",),
)
HOLIDAY = obj({"id": INTEGER, "day": {"type": "string", "format": "date"}, "name": STRING})


@routes.get("/api/holidays")
@roles(*DESK)
@schema(response=items(HOLIDAY), query=PAGE_QUERY)
async def list_holidays(request: web.Request) -> web.Response:
    """Whole days the clinic is closed (its own time zone), in date order."""
    found = await stored(schedule_admin.list_holidays, request[keys.CLINIC_ID], *page(request))
    return web.json_response({"items": found})


@routes.post("/api/holidays")
@roles(*DESK)
@schema(request=HOLIDAY_IN.schema, response=HOLIDAY, status=201)
async def add_holiday(request: web.Request) -> web.Response:
    """Close a whole local day (409 when it already is a holiday)."""
    body = await read_fields(request, HOLIDAY_IN)
    created = await edit(
        request,
        schedule_admin.add_holiday,
        request[keys.CLINIC_ID],
        actor_of(request),
        body["day"],
        body.get("name", ""),
    )
    return web.json_response(created, status=201)


@routes.delete("/api/holidays/{id}")
@roles(*DESK)
@schema(response=HOLIDAY)
async def remove_holiday(request: web.Request) -> web.Response:
    """The day is open again (the holiday is removed and returned)."""
    removed = await edit(
        request,
        schedule_admin.remove_holiday,
        request[keys.CLINIC_ID],
        actor_of(request),
        record_id(request),
    )
    return web.json_response(removed)
