"""One call's bridge: Telnyx media stream <-> a voice engine, G.711 end to end.

One ``asyncio.TaskGroup`` per call runs: the Telnyx reader, the caller-audio uplink (a
bounded queue that drops the oldest audio when the engine side is slow), the engine
supervisor (pumps events, reconnects once, falls back), a hook notifier (so slow hooks
never stall audio), and the silence / max-duration / session-renewal timers.

The parts, one job each, stacked as layers of this one object (``base.py`` says why):

* ``telnyx_side.py``: media-stream frames in and out, caller audio fast path, marks
* ``turns.py``: assistant audio gating, barge-in, the false-interruption guard
* ``responses.py``: requesting responses, tool calls, deferred end_call / transfer
* ``engine_side.py``: opening, configuring, pumping and replacing engine sessions
* ``endings.py``: silence prompt, max duration, session renewal, fallback, hand-off
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from ..config import BridgeConfig
from ..engines import RealtimeConnect, VoiceEngine, as_voice_engine
from ..hooks import BridgeHooks
from ..state import CallStats
from ..transport import TelnyxSocket
from .endings import Endings


class CallBridge(Endings):
    """One call. Create, then ``await run()``; it returns when the call's stream ends."""

    def __init__(
        self,
        telnyx: TelnyxSocket,
        hooks: BridgeHooks,
        config: BridgeConfig,
        engine: VoiceEngine | RealtimeConnect,
    ) -> None:
        super().__init__(telnyx, hooks, config, as_voice_engine(engine))

    async def run(self) -> CallStats:
        loop = asyncio.get_running_loop()
        self._now = loop.time
        self._last_activity = self._now()
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                self._spawn(self._telnyx_reader(), "telnyx-reader")
                self._spawn(self._uplink(), "uplink")
                self._spawn(self._engine_supervisor(), "engine")
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


async def run_bridge(
    telnyx: TelnyxSocket,
    hooks: BridgeHooks,
    config: BridgeConfig,
    engine: VoiceEngine | RealtimeConnect,
) -> CallStats:
    """Bridge one Telnyx media stream to a voice-engine session until the stream ends.

    ``engine`` is a ``VoiceEngine`` (``make_voice_engine``), or a bare ``RealtimeConnect``.
    """
    return await CallBridge(telnyx, hooks, config, engine).run()
