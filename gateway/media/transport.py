"""The Telnyx side of a bridge: JSON frames in and out over whatever WebSocket hosts it.

The bridge only needs ``send_json`` (``send_text`` for audio) and ``receive``; these adapters
fit aiohttp's server WebSocket (what the gateway route uses) and the ``websockets`` library.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from aiohttp import WSMsgType

if TYPE_CHECKING:
    from aiohttp import web
    from websockets.asyncio.connection import Connection

log = logging.getLogger("vrai.media.transport")


class TelnyxSocket(Protocol):
    async def send_json(self, frame: dict[str, Any]) -> None:
        """Send one frame; raise ConnectionError once the socket is gone."""
        ...

    async def send_text(self, text: str) -> None:
        """Send one frame already serialised (the per-chunk audio path)."""
        ...

    async def receive(self) -> dict[str, Any] | None:
        """Next frame as a dict, or None when the socket closed."""
        ...


def _decode(data: str | bytes) -> dict[str, Any] | None:
    try:
        frame = orjson.loads(data)  # per frame, ~4x faster than json here
    except orjson.JSONDecodeError:
        log.warning("dropping non-JSON frame (%d bytes)", len(data))
        return None
    return frame if isinstance(frame, dict) else None


class AiohttpTelnyxSocket:
    """Adapter for ``aiohttp.web.WebSocketResponse`` (already prepared).

    Create the response with ``compress=False``: base64 audio barely deflates and
    per-frame compression would cost more CPU than the whole bridge.
    """

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws

    async def send_json(self, frame: dict[str, Any]) -> None:
        await self.send_text(json.dumps(frame))

    async def send_text(self, text: str) -> None:
        if self._ws.closed:
            raise ConnectionResetError("telnyx socket closed")
        await self._ws.send_str(text)

    async def receive(self) -> dict[str, Any] | None:
        while True:
            msg = await self._ws.receive()
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                frame = _decode(msg.data)
                if frame is not None:
                    return frame
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return None
            elif msg.type == WSMsgType.ERROR:
                log.info("telnyx socket error: %s", type(self._ws.exception()).__name__)
                return None


class WebsocketsTelnyxSocket:
    """Adapter for a ``websockets`` asyncio connection (server or client side)."""

    def __init__(self, ws: Connection) -> None:
        self._ws = ws

    async def send_json(self, frame: dict[str, Any]) -> None:
        await self.send_text(json.dumps(frame))

    async def send_text(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(text)
        except ConnectionClosed as exc:
            raise ConnectionResetError("telnyx socket closed") from exc

    async def receive(self) -> dict[str, Any] | None:
        from websockets.exceptions import ConnectionClosed

        while True:
            try:
                data = await self._ws.recv()
            except ConnectionClosed:
                return None
            frame = _decode(data)
            if frame is not None:
                return frame
