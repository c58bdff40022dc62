"""``/api/customers``: search, one customer's whole record, and staff notes.

Every read of a customer's record is written to the audit log with who read it; a search
lists names and numbers only, and is audited too (it is how records are found).
"""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import actor_of, roles
from gateway.dbio import run_db
from gateway.errors import ApiError, read_json
from gateway.routes.common import page_params, path_id
from gateway.schemas import (
    ANY_OBJECT,
    BOOLEAN,
    INSTANT,
    INTEGER,
    NULLABLE_STRING,
    STRING,
    items,
    nullable,
    obj,
    schema,
)
from store.audit import audit
from store.customer_reads import customer_dict, customer_record, search_customers
from store.db import write
from store.events import record_event
from store.models import Customer
from store.sms import opted_out

routes = web.RouteTableDef()
STAFF = ("admin", "staff")
LIMITS = {"name": 200, "email": 254, "notes": 10_000}

CUSTOMER = obj(
    {
        "id": INTEGER,
        "name": NULLABLE_STRING,
        "phone": STRING,
        "email": NULLABLE_STRING,
        "notes": STRING,
        "opted_out": BOOLEAN,
        "created_at": INSTANT,
        "last_seen_at": INSTANT,
    }
)
THREAD = obj({"id": INTEGER, "ai_paused": BOOLEAN, "messages": {"type": "array"}})
RECORD = {
    **CUSTOMER,
    "properties": {
        **CUSTOMER["properties"],
        "appointments": {"type": "array", "items": ANY_OBJECT},
        "calls": {"type": "array", "items": ANY_OBJECT},
        "thread": nullable(
            obj({"id": INTEGER, "ai_paused": BOOLEAN, "messages": {"type": "array"}})
        ),
    },
    "required": sorted([*CUSTOMER["required"], "appointments", "calls", "thread"]),
}


def _search(clinic_id, text, limit, offset, actor):
    found = search_customers(clinic_id, text, limit, offset)
    if text:
        with write():
            audit(clinic_id, actor, "customer.search", "customer", "", {"results": len(found)})
    return found


@routes.get("/api/customers")
@roles(*STAFF)
@schema(response=items(CUSTOMER), query={"q": STRING, "limit": INTEGER, "offset": INTEGER})
async def list_customers(request: web.Request) -> web.Response:
    """Customers, most recently seen first; ``?q=`` searches names and numbers."""
    text = (request.query.get("q") or "").strip()[:100] or None
    limit, offset = page_params(request.query, 200, 2000)
    found = await run_db(_search, request[keys.CLINIC_ID], text, limit, offset, actor_of(request))
    return web.json_response({"items": found})


def _read(clinic_id: int, customer_id: int, actor: str) -> dict | None:
    record = customer_record(clinic_id, customer_id)
    if record is not None:
        with write():
            audit(clinic_id, actor, "customer.read", "customer", customer_id)
    return record


@routes.get("/api/customers/{id}")
@roles(*STAFF)
@schema(response=RECORD)
async def get_customer(request: web.Request) -> web.Response:
    """One customer: details, notes, opt-out, and every appointment, call and text."""
    found = await run_db(_read, request[keys.CLINIC_ID], path_id(request), actor_of(request))
    if found is None:
        raise ApiError(404, "not_found", "no such customer")
    return web.json_response(found)


def _validated(body: dict) -> dict:
    unknown = set(body) - set(LIMITS)
    if unknown or not body:
        raise ApiError(400, "invalid", f"send one or more of {', '.join(sorted(LIMITS))}")
    changes = {}
    for name, value in body.items():
        if value is not None and not isinstance(value, str):
            raise ApiError(400, "invalid", f"{name} must be a string or null")
        value = (value or "").strip()
        if len(value) > LIMITS[name]:
            raise ApiError(400, "invalid", f"{name} must be at most {LIMITS[name]} characters")
        if name == "email" and value and ("@" not in value or " " in value):
            raise ApiError(400, "invalid", "email must be an email address")
        changes[name] = value if (value or name == "notes") else None
    return changes


def _update(clinic_id: int, customer_id: int, changes: dict, actor: str) -> dict | None:
    with write():
        customer = Customer.get_or_none(
            (Customer.id == customer_id) & (Customer.clinic == clinic_id)
        )
        if customer is None:
            return None
        for name, value in changes.items():
            setattr(customer, name, value)
        customer.save()
        audit(
            clinic_id,
            actor,
            "customer.update",
            "customer",
            customer_id,
            {"fields": sorted(changes)},
        )
        record_event(clinic_id, "customer.updated", {"customer_id": customer_id})
    return customer_dict(customer, opted_out(clinic_id, customer.phone))


@routes.patch("/api/customers/{id}")
@roles(*STAFF)
@schema(
    request=obj(optional={k: NULLABLE_STRING for k in LIMITS}, extra=False),
    response=CUSTOMER,
)
async def update_customer(request: web.Request) -> web.Response:
    """Change a customer's name, email or staff notes."""
    changes = _validated(await read_json(request))
    found = await run_db(
        _update, request[keys.CLINIC_ID], path_id(request), changes, actor_of(request)
    )
    if found is None:
        raise ApiError(404, "not_found", "no such customer")
    return web.json_response(found)
