"""Test harness for the media bridge: a real aiohttp host, recording hooks, one-call setup.

Everything talks over real sockets on 127.0.0.1: fake Telnyx client -> aiohttp route ->
``run_bridge`` -> the OpenAI Realtime voice engine (real ``openai`` SDK) -> fake Realtime server.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from gateway.media import (
    AiohttpTelnyxSocket,
    BaseBridgeHooks,
    BridgeConfig,
    CallStats,
    OpenAIRealtimeEngine,
    ToolSpec,
    VoiceEngine,
    run_bridge,
)

from .realtime_server import FakeRealtimeServer
from .telnyx_media_client import FakeTelnyxClient

T = TypeVar("T")

BOOKING_TOOLS = (
    ToolSpec(
        "find_slots",
        "Find free appointment slots",
        {"type": "object", "properties": {"day": {"type": "string"}}, "required": ["day"]},
    ),
    ToolSpec(
        "book_appointment",
        "Book a slot for the caller",
        {
            "type": "object",
            "properties": {"slot": {"type": "string"}, "name": {"type": "string"}},
            "required": ["slot", "name"],
        },
    ),
    ToolSpec("end_conversation", "End the call after saying goodbye"),
    ToolSpec(
        "transfer_call",
        "Transfer the caller to staff",
        {"type": "object", "properties": {"reason": {"type": "string"}}},
    ),
)


def make_config(**overrides: object) -> BridgeConfig:
    """Fast, quiet defaults: no greeting, timers off unless a test turns them on."""
    base: dict[str, object] = {
        "instructions": "You are the receptionist of Maple Clinic.",
        "tools": BOOKING_TOOLS,
        "greet_first": False,
        "min_barge_in_ms": 0,
        "silence_s": 0.0,
        "max_call_s": 0.0,
        "session_max_s": 0.0,
        "goodbye_timeout_s": 2.0,
        "handoff_grace_s": 0.2,
        "connect_timeout_s": 2.0,
        "start_timeout_s": 2.0,
        "mark_interval_ms": 100,  # the tests' playout arithmetic is in 100 ms marks
    }
    base.update(overrides)
    return BridgeConfig(**base)  # type: ignore[arg-type]


def run(coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
    """Run one test scenario in a fresh event loop with a hard guard timeout."""

    async def guarded() -> T:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(guarded())


class RecordingHooks(BaseBridgeHooks):
    """Records every hook call; tool results come from ``tools`` (value, exception or fn)."""

    def __init__(self, tools: dict[str, Any] | None = None) -> None:
        self.tools = dict(tools or {})
        self.tool_calls: list[tuple[str, dict[str, Any], str]] = []
        self.transcripts: list[tuple[str, str]] = []
        self.latencies: list[float] = []
        self.barge_ins: list[str | None] = []  # heard_text of each on_barge_in
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.dtmf: list[str] = []
        self.end_calls: list[str] = []
        self.transfers: list[str] = []
        self.fallbacks = 0
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait(self, predicate: Callable[[RecordingHooks], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self):
                await self._changed.wait()

    def event_names(self) -> list[str]:
        return [name for name, _ in self.events]

    @property
    def call_control_id(self) -> str | None:
        for name, data in self.events:
            if name == "stream_started":
                return str(data["call_control_id"])
        return None

    async def on_tool_call(self, name: str, arguments: dict[str, Any], call_id: str) -> Any:
        self.tool_calls.append((name, arguments, call_id))
        self._notify()
        result = self.tools.get(name, {"ok": True})
        if isinstance(result, BaseException):
            raise result
        if callable(result):
            result = result(arguments)
            if inspect.isawaitable(result):
                result = await result
        return result

    async def on_transcript(self, role: str, text: str) -> None:
        self.transcripts.append((role, text))
        self._notify()

    async def on_barge_in(self, heard_text: str | None) -> None:
        self.barge_ins.append(heard_text)
        self._notify()

    async def on_turn_latency(self, latency_ms: float) -> None:
        self.latencies.append(latency_ms)
        self._notify()

    async def on_end_call(self, reason: str) -> None:
        self.end_calls.append(reason)
        self._notify()

    async def on_transfer(self, to: str) -> None:
        self.transfers.append(to)
        self._notify()

    async def on_fallback(self) -> None:
        self.fallbacks += 1
        self._notify()

    async def on_dtmf(self, digit: str) -> None:
        self.dtmf.append(digit)
        self._notify()

    async def on_event(self, name: str, data: dict[str, Any]) -> None:
        self.events.append((name, data))
        self._notify()


class BridgeHost:
    """A minimal aiohttp app with the ``/media/telnyx`` route running the bridge."""

    def __init__(
        self,
        config: BridgeConfig,
        engine: VoiceEngine,
        hooks_factory: Callable[[], RecordingHooks] = RecordingHooks,
    ) -> None:
        self.config = config
        self._engine = engine
        self._hooks_factory = hooks_factory
        self.hooks: list[RecordingHooks] = []
        self.stats: list[CallStats] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, compress=False)
        await ws.prepare(request)
        hooks = self._hooks_factory()
        self.hooks.append(hooks)
        self._notify()
        try:
            stats = await run_bridge(AiohttpTelnyxSocket(ws), hooks, self.config, self._engine)
            self.stats.append(stats)
        finally:
            await ws.close()
            self._notify()
        return ws

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_finished(self, calls: int = 1, timeout: float = 5.0) -> list[CallStats]:
        async with asyncio.timeout(timeout):
            while len(self.stats) < calls:
                await self._changed.wait()
        return self.stats

    async def wait_hooks(self, calls: int = 1, timeout: float = 5.0) -> list[RecordingHooks]:
        async with asyncio.timeout(timeout):
            while len(self.hooks) < calls:
                await self._changed.wait()
        return self.hooks

    async def __aenter__(self) -> BridgeHost:
        app = web.Application()
        app.router.add_get("/media/telnyx", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"ws://127.0.0.1:{port}/media/telnyx"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@dataclass
class MediaEnv:
    rt: FakeRealtimeServer
    host: BridgeHost
    engine: OpenAIRealtimeEngine

    def caller(self, **kwargs: Any) -> FakeTelnyxClient:
        return FakeTelnyxClient(self.host.url, **kwargs)


@asynccontextmanager
async def media_env(
    config: BridgeConfig,
    hooks_factory: Callable[[], RecordingHooks] = RecordingHooks,
) -> AsyncIterator[MediaEnv]:
    """Fake Realtime server + Realtime engine (real SDK) + bridge host, torn down in order."""
    async with (
        FakeRealtimeServer() as rt,
        OpenAIRealtimeEngine(
            api_key="test-key", model=config.model, base_url=rt.base_url
        ) as engine,
        BridgeHost(config, engine, hooks_factory) as host,
    ):
        yield MediaEnv(rt, host, engine)
