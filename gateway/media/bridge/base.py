"""The state one call's bridge shares across its parts, and the plumbing they all use.

``CallBridge`` (``call.py``) is this base with one layer per job stacked on it, each a
subclass of the one below: the Telnyx side, turn-taking, responses and tools, the
voice-engine session, endings. They are layers of one object, not objects calling each
other, so the per-20-ms paths cost no extra attribute hop or call: the split is of the
source, not of the hot path. A layer calls down freely; the few calls up are declared here.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from ..config import BridgeConfig
from ..engines import VoiceEngine, VoiceSession
from ..hooks import BridgeHooks
from ..latency import LatencyObserver
from ..playout import PlayoutTracker
from ..state import CallStats, SessionState
from ..telnyx_frames import StartInfo
from ..transport import TelnyxSocket

log = logging.getLogger("vrai.media.bridge")
_bridge_ids = itertools.count(1)

TASK_PREFIX = "vrai-bridge:"


class _CallLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Prefixes every line with the call's tag (stream id once known; never a number)."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['call'] if self.extra else '?'}] {msg}", kwargs


class BridgeBase:
    """Per-call state, task spawning, and ordered non-blocking hook notifications."""

    _now: Callable[[], float]

    def __init__(
        self,
        telnyx: TelnyxSocket,
        hooks: BridgeHooks,
        config: BridgeConfig,
        engine: VoiceEngine,
    ) -> None:
        self._telnyx = telnyx
        self._hooks = hooks
        self._cfg = config
        self._engine = engine
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
        # Voice-engine session
        self._session: VoiceSession | None = None
        self._session_ready = asyncio.Event()
        self._open_sessions: set[VoiceSession] = set()
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

    if TYPE_CHECKING:  # defined by the parts stacked above this one (see ``call.py``)

        async def _hand_off(self, kind: str, detail: str) -> None: ...
        async def _fallback(self) -> None: ...
        def _detach(self, session: VoiceSession) -> None: ...

    # ------------------------------------------------------------------ tasks

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

    def _touch(self) -> None:
        """Something happened: the silence timer restarts, idle waiters look again."""
        self._last_activity = self._now()
        self._activity.set()

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
                result = await getattr(self._hooks, hook)(*args)
                if hook == "on_transcript" and isinstance(result, str) and result:
                    self._spawn(self._steer(result), "steer")
            except Exception as exc:  # message may carry caller data: type only above debug
                self._log.warning("hook %s failed: %s", hook, type(exc).__name__)
                self._log.debug("hook %s failure", hook, exc_info=True)

    async def _steer(self, instructions: str) -> None:
        """The gateway wants this said now (a caller's line failed the safety screen): stop
        the answer in progress and ask for one with ``instructions``."""
        await self._barge_in_safely()  # type: ignore[attr-defined]
        await self._request_response(instructions)  # type: ignore[attr-defined]

    def _remember(self, role: str, text: str) -> None:
        """A line of the conversation, replayed into a fresh session after a drop/renewal."""
        if text:
            self._context.append((role, text))
