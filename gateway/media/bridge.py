"""Per-call media bridge: Telnyx media stream <-> OpenAI Realtime, G.711 end to end.

One ``asyncio.TaskGroup`` per call runs: the Telnyx reader, the caller-audio uplink (a
bounded queue that drops the oldest audio when the Realtime side is slow), the Realtime
supervisor (pumps events, reconnects once, falls back), a hook notifier (so slow hooks
never stall audio), and the silence / max-duration / session-renewal timers.

Turn-taking rules live here: barge-in (clear + truncate at the mark-confirmed playout +
cancel), the false-interruption guard, tool calls with deferred actions (end_call,
transfer) that never fire for an interrupted answer, and per-turn latency.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
from collections import deque
from collections.abc import Coroutine
from dataclasses import asdict
from typing import Any

from .config import BridgeConfig
from .hooks import BridgeHooks
from .latency import LatencyObserver
from .playout import PlayoutTracker
from .prompts import FRAME_BYTES, apology_for
from .realtime import (
    AudioDelta,
    RealtimeConnect,
    RealtimeDisconnected,
    RealtimeSession,
    message_item,
    session_config,
)
from .state import CallStats, ResponseState, SessionState
from .telnyx_frames import (
    StartInfo,
    clear_frame,
    dtmf_digit,
    inbound_payload,
    mark_name,
    mark_text,
    media_text,
    parse_start,
    sequence_number,
)
from .tools import call_tool, requested_action, result_json
from .transport import TelnyxSocket

log = logging.getLogger("vrai.media.bridge")
_bridge_ids = itertools.count(1)


class _CallLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Prefixes every line with the call's tag (stream id once known; never a number)."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['call'] if self.extra else '?'}] {msg}", kwargs


TASK_PREFIX = "vrai-bridge:"
_CONTEXT_ROLES = {"caller": "user", "assistant": "assistant", "tool": "system"}


def _b64_len(data: str) -> int:
    """Decoded size of a base64 string without decoding it."""
    pad = 2 if data.endswith("==") else 1 if data.endswith("=") else 0
    return len(data) * 3 // 4 - pad


class CallBridge:
    """One call. Create, then ``await run()``; it returns when the call's stream ends."""

    def __init__(
        self,
        telnyx: TelnyxSocket,
        hooks: BridgeHooks,
        config: BridgeConfig,
        realtime_connect: RealtimeConnect,
    ) -> None:
        self._telnyx = telnyx
        self._hooks = hooks
        self._cfg = config
        self._connect_fn = realtime_connect
        self.stats = CallStats()
        self._log = _CallLog(log, {"call": f"bridge-{next(_bridge_ids)}"})
        self._playout = PlayoutTracker(config.mark_interval_ms)
        self._latency = LatencyObserver()
        self._audio_in: asyncio.Queue[str] = asyncio.Queue(maxsize=config.inbound_queue_frames)
        self._uplink_idle = False  # the uplink task waits on an empty queue
        self._notify_q: asyncio.Queue[tuple[str, tuple[Any, ...]] | None] = asyncio.Queue(
            maxsize=config.notify_queue_size
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._tg: asyncio.TaskGroup | None = None
        self._done = asyncio.Event()
        self._started = asyncio.Event()
        self._start: StartInfo | None = None
        # Realtime session
        self._session: RealtimeSession | None = None
        self._session_ready = asyncio.Event()
        self._open_sessions: set[RealtimeSession] = set()
        self._state = SessionState()
        self._generation = 0
        self._session_opened_at = 0.0
        self._reconnects_left = config.max_reconnects
        self._greeted = False
        self._requests = 0
        self._context: deque[tuple[str, str]] = deque(maxlen=config.context_max_items)
        # Turn-taking
        self._activity = asyncio.Event()
        self._last_activity = 0.0
        self._caller_speaking = False
        self._speech_start_ms: int | None = None
        self._guard_timer: asyncio.TimerHandle | None = None
        self._last_seq = -1
        # Ending
        self._silence_stage = 0
        self._goodbye_reason: str | None = None
        self._goodbye_rid: str | None = None
        self._goodbye_done = asyncio.Event()
        self._handed_off = False

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> CallStats:
        loop = asyncio.get_running_loop()
        self._now = loop.time
        self._last_activity = self._now()
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                self._spawn(self._telnyx_reader(), "telnyx-reader")
                self._spawn(self._uplink(), "uplink")
                self._spawn(self._realtime_supervisor(), "realtime")
                self._spawn(self._silence_watch(), "silence")
                self._spawn(self._max_duration_watch(), "max-duration")
                self._spawn(self._renewal_watch(), "renewal")
                notifier = self._spawn(self._notifier(), "notifier")
                await self._done.wait()
                await self._shutdown(notifier)
        finally:
            self._cancel_guard()
            await self._close_sessions()
        return self.stats

    async def _shutdown(self, notifier: asyncio.Task[None]) -> None:
        """Stop every task; let queued hook notifications (last transcript) go out first."""
        for task in list(self._tasks):
            if task is not notifier:
                task.cancel()
        self.stats.latency = self._latency.summary()
        self._emit("on_event", "call_summary", asdict(self.stats))
        try:
            self._notify_q.put_nowait(None)
            async with asyncio.timeout(2.0):
                await asyncio.shield(notifier)
        except (asyncio.QueueFull, TimeoutError):
            notifier.cancel()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        assert self._tg is not None
        task = self._tg.create_task(self._guarded(coro, name), name=TASK_PREFIX + name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guarded(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """A bug in one part ends the call cleanly (fallback to staff), never the gateway."""
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            self._log.exception("bridge task %s failed", name)
            if not self._handed_off:
                with contextlib.suppress(Exception):
                    await self._hand_off("fallback", "internal_error")
            self._finish("error")

    def _finish(self, reason: str) -> None:
        if not self._done.is_set():
            self.stats.end_reason = reason
            self._done.set()

    async def _close_sessions(self) -> None:
        self._session = None
        self._session_ready.clear()
        for session in list(self._open_sessions):
            self._open_sessions.discard(session)
            await session.close()

    # ------------------------------------------------------------------ hooks

    def _emit(self, hook: str, *args: Any) -> None:
        """Queue a hook call; ordered, bounded, never blocks the media path."""
        try:
            self._notify_q.put_nowait((hook, args))
        except asyncio.QueueFull:
            self.stats.notify_dropped += 1
            self._log.warning("hook queue full, dropped %s", hook)

    async def _notifier(self) -> None:
        while (entry := await self._notify_q.get()) is not None:
            hook, args = entry
            try:
                await getattr(self._hooks, hook)(*args)
            except Exception as exc:  # message may carry caller data: type only above debug
                self._log.warning("hook %s failed: %s", hook, type(exc).__name__)
                self._log.debug("hook %s failure", hook, exc_info=True)

    def _remember(self, role: str, text: str) -> None:
        if text:
            self._context.append((role, text))

    # ------------------------------------------------------------------ telnyx side

    async def _telnyx_reader(self) -> None:
        while True:
            try:
                frame = await self._telnyx.receive()
            except ConnectionError:
                frame = None
            if frame is None:
                self._finish("telnyx_closed")
                return
            event = frame.get("event")
            if event == "media":
                payload = self._on_media(frame)
                if payload is not None:
                    await self._up(payload)
            elif event == "mark":
                self._on_mark(frame)
            elif event == "start":
                self._start = parse_start(frame)
                self._started.set()
                if self._start.stream_id:
                    self._log.extra = {"call": self._start.stream_id[:36]}
                self._emit(
                    "on_event",
                    "stream_started",
                    {
                        "stream_id": self._start.stream_id,
                        "call_control_id": self._start.call_control_id,
                        "encoding": self._start.encoding,
                    },
                )
            elif event == "dtmf":
                digit = dtmf_digit(frame)
                if digit is not None:
                    self._silence_stage = 0
                    self._touch()
                    self._emit("on_dtmf", digit)
            elif event == "stop":
                self._finish("telnyx_stop")
                return
            elif event == "error":
                payload = frame.get("payload")
                info = payload if isinstance(payload, dict) else {}
                error = {"code": info.get("code"), "title": str(info.get("title", ""))[:100]}
                self._log.warning("telnyx stream error %s: %s", error["code"], error["title"])
                self._emit("on_event", "telnyx_error", error)

    def _on_media(self, frame: dict[str, Any]) -> str | None:
        """The caller audio to send up, or None (no payload, late, or handed off)."""
        payload = inbound_payload(frame)
        if payload is None:
            return None
        seq = sequence_number(frame)
        if seq is not None:
            if seq <= self._last_seq:
                self.stats.frames_late += 1
                return None
            self._last_seq = seq
        self.stats.frames_in += 1
        return None if self._handed_off else payload

    async def _up(self, payload: str) -> None:
        """Caller audio towards the Realtime session.

        The fast path sends from here when nothing is waiting and the send cannot wait (the
        hand-over to the uplink task cost a task switch per frame, a tenth of the bridge's
        CPU). Otherwise the frame joins the bounded queue, oldest dropped when full, which
        the uplink drains while the session is slow or being replaced: reading the caller
        never waits on the model's side.
        """
        session = self._session
        queue = self._audio_in
        if (
            self._uplink_idle
            and queue.empty()
            and session is not None
            and session.can_send_at_once()
        ):
            try:
                await session.append_audio(payload)
                return
            except RealtimeDisconnected:
                self._detach(session)
        if queue.full():
            queue.get_nowait()
            self.stats.frames_dropped += 1
        queue.put_nowait(payload)

    def _on_mark(self, frame: dict[str, Any]) -> None:
        name = mark_name(frame)
        if name is not None and self._playout.on_mark_echo(name) and not self._playout.is_playing:
            self._touch()

    async def _send_audio(self, item_id: str, payload_b64: str) -> None:
        """Model audio to Telnyx, followed by a mark for playout accounting."""
        name = self._playout.on_audio_sent(item_id, _b64_len(payload_b64))
        await self._telnyx.send_text(media_text(payload_b64))
        if name is not None:
            await self._telnyx.send_text(mark_text(name))
        self.stats.chunks_out += 1
        self._last_activity = self._now()

    async def _flush_marks(self) -> None:
        """Mark the tail of the audio sent so far (end of an item or a response)."""
        for name in self._playout.flush():
            await self._telnyx.send_text(mark_text(name))

    # ------------------------------------------------------------------ uplink

    async def _uplink(self) -> None:
        """Caller audio -> Realtime; waits (audio buffered, bounded) while reconnecting."""
        payload: str | None = None
        while True:
            session = self._session
            if session is None:
                # Leave audio in the bounded queue meanwhile, so the oldest is what drops.
                await self._session_ready.wait()
                continue
            if payload is None:
                self._uplink_idle = True
                payload = await self._audio_in.get()
                self._uplink_idle = False
                continue  # the session may have changed while we waited
            try:
                await session.append_audio(payload)
                payload = None
            except RealtimeDisconnected:
                self._detach(session)

    # ------------------------------------------------------------------ realtime side

    async def _realtime_supervisor(self) -> None:
        if not await self._connect():
            return
        while not self._handed_off:
            session = self._session
            if session is None:
                return
            await self._pump(session)
            if self._handed_off or self._done.is_set():
                return
            if self._session is not None and self._session is not session:
                continue  # renewed: pump the new session
            mid_turn = self._state.active is not None or self._latency.armed
            self._detach(session)
            await self._discard(session)
            self._log.warning("realtime session dropped (generation %d)", session.generation)
            self._emit("on_event", "realtime_dropped", {"generation": session.generation})
            if not self._spend_reconnect():
                await self._fallback()
                return
            if not await self._connect(mid_turn=mid_turn):
                return

    def _spend_reconnect(self) -> bool:
        if self._reconnects_left <= 0:
            return False
        self._reconnects_left -= 1
        self.stats.reconnects += 1
        return True

    async def _connect(self, mid_turn: bool = False) -> bool:
        """Open and configure a session; on failure retry within budget, then fall back."""
        while not self._handed_off:
            session: RealtimeSession | None = None
            try:
                session = await self._open_configured()
                if session is None:  # unsupported codec: nothing we can do without transcoding
                    await self._hand_off("fallback", "unsupported_codec")
                    return False
                self._attach(session)
                if not self._greeted:
                    self._greeted = True
                    if self._cfg.greet_first:
                        await self._request_response(self._cfg.greeting_instructions)
                elif mid_turn:
                    await self._request_response(self._cfg.reconnected_instructions)
                return True
            except RealtimeDisconnected as exc:
                self._log.warning("realtime connect failed: %s", exc)
                if session is not None:
                    self._detach(session)
                    await self._discard(session)
                if not self._spend_reconnect():
                    await self._fallback()
                    return False
        return False

    async def _open_configured(self) -> RealtimeSession | None:
        """Dial, send session.update, replay the conversation so far. Not yet attached."""
        self._generation += 1
        session = await RealtimeSession.open(
            self._connect_fn, self._generation, self._cfg.connect_timeout_s
        )
        self._open_sessions.add(session)
        try:
            audio_format = await self._audio_format()
            if audio_format is None:
                await self._discard(session)
                return None
            await session.update_session(session_config(self._cfg, audio_format))
            for role, text in list(self._context):
                await session.add_item(message_item(_CONTEXT_ROLES[role], text))
        except BaseException:
            await self._discard(session)
            raise
        return session

    async def _audio_format(self) -> str | None:
        """The Realtime format for the call's codec, once Telnyx said which it is."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._cfg.start_timeout_s):
                await self._started.wait()
        if self._start is None:
            return "audio/pcmu"  # Telnyx default for bidirectional streams
        if not self._start.supported:
            start = self._start
            self._log.error("unsupported media format %s/%d", start.encoding, start.sample_rate)
            return None
        return self._start.realtime_format

    def _attach(self, session: RealtimeSession) -> None:
        self._session = session
        self._state = SessionState()
        self._session_opened_at = self._now()
        self._session_ready.set()
        self._touch()

    def _detach(self, session: RealtimeSession) -> None:
        if self._session is session:
            self._session = None
            self._session_ready.clear()

    async def _discard(self, session: RealtimeSession) -> None:
        self._open_sessions.discard(session)
        await session.close()

    async def _pump(self, session: RealtimeSession) -> None:
        """Handle events of one session until it closes, drops or is replaced."""
        while self._session is session:
            try:
                event = await session.next_event()
                if event is None or self._session is not session:
                    return
                if type(event) is AudioDelta:
                    await self._on_audio_delta(event)
                else:
                    await self._on_event_safely(session, event)
            except RealtimeDisconnected:
                return
            except ConnectionError:
                self._finish("telnyx_closed")
                return

    async def _on_audio_delta(self, ev: AudioDelta) -> None:
        st = self._state
        if self._handed_off or ev.response_id in st.cancelled:
            self.stats.late_deltas_dropped += 1
            return
        resp = st.responses.get(ev.response_id) or st.track(ev.response_id, self._now())
        if resp.interrupted:
            self.stats.late_deltas_dropped += 1
            return
        st.item_response[ev.item_id] = ev.response_id
        await self._send_audio(ev.item_id, ev.delta)
        latency = self._latency.on_audio_sent(self._now(), resp.created_at)
        if latency is not None:
            self._emit("on_turn_latency", latency)

    async def _on_event_safely(self, session: RealtimeSession, ev: Any) -> None:
        """The SDK builds events unchecked: a malformed one has None fields. Skip it."""
        try:
            await self._on_event(session, ev)
        except (AttributeError, TypeError, ValueError, KeyError):
            self._log.warning("skipping malformed realtime event %s", getattr(ev, "type", "?"))

    async def _on_event(self, session: RealtimeSession, ev: Any) -> None:
        kind = ev.type
        if kind == "input_audio_buffer.speech_started":
            await self._on_speech_started(ev.audio_start_ms)
        elif kind == "input_audio_buffer.speech_stopped":
            await self._on_speech_stopped(ev.audio_end_ms)
        elif kind == "response.created":
            self._on_response_created(ev.response.id or "")
        elif kind == "response.output_audio.done":
            await self._flush_marks()
        elif kind == "response.done":
            await self._flush_marks()
            await self._on_response_done(ev.response)
        elif kind == "response.function_call_arguments.done":
            self._on_function_call(session, ev.response_id, ev.call_id, ev.name, ev.arguments)
        elif kind == "conversation.item.input_audio_transcription.completed":
            self._transcript("caller", ev.transcript)
        elif kind == "response.output_audio_transcript.done":
            resp = self._state.responses.get(ev.response_id)
            interrupted = resp is not None and resp.interrupted
            self._transcript("assistant", ev.transcript, interrupted)
        elif kind == "error":
            await self._on_error(session, ev.error)
        elif kind in ("session.created", "session.updated", "conversation.item.truncated"):
            self._log.debug("realtime %s", kind)

    def _transcript(self, role: str, text: str, interrupted: bool = False) -> None:
        text = (text or "").strip()
        if not text:
            return
        self._emit("on_transcript", role, text)
        self._remember(role, f"{text} (cut off by the caller)" if interrupted else text)

    async def _on_error(self, session: RealtimeSession, error: Any) -> None:
        code = getattr(error, "code", None) or ""
        self._log.warning("realtime error %s/%s: %s", error.type, code, (error.message or "")[:200])
        self._emit("on_event", "realtime_error", {"type": error.type, "code": code})
        st = self._state
        if st.requested and getattr(error, "event_id", None) == st.request_id:
            st.requested = False  # our response.create was refused
            if code == "conversation_already_has_active_response":
                st.deferred, st.deferred_instructions = True, st.request_instructions
        elif code == "session_expired":
            await session.close()  # the supervisor reconnects with context

    # ------------------------------------------------------------------ responses

    def _on_response_created(self, response_id: str) -> None:
        st = self._state
        resp = st.track(response_id, self._now())
        resp.created_at = self._now()
        st.active = resp
        was_ours = st.requested
        st.requested = False
        if st.suppress_next and not was_ours:
            # The server answered a cough we decided to ignore; the assistant keeps talking.
            st.suppress_next = False
            resp.interrupted = True
            st.cancelled.add(response_id)
            resp.cancel_sent = True
            self._spawn(self._cancel_quietly(), "cancel")
        elif self._goodbye_reason and self._goodbye_rid is None and was_ours:
            self._goodbye_rid = response_id
        self._touch()

    async def _cancel_quietly(self) -> None:
        session = self._session
        if session is not None:
            with contextlib.suppress(RealtimeDisconnected):
                await session.cancel_response()

    async def _on_response_done(self, response: Any) -> None:
        st = self._state
        rid = response.id or ""
        resp = st.track(rid, self._now())
        resp.done = True
        if st.active is resp:
            st.active = None
        if response.status == "cancelled":
            st.cancelled.add(rid)
            resp.interrupted = True
        session = self._session
        for item in response.output or []:
            if getattr(item, "type", None) == "function_call" and session is not None:
                self._on_function_call(session, rid, item.call_id, item.name, item.arguments)
        if rid == self._goodbye_rid:
            self._goodbye_done.set()
        self._touch()
        await self._settle(resp)
        if st.deferred and st.active is None and not st.requested:
            st.deferred = False
            await self._request_response(st.deferred_instructions)

    async def _request_response(self, instructions: str | None = None) -> None:
        """response.create, or defer it while another response is in progress."""
        st = self._state
        session = self._session
        if session is None:
            return
        if st.active is not None or st.requested:
            st.deferred, st.deferred_instructions = True, instructions
            return
        self._requests += 1
        st.requested, st.request_instructions = True, instructions
        st.request_id = f"vrai_response_{self._requests}"
        st.suppress_next = False
        await session.create_response(instructions, st.request_id)

    async def _settle(self, resp: ResponseState) -> None:
        """Once a response is done and its tools answered: follow up or run its action."""
        if not resp.done or resp.tools_running or resp.settled:
            return
        resp.settled = True
        if resp.interrupted:
            return
        if resp.action is not None:
            self._spawn(self._perform_action(resp), "action")
        elif resp.wants_followup:
            await self._request_response()

    # ------------------------------------------------------------------ tools

    def _on_function_call(
        self, session: RealtimeSession, response_id: str, call_id: str | None, name: str, args: str
    ) -> None:
        st = self._state
        if not call_id or call_id in st.seen_calls:
            return  # seen in both function_call_arguments.done and response.done
        st.seen_calls.add(call_id)
        self.stats.tool_calls += 1
        resp = st.track(response_id, self._now())
        if resp.interrupted:
            output = json.dumps({"status": "cancelled", "reason": "the caller interrupted"})
            self._spawn(self._send_output(session, call_id, output), "tool-cancelled")
            return
        resp.tools_running += 1
        self._spawn(self._run_tool(session, resp, call_id, name, args), f"tool:{name}")

    async def _run_tool(
        self, session: RealtimeSession, resp: ResponseState, call_id: str, name: str, args: str
    ) -> None:
        try:
            result = await call_tool(
                self._hooks, name, args, call_id, self._cfg.tool_timeout_s, self._log
            )
            action = requested_action(result)
            if action is not None:
                resp.action = action
            else:
                resp.wants_followup = True
            output = result_json(result)
            self._remember("tool", f"Result of {name}: {output[:500]}")
            await self._send_output(session, call_id, output)
        finally:
            resp.tools_running -= 1
            self._touch()
        if self._session is session:
            with contextlib.suppress(RealtimeDisconnected):
                await self._settle(resp)

    async def _send_output(self, session: RealtimeSession, call_id: str, output: str) -> None:
        if self._session is not session:
            return  # the call_id belongs to a session that is gone; context keeps the result
        with contextlib.suppress(RealtimeDisconnected):
            await session.function_output(call_id, output)

    async def _perform_action(self, resp: ResponseState) -> None:
        """end_call / transfer after the answer that asked for it has been heard."""
        await self._playout.wait_drained(self._cfg.goodbye_timeout_s)
        if resp.interrupted or self._handed_off or resp.action is None:
            return
        if resp.action["action"] == "end_call":
            await self._hand_off("end_call", "assistant")
        else:
            target = str(resp.action.get("to") or "")
            if target:
                await self._hand_off("transfer", target)
            else:
                self._log.warning("transfer requested without a target")

    # ------------------------------------------------------------------ barge-in

    def _assistant_busy(self) -> bool:
        active = self._state.active
        return self._playout.is_playing or (active is not None and not active.interrupted)

    async def _on_speech_started(self, audio_start_ms: int) -> None:
        self._caller_speaking = True
        self._speech_start_ms = audio_start_ms
        self._latency.on_caller_started()
        self._silence_stage = 0
        self._state.suppress_next = False
        self._touch()
        if not self._assistant_busy():
            return
        if self._cfg.min_barge_in_ms <= 0:
            await self._barge_in()
            return
        self._cancel_guard()
        loop = asyncio.get_running_loop()
        self._guard_timer = loop.call_later(
            self._cfg.min_barge_in_ms / 1000.0, self._guard_expired, self._state
        )

    def _guard_expired(self, state: SessionState) -> None:
        self._guard_timer = None
        if self._caller_speaking and state is self._state and not self._done.is_set():
            self._spawn(self._barge_in_safely(), "barge-in")

    def _cancel_guard(self) -> bool:
        timer, self._guard_timer = self._guard_timer, None
        if timer is None:
            return False
        timer.cancel()
        return True

    async def _on_speech_stopped(self, audio_end_ms: int) -> None:
        self._caller_speaking = False
        self._touch()
        if self._cancel_guard():
            start = self._speech_start_ms if self._speech_start_ms is not None else audio_end_ms
            speech_ms = audio_end_ms - start
            if speech_ms < self._cfg.min_barge_in_ms:
                self.stats.ignored_interruptions += 1
                self._latency.cancel()
                self._state.suppress_next = True
                self._emit("on_event", "interruption_ignored", {"speech_ms": speech_ms})
                return
            await self._barge_in()
        self._latency.on_caller_stopped(self._now())

    async def _barge_in_safely(self) -> None:
        with contextlib.suppress(RealtimeDisconnected, ConnectionError):
            await self._barge_in()

    async def _barge_in(self) -> None:
        """Stop the assistant: clear Telnyx, truncate what was not heard, cancel the answer.

        State changes happen before the first await so a delta handled meanwhile is
        already dropped.
        """
        st = self._state
        playing = self._playout.is_playing
        points = self._playout.truncation_points()
        self._playout.clear()
        interrupted = {st.item_response[i] for i, _ in points if i in st.item_response}
        active = st.active
        cancel = active is not None and not active.done and not active.cancel_sent
        if active is not None:
            interrupted.add(active.id)
            active.cancel_sent = True
        for rid in interrupted:
            st.track(rid, self._now()).interrupted = True
            st.cancelled.add(rid)
        st.deferred = False
        self.stats.barge_ins += 1
        self._touch()
        if playing:
            await self._telnyx.send_json(clear_frame())
        session = self._session
        if session is not None:
            for item_id, audio_end_ms in points:
                if item_id in st.item_response:
                    await session.truncate(item_id, audio_end_ms)
            if cancel:
                await session.cancel_response()
        self._emit(
            "on_event",
            "barge_in",
            {"truncated": [ms for _, ms in points], "cancelled": cancel},
        )

    # ------------------------------------------------------------------ timers

    def _touch(self) -> None:
        self._last_activity = self._now()
        self._activity.set()

    def _is_idle(self) -> bool:
        st = self._state
        return (
            self._session is not None
            and not self._caller_speaking
            and not self._playout.is_playing
            and st.active is None
            and not st.requested
            and not any(r.tools_running for r in st.responses.values())
        )

    async def _wait_idle(self) -> None:
        while True:
            self._activity.clear()
            if self._is_idle():
                return
            await self._activity.wait()

    async def _silence_watch(self) -> None:
        """Prompt once after silence_s of nothing, then say goodbye after another window."""
        silence_s = self._cfg.silence_s
        if silence_s <= 0:
            return
        await self._session_ready.wait()
        self._touch()
        while not self._handed_off:
            await self._wait_idle()
            remaining = self._last_activity + silence_s - self._now()
            if remaining > 0:
                self._activity.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await self._activity.wait()
                continue
            if self._silence_stage == 0:
                self._silence_stage = 1
                self._emit("on_event", "silence_prompt", {})
                with contextlib.suppress(RealtimeDisconnected):
                    await self._request_response(self._cfg.still_there_instructions)
                self._touch()
            elif await self._goodbye("silence", self._cfg.silence_goodbye_instructions):
                return
            else:
                self._silence_stage = 0  # the caller answered the goodbye: carry on

    async def _max_duration_watch(self) -> None:
        if self._cfg.max_call_s <= 0:
            return
        await asyncio.sleep(self._cfg.max_call_s)
        if not self._handed_off:
            await self._goodbye("max_duration", self._cfg.max_duration_instructions, force=True)

    async def _goodbye(self, reason: str, instructions: str, force: bool = False) -> bool:
        """Ask for a goodbye, wait (bounded) for it to be heard, then hang up.

        Returns False if the caller interrupted a silence goodbye (they are back).
        """
        self._goodbye_reason, self._goodbye_rid = reason, None
        self._goodbye_done.clear()
        with contextlib.suppress(TimeoutError, RealtimeDisconnected):
            async with asyncio.timeout(self._cfg.goodbye_timeout_s):
                await self._request_response(instructions)
                await self._goodbye_done.wait()
                await self._playout.wait_drained(self._cfg.goodbye_timeout_s)
        resp = self._state.responses.get(self._goodbye_rid or "")
        self._goodbye_reason = None
        if not force and resp is not None and resp.interrupted:
            return False
        await self._hand_off("end_call", reason)
        return True

    async def _renewal_watch(self) -> None:
        """Replace the Realtime session before its hard limit, at a turn boundary."""
        max_s = self._cfg.session_max_s
        if max_s <= 0:
            return
        while not self._handed_off:
            await self._session_ready.wait()
            old = self._session
            await asyncio.sleep(max(0.0, self._session_opened_at + max_s - self._now()))
            if old is None or self._session is not old:
                continue  # reconnected meanwhile: the new session has its own clock
            await self._wait_idle()
            try:
                new = await self._open_configured()
            except RealtimeDisconnected as exc:
                self._log.warning("session renewal failed, keeping the old session: %s", exc)
                await asyncio.sleep(min(30.0, max_s / 10))
                continue
            if new is None:
                return
            await self._wait_idle()
            if self._session is not old or self._handed_off:
                await self._discard(new)
                continue
            self._attach(new)
            self.stats.renewals += 1
            self._emit("on_event", "realtime_renewed", {"generation": new.generation})
            await self._discard(old)

    # ------------------------------------------------------------------ ending

    async def _fallback(self) -> None:
        """The AI is unreachable: play the apology prompt, then let the gateway take over."""
        if self._handed_off:
            return
        self.stats.fallback = True
        encoding = self._start.encoding if self._start else "PCMU"
        audio = apology_for(encoding)
        try:
            for offset in range(0, len(audio), FRAME_BYTES):
                chunk = audio[offset : offset + FRAME_BYTES]
                await self._send_audio("fallback", base64.b64encode(chunk).decode("ascii"))
            await self._flush_marks()
            await self._playout.wait_drained(len(audio) / 8000 + 2.0)
        except ConnectionError:
            pass
        await self._hand_off("fallback", "realtime_unavailable")

    async def _hand_off(self, kind: str, detail: str) -> None:
        """The call leaves the AI: run the gateway hook, mute the model, end after a grace."""
        if self._handed_off:
            return
        self._handed_off = True
        self.stats.handoff = kind
        reason = "" if kind == "transfer" else detail  # a transfer target is a phone number
        self._emit("on_event", "handoff", {"kind": kind, "reason": reason})
        try:
            if kind == "end_call":
                await self._hooks.on_end_call(detail)
            elif kind == "transfer":
                await self._hooks.on_transfer(detail)
            else:
                await self._hooks.on_fallback()
        except Exception as exc:
            self._log.warning("hand-off hook %s failed: %s", kind, type(exc).__name__)
            self._log.debug("hand-off hook failure", exc_info=True)
        self._session_ready.clear()
        self._session = None
        self._spawn(self._close_after_grace(), "grace")

    async def _close_after_grace(self) -> None:
        await self._close_sessions()
        await asyncio.sleep(self._cfg.handoff_grace_s)
        self._finish("handoff")


async def run_bridge(
    telnyx: TelnyxSocket,
    hooks: BridgeHooks,
    config: BridgeConfig,
    realtime_connect: RealtimeConnect,
) -> CallStats:
    """Bridge one Telnyx media stream to a Realtime session until the stream ends."""
    return await CallBridge(telnyx, hooks, config, realtime_connect).run()
