"""``POST /webhooks/stripe``: verified by the SDK, stored whole before the 200, applied after.

The signature is checked over the raw body (``Stripe-Signature``, five minutes' tolerance);
a missing, forged or stale one is a 400 and stores nothing. A verified event is stored with
its id (a redelivery changes nothing) and the payments actor is nudged to apply it; if the
nudge is lost, the actor's own sweep applies it.
"""

from __future__ import annotations

import json
import logging

import stripe
from aiohttp import web

from actors.messages import PaymentEventStored
from gateway import keys
from gateway.bridge import ActorUnavailable
from gateway.dbio import run_db
from gateway.errors import ApiError
from gateway.metrics import count_webhook_refusals
from gateway.schemas import STRING, enum, obj, schema
from store.webhooks import store_event

log = logging.getLogger("vrai.gateway.stripe")
routes = web.RouteTableDef()

TOLERANCE_S = 300


@routes.post("/webhooks/stripe")
@schema(
    request=obj({"id": STRING, "type": STRING}),
    response=obj({"status": enum(("accepted", "duplicate"))}),
)
@count_webhook_refusals("stripe")
async def stripe_webhook(request: web.Request) -> web.Response:
    """Stripe events: signature-verified, stored once by id, applied by the payments actor."""
    settings, metrics = request.app[keys.SETTINGS], request.app[keys.METRICS]
    if not settings.stripe_webhook_secret:
        raise ApiError(404, "not_configured", "Stripe is not configured here")
    raw = await request.read()
    try:
        stripe.WebhookSignature.verify_header(
            raw.decode(),
            request.headers.get("Stripe-Signature", ""),
            settings.stripe_webhook_secret,
            tolerance=TOLERANCE_S,
        )
        event = json.loads(raw)  # verified: these are the bytes Stripe signed
    except stripe.SignatureVerificationError as error:
        raise ApiError(400, "invalid_signature", str(error).split(":")[0]) from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
    ):
        raise ApiError(400, "invalid", "expected a Stripe event with an id and a type")
    stored = await run_db(store_event, "stripe", event["id"], event["type"], event)
    if not stored:
        metrics.webhooks.labels("stripe", "duplicate").inc()
        return web.json_response({"status": "duplicate"})
    try:
        await request.app[keys.BRIDGE].tell_service("payments", PaymentEventStored())
    except (ActorUnavailable, TimeoutError):
        log.warning("payments actor unavailable; the stored event will be swept up")
    metrics.webhooks.labels("stripe", "accepted").inc()
    return web.json_response({"status": "accepted"})


PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8>"
    '<meta name=viewport content="width=device-width,initial-scale=1">'
    '<title>{title}</title><body style="font-family:sans-serif;max-width:30em;margin:3em auto">'
    "<h1>{title}</h1><p>{text}</p></body></html>"
)


@routes.get("/deposit/paid")
@schema(response=STRING, media_type="text/html")
async def deposit_paid_page(request: web.Request) -> web.Response:
    """Where Stripe sends a customer who paid: the booking is confirmed by text, not here."""
    text = "We're confirming your deposit now; you'll get a text when your visit is booked."
    return web.Response(text=PAGE.format(title="Thank you", text=text), content_type="text/html")


@routes.get("/deposit/cancelled")
@schema(response=STRING, media_type="text/html")
async def deposit_cancelled_page(request: web.Request) -> web.Response:
    """Where Stripe sends a customer who left the payment page without paying."""
    text = "No payment was taken. The link in your text works until your hold ends."
    return web.Response(text=PAGE.format(title="Not paid yet", text=text), content_type="text/html")
