"""Health, readiness, metrics, and the ops view of the actor system."""

from __future__ import annotations

import dataclasses
import uuid

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from actors.messages import ListActors, Ping, RestartActor
from gateway import keys
from gateway.auth import roles
from gateway.bridge import ActorUnavailable
from gateway.calls import CALLS
from gateway.dbio import run_db
from gateway.errors import ApiError, raise_for_failure
from gateway.privacy import CONVERSATION_KINDS, opaque_actor_id
from gateway.schemas import (
    INTEGER,
    NULLABLE_INTEGER,
    NULLABLE_STRING,
    NUMBER,
    STRING,
    enum,
    items,
    obj,
    schema,
)
from store.db import db

routes = web.RouteTableDef()

CHECK = enum(("ok", "down"))
READINESS = obj(
    {
        "status": enum(("ready", "not_ready")),
        "checks": obj(
            {"actors": CHECK, "database": CHECK},
            optional={"voice": enum(("ok", "loading", "down"))},
        ),
    }
)
ACTOR = obj(
    {
        "id": STRING,
        "kind": STRING,  # service, supervisor, sms, call
        "name": STRING,
        "clinic_id": NULLABLE_INTEGER,
        "address": STRING,
        "pid": NULLABLE_INTEGER,
        "started_at": NUMBER,  # Unix time
        "restarts": INTEGER,
        "state": STRING,  # starting, running, restarting, retiring, failed
        "last_exit": NULLABLE_STRING,
        "checkpoint_version": NULLABLE_INTEGER,
    }
)


@routes.get("/healthz")
@schema(response=obj({"status": enum(("ok",))}))
async def healthz(request: web.Request) -> web.Response:
    """The gateway process is up (liveness)."""
    return web.json_response({"status": "ok"})


def _db_ok() -> bool:
    db.execute_sql("SELECT 1").fetchone()
    return True


@routes.get("/readyz")
@schema(response=READINESS, responses={503: READINESS})
async def readyz(request: web.Request) -> web.Response:
    """The actor system and the database answer, and the voice (when one is configured) has
    finished loading (readiness). A voice whose models failed to load is reported ``down``
    but does not hold readiness back: texts are answered, and calls go to staff."""
    checks = {}
    try:
        await request.app[keys.BRIDGE].ask_root(Ping(0, uuid.uuid4().hex), timeout_s=2.0)
        checks["actors"] = "ok"
    except (ActorUnavailable, TimeoutError):
        checks["actors"] = "down"
    try:
        await run_db(_db_ok)
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "down"
    voice = request.app[CALLS].voice_state()
    ready = all(v == "ok" for v in checks.values()) and voice != "loading"
    if voice is not None:
        checks["voice"] = voice
    return web.json_response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


@routes.get("/metrics")
@schema(response=STRING, media_type="text/plain")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics of this gateway process (counters since it started).

    ``vrai_http_requests_total{method,route,status}`` and ``vrai_http_request_seconds{route}``
    (the route template, ``unmatched`` for none); ``vrai_webhooks_total{source,outcome}``
    (sources ``telnyx_sms``, ``telnyx_call``, ``stripe``; outcomes such as ``accepted``,
    ``duplicate``, ``ignored``, or a refusal's error code: ``invalid_signature``,
    ``invalid_json``, ``invalid``, ``unknown_number``, ``not_configured``);
    ``vrai_sms_messages_total{direction}`` (``in``: texts the webhook accepted, ``out``: the
    messages of ``message.sent`` events); ``vrai_bookings_total`` (``appointment.booked``
    events); ``vrai_actor_restarts_total{kind,event}`` (``actor.restarted`` and
    ``actor.failed`` events); ``vrai_dashboard_events_total{type}``; ``vrai_live_calls``
    (media streams bridged now); ``vrai_actors{kind,state}`` and ``vrai_actor_system_up``
    (asked of the root supervisor at scrape time with a 1 s limit: no answer leaves the gauge
    empty and ``vrai_actor_system_up`` 0, and the scrape still succeeds); ``vrai_sse_clients``;
    ``vrai_call_turn_latency_seconds`` (caller stops speaking to first assistant audio).
    Events are counted from the dashboard_event table, so every committed event is seen.
    """
    exported = request.app[keys.METRICS]
    await exported.refresh(request.app[keys.BRIDGE])  # what is read at scrape time
    body = generate_latest(exported.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _visible(info, claims) -> bool:
    """The shared services, and the conversations of the token's own clinic."""
    return info.clinic_id in (None, claims["clinic"])


def _shown(info, role: str) -> dict:
    """What this role sees of an actor: ops get a conversation's id and key made opaque (they
    are the clinic's and the customer's numbers)."""
    shown = dataclasses.asdict(info)
    if role == "ops" and info.kind in CONVERSATION_KINDS:
        shown["id"] = opaque_actor_id(info.id)
        shown["name"] = shown["id"].partition(":")[2]
    return shown


async def _actors(request: web.Request) -> list:
    try:
        reply = await request.app[keys.BRIDGE].ask_root(ListActors(uuid.uuid4().hex), timeout_s=5.0)
    except ActorUnavailable:
        raise ApiError(503, "unavailable", "the actor system did not answer") from None
    return [i for i in raise_for_failure(reply) if _visible(i, request[keys.CLAIMS])]


@routes.get("/api/ops/actors")
@roles("admin", "ops")
@schema(response=items(ACTOR))
async def list_actors(request: web.Request) -> web.Response:
    """The shared services and this clinic's conversations: kind, key, pid, restarts, state
    (for ops, a conversation's id is an opaque ``sms:anon-…`` reference)."""
    role = request[keys.CLAIMS]["role"]
    return web.json_response({"items": [_shown(i, role) for i in await _actors(request)]})


@routes.post("/api/ops/actors/{actor_id}/restart")
@roles("admin", "ops")
@schema(response=obj({"restarted": ACTOR}), status=202)
async def restart_actor(request: web.Request) -> web.Response:
    """Restart one actor (a conversation resumes from its checkpoint); shared services: ops."""
    actor_id, role = request.match_info["actor_id"], request[keys.CLAIMS]["role"]
    if actor_id.startswith(tuple(f"{kind}:" for kind in CONVERSATION_KINDS)):
        mine = {opaque_actor_id(i.id): i.id for i in await _actors(request) if i.clinic_id}
        mine.update({i: i for i in mine.values()} if role != "ops" else {})
        if actor_id not in mine:
            raise ApiError(404, "not_found", "no such actor")
        actor_id = mine[actor_id]
    elif role != "ops":
        raise ApiError(403, "forbidden", "only ops may restart shared service actors")
    try:
        reply = await request.app[keys.BRIDGE].ask_root(
            RestartActor(uuid.uuid4().hex, actor_id), timeout_s=5.0
        )
    except ActorUnavailable:
        raise ApiError(503, "unavailable", "the actor system did not answer") from None
    info = raise_for_failure(reply)
    return web.json_response({"restarted": _shown(info, role)}, status=202)
