"""How a call ends or changes hands: silence, time limit, session renewal, fallback, hand-off.

Timers only act at a turn boundary (``_wait_idle``): nobody speaking, nothing playing, no
response or tool in flight. A hand-off (hang-up, transfer, fallback) runs the gateway's
hook, mutes the engine and ends the bridge after a grace period.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib

from ..engines import EngineDisconnected
from ..prompts import FRAME_BYTES, apology_for
from .engine_side import EngineSide


class Endings(EngineSide):
    # ------------------------------------------------------------------ idle

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

    # ------------------------------------------------------------------ timers

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
                with contextlib.suppress(EngineDisconnected):
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
        with contextlib.suppress(TimeoutError, EngineDisconnected):
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
        """Replace the engine session before its hard limit, at a turn boundary."""
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
            except EngineDisconnected as exc:
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

    # ------------------------------------------------------------------ hand-off

    async def _fallback(self) -> None:
        """The engine is unreachable: play the apology prompt, then let the gateway take over."""
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
        """The call leaves the AI: run the gateway hook, mute the engine, end after a grace."""
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
