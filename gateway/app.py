"""The gateway's app factory: routes, middleware, and the background work tied to the app."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from gateway import calls, cors, keys
from gateway.auth import make_auth_middleware
from gateway.bridge import ActorBridge
from gateway.dbio import run_db
from gateway.errors import request_context
from gateway.login_limits import LoginLimits
from gateway.metrics import Metrics, make_metrics_middleware, metrics_context
from gateway.openapi import build_openapi, openapi_json
from gateway.routes import (
    accounts,
    analytics,
    clinic,
    dashboard,
    kb,
    ops,
    page,
    providers,
    schedule,
    services,
    users,
    waitlist,
    webhooks_sms,
    webhooks_stripe,
)
from gateway.sse import EventHub, events_stream
from store.db import open_for
from store.models import Clinic
from store.settings import Settings

log = logging.getLogger("vrai.gateway")

MAX_BODY_BYTES = 1 << 20


def _clinic_exists(clinic_id: int) -> bool:
    return Clinic.select(Clinic.id).where(Clinic.id == clinic_id).exists()


async def clinic_exists(clinic_id: int) -> bool:
    return await run_db(_clinic_exists, clinic_id)


def create_app(settings: Settings, bridge: ActorBridge | None = None) -> web.Application:
    """Build the app; without a ``bridge`` it joins the running actor system at start-up."""
    open_for(settings)
    metrics = Metrics()
    app = web.Application(
        middlewares=[
            make_metrics_middleware(metrics),
            *cors.middlewares(settings.cors_origins),  # before auth: preflights carry no token
            request_context,
            make_auth_middleware(settings.jwt_secret, clinic_exists),
        ],
        client_max_size=MAX_BODY_BYTES,
    )
    cors.install(app, settings.cors_origins)
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = metrics
    app[keys.HUB] = EventHub()
    app[keys.BRIDGE] = bridge
    app[accounts.LIMITS] = LoginLimits()
    app.add_routes(ops.routes)
    app.add_routes(kb.routes)
    app.add_routes(accounts.routes)
    app.add_routes(dashboard.routes)
    app.add_routes(providers.routes)
    app.add_routes(clinic.routes)
    app.add_routes(services.routes)
    app.add_routes(schedule.routes)
    app.add_routes(users.routes)
    app.add_routes(waitlist.routes)
    app.add_routes(analytics.routes)
    app.add_routes(page.routes)
    app.add_routes(webhooks_sms.routes)
    app.add_routes(webhooks_stripe.routes)
    calls.install(app)  # call webhooks, the media WebSocket, and their runtime
    app.router.add_get("/api/events", events_stream)
    app.router.add_get("/api/openapi.json", openapi_json)
    metrics.live_calls.set_function(
        lambda: len(app[calls.CALLS].active) if calls.CALLS in app else 0
    )
    app.cleanup_ctx.append(metrics_context)
    app.cleanup_ctx.append(_actor_bridge)
    app.on_startup.append(_publish_openapi)
    return app


async def _publish_openapi(app: web.Application) -> None:
    app[keys.OPENAPI] = build_openapi(app)


async def _actor_bridge(app: web.Application):
    """Join the actor system and listen for dashboard pushes for as long as the app runs."""
    loop = asyncio.get_running_loop()
    owned = app[keys.BRIDGE] is None
    if owned:
        app[keys.BRIDGE] = await loop.run_in_executor(None, ActorBridge, app[keys.SETTINGS])
    hub: EventHub = app[keys.HUB]
    # Every push also rings the metrics' event count (which reads the table, as SSE does).
    app[keys.BRIDGE].start_listener(loop, app[keys.METRICS].tally.doorbell(hub.publish))
    app[keys.METRICS].sse_clients.set_function(lambda: hub.subscribers)
    yield
    await loop.run_in_executor(None, app[keys.BRIDGE].close)
