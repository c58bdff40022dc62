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
from gateway.dbio import run_db
from gateway.errors import ApiError, raise_for_failure
from store.db import db

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """The gateway process is up (liveness)."""
    return web.json_response({"status": "ok"})


def _db_ok() -> bool:
    db.execute_sql("SELECT 1").fetchone()
    return True


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """The actor system and the database answer (readiness)."""
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
    ready = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics (request latency, bridge asks, SSE clients, call turn latency)."""
    body = generate_latest(request.app[keys.METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _visible(info, claims) -> bool:
    """Ops see every actor; a clinic admin sees the shared services and their own conversations."""
    return claims["role"] == "ops" or info.clinic_id in (None, claims["clinic"])


@routes.get("/api/ops/actors")
@roles("admin", "ops")
async def list_actors(request: web.Request) -> web.Response:
    """Every supervised actor: kind, key, address, pid, started, restarts, state."""
    try:
        reply = await request.app[keys.BRIDGE].ask_root(ListActors(uuid.uuid4().hex), timeout_s=5.0)
    except ActorUnavailable:
        raise ApiError(503, "unavailable", "the actor system did not answer") from None
    infos = raise_for_failure(reply)
    items = [dataclasses.asdict(i) for i in infos if _visible(i, request[keys.CLAIMS])]
    return web.json_response({"items": items})


@routes.post("/api/ops/actors/{actor_id}/restart")
@roles("admin", "ops")
async def restart_actor(request: web.Request) -> web.Response:
    """Restart one actor (a conversation resumes from its checkpoint)."""
    actor_id = request.match_info["actor_id"]
    if request[keys.CLAIMS]["role"] != "ops" and not actor_id.startswith(("sms:", "call:")):
        raise ApiError(403, "forbidden", "only ops may restart shared service actors")
    if actor_id.startswith(("sms:", "call:")) and request[keys.CLAIMS]["role"] != "ops":
        listing = await request.app[keys.BRIDGE].ask_root(
            ListActors(uuid.uuid4().hex), timeout_s=5.0
        )
        owned = {i.id for i in raise_for_failure(listing) if i.clinic_id == request[keys.CLINIC_ID]}
        if actor_id not in owned:
            raise ApiError(404, "not_found", "no such actor")
    try:
        reply = await request.app[keys.BRIDGE].ask_root(
            RestartActor(uuid.uuid4().hex, actor_id), timeout_s=5.0
        )
    except ActorUnavailable:
        raise ApiError(503, "unavailable", "the actor system did not answer") from None
    info = raise_for_failure(reply)
    return web.json_response({"restarted": dataclasses.asdict(info)}, status=202)
