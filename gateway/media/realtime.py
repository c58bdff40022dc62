"""One OpenAI Realtime (GA) session over the official SDK, with typed helpers.

Control events go through the SDK's typed methods and typed event parsing. The two
per-20-ms paths (caller audio up, model audio down) use the SDK's raw send/receive
instead: its TypedDict transform and pydantic parse cost ~100 us and ~50 us per event,
which is more than the whole relay budget per frame.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from openai import WebSocketConnectionClosedError
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK
from websockets.protocol import State

from .config import BridgeConfig, ToolSpec

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.resources.realtime.realtime import AsyncRealtimeConnection
    from openai.types.realtime.realtime_server_event import RealtimeServerEvent

log = logging.getLogger("vrai.media.realtime")

#: Opens one Realtime connection; tests point the real SDK at a local fake server.
RealtimeConnect = Callable[[], AbstractAsyncContextManager["AsyncRealtimeConnection"]]

AUDIO_DELTA = "response.output_audio.delta"
_APPEND_HEAD = '{"type": "input_audio_buffer.append", "audio": '


class RealtimeDisconnected(Exception):
    """The Realtime socket is gone (dropped, refused or closed by the server)."""


@dataclass(frozen=True, slots=True)
class AudioDelta:
    """``response.output_audio.delta`` without pydantic: the hot downlink path."""

    response_id: str
    item_id: str
    delta: str


class OpenAIRealtimeConnector:
    """Factory of SDK connections sharing one ``AsyncOpenAI`` client per process."""

    def __init__(self, *, api_key: str, model: str, base_url: str | None = None) -> None:
        from openai import AsyncOpenAI

        self._model = model
        self._client: AsyncOpenAI = AsyncOpenAI(api_key=api_key, base_url=base_url)

    def __call__(self) -> AbstractAsyncContextManager[AsyncRealtimeConnection]:
        return self._client.realtime.connect(model=self._model)

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> OpenAIRealtimeConnector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


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


class RealtimeSession:
    """An open SDK connection plus the helpers the bridge uses."""

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
        """Dial and return a session; raises RealtimeDisconnected on any failure."""
        manager = connect()
        try:
            async with asyncio.timeout(timeout):
                conn = await manager.__aenter__()
        except Exception as exc:  # refused, handshake error, timeout, DNS...
            raise RealtimeDisconnected(f"connect failed: {type(exc).__name__}") from exc
        return cls(manager, conn, generation)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self._manager.__aexit__(None, None, None)
        except Exception as exc:  # already broken; nothing left to release
            log.debug("realtime close: %s", type(exc).__name__)

    async def next_event(self) -> AudioDelta | RealtimeServerEvent | None:
        """Next server event; None once the server closed cleanly.

        Raises RealtimeDisconnected when the socket drops.
        """
        while True:
            try:
                raw = await self._ws.recv(decode=False)  # what the SDK's recv_bytes does
            except ConnectionClosedOK:
                return None
            except ConnectionClosed as exc:
                raise RealtimeDisconnected("socket dropped") from exc
            try:
                data = orjson.loads(raw)  # per audio delta, ~5x faster than json here
            except orjson.JSONDecodeError:
                log.warning("skipping non-JSON realtime message (%d bytes)", len(raw))
                continue
            if not isinstance(data, dict):
                continue
            if data.get("type") != AUDIO_DELTA:
                return self._conn.parse_event(raw)
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

    async def append_audio(self, payload_b64: str) -> None:
        """Forward a Telnyx payload as is (already base64 G.711); the per-20-ms path."""
        data = _APPEND_HEAD + json.dumps(payload_b64) + "}"
        if self._write_at_once(data):
            return
        try:
            await self._ws.send(data)
        except (ConnectionClosed, WebSocketConnectionClosedError) as exc:
            raise RealtimeDisconnected("send on closed socket") from exc

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
            raise RealtimeDisconnected("write failed") from exc
        return True

    async def add_item(self, item: dict[str, Any]) -> None:
        await self._guard(self._conn.conversation.item.create(item=item))  # type: ignore[arg-type]

    async def function_output(self, call_id: str, output: str) -> None:
        item = {"type": "function_call_output", "call_id": call_id, "output": output}
        await self.add_item(item)

    async def create_response(
        self, instructions: str | None = None, event_id: str | None = None
    ) -> None:
        """response.create; ``event_id`` lets an error event be matched to this request."""
        kwargs: dict[str, Any] = {}
        if event_id:
            kwargs["event_id"] = event_id
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
            raise RealtimeDisconnected("send on closed socket") from exc
