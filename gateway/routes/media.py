"""``GET /media/telnyx``: Telnyx's media WebSocket for one answered call, bridged to a voice engine.

The one-time token from the answer command is checked before the upgrade (HTTP 401 for an
unknown, used or expired token). The gateway owns the audio; the call's actor owns its state:
it answers ``CallStarted`` with the engine's instructions, tools and voice; tool calls are
asked of it (bounded), transcripts, DTMF, barge-ins and the engine's start are told to it.
Transcript lines, latencies and bridge events are stored as ``CallEvent`` rows as they happen.

With no voice engine (``settings.backends.voice`` is None: an app built without
``choose_backends``, which picks the offline engine when there is no OpenAI key) the socket
is accepted and closed at once with code 1013 and a reason saying so, the call gets a
``no_voice_backend`` event and a missed-call message for the staff, the call actor is told
(it decides the call was missed), and the call is handed to staff (transfer, or hang-up
without a staff number).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from actors.messages import (
    CallBargeIn,
    CallDtmf,
    CallFallback,
    CallStarted,
    CallStreaming,
    CallTranscript,
    Ok,
    Published,
    ToolCall,
    tool_error,
)
from gateway import keys
from gateway.bridge import ActorUnavailable
from gateway.calls import CALLS, CallControlError, CallRuntime
from gateway.dbio import run_db
from gateway.errors import ApiError
from gateway.media import AiohttpTelnyxSocket, BaseBridgeHooks, BridgeConfig, run_bridge
from gateway.routes.webhooks_call import tell_call_actor
from store.db import write
from store.events import record_event
from store.models import Call, CallEvent, Clinic

log = logging.getLogger("vrai.gateway.media")
routes = web.RouteTableDef()

TOOL_TIMEOUT_S = 15.0
START_TIMEOUT_S = 10.0
NO_VOICE_CLOSE = 1013  # "try again later": the service cannot take calls right now
NO_VOICE_REASON = b"no voice engine: this gateway was built without one"
NO_ACTOR_REASON = b"the call's actor did not answer in time: handed to staff"
BUSY = "The system is busy right now."


@dataclass(frozen=True, slots=True)
class CallContext:
    """What the bridge and its hooks need of one call (read once, before the stream starts)."""

    call_id: int
    ccid: str
    clinic_id: int
    customer_phone: str
    staff_phone: str | None
    voice: str = ""
    instructions: str = ""
    tools: tuple = ()
    greeting_instructions: str | None = None


def load_call(call_id: int) -> CallContext | None:
    call = Call.get_or_none(Call.id == call_id)
    if call is None or call.status == "ended":
        return None
    clinic = Clinic.get_by_id(call.clinic_id)
    return CallContext(
        call.id, call.call_control_id, clinic.id, call.from_phone, clinic.staff_phone
    )


async def session_for(app: web.Application, ctx: CallContext) -> CallContext | None:
    """Ask the call's actor what the voice engine needs for this call (its ``CallStarted``
    answer: instructions, tools, voice); None when the actor cannot be reached."""
    message = CallStarted(
        corr=f"start-{ctx.call_id}",
        key=ctx.ccid,
        clinic_id=ctx.clinic_id,
        call_id=ctx.call_id,
        customer_phone=ctx.customer_phone,
        wants_reply=True,
    )
    try:
        reply = await app[keys.BRIDGE].ask_service("call", message, START_TIMEOUT_S)
    except (ActorUnavailable, TimeoutError) as error:
        log.warning("call %s: its actor did not answer (%s)", ctx.call_id, type(error).__name__)
        return None
    if not isinstance(reply, Ok) or not isinstance(reply.value, dict):
        why = getattr(reply, "category", type(reply).__name__)
        log.warning("call %s: its actor refused to start it (%s)", ctx.call_id, why)
        return None
    spec = reply.value
    return replace(
        ctx,
        voice=spec["voice"],
        instructions=spec["instructions"],
        tools=tuple(spec["tools"]),
        greeting_instructions=spec.get("greeting_instructions"),
    )


def add_event(ctx: CallContext, kind: str, text: str = "", data: dict | None = None, dash=None):
    """One CallEvent, and optionally its dashboard event, in one transaction."""
    with write():
        CallEvent.create(clinic=ctx.clinic_id, call=ctx.call_id, kind=kind, text=text, data=data)
        if dash is not None:
            return record_event(ctx.clinic_id, dash[0], dash[1])
    return None


class CallHooks(BaseBridgeHooks):
    """The bridge's hooks for one call: the call actor, the database, Telnyx, the dashboard."""

    def __init__(self, app: web.Application, ctx: CallContext) -> None:
        self.app = app
        self.ctx = ctx
        self.runtime: CallRuntime = app[CALLS]
        self._seq = itertools.count(1)

    def _message(self, message_class, corr_prefix: str, **fields) -> Any:
        return message_class(
            corr=f"{corr_prefix}:{next(self._seq)}:{self.ctx.ccid}",
            key=self.ctx.ccid,
            clinic_id=self.ctx.clinic_id,
            **fields,
        )

    def _tell(self, message_class, corr_prefix: str, **fields) -> Any:
        """Tell the call's actor one event (best effort: the audio never waits for it)."""
        return tell_call_actor(self.app, self._message(message_class, corr_prefix, **fields))

    async def _ask(self, message) -> dict | None:
        """Ask the call's actor (bounded); its dict answer, or None when it cannot say."""
        try:
            reply = await self.app[keys.BRIDGE].ask_service("call", message, TOOL_TIMEOUT_S)
        except (ActorUnavailable, TimeoutError):
            return None
        return reply.value if isinstance(reply, Ok) and isinstance(reply.value, dict) else None

    async def _record(self, kind: str, text: str = "", data=None, dash=None) -> None:
        event = await run_db(add_event, self.ctx, kind, text, data, dash)
        if event is not None:  # a doorbell for live dashboards (they read the table)
            self.app[keys.HUB].publish(
                Published(event.id, event.clinic_id, event.type, event.data, "")
            )

    async def on_tool_call(self, name: str, arguments: dict[str, Any], call_id: str) -> Any:
        message = ToolCall(
            corr=f"tool:{call_id}",
            key=self.ctx.ccid,
            clinic_id=self.ctx.clinic_id,
            name=name,
            arguments=arguments,
            call_id=call_id,
            customer_phone=self.ctx.customer_phone,
            wants_reply=True,
        )
        result = await self._ask(message)
        if result is None:
            log.warning("tool %s: call actor unavailable", name)
            result = tool_error("unavailable", BUSY)
        if result.get("action") == "transfer" and not result.get("to"):
            result = {**result, "to": result.get("staff_phone") or self.ctx.staff_phone}
        summary = {"ok": bool(result.get("ok")), "error": result.get("error")}
        await self._record("tool", name, summary)
        return result

    async def on_transcript(self, role: str, text: str) -> str | None:
        data = {"call_id": self.ctx.call_id, "role": role, "text": text}
        await self._record("transcript", text, {"role": role}, ("call.transcript", data))
        if role != "caller":
            await self._tell(CallTranscript, "tr", role=role, text=text)
            return None
        # A caller's line is asked, not told: the call actor's safety screen may answer with
        # words the engine must say instead.
        line = self._message(CallTranscript, "tr", role=role, text=text, wants_reply=True)
        steer = (await self._ask(line) or {}).get("steer")
        if isinstance(steer, str):
            await self._record("safety", "", {"screened": True})
            return steer
        return None

    async def on_barge_in(self, heard_text: str | None) -> None:
        await self._tell(CallBargeIn, "barge", heard=heard_text)

    async def on_turn_latency(self, latency_ms: float) -> None:
        self.app[keys.METRICS].turn_latency.observe(latency_ms / 1000.0)
        await self._record("latency", "", {"ms": round(latency_ms, 1)})

    async def on_end_call(self, reason: str) -> None:
        await self._record("end_call", reason)
        await self._command("hangup")

    async def on_transfer(self, to: str) -> None:
        await self._record("transfer", "")
        await self._command("transfer", to)

    async def on_fallback(self) -> None:
        await self._record("fallback", "realtime_unavailable")
        await self._tell(CallFallback, "fallback", reason="voice_engine_failed")
        await hand_to_staff(self.runtime, self.ctx)

    async def on_dtmf(self, digit: str) -> None:
        await self._record("dtmf", digit[:1], {"source": "media"})
        await self._tell(CallDtmf, "dtmf", digit=digit[:1])

    async def on_event(self, name: str, data: dict[str, Any]) -> None:
        if name in ("stream_started", "call_summary", "handoff", "realtime_dropped"):
            await self._record("bridge", name, data)
        if name == "stream_started":
            await self._tell(
                CallStreaming, "streaming", engine=self.runtime.settings.backends.voice
            )

    async def _command(self, action: str, to: str | None = None) -> None:
        control, ctx = self.runtime.control, self.ctx
        try:
            if action == "hangup":
                await control.hangup(ctx.clinic_id, ctx.call_id, ctx.ccid)
            else:
                await control.transfer(ctx.clinic_id, ctx.call_id, ctx.ccid, to or "")
        except CallControlError:
            log.error("call %s: %s could not be delivered", ctx.call_id, action)


async def hand_to_staff(runtime: CallRuntime, ctx: CallContext) -> None:
    """The AI cannot take this call: transfer to staff, or hang up if there is nobody."""
    try:
        if ctx.staff_phone:
            await runtime.control.transfer(ctx.clinic_id, ctx.call_id, ctx.ccid, ctx.staff_phone)
        else:
            await runtime.control.hangup(ctx.clinic_id, ctx.call_id, ctx.ccid)
    except CallControlError:
        log.error("call %s: hand-off to staff could not be delivered", ctx.call_id)


def bridge_config(ctx: CallContext, overrides: dict[str, Any]) -> BridgeConfig:
    config = BridgeConfig(
        voice=ctx.voice,
        instructions=ctx.instructions,
        tools=ctx.tools,
        front_desk_phone=ctx.staff_phone,
        greeting_instructions=ctx.greeting_instructions,
    )
    return replace(config, **overrides) if overrides else config


NO_ENGINE = ("no_voice_backend", "the gateway has no voice engine")
NO_ACTOR = ("call_actor_unavailable", "the call's actor did not answer in time")


async def _no_voice_backend(app: web.Application, ctx: CallContext, why=NO_ENGINE) -> None:
    code, words = why
    data = {"call_id": ctx.call_id, "reason": code}
    message = f"Missed call: {words}."
    await run_db(
        add_event, ctx, "no_voice_backend", message, {"reason": code}, ("call.missed", data)
    )
    fallback = CallFallback(
        corr=f"fallback-{ctx.call_id}", key=ctx.ccid, clinic_id=ctx.clinic_id, reason=code
    )
    await tell_call_actor(app, fallback)
    await hand_to_staff(app[CALLS], ctx)


@routes.get("/media/telnyx")
async def media_telnyx(request: web.Request) -> web.StreamResponse:
    """Telnyx media stream (WebSocket) of one answered call."""
    runtime: CallRuntime = request.app[CALLS]
    grant = runtime.tokens.redeem(request.query.get("token", ""))
    if grant is None:
        raise ApiError(401, "invalid_token", "unknown, used or expired stream token")
    ctx = await run_db(load_call, grant.call_id)
    if ctx is None:
        raise ApiError(410, "call_ended", "the call is no longer active")
    # Upgrade first, then ask the call's actor: Telnyx's handshake must not wait on an actor
    # being spawned under load (ten calls ringing at once took over 10 s, bench/voice.py).
    ws = web.WebSocketResponse(compress=False, max_msg_size=1 << 20)
    await ws.prepare(request)
    session = await session_for(request.app, ctx) if runtime.engine is not None else None
    if session is None:  # no engine, or its call actor cannot say what to say: to staff
        why, reason = (
            (NO_ENGINE, NO_VOICE_REASON) if runtime.engine is None else (NO_ACTOR, NO_ACTOR_REASON)
        )
        log.warning("call %s to staff: %s", ctx.call_id, why[1])
        await _no_voice_backend(request.app, ctx, why)
        await ws.close(code=NO_VOICE_CLOSE, message=reason)
        return ws
    ctx = session
    runtime.active[ctx.ccid] = ws
    hooks = CallHooks(request.app, ctx)
    try:
        stats = await run_bridge(
            AiohttpTelnyxSocket(ws),
            hooks,
            bridge_config(ctx, runtime.bridge_overrides),
            runtime.engine,
        )
        log.info("call %s bridge ended: %s", ctx.call_id, stats.end_reason)
    finally:
        runtime.active.pop(ctx.ccid, None)
        await ws.close()
    return ws
