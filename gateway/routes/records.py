"""``/api/audit`` and ``/api/deposits``: the clinic's records of who did what, and of money.

The audit log is the owner's (admin): staff changes, reads of customers' records, and the
conversations' bookings, each with who did it. Deposits are the desk's: what each booking
took and gave back.
"""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import roles
from gateway.dbio import run_db
from gateway.routes.common import choice_param, instant_param, page_params
from gateway.schemas import (
    ANYTHING,
    INSTANT,
    INTEGER,
    NULLABLE_INSTANT,
    NULLABLE_STRING,
    STRING,
    enum,
    items,
    obj,
    schema,
)
from store.deposit_reads import refunded_cents
from store.models import DEPOSIT_STATUSES, AuditLog, Deposit

routes = web.RouteTableDef()

ENTRY = obj(
    {
        "id": INTEGER,
        "actor": STRING,
        "action": STRING,
        "entity": STRING,
        "entity_id": STRING,
        "data": ANYTHING,
        "created_at": INSTANT,
    }
)
DEPOSIT = obj(
    {
        "id": INTEGER,
        "appointment_id": INTEGER,
        "amount_cents": INTEGER,
        "currency": STRING,
        "status": enum(DEPOSIT_STATUSES),
        "backend": STRING,
        "refunded_cents": INTEGER,
        "created_at": INSTANT,
        "paid_at": NULLABLE_INSTANT,
        "hold_until": NULLABLE_INSTANT,
        "checkout_url": NULLABLE_STRING,
    }
)


def _audit_page(clinic_id: int, filters: dict, limit: int, offset: int) -> list[dict]:
    query = AuditLog.select().where(AuditLog.clinic == clinic_id)
    for name in ("actor", "action", "entity", "entity_id"):
        if filters.get(name):
            query = query.where(getattr(AuditLog, name) == filters[name])
    if filters.get("from"):
        query = query.where(AuditLog.created_at >= filters["from"])
    if filters.get("to"):
        query = query.where(AuditLog.created_at < filters["to"])
    rows = query.order_by(AuditLog.id.desc()).limit(limit).offset(offset)
    return [
        {
            "id": e.id,
            "actor": e.actor,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "data": e.data,
            "created_at": e.created_at.isoformat(),
        }
        for e in rows
    ]


@routes.get("/api/audit")
@roles("admin")
@schema(
    response=items(ENTRY),
    query={
        "actor": STRING,
        "action": STRING,
        "entity": STRING,
        "entity_id": STRING,
        "from": STRING,
        "to": STRING,
        "limit": INTEGER,
        "offset": INTEGER,
    },
)
async def audit_log(request: web.Request) -> web.Response:
    """The audit log, newest first; filter by ``actor``, ``action``, ``entity``, time."""
    query = request.query
    filters = {name: (query.get(name) or "")[:200] for name in ("actor", "action", "entity")}
    filters["entity_id"] = (query.get("entity_id") or "")[:200]
    filters["from"] = instant_param(query.get("from"), "from")
    filters["to"] = instant_param(query.get("to"), "to")
    limit, offset = page_params(query)
    found = await run_db(_audit_page, request[keys.CLINIC_ID], filters, limit, offset)
    return web.json_response({"items": found})


def _deposits(clinic_id: int, status: str | None, limit: int, offset: int) -> list[dict]:
    query = Deposit.select().where(Deposit.clinic == clinic_id)
    if status:
        query = query.where(Deposit.status == status)
    rows = list(query.order_by(Deposit.id.desc()).limit(limit).offset(offset))
    sums = refunded_cents([d.id for d in rows])
    return [
        {
            "id": d.id,
            "appointment_id": d.appointment_id,
            "amount_cents": d.amount_cents,
            "currency": d.currency,
            "status": d.status,
            "backend": d.backend,
            "refunded_cents": sums.get(d.id) or 0,
            "created_at": d.created_at.isoformat(),
            "paid_at": d.paid_at.isoformat() if d.paid_at else None,
            "hold_until": d.hold_until.isoformat() if d.hold_until else None,
            "checkout_url": d.checkout_url,
        }
        for d in rows
    ]


@routes.get("/api/deposits")
@roles("admin", "staff")
@schema(
    response=items(DEPOSIT),
    query={"status": enum(DEPOSIT_STATUSES), "limit": INTEGER, "offset": INTEGER},
)
async def deposits(request: web.Request) -> web.Response:
    """Deposits, newest first, each with what was refunded of it (``?status=``)."""
    status = choice_param(request.query.get("status"), "status", DEPOSIT_STATUSES)
    limit, offset = page_params(request.query)
    found = await run_db(_deposits, request[keys.CLINIC_ID], status, limit, offset)
    return web.json_response({"items": found})
