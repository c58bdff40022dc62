"""``POST /webhooks/telnyx/call``: verified, idempotent Call Control events.

``call.initiated`` for a clinic number records the call and answers it with bidirectional PCMU
streaming to ``/media/telnyx`` (a one-time token in the URL). The event id and its effects
commit together; if the answer cannot be delivered, the event id is forgotten again so that
Telnyx's retry of the webhook answers the call. Embedded mode has no phone network: the answer
is recorded as a command and the stream URL comes back in the response for the simulator.

The route stores facts (answered at, ended at, duration, hang-up cause) and tells the call's
actor; the actor decides what the call came to (its outcome) and whether the caller is texted
back. A hang-up the actor never heard of is re-delivered by its supervisor's sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from actors.messages import CallDtmf, CallEnded, CallInput, CallStarted, new_corr
from gateway import keys
from gateway.bridge import ActorUnavailable
from gateway.calls import CALLS, CallControlError, CallRuntime, answer_body, background
from gateway.dbio import run_db
from gateway.errors import ApiError
from gateway.metrics import count_webhook_refusals
from gateway.routes.webhooks_sms import TELNYX_EVENT, e164_or_400, verified_event
from gateway.schemas import INTEGER, STRING, enum, obj, schema
from store.db import write
from store.events import record_event
from store.fields import utcnow
from store.models import Call, CallEvent, Customer, WebhookEvent
from store.sms import clinic_by_number
from store.webhooks import first_delivery

log = logging.getLogger("vrai.gateway.call")
routes = web.RouteTableDef()

STATUSES = (
    "answered",  # call.initiated: the answer command was sent
    "embedded",  # ... recorded, with no phone network (the simulator dials stream_url)
    "already_ended",  # ... the caller hung up first
    "accepted",  # answered, hangup, dtmf: stored and told to the call's actor
    "duplicate",
    "ignored",
    "unknown_call",
)
CALL_ANSWER = obj({"status": enum(STATUSES)}, {"call_id": INTEGER, "stream_url": STRING})


# ---------------------------------------------------------------------------- storage


def store_initiated(event_id: str, payload: dict, clinic_phone: str, caller: str):
    """The call row and its dashboard event, with the event id: (clinic, call) or a status."""
    clinic = clinic_by_number(clinic_phone)
    if clinic is None:
        return "unknown_number"
    ccid = payload["call_control_id"]
    with write():
        if not first_delivery("telnyx", event_id, "call.initiated", clinic.id):
            return "duplicate"
        call = Call.get_or_none(Call.call_control_id == ccid)
        if call is None:
            customer = Customer.get_or_none(
                (Customer.clinic == clinic.id) & (Customer.phone == caller)
            )
            call = Call.create(
                clinic=clinic.id,
                call_control_id=ccid,
                customer=customer,
                from_phone=caller,
                to_phone=clinic_phone,
            )
            record_event(clinic.id, "call.started", {"call_id": call.id})
    return clinic, call


def forget_delivery(event_id: str) -> None:
    """Undo ``first_delivery`` so a retried webhook is handled again (the answer failed)."""
    with write():
        WebhookEvent.delete().where(
            (WebhookEvent.provider == "telnyx") & (WebhookEvent.event_id == event_id)
        ).execute()


def store_update(event_id: str, event_type: str, payload: dict, occurred_at=None):
    """answered / hangup / dtmf: the call's new state (or a status string)."""
    ccid = payload.get("call_control_id")
    with write():
        call = Call.get_or_none(Call.call_control_id == ccid) if isinstance(ccid, str) else None
        if call is None:
            return "unknown_call"
        if not first_delivery("telnyx", event_id, event_type, call.clinic_id):
            return "duplicate"
        now = _when(payload.get("end_time")) or _when(occurred_at) or utcnow()
        if event_type == "call.answered":
            Call.update(answered_at=now, status="answered").where(Call.id == call.id).execute()
        elif event_type == "call.hangup":
            began = call.answered_at or call.started_at
            duration = max(0, int((now - began).total_seconds())) if call.answered_at else 0
            cause = str(payload.get("hangup_cause") or "unknown")[:64]
            Call.update(
                ended_at=now, duration_s=duration, status="ended", hangup_cause=cause
            ).where(Call.id == call.id).execute()
        elif event_type == "call.dtmf.received":
            digit = str(payload.get("digit") or "")[:1]
            CallEvent.create(
                clinic=call.clinic_id,
                call=call,
                kind="dtmf",
                text=digit,
                data={"source": "webhook"},
            )
    return Call.get_by_id(call.id)


def _when(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


# ---------------------------------------------------------------------------- the call actor


def call_input(call: Call, message_class: type[CallInput], corr: str | None = None, **fields):
    return message_class(
        corr=corr or new_corr(), key=call.call_control_id, clinic_id=call.clinic_id, **fields
    )


async def tell_call_actor(app: web.Application, message: CallInput) -> None:
    """Best effort: the call's audio never depends on its actor being reachable."""
    try:
        await app[keys.BRIDGE].tell_service("call", message)
    except (ActorUnavailable, TimeoutError):
        log.warning("call supervisor unavailable; %s not delivered", type(message).__name__)


# ---------------------------------------------------------------------------- the route


@routes.post("/webhooks/telnyx/call")
@schema(request=TELNYX_EVENT, response=CALL_ANSWER)
@count_webhook_refusals("telnyx_call")
async def telnyx_call(request: web.Request) -> web.Response:
    """Telnyx Call Control webhook: incoming calls, answers, hang-ups, keypad digits."""
    data = await verified_event(request)
    metrics = request.app[keys.METRICS]
    event_type, payload = data["event_type"], data["payload"]
    if event_type == "call.initiated":
        answer = await _initiated(request, data["id"], payload)
        metrics.webhooks.labels("telnyx_call", answer["status"]).inc()
        return web.json_response(answer)
    if event_type not in ("call.answered", "call.hangup", "call.dtmf.received"):
        metrics.webhooks.labels("telnyx_call", "ignored").inc()
        return web.json_response({"status": "ignored"})
    result = await run_db(store_update, data["id"], event_type, payload, data.get("occurred_at"))
    if isinstance(result, str):
        metrics.webhooks.labels("telnyx_call", result).inc()
        return web.json_response({"status": result})
    await _after_update(request.app, event_type, payload, result)
    metrics.webhooks.labels("telnyx_call", "accepted").inc()
    return web.json_response({"status": "accepted", "call_id": result.id})


async def _initiated(request: web.Request, event_id: str, payload: dict) -> dict:
    if payload.get("direction") not in (None, "incoming"):
        return {"status": "ignored"}  # we place no outbound calls
    if not isinstance(payload.get("call_control_id"), str) or not payload["call_control_id"]:
        raise ApiError(400, "invalid", "payload.call_control_id is required")
    clinic_phone, caller = e164_or_400(payload.get("to")), e164_or_400(payload.get("from"))
    stored = await run_db(store_initiated, event_id, payload, clinic_phone, caller)
    if stored == "unknown_number":
        raise ApiError(404, "unknown_number", "no clinic uses that number")
    if stored == "duplicate":
        return {"status": "duplicate"}
    clinic, call = stored
    runtime: CallRuntime = request.app[CALLS]
    token = runtime.tokens.issue(call.id, call.call_control_id)
    body = answer_body(runtime.settings, call.id, call.call_control_id, token)
    try:
        status = await runtime.control.command(
            clinic.id, call.id, call.call_control_id, "answer", body
        )
    except CallControlError:
        await run_db(forget_delivery, event_id)
        runtime.tokens.redeem(token)
        raise ApiError(503, "unavailable", "the call could not be answered; retry") from None
    started = call_input(
        call, CallStarted, f"start-{call.id}", call_id=call.id, customer_phone=caller
    )
    await tell_call_actor(request.app, started)  # the actor is ready when the stream opens
    answer = {"status": "answered" if status == "sent" else status, "call_id": call.id}
    if status == "embedded":  # no phone network: the simulator dials the stream itself
        answer["stream_url"] = body["stream_url"]
    return answer


async def _after_update(app: web.Application, event_type: str, payload: dict, call: Call) -> None:
    if event_type == "call.hangup":
        runtime: CallRuntime = app[CALLS]
        ws = runtime.active.get(call.call_control_id)
        if ws is not None:  # the stream ends with the call even if Telnyx's stop got lost
            background(runtime, ws.close(code=1000, message=b"call ended"))
        message = call_input(
            call,
            CallEnded,
            f"end-{call.id}",
            call_id=call.id,
            hangup_cause=call.hangup_cause or "unknown",
            duration_s=call.duration_s or 0,
        )
        await tell_call_actor(app, message)
    elif event_type == "call.dtmf.received":
        digit = str(payload.get("digit") or "")[:1]
        await tell_call_actor(app, call_input(call, CallDtmf, digit=digit))
