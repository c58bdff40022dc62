"""The voice-engine side of a call: opening, configuring, pumping and replacing sessions.

The supervisor task opens a session (configured for the call's codec, with the
conversation so far), pumps its events until it ends, reconnects once within budget (the
model is asked to pick the thread back up if the drop was mid-turn) and falls back to
staff after that. The uplink task drains queued caller audio into the current session.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from ..engines import (
    AssistantText,
    AssistantTranscript,
    AudioDelta,
    AudioDone,
    CallerTranscript,
    EngineDisconnected,
    EngineError,
    ResponseDone,
    ResponseStarted,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
    VoiceSession,
)
from ..state import SessionState
from .responses import Responses


class EngineSide(Responses):
    # ------------------------------------------------------------------ uplink

    async def _uplink(self) -> None:
        """Caller audio -> engine; waits (audio buffered, bounded) while reconnecting."""
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
                await session.send_audio(payload)
                payload = None
            except EngineDisconnected:
                self._detach(session)

    # ------------------------------------------------------------------ sessions

    async def _engine_supervisor(self) -> None:
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
            self._log.warning("voice session dropped (generation %d)", session.generation)
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
            session: VoiceSession | None = None
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
            except EngineDisconnected as exc:
                self._log.warning("voice engine connect failed: %s", exc)
                if session is not None:
                    self._detach(session)
                    await self._discard(session)
                if not self._spend_reconnect():
                    await self._fallback()
                    return False
        return False

    async def _open_configured(self) -> VoiceSession | None:
        """Dial, configure for the call's codec, replay the conversation. Not yet attached."""
        self._generation += 1
        session = await self._engine.open_session(self._generation, self._cfg.connect_timeout_s)
        self._open_sessions.add(session)
        try:
            codec = await self._codec()
            if codec is None:
                await self._discard(session)
                return None
            await session.configure(self._cfg, codec, list(self._context))
        except BaseException:
            await self._discard(session)
            raise
        return session

    async def _codec(self) -> str | None:
        """The call's G.711 codec once Telnyx said which it is; None if we cannot pass it."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._cfg.start_timeout_s):
                await self._started.wait()
        if self._start is None:
            return "PCMU"  # Telnyx default for bidirectional streams
        if not self._start.supported:
            start = self._start
            self._log.error("unsupported media format %s/%d", start.encoding, start.sample_rate)
            return None
        return self._start.encoding

    def _attach(self, session: VoiceSession) -> None:
        self._session = session
        self._state = SessionState()
        self._session_opened_at = self._now()
        self._session_ready.set()
        self._touch()

    def _detach(self, session: VoiceSession) -> None:
        if self._session is session:
            self._session = None
            self._session_ready.clear()

    async def _discard(self, session: VoiceSession) -> None:
        self._open_sessions.discard(session)
        await session.close()

    async def _close_sessions(self) -> None:
        self._session = None
        self._session_ready.clear()
        for session in list(self._open_sessions):
            self._open_sessions.discard(session)
            await session.close()

    # ------------------------------------------------------------------ events

    async def _pump(self, session: VoiceSession) -> None:
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
            except EngineDisconnected:
                return
            except ConnectionError:
                self._finish("telnyx_closed")
                return

    async def _on_event_safely(self, session: VoiceSession, ev: Any) -> None:
        """An engine event with fields of the wrong shape is skipped, not fatal."""
        try:
            await self._on_event(session, ev)
        except (AttributeError, TypeError, ValueError, KeyError):
            self._log.warning("skipping malformed engine event %s", type(ev).__name__)

    async def _on_event(self, session: VoiceSession, ev: Any) -> None:
        kind = type(ev)
        if kind is SpeechStarted:
            await self._on_speech_started(ev.audio_start_ms)
        elif kind is SpeechStopped:
            await self._on_speech_stopped(ev.audio_end_ms)
        elif kind is ResponseStarted:
            self._on_response_created(ev.response_id)
        elif kind is AudioDone:
            await self._flush_marks()
        elif kind is ResponseDone:
            await self._flush_marks()
            await self._on_response_done(ev)
        elif kind is ToolCall:
            self._on_function_call(session, ev.response_id, ev.call_id, ev.name, ev.arguments)
        elif kind is AssistantText:
            self._on_assistant_text(ev.item_id, ev.delta)
        elif kind is CallerTranscript:
            self._transcript("caller", ev.text)
        elif kind is AssistantTranscript:
            resp = self._state.responses.get(ev.response_id)
            interrupted = resp is not None and resp.interrupted
            if ev.item_id and ev.text:
                self._state.item_text[ev.item_id] = ev.text
            self._transcript("assistant", ev.text, interrupted)
        elif kind is EngineError:
            await self._on_error(session, ev)

    def _transcript(self, role: str, text: str, interrupted: bool = False) -> None:
        text = (text or "").strip()
        if not text:
            return
        self._emit("on_transcript", role, text)
        self._remember(role, f"{text} (cut off by the caller)" if interrupted else text)

    async def _on_error(self, session: VoiceSession, error: EngineError) -> None:
        code = error.code
        self._log.warning("engine error %s/%s: %s", error.type, code, error.message[:200])
        self._emit("on_event", "realtime_error", {"type": error.type, "code": code})
        st = self._state
        if st.requested and error.request_id == st.request_id:
            st.requested = False  # our request for a response was refused
            if error.response_in_progress:
                st.deferred, st.deferred_instructions = True, st.request_instructions
        elif error.ends_session:
            await session.close()  # the supervisor reconnects with context
