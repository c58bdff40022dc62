"""Turn-taking: assistant audio gated by interruptions, barge-in and its false-interruption guard.

A barge-in clears Telnyx's queued audio, truncates each assistant item at what the caller
heard (mark-confirmed playout, never past what was sent), cancels the response in progress
and drops its late audio. With ``min_barge_in_ms`` > 0 speech must last that long before
it interrupts: a cough or "mm-hm" is ignored, and the reply the engine makes to it is
cancelled quietly (``Responses._on_response_created``).
"""

from __future__ import annotations

import asyncio
import contextlib

from ..engines import AudioDelta, EngineDisconnected
from ..state import SessionState
from ..telnyx_frames import BYTES_PER_MS, clear_frame
from .telnyx_side import TelnyxSide


def heard_prefix(text: str, heard_ms: int, sent_ms: int) -> str:
    """The part of ``text`` spoken in the first ``heard_ms`` of ``sent_ms`` of its audio.

    An estimate: the text is cut in proportion to the audio, back to a word boundary (the
    engines give no word timings). All of it when everything sent was heard.
    """
    text = text.strip()
    if heard_ms <= 0 or not text:
        return ""
    if heard_ms >= sent_ms:
        return text
    cut = len(text) * heard_ms // sent_ms
    if not text[cut].isspace():
        cut = max(text.rfind(" ", 0, cut), 0)
    return text[:cut].rstrip()


class TurnTaking(TelnyxSide):
    # ------------------------------------------------------------------ assistant audio

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

    def _on_assistant_text(self, item_id: str, delta: str) -> None:
        texts = self._state.item_text
        texts[item_id] = texts.get(item_id, "") + delta

    def _assistant_busy(self) -> bool:
        active = self._state.active
        return self._playout.is_playing or (active is not None and not active.interrupted)

    # ------------------------------------------------------------------ caller speech

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

    # ------------------------------------------------------------------ barge-in

    async def _barge_in_safely(self) -> None:
        with contextlib.suppress(EngineDisconnected, ConnectionError):
            await self._barge_in()

    async def _barge_in(self) -> None:
        """Stop the assistant: clear Telnyx, truncate what was not heard, cancel the answer.

        State changes happen before the first await so a delta handled meanwhile is
        already dropped. ``on_barge_in`` is told when this cut something off (audio was
        playing, or a response was in progress), with what the caller heard of it.
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
        if playing or cancel:
            self._emit("on_barge_in", self._heard_text(points))
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

    def _heard_text(self, points: list[tuple[str, int]]) -> str | None:
        """What the caller heard of the items cut at ``points``; None if no text is known."""
        texts = self._state.item_text
        parts = [
            heard_prefix(texts[item_id], end_ms, self._playout.sent_bytes(item_id) // BYTES_PER_MS)
            for item_id, end_ms in points
            if item_id in texts
        ]
        if not parts:
            return None
        return " ".join(part for part in parts if part)
