"""A fake Telnyx media-stream client: dials our media WebSocket like Telnyx does.

Sends ``connected``/``start``/``media``/``dtmf``/``stop`` frames in Telnyx's JSON shape
and records what the bridge plays back. Marks are echoed automatically (instant playout)
unless ``auto_marks=False``, in which case the test decides what has "played" with
``echo_marks``. A ``clear`` drops the pending marks, as Telnyx drops the queued audio.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Frame = dict[str, Any]
_streams = itertools.count(1)


class FakeTelnyxClient:
    def __init__(
        self,
        url: str,
        *,
        auto_marks: bool = True,
        encoding: str = "PCMU",
        call_control_id: str | None = None,
    ) -> None:
        n = next(_streams)
        self.url = url
        self.auto_marks = auto_marks
        self.encoding = encoding
        self.stream_id = f"stream-{n:04d}"
        self.call_control_id = call_control_id or f"v3:call-{n:04d}"
        self.received: list[Frame] = []
        self.media_out = bytearray()
        self.pending_marks: list[str] = []
        self.closed = asyncio.Event()
        self._seq = 0
        self._chunk = 0
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def __aenter__(self) -> FakeTelnyxClient:
        self._ws = await connect(self.url, max_size=None, compression=None)
        self._reader = asyncio.create_task(self._read(), name="fake-telnyx-reader")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
        if self._reader is not None:
            await self._reader

    # -- sending like Telnyx

    def _next_seq(self) -> str:
        self._seq += 1
        return str(self._seq)

    async def send(self, frame: Frame) -> None:
        assert self._ws is not None
        await self._ws.send(json.dumps(frame))

    async def start(self, client_state: str = "") -> None:
        """``connected`` then ``start``, as Telnyx opens every stream."""
        await self.send({"event": "connected", "version": "1.0.0"})
        await self.send(
            {
                "event": "start",
                "sequence_number": self._next_seq(),
                "stream_id": self.stream_id,
                "start": {
                    "user_id": "user-1",
                    "call_control_id": self.call_control_id,
                    "client_state": base64.b64encode(client_state.encode()).decode(),
                    "from": "+15550000001",
                    "to": "+15550000002",
                    "media_format": {"encoding": self.encoding, "sample_rate": 8000, "channels": 1},
                },
            }
        )

    def media(self, audio: bytes, seq: int | None = None) -> Frame:
        """A caller ``media`` frame (not yet sent)."""
        self._chunk += 1
        return {
            "event": "media",
            "sequence_number": str(seq) if seq is not None else self._next_seq(),
            "stream_id": self.stream_id,
            "media": {
                "track": "inbound",
                "chunk": str(self._chunk),
                "timestamp": str(self._chunk * 20),
                "payload": base64.b64encode(audio).decode("ascii"),
            },
        }

    async def send_audio(self, audio: bytes, frame_bytes: int = 160) -> None:
        for offset in range(0, len(audio), frame_bytes):
            await self.send(self.media(audio[offset : offset + frame_bytes]))

    async def dtmf(self, digit: str) -> None:
        await self.send(
            {
                "event": "dtmf",
                "sequence_number": self._next_seq(),
                "stream_id": self.stream_id,
                "dtmf": {"digit": digit},
            }
        )

    async def stop(self) -> None:
        await self.send(
            {
                "event": "stop",
                "sequence_number": self._next_seq(),
                "stream_id": self.stream_id,
                "stop": {"call_control_id": self.call_control_id},
            }
        )

    async def echo_marks(self, count: int | None = None) -> list[str]:
        """Report the oldest ``count`` pending marks (default all) as played."""
        count = len(self.pending_marks) if count is None else count
        names, self.pending_marks = self.pending_marks[:count], self.pending_marks[count:]
        for name in names:
            await self._echo(name)
        return names

    async def _echo(self, name: str) -> None:
        await self.send(
            {
                "event": "mark",
                "sequence_number": self._next_seq(),
                "stream_id": self.stream_id,
                "mark": {"name": name},
            }
        )

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    # -- observing what the bridge sent

    def of_event(self, event: str) -> list[Frame]:
        return [frame for frame in self.received if frame.get("event") == event]

    async def wait_for(
        self,
        event: str,
        where: Callable[[Frame], bool] | None = None,
        nth: int = 1,
        timeout: float = 5.0,
    ) -> Frame:
        async with asyncio.timeout(timeout):
            while True:
                matches = [f for f in self.of_event(event) if where is None or where(f)]
                if len(matches) >= nth:
                    return matches[nth - 1]
                await self._changed.wait()

    async def wait_media_bytes(self, nbytes: int, timeout: float = 5.0) -> bytes:
        async with asyncio.timeout(timeout):
            while len(self.media_out) < nbytes:
                await self._changed.wait()
        return bytes(self.media_out)

    async def wait_closed(self, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            await self.closed.wait()

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for message in self._ws:
                frame = json.loads(message)
                self.received.append(frame)
                event = frame.get("event")
                if event == "media":
                    self.media_out += base64.b64decode(frame["media"]["payload"])
                elif event == "mark":
                    name = frame["mark"]["name"]
                    if self.auto_marks:
                        await self._echo(name)
                    else:
                        self.pending_marks.append(name)
                elif event == "clear":
                    self.pending_marks.clear()
                self._notify()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            self._notify()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
