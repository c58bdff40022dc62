"""What clinic staff see and do: threads, messages, appointments, customers, availability, calls.

Reads come straight from the store (scoped to the token's clinic); changes go through the
calendar actor, so staff bookings pass the same checkpoints as a customer's.
"""

from __future__ import annotations

from datetime import datetime
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
from gateway.routes.common import call, int_param, path_id
from store.deposit_reads import deposit_views
from store.models import (
    APPOINTMENT_STATUSES,
    Appointment,
    Call,
    CallEvent,
    Clinic,
    Customer,
    Message,
    OptOut,
    SmsThread,
)
from store.sms import message_dict

routes = web.RouteTableDef()
STAFF = ("admin", "staff")


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


# ---------------------------------------------------------------------------- threads


def _threads(clinic_id: int, limit: int, customer_phone: str | None = None) -> list[dict]:
    opted = {
        o.phone
        for o in OptOut.select(OptOut.phone).where((OptOut.clinic == clinic_id) & OptOut.active)
    }
    query = SmsThread.select().where(SmsThread.clinic == clinic_id)
    if customer_phone:  # in the query, before the limit: not a filter over the newest few
        query = query.where(SmsThread.customer_phone == customer_phone)
    rows = query.order_by(SmsThread.last_message_at.desc()).limit(limit)
    return [
        {
            "id": t.id,
            "customer_phone": t.customer_phone,
            "customer_name": t.customer.name if t.customer else None,
            "last_message_at": t.last_message_at.isoformat(),
            "opted_out": t.customer_phone in opted,
        }
        for t in rows
    ]


@routes.get("/api/threads")
@roles(*STAFF)
async def list_threads(request: web.Request) -> web.Response:
    """SMS threads of the clinic, most recent first (``?customer_phone=`` for one customer's)."""
    limit = int_param(request.query.get("limit"), "limit", 100, 1, 500)
    phone = request.query.get("customer_phone") or None
    items = await run_db(_threads, request[keys.CLINIC_ID], limit, phone)
    return web.json_response({"items": items})


def _messages(clinic_id: int, thread_id: int, after: int) -> list[dict] | None:
    thread = SmsThread.get_or_none((SmsThread.id == thread_id) & (SmsThread.clinic == clinic_id))
    if thread is None:
        return None
    rows = (
        Message.select()
        .where((Message.thread == thread) & (Message.id > after))
        .order_by(Message.id)
    )
    return [message_dict(m) for m in rows]


@routes.get("/api/threads/{id}/messages")
@roles(*STAFF)
async def thread_messages(request: web.Request) -> web.Response:
    """Messages of one thread, oldest first (``?after=ID`` for the ones after a message)."""
    after = int_param(request.query.get("after"), "after", 0, 0, 2**62)
    items = await run_db(_messages, request[keys.CLINIC_ID], path_id(request), after)
    if items is None:
        raise ApiError(404, "not_found", "no such thread")
    return web.json_response({"items": items})


# ---------------------------------------------------------------------------- appointments


def _parse_instant(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid", f"{name} must be ISO 8601 with an offset") from None
    if parsed.tzinfo is None:
        raise ApiError(400, "invalid", f"{name} must carry a UTC offset")
    return parsed


def _appointments(clinic_id: int, start, end, status, limit, only_id=None) -> list[dict]:
    clinic = Clinic.get_by_id(clinic_id)
    tz = ZoneInfo(clinic.timezone)
    query = Appointment.select().where(Appointment.clinic == clinic_id)
    if only_id is not None:
        query = query.where(Appointment.id == only_id)
    if start:
        query = query.where(Appointment.end_at > start)
    if end:
        query = query.where(Appointment.start_at < end)
    if status:
        query = query.where(Appointment.status == status)
    rows = list(query.order_by(Appointment.start_at).limit(limit))
    deposits = deposit_views([a.id for a in rows])
    return [
        {
            "id": a.id,
            "service": a.service.name,
            "provider": a.provider.name,
            "start": _iso(a.start_at, tz),
            "end": _iso(a.end_at, tz),
            "status": a.status,
            "source": a.source,
            "customer": {"name": a.customer.name, "phone": a.customer.phone},
            "deposit": deposits.get(a.id),
        }
        for a in rows
    ]


@routes.get("/api/appointments")
@roles(*STAFF)
async def list_appointments(request: web.Request) -> web.Response:
    """Appointments (``?from=&to=`` ISO instants, ``?status=``), in start order."""
    start = _parse_instant(request.query.get("from"), "from")
    end = _parse_instant(request.query.get("to"), "to")
    status = request.query.get("status")
    if status and status not in APPOINTMENT_STATUSES:
        raise ApiError(400, "invalid", f"status must be one of {', '.join(APPOINTMENT_STATUSES)}")
    limit = int_param(request.query.get("limit"), "limit", 500, 1, 2000)
    items = await run_db(_appointments, request[keys.CLINIC_ID], start, end, status, limit)
    return web.json_response({"items": items})


@routes.get("/api/appointments/{id}")
@roles(*STAFF)
async def get_appointment(request: web.Request) -> web.Response:
    """One appointment, as the list shows it, with its deposit."""
    items = await run_db(
        _appointments, request[keys.CLINIC_ID], None, None, None, 1, path_id(request)
    )
    if not items:
        raise ApiError(404, "not_found", "no such appointment")
    return web.json_response(items[0])


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
async def no_show(request: web.Request) -> web.Response:
    """The customer did not come: a no-show, and a paid deposit is kept."""
    message = StaffNoShow(
        new_corr(), request[keys.CLINIC_ID], path_id(request), actor=actor_of(request)
    )
    return web.json_response(await call(request, "calendar", message))


@routes.post("/api/appointments/{id}/refund")
@roles("admin")
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


# ---------------------------------------------------------------------------- customers


def _customers(clinic_id: int, limit: int) -> list[dict]:
    rows = (
        Customer.select()
        .where(Customer.clinic == clinic_id)
        .order_by(Customer.last_seen_at.desc())
        .limit(limit)
    )
    return [
        {
            "id": c.id,
            "name": c.name,
            "phone": c.phone,
            "email": c.email,
            "created_at": c.created_at.isoformat(),
            "last_seen_at": c.last_seen_at.isoformat(),
        }
        for c in rows
    ]


@routes.get("/api/customers")
@roles(*STAFF)
async def list_customers(request: web.Request) -> web.Response:
    """Customers of the clinic, most recently seen first."""
    limit = int_param(request.query.get("limit"), "limit", 200, 1, 2000)
    return web.json_response({"items": await run_db(_customers, request[keys.CLINIC_ID], limit)})


# ---------------------------------------------------------------------------- calls


def _call_dict(c: Call) -> dict:
    return {
        "id": c.id,
        "call_control_id": c.call_control_id,
        "from": c.from_phone,
        "status": c.status,
        "outcome": c.outcome,
        "started_at": c.started_at.isoformat(),
        "ended_at": c.ended_at.isoformat() if c.ended_at else None,
        "duration_s": c.duration_s,
    }


def _calls(clinic_id: int, limit: int) -> list[dict]:
    rows = Call.select().where(Call.clinic == clinic_id).order_by(Call.id.desc()).limit(limit)
    return [_call_dict(c) for c in rows]


def _call(clinic_id: int, call_id: int) -> dict | None:
    row = Call.get_or_none((Call.id == call_id) & (Call.clinic == clinic_id))
    if row is None:
        return None
    events = CallEvent.select().where(CallEvent.call == row).order_by(CallEvent.id)
    return {
        **_call_dict(row),
        "events": [
            {"kind": e.kind, "text": e.text, "data": e.data, "at": e.created_at.isoformat()}
            for e in events
        ],
    }


@routes.get("/api/calls")
@roles(*STAFF)
async def list_calls(request: web.Request) -> web.Response:
    """Calls of the clinic, newest first."""
    limit = int_param(request.query.get("limit"), "limit", 100, 1, 1000)
    return web.json_response({"items": await run_db(_calls, request[keys.CLINIC_ID], limit)})


@routes.get("/api/calls/{id}")
@roles(*STAFF)
async def get_call(request: web.Request) -> web.Response:
    """One call with its transcript lines, tool calls and latencies."""
    found = await run_db(_call, request[keys.CLINIC_ID], path_id(request))
    if found is None:
        raise ApiError(404, "not_found", "no such call")
    return web.json_response(found)
