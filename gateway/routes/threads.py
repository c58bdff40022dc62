"""``/api/threads``: the clinic's SMS threads, reading them, and staff texting from the desk.

A staff reply goes through the thread's own actor (it owns the conversation), which stores and
sends the text, and pauses the AI on that thread until staff hand it back. Opted-out numbers
are refused (409): staff cannot text someone who sent STOP either.
"""

from __future__ import annotations

from aiohttp import web

from actors.messages import StaffHandBack, StaffReply, new_corr, sms_supervisor_for
from gateway import keys
from gateway.auth import actor_of, roles
from gateway.dbio import run_db
from gateway.errors import ApiError, read_json
from gateway.routes.common import bool_param, call, int_param, page_params, path_id
from gateway.schemas import (
    BOOLEAN,
    INSTANT,
    INTEGER,
    NULLABLE_STRING,
    STRING,
    enum,
    items,
    obj,
    schema,
)
from store.audit import audit
from store.db import write
from store.events import record_event
from store.models import MESSAGE_STATUSES, Clinic, Customer, Message, SmsThread
from store.send_attempts import uncertain_ids
from store.sms import message_dict, opted_out_among
from store.texts import MESSAGE_LIMIT

routes = web.RouteTableDef()
STAFF = ("admin", "staff")
MAX_REPLY_CHARS = MESSAGE_LIMIT  # one message, as every reply

THREAD = obj(
    {
        "id": INTEGER,
        "customer_phone": STRING,
        "customer_name": NULLABLE_STRING,
        "last_message_at": INSTANT,
        "opted_out": BOOLEAN,
        "ai_paused": BOOLEAN,
        "ai_paused_by": NULLABLE_STRING,
        "flag": NULLABLE_STRING,
    }
)
MESSAGE = obj(
    {
        "id": INTEGER,
        "direction": enum(("in", "out")),
        "text": STRING,
        "status": enum((*MESSAGE_STATUSES, "uncertain")),
        "created_at": INSTANT,
    }
)


def _thread_dict(thread: SmsThread, opted: set[str], names: dict[str, str | None]) -> dict:
    return {
        "id": thread.id,
        "customer_phone": thread.customer_phone,
        "customer_name": names.get(thread.customer_phone),
        "last_message_at": thread.last_message_at.isoformat(),
        "opted_out": thread.customer_phone in opted,
        "ai_paused": thread.ai_paused_by is not None,
        "ai_paused_by": thread.ai_paused_by,
        "flag": thread.flag,  # why staff should look: cancel_with_visit (a bare CANCEL)
    }


def threads_page(clinic_id: int, limit: int, offset: int, customer_phone=None, paused=None):
    query = SmsThread.select().where(SmsThread.clinic == clinic_id)
    if customer_phone:  # in the query, before the limit: not a filter over the newest few
        query = query.where(SmsThread.customer_phone == customer_phone)
    if paused is not None:
        query = query.where(
            SmsThread.ai_paused_by.is_null(False) if paused else SmsThread.ai_paused_by.is_null()
        )
    rows = list(
        query.order_by(SmsThread.last_message_at.desc(), SmsThread.id.desc())
        .limit(limit)
        .offset(offset)
    )
    phones = [t.customer_phone for t in rows]
    # By number: a thread starts before its texter is a customer (a booking makes them one).
    names = dict(
        Customer.select(Customer.phone, Customer.name)
        .where((Customer.clinic == clinic_id) & Customer.phone.in_(phones))
        .tuples()
    )
    opted = opted_out_among(clinic_id, phones)
    return [_thread_dict(t, opted, names) for t in rows]


@routes.get("/api/threads")
@roles(*STAFF)
@schema(
    response=items(THREAD),
    query={
        "limit": INTEGER,
        "offset": INTEGER,
        "customer_phone": STRING,
        "ai_paused": enum(("true", "false")),
    },
)
async def list_threads(request: web.Request) -> web.Response:
    """SMS threads of the clinic, most recent first (``?customer_phone=``, ``?ai_paused=``)."""
    limit, offset = page_params(request.query, most=500)
    phone = request.query.get("customer_phone") or None
    paused = bool_param(request.query.get("ai_paused"), "ai_paused")
    found = await run_db(threads_page, request[keys.CLINIC_ID], limit, offset, phone, paused)
    return web.json_response({"items": found})


def _messages(clinic_id: int, thread_id: int, after: int, actor: str) -> list[dict] | None:
    thread = SmsThread.get_or_none((SmsThread.id == thread_id) & (SmsThread.clinic == clinic_id))
    if thread is None:
        return None
    rows = (
        Message.select()
        .where((Message.thread == thread) & (Message.id > after))
        .order_by(Message.id)
    )
    found = [message_dict(m) for m in rows]
    unsure = uncertain_ids([m["id"] for m in found if m["status"] == "queued"])
    for shown in found:
        if shown["id"] in unsure:  # handed to the carrier; its answer never came
            shown["status"] = "uncertain"
    if after == 0:  # opening a customer's texts is on the record; fetching what's new is not
        with write():
            audit(clinic_id, actor, "thread.read", "sms_thread", thread.id)
    return found


@routes.get("/api/threads/{id}/messages")
@roles(*STAFF)
@schema(response=items(MESSAGE), query={"after": INTEGER})
async def thread_messages(request: web.Request) -> web.Response:
    """Messages of one thread, oldest first (``?after=ID`` for the ones after a message)."""
    after = int_param(request.query.get("after"), "after", 0, 0, 2**62)
    found = await run_db(
        _messages, request[keys.CLINIC_ID], path_id(request), after, actor_of(request)
    )
    if found is None:
        raise ApiError(404, "not_found", "no such thread")
    return web.json_response({"items": found})


def _thread_key(clinic_id: int, thread_id: int) -> tuple[str, str] | None:
    """(conversation key, customer phone) of a thread of this clinic."""
    row = (
        SmsThread.select(SmsThread.customer_phone, Clinic.phone)
        .join(Clinic)
        .where((SmsThread.id == thread_id) & (SmsThread.clinic == clinic_id))
        .tuples()
        .first()
    )
    if row is None:
        return None
    phone, clinic_phone = row
    return f"{clinic_phone}:{phone}", phone


async def _ask_thread(request: web.Request, make_message):
    found = await run_db(_thread_key, request[keys.CLINIC_ID], path_id(request))
    if found is None:
        raise ApiError(404, "not_found", "no such thread")
    key, phone = found
    supervisor = sms_supervisor_for(key, request.app[keys.SETTINGS].sms_supervisors)
    return await call(request, supervisor, make_message(key, phone))


REPLY = obj({"thread_id": INTEGER, "message_id": INTEGER, "status": STRING, "ai_paused": BOOLEAN})


@routes.post("/api/threads/{id}/messages")
@roles(*STAFF)
@schema(
    request=obj({"text": {"type": "string", "minLength": 1}}, extra=False),
    response=REPLY,
    status=201,
)
async def staff_reply(request: web.Request) -> web.Response:
    """Text the customer as staff; the AI pauses on this thread (409 when they opted out)."""
    body = await read_json(request)
    if set(body) - {"text"}:
        raise ApiError(400, "invalid", "only text may be sent")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "invalid", "text is required (a non-empty string)")
    if len(text) > MAX_REPLY_CHARS:
        raise ApiError(400, "invalid", f"text must be at most {MAX_REPLY_CHARS} characters")
    actor = actor_of(request)
    reply = await _ask_thread(
        request,
        lambda key, phone: StaffReply(
            corr=new_corr(),
            key=key,
            clinic_id=request[keys.CLINIC_ID],
            wants_reply=True,
            text=text.strip(),
            customer_phone=phone,
            staff=actor,
        ),
    )
    return web.json_response(reply, status=201)


@routes.post("/api/threads/{id}/handback")
@roles(*STAFF)
@schema(response=obj({"ai_paused": BOOLEAN}))
async def hand_back(request: web.Request) -> web.Response:
    """Give the thread back to the AI: it answers the customer's next text again."""
    actor = actor_of(request)
    reply = await _ask_thread(
        request,
        lambda key, phone: StaffHandBack(
            corr=new_corr(),
            key=key,
            clinic_id=request[keys.CLINIC_ID],
            wants_reply=True,
            customer_phone=phone,
            staff=actor,
        ),
    )
    return web.json_response(reply)


def _clear_flag(clinic_id: int, thread_id: int, actor: str) -> bool:
    with write():
        cleared = (
            SmsThread.update(flag=None)
            .where((SmsThread.id == thread_id) & (SmsThread.clinic == clinic_id))
            .execute()
        )
        if cleared:
            audit(clinic_id, actor, "thread.clear_flag", "sms_thread", thread_id)
            record_event(clinic_id, "thread.updated", {"thread_id": thread_id})
    return bool(cleared)


@routes.delete("/api/threads/{id}/flag")
@roles(*STAFF)
@schema(status=204)
async def clear_flag(request: web.Request) -> web.Response:
    """Staff have dealt with what the thread was flagged for (e.g. called about a CANCEL)."""
    found = await run_db(_clear_flag, request[keys.CLINIC_ID], path_id(request), actor_of(request))
    if not found:
        raise ApiError(404, "not_found", "no such thread")
    return web.Response(status=204)
