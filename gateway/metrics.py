"""Prometheus metrics of the gateway process, in one registry the app owns.

Most are counted where they happen (requests, webhooks, inbound texts, turn latency). Three
are read when Prometheus scrapes: the actors (asked of the root supervisor, briefly; a
system that does not answer leaves the gauge empty and ``vrai_actor_system_up`` at 0), the
live calls (the call runtime's open media sockets) and the dashboard events.

Dashboard events are counted from the dashboard_event table, past the last id counted, like
an SSE stream reads it: a push from an actor is a doorbell, not the event itself, because not
every event is pushed by name (a booking's ``appointment.booked`` commits with the turn that
made it and only the turn's ``message.sent`` is pushed; calendar, payments and reminders only
ring). Each gateway process counts every clinic's events from its own start.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections import Counter as Tally
from collections.abc import Callable

import peewee
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from actors.messages import ListActors, Ok
from gateway import keys
from gateway.bridge import ActorUnavailable
from gateway.dbio import run_db
from gateway.errors import CODE_BY_STATUS, ApiError
from store.models import DashboardEvent

log = logging.getLogger("vrai.gateway.metrics")

ACTORS_TIMEOUT_S = 1.0  # a scrape does not wait longer for the root supervisor
EVENTS_BATCH = 1000
EVENTS_EVERY_S = 1.0  # pushes are counted at most this often; a scrape always counts up to now
WITH_DATA = ("message.sent", "actor.restarted", "actor.failed")  # counted from their data


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vrai_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "vrai_http_request_seconds",
            "HTTP request latency by route",
            ["route"],
            registry=self.registry,
        )
        self.sse_clients = Gauge(
            "vrai_sse_clients", "connected dashboard event streams", registry=self.registry
        )
        self.turn_latency = Histogram(
            "vrai_call_turn_latency_seconds",
            "caller stopped speaking -> first assistant audio byte sent",
            buckets=(0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0),
            registry=self.registry,
        )
        self.webhooks = Counter(
            "vrai_webhooks_total",
            "webhooks by source (telnyx_sms, telnyx_call, stripe) and outcome (accepted,"
            " duplicate, ..., or the error code of a refusal, e.g. invalid_signature)",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.sms = Counter(
            "vrai_sms_messages_total",
            "texts: in = inbound accepted by the webhook, out = replies in message.sent events",
            ["direction"],
            registry=self.registry,
        )
        self.live_calls = Gauge(
            "vrai_live_calls", "calls whose media stream is bridged now", registry=self.registry
        )
        self.actors = Gauge(
            "vrai_actors",
            "supervised actors by kind and state (asked of the root at scrape time)",
            ["kind", "state"],
            registry=self.registry,
        )
        self.actor_system_up = Gauge(
            "vrai_actor_system_up",
            "1 if the root supervisor answered the last scrape's ListActors",
            registry=self.registry,
        )
        self.actor_restarts = Counter(
            "vrai_actor_restarts_total",
            "actor.restarted and actor.failed dashboard events, by actor kind",
            ["kind", "event"],
            registry=self.registry,
        )
        self.bookings = Counter(
            "vrai_bookings_total", "appointment.booked dashboard events", registry=self.registry
        )
        self.events = Counter(
            "vrai_dashboard_events_total",
            "dashboard events by type",
            ["type"],
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "vrai_event_loop_lag_seconds",
            "how late the gateway's event loop woke for a timer (sampled every 50 ms): what "
            "blocking work on the loop, such as speech, would show as",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.tally = EventTally(self)
        for direction in ("in", "out"):  # present from the first scrape, at 0
            self.sms.labels(direction)

    async def refresh(self, bridge) -> None:
        """What is read at scrape time: the actors, and the events since the last count."""
        await self.tally.catch_up()
        infos = await _list_actors(bridge)
        self.actors.clear()
        self.actor_system_up.set(0 if infos is None else 1)
        for (kind, state), count in Tally((i.kind, i.state) for i in infos or ()).items():
            self.actors.labels(kind, state).set(count)

    def count_event(self, event_type: str, data) -> None:
        self.events.labels(event_type).inc()
        data = data if isinstance(data, dict) else {}
        if event_type == "appointment.booked":
            self.bookings.inc()
        elif event_type == "message.sent":
            self.sms.labels("out").inc(len(data.get("message_ids") or ()))
        elif event_type in ("actor.restarted", "actor.failed"):
            kind = str(data.get("kind") or "unknown")
            self.actor_restarts.labels(kind, event_type.split(".", 1)[1]).inc()


async def _list_actors(bridge) -> tuple | None:
    if bridge is None:
        return None
    try:
        reply = await bridge.ask_root(ListActors(uuid.uuid4().hex), timeout_s=ACTORS_TIMEOUT_S)
    except (ActorUnavailable, TimeoutError):
        return None
    return tuple(reply.value) if isinstance(reply, Ok) else None


# ---------------------------------------------------------------------------- dashboard events


def _latest_event_id() -> int:
    row = DashboardEvent.select(DashboardEvent.id).order_by(DashboardEvent.id.desc()).first()
    return row.id if row else 0


def _events_after(after_id: int) -> list[tuple[int, str, object]]:
    """(id, type, data) of the next events; data only for the types counted from it."""
    rows = list(
        DashboardEvent.select(DashboardEvent.id, DashboardEvent.type)
        .where(DashboardEvent.id > after_id)
        .order_by(DashboardEvent.id)
        .limit(EVENTS_BATCH)
        .tuples()
    )
    wanted = [event_id for event_id, event_type in rows if event_type in WITH_DATA]
    data = {}
    if wanted:
        query = DashboardEvent.select(DashboardEvent.id, DashboardEvent.data)
        data = dict(query.where(DashboardEvent.id.in_(wanted)).tuples())
    return [(event_id, event_type, data.get(event_id)) for event_id, event_type in rows]


class EventTally:
    """Counts the dashboard events committed since the gateway started (see the module doc)."""

    def __init__(self, metrics: Metrics):
        self.metrics = metrics
        self.last_id: int | None = None  # None: not started, nothing is counted
        self._lock = asyncio.Lock()
        self._rung = asyncio.Event()

    def doorbell(self, deliver: Callable) -> Callable:
        """Wrap the bridge listener's ``deliver(Published)``: each push also rings here."""

        @functools.wraps(deliver)
        def ring_then_deliver(event) -> None:
            self._rung.set()
            deliver(event)

        return ring_then_deliver

    async def start(self) -> None:
        self.last_id = await run_db(_latest_event_id)

    async def catch_up(self) -> None:
        async with self._lock:  # a scrape and the doorbell loop never count a row twice
            while self.last_id is not None:
                try:
                    rows = await run_db(_events_after, self.last_id)
                except peewee.PeeweeException:
                    log.warning("dashboard events could not be read; counted at the next try")
                    return
                for event_id, event_type, data in rows:
                    self.metrics.count_event(event_type, data)
                    self.last_id = event_id
                if len(rows) < EVENTS_BATCH:
                    return

    async def run(self) -> None:
        while True:
            await self._rung.wait()
            self._rung.clear()
            await self.catch_up()
            await asyncio.sleep(EVENTS_EVERY_S)  # a burst of pushes is one read


async def metrics_context(app: web.Application):
    """Cleanup context: count events from now on, on every push, until the app stops."""
    metrics: Metrics = app[keys.METRICS]
    await metrics.tally.start()
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(metrics.tally.run()), loop.create_task(probe_loop_lag(metrics))]
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


LAG_EVERY_S = 0.05


async def probe_loop_lag(metrics: Metrics) -> None:
    """Sleep a fixed time and record how much later than asked the loop woke."""
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(LAG_EVERY_S)
        metrics.loop_lag.observe(max(0.0, time.perf_counter() - asked - LAG_EVERY_S))


# ---------------------------------------------------------------------------- counted in place


def count_webhook_refusals(source: str):
    """A webhook handler's refusals (bad signature, bad body, unknown number, ...) are counted
    as ``vrai_webhooks_total{source, outcome=<error code>}``; its successes count themselves."""

    def wrap(handler):
        @functools.wraps(handler)
        async def counted(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ApiError as error:
                request.app[keys.METRICS].webhooks.labels(source, error.code).inc()
                raise
            except web.HTTPException as error:  # aiohttp's own, e.g. 413 for a body too large
                if error.status >= 400:
                    outcome = CODE_BY_STATUS.get(error.status, "error")
                    request.app[keys.METRICS].webhooks.labels(source, outcome).inc()
                raise

        return counted

    return wrap


def make_metrics_middleware(metrics: Metrics):
    @web.middleware
    async def measure(request: web.Request, handler):
        started = time.perf_counter()
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            metrics.requests.labels(request.method, name, str(status)).inc()
            metrics.latency.labels(name).observe(time.perf_counter() - started)

    return measure
