"""Server-Sent Events per clinic, with heartbeats and ``Last-Event-ID`` replay.

Every dashboard event is committed to dashboard_event before anyone pushes it, and its row id
is the SSE id. The table is the only source of what a client is sent: a live push is just a
doorbell that makes the stream read the table past the last id it sent. So a client that
reconnects with ``Last-Event-ID`` gets exactly what it missed, events arrive in id order even
when pushes race, and an event whose push was lost (an actor restarting) still arrives at the
next heartbeat.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from actors.messages import Published
from gateway import keys
from gateway.auth import roles
from gateway.dbio import run_db
from gateway.errors import ApiError
from gateway.privacy import visible_event
from store.events import as_dict, events_after
from store.models import DashboardEvent

log = logging.getLogger("vrai.gateway.sse")

QUEUE_SIZE = 1000


class EventHub:
    """Live fan-out on the loop: one bounded queue per connected client."""

    def __init__(self):
        self._queues: dict[asyncio.Queue, int] = {}

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def subscribe(self, clinic_id: int) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._queues[queue] = clinic_id
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._queues.pop(queue, None)

    def publish(self, event: Published) -> None:
        for queue, clinic_id in self._queues.items():
            if event.clinic_id is not None and event.clinic_id != clinic_id:
                continue
            if queue.full():  # a slow client: it catches up from the table at its heartbeat
                continue
            queue.put_nowait(event)


def _frame(event: dict) -> bytes:
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def _last_event_id(request: web.Request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    if raw is None:
        return None
    if not raw.isdigit():
        raise ApiError(400, "invalid", "Last-Event-ID must be a non-negative integer")
    return int(raw)


def _latest_id() -> int:
    row = DashboardEvent.select(DashboardEvent.id).order_by(DashboardEvent.id.desc()).first()
    return row.id if row else 0


@roles("admin", "staff", "ops")
async def events_stream(request: web.Request) -> web.StreamResponse:
    """Live dashboard events for the token's clinic (SSE); replays from Last-Event-ID.

    Admin and staff get every event of their clinic; ops only the actors' (restarts,
    failures), with nothing that could name a patient."""
    clinic_id, role = request[keys.CLINIC_ID], request[keys.CLAIMS]["role"]
    last = _last_event_id(request)
    hub: EventHub = request.app[keys.HUB]
    heartbeat_s = request.app[keys.SETTINGS].sse_heartbeat_s
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            "X-Request-ID": request[keys.REQUEST_ID],
        }
    )
    queue = hub.subscribe(clinic_id)  # before reading the table, so nothing falls in between
    try:
        sent = last if last is not None else await run_db(_latest_id)
        await response.prepare(request)
        await response.write(f"retry: 2000\n: connected, last id {sent}\n\n".encode())
        sent = await _catch_up(response, clinic_id, role, sent)
        while True:
            try:
                await asyncio.wait_for(queue.get(), heartbeat_s)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
            while not queue.empty():  # one read of the table serves a burst of pushes
                queue.get_nowait()
            sent = await _catch_up(response, clinic_id, role, sent)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        hub.unsubscribe(queue)
    return response


async def _catch_up(response: web.StreamResponse, clinic_id: int, role: str, sent: int) -> int:
    while True:
        rows = await run_db(events_after, clinic_id, sent)
        for row in rows:
            event = visible_event(role, as_dict(row))
            if event is not None:
                await response.write(_frame(event))
            sent = row.id
        if len(rows) < 500:
            return sent
