"""``POST /webhooks/telnyx/sms``: verified, idempotent, persisted before it is acknowledged."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from actors.messages import (
    UnderstandAndRoute,
    knowledge_actor_for,
    sms_received,
    sms_supervisor_for,
)
from gateway import keys
from gateway.bridge import ActorUnavailable
from gateway.dbio import run_db
from gateway.errors import ApiError
from gateway.metrics import count_webhook_refusals
from gateway.schemas import ANY_OBJECT, INSTANT, STRING, enum, obj, schema
from gateway.telnyx_signature import SignatureError, verify
from store.db import write
from store.events import record_event
from store.fields import utcnow
from store.models import Message
from store.phones import e164
from store.send_attempts import reconcile
from store.sms import clinic_id_by_number, record_message, thread_for
from store.webhooks import first_delivery

log = logging.getLogger("vrai.gateway.sms")
routes = web.RouteTableDef()

DELIVERY_STATUS = {
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "sending_failed": "failed",
    "delivery_failed": "failed",
    "delivery_unconfirmed": "sent",
}
#: What a Telnyx webhook must carry (the signature covers the raw body; see verified_event).
TELNYX_EVENT = obj({"data": obj({"id": STRING, "event_type": STRING, "payload": ANY_OBJECT})})


async def verified_event(request: web.Request) -> dict:
    """The webhook's ``data`` object, after the signature and the envelope are checked."""
    raw = await request.read()
    try:
        verify(raw, request.headers, request.app[keys.SETTINGS].telnyx_public_key)
    except SignatureError as error:
        raise ApiError(401, "invalid_signature", str(error)) from None
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("payload"), dict):
        raise ApiError(400, "invalid", "expected a Telnyx event envelope with data.payload")
    if not isinstance(data.get("id"), str) or not isinstance(data.get("event_type"), str):
        raise ApiError(400, "invalid", "data.id and data.event_type are required")
    return data


def e164_or_400(value) -> str:
    """The number in E.164, or the webhook's 400."""
    number = e164(value)
    if number is None:
        raise ApiError(400, "invalid", "phone numbers must be E.164 (+15555550123)")
    return number


def _parse_received(payload: dict) -> tuple[str, str, str, str | None]:
    to = payload.get("to")
    sender = payload.get("from")
    if not (isinstance(to, list) and to and isinstance(to[0], dict)) or not isinstance(
        sender, dict
    ):
        raise ApiError(400, "invalid", "payload.to[0].phone_number and payload.from are required")
    text = payload.get("text")
    if not isinstance(text, str):
        raise ApiError(400, "invalid", "payload.text must be a string")
    return (
        e164_or_400(to[0].get("phone_number")),
        e164_or_400(sender.get("phone_number")),
        text,
        payload.get("id"),
    )


def store_inbound(event_id: str, clinic_phone: str, customer: str, text: str, external_id):
    """One transaction: the event id, the thread, the message, the dashboard event."""
    clinic_id = clinic_id_by_number(clinic_phone)
    if clinic_id is None:
        return None
    with write():
        if not first_delivery("telnyx", event_id, "message.received", clinic_id):
            return "duplicate"
        thread = thread_for(clinic_id, customer)
        message = record_message(thread, "in", text, "received", external_id)
        record_event(
            clinic_id, "message.received", {"thread_id": thread.id, "message_id": message.id}
        )
    return clinic_id, message.id


def store_delivery_status(event_id: str, event_type: str, payload: dict) -> str:
    with write():
        if not first_delivery("telnyx", event_id, event_type):
            return "duplicate"
        to = payload.get("to") or [{}]
        status = DELIVERY_STATUS.get((to[0] or {}).get("status", ""))
        if status and payload.get("id"):
            known = (
                Message.update(status=status).where(Message.external_id == payload["id"]).execute()
            )
            if not known:  # a text whose send we never heard back about: this settles it
                reconcile(
                    (payload.get("from") or {}).get("phone_number", ""),
                    (to[0] or {}).get("phone_number", ""),
                    payload.get("text") or "",
                    payload["id"],
                    status,
                )
    return "updated"


async def _route(request: web.Request, turn) -> None:
    """Hand the stored text to its conversation; with the local brain, by way of the knowledge
    actor, which adds the text's intents and best answer on the way (see UnderstandAndRoute)."""
    bridge, settings = request.app[keys.BRIDGE], request.app[keys.SETTINGS]
    supervisor = sms_supervisor_for(turn.key, settings.sms_supervisors)
    if settings.backends.brain == "local":  # the local brain reads the understanding
        understander = knowledge_actor_for(turn.key, settings.knowledge_actors)
        try:
            await bridge.tell_service(understander, UnderstandAndRoute(turn, supervisor))
            return
        except (ActorUnavailable, TimeoutError):
            pass  # straight to the conversation, which asks for what it needs itself
    await bridge.tell_service(supervisor, turn)


@routes.post("/webhooks/telnyx/sms")
@schema(
    request=TELNYX_EVENT,
    response=obj(
        {"status": enum(("accepted", "duplicate", "updated", "ignored"))},
        {"received_at": INSTANT},
    ),
)
@count_webhook_refusals("telnyx_sms")
async def telnyx_sms(request: web.Request) -> web.Response:
    """Telnyx messaging webhook: inbound texts and delivery statuses."""
    data = await verified_event(request)
    metrics = request.app[keys.METRICS]
    if data["event_type"] != "message.received":
        if data["event_type"] in ("message.sent", "message.finalized"):
            outcome = await run_db(
                store_delivery_status, data["id"], data["event_type"], data["payload"]
            )
        else:
            outcome = "ignored"
        metrics.webhooks.labels("telnyx_sms", outcome).inc()
        return web.json_response({"status": outcome})
    clinic_phone, customer, text, external_id = _parse_received(data["payload"])
    stored = await run_db(store_inbound, data["id"], clinic_phone, customer, text, external_id)
    if stored is None:
        raise ApiError(404, "unknown_number", "no clinic uses that number")
    if stored == "duplicate":
        metrics.webhooks.labels("telnyx_sms", "duplicate").inc()
        return web.json_response({"status": "duplicate"})
    clinic_id, message_id = stored
    turn = sms_received(clinic_id, clinic_phone, customer, message_id, text)
    try:
        await _route(request, turn)
    except (ActorUnavailable, TimeoutError):
        log.warning("sms supervisor unavailable; the stored message will be swept up")
    metrics.webhooks.labels("telnyx_sms", "accepted").inc()
    metrics.sms.labels("in").inc()
    return web.json_response({"status": "accepted", "received_at": utcnow().isoformat()})
