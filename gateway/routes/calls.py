"""``/api/calls``: the clinic's calls, and one call's transcript, tool calls and turn latencies.

Reading a call's transcript is reading a customer's record: it is audited.
"""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import actor_of, roles
from gateway.dbio import run_db
from gateway.errors import ApiError
from gateway.routes.common import choice_param, page_params, path_id
from gateway.schemas import (
    ANYTHING,
    INSTANT,
    INTEGER,
    NULLABLE_INSTANT,
    NULLABLE_INTEGER,
    NULLABLE_STRING,
    NUMBER,
    STRING,
    enum,
    items,
    obj,
    schema,
)
from store.audit import audit
from store.db import write
from store.models import Call, CallEvent

routes = web.RouteTableDef()
STAFF = ("admin", "staff")
CALL_STATUSES = ("initiated", "answered", "ended")

CALL = obj(
    {
        "id": INTEGER,
        "call_control_id": STRING,
        "from": STRING,
        "status": STRING,
        "outcome": NULLABLE_STRING,
        "started_at": INSTANT,
        "ended_at": NULLABLE_INSTANT,
        "duration_s": NULLABLE_INTEGER,
    }
)
LINE = obj({"role": STRING, "text": STRING, "at": INSTANT})
TOOL = obj({"name": STRING, "ok": ANYTHING, "at": INSTANT})
EVENT = obj({"kind": STRING, "text": STRING, "data": ANYTHING, "at": INSTANT})
DETAIL = {
    **CALL,
    "properties": {
        **CALL["properties"],
        "events": {"type": "array", "items": EVENT},
        "transcript": {
            "type": "array",
            "items": obj({"role": STRING, "text": STRING, "at": INSTANT}),
        },
        "tools": {"type": "array", "items": obj({"name": STRING, "ok": ANYTHING, "at": INSTANT})},
        "turn_latency_ms": {"type": "array", "items": NUMBER},
    },
    "required": sorted([*CALL["required"], "events", "transcript", "tools", "turn_latency_ms"]),
}


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


def _calls(clinic_id: int, status: str | None, limit: int, offset: int) -> list[dict]:
    query = Call.select().where(Call.clinic == clinic_id)
    if status:
        query = query.where(Call.status == status)
    rows = query.order_by(Call.id.desc()).limit(limit).offset(offset)
    return [_call_dict(c) for c in rows]


def _call(clinic_id: int, call_id: int, actor: str) -> dict | None:
    row = Call.get_or_none((Call.id == call_id) & (Call.clinic == clinic_id))
    if row is None:
        return None
    events = list(CallEvent.select().where(CallEvent.call == row).order_by(CallEvent.id))
    with write():
        audit(clinic_id, actor, "call.read", "call", call_id)
    data = [e.data if isinstance(e.data, dict) else {} for e in events]
    return {
        **_call_dict(row),
        "events": [
            {"kind": e.kind, "text": e.text, "data": e.data, "at": e.created_at.isoformat()}
            for e in events
        ],
        "transcript": [
            {"role": d.get("role", "caller"), "text": e.text, "at": e.created_at.isoformat()}
            for e, d in zip(events, data, strict=True)
            if e.kind == "transcript"
        ],
        "tools": [
            {"name": e.text, "ok": d.get("ok"), "at": e.created_at.isoformat()}
            for e, d in zip(events, data, strict=True)
            if e.kind == "tool"
        ],
        "turn_latency_ms": [
            d["ms"]
            for e, d in zip(events, data, strict=True)
            if e.kind == "latency" and isinstance(d.get("ms"), int | float)
        ],
    }


@routes.get("/api/calls")
@roles(*STAFF)
@schema(
    response=items(CALL),
    query={"status": enum(CALL_STATUSES), "limit": INTEGER, "offset": INTEGER},
)
async def list_calls(request: web.Request) -> web.Response:
    """Calls of the clinic, newest first (``?status=answered`` for the live ones)."""
    status = choice_param(request.query.get("status"), "status", CALL_STATUSES)
    limit, offset = page_params(request.query)
    found = await run_db(_calls, request[keys.CLINIC_ID], status, limit, offset)
    return web.json_response({"items": found})


@routes.get("/api/calls/{id}")
@roles(*STAFF)
@schema(response=DETAIL)
async def get_call(request: web.Request) -> web.Response:
    """One call with its transcript lines, tool calls and turn latencies."""
    found = await run_db(_call, request[keys.CLINIC_ID], path_id(request), actor_of(request))
    if found is None:
        raise ApiError(404, "not_found", "no such call")
    return web.json_response(found)
