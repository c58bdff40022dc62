"""``/api/appointments`` and ``/api/availability``: the calendar as staff see and change it.

Reads come straight from the store (scoped to the token's clinic); changes go through the
calendar actor, so staff bookings pass the same checkpoints as a customer's.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from actors.messages import (
    FindSlots,
    StaffBook,
    StaffCancel,
    StaffNoShow,
    StaffRefund,
    StaffReschedule,
    new_corr,
)
from gateway import keys
from gateway.auth import actor_of, roles
from gateway.dbio import run_db
from gateway.errors import ApiError, read_json
from gateway.routes.common import call, choice_param, instant_param, int_param, page_params, path_id
from gateway.schemas import (
    ANY_OBJECT,
    INTEGER,
    NULLABLE_INTEGER,
    NULLABLE_STRING,
    STRING,
    enum,
    items,
    nullable,
    obj,
    required,
    schema,
)
from store.deposit_reads import deposit_views
from store.models import (
    APPOINTMENT_STATUSES,
    REMINDER_KINDS,
    Appointment,
    Clinic,
    Reminder,
    SendAttempt,
)

routes = web.RouteTableDef()
STAFF = ("admin", "staff")
# What the calendar actor answers a change with: the appointment as it now stands.
CHANGED = obj({"ok": {"type": "boolean"}, "appointment": ANY_OBJECT})


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


APPOINTMENT = obj(
    {
        "id": INTEGER,
        "service": STRING,
        "provider": STRING,
        "provider_id": INTEGER,
        "start": STRING,
        "end": STRING,
        "status": enum(APPOINTMENT_STATUSES),
        "source": STRING,
        "customer": obj({"id": INTEGER, "name": NULLABLE_STRING, "phone": STRING}),
        "deposit": nullable(ANY_OBJECT),
        "notes": STRING,
    }
)


def _appointments(clinic_id: int, filters: dict, limit: int, offset: int = 0) -> list[dict]:
    clinic = Clinic.get_by_id(clinic_id)
    tz = ZoneInfo(clinic.timezone)
    query = Appointment.select().where(Appointment.clinic == clinic_id)
    start, end = filters.get("from"), filters.get("to")
    if filters.get("day") is not None:  # the clinic's local day, whatever its UTC offset
        day_start = datetime.combine(filters["day"], time(), tz)
        start, end = day_start, datetime.combine(filters["day"] + timedelta(days=1), time(), tz)
    if filters.get("id") is not None:
        query = query.where(Appointment.id == filters["id"])
    if start:
        query = query.where(Appointment.end_at > start)
    if end:
        query = query.where(Appointment.start_at < end)
    if filters.get("status"):
        query = query.where(Appointment.status == filters["status"])
    if filters.get("provider_id") is not None:
        query = query.where(Appointment.provider == filters["provider_id"])
    if filters.get("customer_id") is not None:
        query = query.where(Appointment.customer == filters["customer_id"])
    rows = list(query.order_by(Appointment.start_at, Appointment.id).limit(limit).offset(offset))
    deposits = deposit_views([a.id for a in rows])
    return [
        {
            "id": a.id,
            "service": a.service.name,
            "provider": a.provider.name,
            "provider_id": a.provider_id,
            "start": _iso(a.start_at, tz),
            "end": _iso(a.end_at, tz),
            "status": a.status,
            "source": a.source,
            "customer": {"id": a.customer_id, "name": a.customer.name, "phone": a.customer.phone},
            "deposit": deposits.get(a.id),
            "notes": a.notes,
        }
        for a in rows
    ]


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid", "day must be a date, YYYY-MM-DD") from None


def _filters(query) -> dict:
    status = choice_param(query.get("status"), "status", APPOINTMENT_STATUSES)
    return {
        "from": instant_param(query.get("from"), "from"),
        "to": instant_param(query.get("to"), "to"),
        "day": _day(query.get("day")),
        "status": status,
        "provider_id": _id_param(query.get("provider_id"), "provider_id"),
        "customer_id": _id_param(query.get("customer_id"), "customer_id"),
    }


def _id_param(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    return int_param(value, name, 0, 1, 2**62)


@routes.get("/api/appointments")
@roles(*STAFF)
@schema(
    response=items(APPOINTMENT),
    query={
        "from": STRING,
        "to": STRING,
        "day": STRING,
        "status": enum(APPOINTMENT_STATUSES),
        "provider_id": INTEGER,
        "customer_id": INTEGER,
        "limit": INTEGER,
        "offset": INTEGER,
    },
)
async def list_appointments(request: web.Request) -> web.Response:
    """Appointments in start order: ``?from=&to=`` (ISO instants) or ``?day=`` (the clinic's
    local date), ``?status=``, ``?provider_id=``, ``?customer_id=``."""
    filters = _filters(request.query)
    limit, offset = page_params(request.query, 500, 2000)
    found = await run_db(_appointments, request[keys.CLINIC_ID], filters, limit, offset)
    return web.json_response({"items": found})


REMINDER = obj(
    {
        "kind": enum(REMINDER_KINDS),
        "due_at": STRING,
        "status": enum(("scheduled", "sent", "skipped", "cancelled", "uncertain")),
        "message_id": NULLABLE_INTEGER,
    }
)
DETAIL = {
    **APPOINTMENT,
    "properties": {**APPOINTMENT["properties"], "reminders": {"type": "array", "items": REMINDER}},
    "required": sorted([*APPOINTMENT["required"], "reminders"]),
}
SHOWN_STATUS = {"pending": "scheduled"}  # the job table's words, as staff read them


def _appointment(clinic_id: int, appointment_id: int) -> dict | None:
    found = _appointments(clinic_id, {"id": appointment_id}, 1)
    if not found:
        return None
    tz = ZoneInfo(Clinic.get_by_id(clinic_id).timezone)
    jobs = (
        Reminder.select()
        .where((Reminder.appointment == appointment_id) & Reminder.kind.in_(REMINDER_KINDS))
        .order_by(Reminder.due_at, Reminder.id)
    )
    jobs = list(jobs)
    texts = [m for m in ((j.payload or {}).get("message_id") for j in jobs) if m]
    unsure = {
        a.message_id
        for a in SendAttempt.select(SendAttempt.message).where(
            SendAttempt.message.in_(texts) & (SendAttempt.outcome == "uncertain")
        )
    }
    found[0]["reminders"] = [
        {
            "kind": job.kind,
            "due_at": _iso(job.due_at, tz),
            # a text the carrier may or may not have (its answer was lost): for staff to check
            "status": "uncertain"
            if (job.payload or {}).get("message_id") in unsure
            else SHOWN_STATUS.get(job.status, job.status),
            "message_id": (job.payload or {}).get("message_id"),
        }
        for job in jobs
    ]
    return found[0]


@routes.get("/api/appointments/{id}")
@roles(*STAFF)
@schema(response=DETAIL)
async def get_appointment(request: web.Request) -> web.Response:
    """One appointment, as the list shows it, with its deposit and its reminder texts."""
    found = await run_db(_appointment, request[keys.CLINIC_ID], path_id(request))
    if found is None:
        raise ApiError(404, "not_found", "no such appointment")
    return web.json_response(found)


def _required(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid", f"{name} is required (a non-empty string)")
    return value.strip()


def _optional(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, "invalid", f"{name} must be a string")
    return value or None


@routes.post("/api/appointments")
@roles(*STAFF)
@schema(
    request=obj(
        {"service": STRING, "start": STRING, "customer_phone": STRING},
        {"customer_name": NULLABLE_STRING, "provider": NULLABLE_STRING, "notes": NULLABLE_STRING},
    ),
    response=CHANGED,
    status=201,
)
async def book_appointment(request: web.Request) -> web.Response:
    """Book for a customer, through every booking checkpoint (409 when the slot is gone)."""
    body = await read_json(request)
    message = StaffBook(
        new_corr(),
        request[keys.CLINIC_ID],
        service=_required(body, "service"),
        start=_required(body, "start"),
        customer_phone=_required(body, "customer_phone"),
        customer_name=_optional(body, "customer_name"),
        provider=_optional(body, "provider"),
        notes=_optional(body, "notes") or "",
        actor=actor_of(request),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return web.json_response(await call(request, "calendar", message), status=201)


@routes.patch("/api/appointments/{id}")
@roles(*STAFF)
@schema(request=obj({"start": STRING}, {"provider": NULLABLE_STRING}), response=CHANGED)
async def move_appointment(request: web.Request) -> web.Response:
    """Move an appointment to a new start (and optionally another provider)."""
    body = await read_json(request)
    message = StaffReschedule(
        new_corr(),
        request[keys.CLINIC_ID],
        path_id(request),
        _required(body, "start"),
        _optional(body, "provider"),
        actor=actor_of(request),
    )
    return web.json_response(await call(request, "calendar", message))


@routes.post("/api/appointments/{id}/cancel")
@roles(*STAFF)
@schema(request=obj(optional={"reason": NULLABLE_STRING}), response=CHANGED)
async def cancel_appointment(request: web.Request) -> web.Response:
    """Cancel (soft, with reason); the deposit is refunded or kept by the clinic's policy."""
    body = await read_json(request) if request.can_read_body else {}
    message = StaffCancel(
        new_corr(),
        request[keys.CLINIC_ID],
        path_id(request),
        _optional(body, "reason") or "",
        actor=actor_of(request),
    )
    return web.json_response(await call(request, "calendar", message))


@routes.post("/api/appointments/{id}/no-show")
@roles(*STAFF)
@schema(response=CHANGED)
async def no_show(request: web.Request) -> web.Response:
    """The customer did not come: a no-show, and a paid deposit is kept."""
    message = StaffNoShow(
        new_corr(), request[keys.CLINIC_ID], path_id(request), actor=actor_of(request)
    )
    return web.json_response(await call(request, "calendar", message))


@routes.post("/api/appointments/{id}/refund")
@roles("admin")
@schema(request=obj(optional={"amount_cents": INTEGER}), response=ANY_OBJECT)
async def refund(request: web.Request) -> web.Response:
    """Refund a paid deposit by hand: all that is left, or ``amount_cents`` of it (admin)."""
    body = await read_json(request) if request.can_read_body else {}
    amount = body.get("amount_cents")
    if amount is not None and (type(amount) is not int or amount <= 0):
        raise ApiError(400, "invalid", "amount_cents must be a positive whole number of cents")
    message = StaffRefund(
        new_corr(), request[keys.CLINIC_ID], path_id(request), amount, actor=actor_of(request)
    )
    return web.json_response(await call(request, "calendar", message))


@routes.get("/api/availability")
@roles(*STAFF)
@schema(
    response=ANY_OBJECT,
    query={
        "service": required(STRING),
        "provider": STRING,
        "date": STRING,
        "part_of_day": enum(("morning", "afternoon", "evening")),
        "limit": INTEGER,
    },
)
async def availability(request: web.Request) -> web.Response:
    """Free slots for ``?service=`` (``&provider=&date=YYYY-MM-DD&part_of_day=``)."""
    service = request.query.get("service", "").strip()
    if not service:
        raise ApiError(400, "invalid", "service is required")
    part = request.query.get("part_of_day")
    if part and part not in ("morning", "afternoon", "evening"):
        raise ApiError(400, "invalid", "part_of_day must be morning, afternoon or evening")
    message = FindSlots(
        new_corr(),
        request[keys.CLINIC_ID],
        service,
        request.query.get("provider") or None,
        request.query.get("date") or None,
        part,
        int_param(request.query.get("limit"), "limit", 10, 1, 100),
    )
    return web.json_response(await call(request, "calendar", message))
