"""The OpenAI Realtime (GA) voice engine, over the official SDK.

Control events go through the SDK's typed methods and typed event parsing, then become the
engine-neutral events of ``events.py``. The two per-20-ms paths (caller audio up, model
audio down) use the SDK's raw send/receive instead: its TypedDict transform and pydantic
parse cost ~100 us and ~50 us per event, which is more than the whole relay budget per frame.

Realtime decides turns with server VAD and answers each finished caller turn itself
(``create_response``); with a barge-in guard (``min_barge_in_ms`` > 0) it is told not to
cancel answers on speech (``interrupt_response``), since the bridge decides that.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import orjson
from openai import WebSocketConnectionClosedError
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK
from websockets.protocol import State

from ..config import BridgeConfig, ToolSpec
from .base import Context, EngineDisconnected
from .events import (
    AssistantText,
    AssistantTranscript,
    AudioDelta,
    AudioDone,
    CallerTranscript,
    EngineError,
    EngineEvent,
    ResponseDone,
    ResponseStarted,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.resources.realtime.realtime import AsyncRealtimeConnection

    from store.settings import Settings

log = logging.getLogger("vrai.media.realtime")

#: Opens one Realtime connection; tests point the real SDK at a local fake server.
RealtimeConnect = Callable[[], AbstractAsyncContextManager["AsyncRealtimeConnection"]]

#: The name this engine had before there were others; the same exception.
RealtimeDisconnected = EngineDisconnected

AUDIO_DELTA = "response.output_audio.delta"
_APPEND_HEAD = '{"type": "input_audio_buffer.append", "audio": '
_FORMATS = {"PCMU": "audio/pcmu", "PCMA": "audio/pcma"}
_CONTEXT_ROLES = {"caller": "user", "assistant": "assistant", "tool": "system"}
_QUIET = ("session.created", "session.updated", "conversation.item.truncated")


class OpenAIRealtimeEngine:
    """Opens Realtime sessions; one ``AsyncOpenAI`` client shared by the process's calls.

    Also callable as a ``RealtimeConnect`` (one SDK connection per call), its older shape.
    """

    name = "openai_realtime"

    def __init__(self, *, api_key: str, model: str, base_url: str | None = None) -> None:
        from openai import AsyncOpenAI

        self._model = model
        self._client: AsyncOpenAI | None = AsyncOpenAI(api_key=api_key, base_url=base_url)
        self._connect: RealtimeConnect = self._sdk_connect

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIRealtimeEngine:
        if not settings.openai_api_key:
            raise ValueError("the openai_realtime voice engine needs OPENAI_API_KEY")
        return cls(
            api_key=settings.openai_api_key,
            model=BridgeConfig().model,
            base_url=settings.openai_base_url,
        )

    @classmethod
    def over(cls, connect: RealtimeConnect) -> OpenAIRealtimeEngine:
        """An engine that dials with ``connect`` instead of a client of its own."""
        engine = cls.__new__(cls)
        engine._model = ""
        engine._client = None
        engine._connect = connect
        return engine

    def _sdk_connect(self) -> AbstractAsyncContextManager[AsyncRealtimeConnection]:
        assert self._client is not None
        return self._client.realtime.connect(model=self._model)

    def __call__(self) -> AbstractAsyncContextManager[AsyncRealtimeConnection]:
        return self._connect()

    async def open_session(self, generation: int, timeout: float) -> RealtimeSession:
        return await RealtimeSession.open(self._connect, generation, timeout)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def __aenter__(self) -> OpenAIRealtimeEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


#: Its name before the VoiceEngine interface; the same class.
OpenAIRealtimeConnector = OpenAIRealtimeEngine


def realtime_format(codec: str) -> str:
    """Realtime ``audio.*.format.type`` of a G.711 codec (no transcoding either way)."""
    return _FORMATS.get(codec, "audio/pcmu")


def function_tool(tool: ToolSpec | Mapping[str, Any]) -> dict[str, Any]:
    """GA tools are flat: ``{type, name, description, parameters}``."""
    if isinstance(tool, ToolSpec):
        return {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": dict(tool.parameters),
        }
    flat = dict(tool)
    flat.setdefault("type", "function")
    return flat


def session_config(config: BridgeConfig, audio_format: str) -> dict[str, Any]:
    """The GA ``session.update`` payload; the same codec both ways, no transcoding."""
    return {
        "type": "realtime",
        "model": config.model,
        "output_modalities": ["audio"],
        "instructions": config.instructions,
        "audio": {
            "input": {
                "format": {"type": audio_format},
                "transcription": {"model": config.transcription_model},
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": config.vad_threshold,
                    "prefix_padding_ms": config.vad_prefix_padding_ms,
                    "silence_duration_ms": config.vad_silence_duration_ms,
                    "create_response": True,
                    # With a barge-in guard the bridge decides when to cancel; otherwise
                    # the server would cut the answer off on every cough.
                    "interrupt_response": config.min_barge_in_ms <= 0,
                },
            },
            "output": {"format": {"type": audio_format}, "voice": config.voice},
        },
        "tools": [function_tool(tool) for tool in config.tools],
        "tool_choice": "auto",
    }


def message_item(role: str, text: str) -> dict[str, Any]:
    """A text conversation item, used to replay context into a fresh session."""
    content_type = {"assistant": "output_text"}.get(role, "input_text")
    return {"type": "message", "role": role, "content": [{"type": content_type, "text": text}]}


def engine_event(ev: Any) -> EngineEvent | None:
    """The neutral event for a parsed SDK event; None for those the bridge does not need.

    The SDK builds events unchecked: a malformed one raises AttributeError/TypeError here.
    """
    kind = ev.type
    if kind == "input_audio_buffer.speech_started":
        return SpeechStarted(ev.audio_start_ms)
    if kind == "input_audio_buffer.speech_stopped":
        return SpeechStopped(ev.audio_end_ms)
    if kind == "response.created":
        return ResponseStarted(ev.response.id or "")
    if kind == "response.output_audio.done":
        return AudioDone(getattr(ev, "response_id", ""), getattr(ev, "item_id", ""))
    if kind == "response.done":
        response = ev.response
        rid = response.id or ""
        calls = tuple(
            ToolCall(rid, item.call_id, item.name, item.arguments)
            for item in response.output or []
            if getattr(item, "type", None) == "function_call"
        )
        return ResponseDone(rid, response.status == "cancelled", calls)
    if kind == "response.function_call_arguments.done":
        return ToolCall(ev.response_id, ev.call_id, ev.name, ev.arguments)
    if kind == "conversation.item.input_audio_transcription.completed":
        return CallerTranscript(ev.transcript)
    if kind == "response.output_audio_transcript.delta":
        return AssistantText(ev.response_id, ev.item_id, ev.delta or "")
    if kind == "response.output_audio_transcript.done":
        return AssistantTranscript(ev.response_id, getattr(ev, "item_id", ""), ev.transcript)
    if kind == "error":
        error = ev.error
        code = getattr(error, "code", None) or ""
        return EngineError(
            type=error.type,
            code=code,
            message=error.message or "",
            request_id=getattr(error, "event_id", None),
            response_in_progress=code == "conversation_already_has_active_response",
            ends_session=code == "session_expired",
        )
    if kind in _QUIET:
        log.debug("realtime %s", kind)
    return None


class RealtimeSession:
    """An open SDK connection: the ``VoiceSession`` of this engine."""

    def __init__(
        self,
        manager: AbstractAsyncContextManager[AsyncRealtimeConnection],
        conn: AsyncRealtimeConnection,
        generation: int,
    ) -> None:
        self._manager = manager
        self._conn = conn
        # The websockets connection under the SDK's. The per-20-ms append goes straight to it:
        # the SDK's send path adds a send-queue check that asks anyio for the current task on
        # every call, a tenth of the bridge's CPU per frame. Reconnecting is the bridge's job
        # (with context carried over), so that queue has nothing to hold for us.
        self._ws = conn._connection
        self.generation = generation
        self.closed = False

    @classmethod
    async def open(
        cls, connect: RealtimeConnect, generation: int, timeout: float
    ) -> RealtimeSession:
        """Dial and return a session; raises EngineDisconnected on any failure."""
        manager = connect()
        try:
            async with asyncio.timeout(timeout):
                conn = await manager.__aenter__()
        except Exception as exc:  # refused, handshake error, timeout, DNS...
            raise EngineDisconnected(f"connect failed: {type(exc).__name__}") from exc
        return cls(manager, conn, generation)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self._manager.__aexit__(None, None, None)
        except Exception as exc:  # already broken; nothing left to release
            log.debug("realtime close: %s", type(exc).__name__)

    async def configure(self, config: BridgeConfig, codec: str, context: Context) -> None:
        """``session.update``, then the conversation so far as text items."""
        await self.update_session(session_config(config, realtime_format(codec)))
        for role, text in context:
            await self.add_item(message_item(_CONTEXT_ROLES[role], text))

    async def next_event(self) -> EngineEvent | None:
        """Next event the bridge needs; None once the server closed cleanly.

        Raises EngineDisconnected when the socket drops.
        """
        while True:
            try:
                raw = await self._ws.recv(decode=False)  # what the SDK's recv_bytes does
            except ConnectionClosedOK:
                return None
            except ConnectionClosed as exc:
                raise EngineDisconnected("socket dropped") from exc
            try:
                data = orjson.loads(raw)  # per audio delta, ~5x faster than json here
            except orjson.JSONDecodeError:
                log.warning("skipping non-JSON realtime message (%d bytes)", len(raw))
                continue
            if not isinstance(data, dict):
                continue
            if data.get("type") != AUDIO_DELTA:
                try:
                    event = engine_event(self._conn.parse_event(raw))
                except (AttributeError, TypeError, ValueError, KeyError):
                    log.warning("skipping malformed realtime event %s", data.get("type"))
                    continue
                if event is not None:
                    return event
                continue
            delta = data.get("delta")
            if isinstance(delta, str) and delta:
                return AudioDelta(str(data.get("response_id")), str(data.get("item_id")), delta)

    async def update_session(self, session: dict[str, Any]) -> None:
        await self._guard(self._conn.session.update(session=session))  # type: ignore[arg-type]

    def can_send_at_once(self) -> bool:
        """True when a send will not wait: nothing is left in the socket's write buffer, so
        the send cannot push it past the high-water mark (websockets only waits then)."""
        transport = self._ws.transport
        return transport is not None and transport.get_write_buffer_size() == 0

    async def send_audio(self, payload_b64: str) -> None:
        """Forward a Telnyx payload as is (already base64 G.711); the per-20-ms path."""
        data = _APPEND_HEAD + json.dumps(payload_b64) + "}"
        if self._write_at_once(data):
            return
        try:
            await self._ws.send(data)
        except (ConnectionClosed, WebSocketConnectionClosedError) as exc:
            raise EngineDisconnected("send on closed socket") from exc

    def _write_at_once(self, data: str) -> bool:
        """Frame and write ``data`` without websockets' async send context, when that context
        would do nothing but write: the connection is open, no fragmented message is being
        sent and the write buffer is empty (so no drain can be due). The context manager and
        its drain were a tenth of the bridge's CPU per 20 ms frame. Returns False, having
        sent nothing, when the regular ``send`` must handle it (closing, back-pressure).
        """
        ws = self._ws
        transport = ws.transport
        if (
            ws.protocol.state is not State.OPEN
            or ws.fragmented_send_waiter is not None
            or transport is None
            or transport.get_write_buffer_size()
        ):
            return False
        ws.protocol.send_text(data.encode())
        try:
            ws.send_data()
        except OSError as exc:  # the socket is gone; the frame with it
            raise EngineDisconnected("write failed") from exc
        return True

    async def add_item(self, item: dict[str, Any]) -> None:
        await self._guard(self._conn.conversation.item.create(item=item))  # type: ignore[arg-type]

    async def send_tool_result(self, call_id: str, output: str) -> None:
        item = {"type": "function_call_output", "call_id": call_id, "output": output}
        await self.add_item(item)

    async def request_response(
        self, instructions: str | None = None, request_id: str | None = None
    ) -> None:
        """response.create; ``request_id`` (its event_id) matches an error event to it."""
        kwargs: dict[str, Any] = {}
        if request_id:
            kwargs["event_id"] = request_id
        if instructions:
            kwargs["response"] = {"instructions": instructions}
        await self._guard(self._conn.response.create(**kwargs))

    async def cancel_response(self) -> None:
        await self._guard(self._conn.response.cancel())

    async def truncate(self, item_id: str, audio_end_ms: int) -> None:
        await self._guard(
            self._conn.conversation.item.truncate(
                item_id=item_id, content_index=0, audio_end_ms=audio_end_ms
            )
        )

    async def _guard(self, send: Awaitable[None]) -> None:
        try:
            await send
        except (ConnectionClosed, WebSocketConnectionClosedError) as exc:
            raise EngineDisconnected("send on closed socket") from exc
