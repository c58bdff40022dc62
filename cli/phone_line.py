"""The Telnyx side of a media stream, as a simulated caller's phone line hears it.

Telnyx sends the caller's audio as 20 ms PCMU frames in real time and plays what the gateway
sends back at real time too: audio queues up, a ``mark`` is echoed when playback reaches it,
and ``clear`` drops what has not played. This does the same, so the gateway's turn-taking,
barge-in and latency are exercised as on a real call, and it records each receptionist turn
(audio between the caller's turns) so it can be transcribed and printed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import deque
from dataclasses import dataclass, field

FRAME = 160  # bytes of PCMU in 20 ms
FRAME_S = 0.02
SILENCE = b"\xff" * FRAME


@dataclass
class Heard:
    """One stretch of receptionist audio, and when its first frame arrived."""

    audio: bytearray = field(default_factory=bytearray)
    first_at: float | None = None


class PhoneLine:
    """One call's media socket: ``say`` queues caller audio; ``until_answered`` waits for the
    receptionist to finish a turn and returns its audio."""

    def __init__(self, ws, ccid: str, *, real_time_playback: bool = True) -> None:
        """``real_time_playback=False`` plays what arrives at once (a load generator that
        measures latency needs no listener's pace; marks are still echoed in order)."""
        self.ws = ws
        self.real_time = real_time_playback
        self.ccid = ccid
        self.closed = False
        self.close_code: int | None = None
        self._outgoing: deque[bytes] = deque()
        self._playback: deque[bytes | str] = deque()  # frames and marks, in order
        self._heard = Heard()
        self._last_audio_at = 0.0
        self.speech_ended_at: float | None = None  # when the caller's last frame of speech went
        self.latencies_ms: list[float] = []
        self.cleared = 0  # ``clear`` frames: the gateway cut its own audio off (a barge-in)
        self._seq = 0

    async def start(self, encoding: str = "PCMU") -> None:
        media_format = {"encoding": encoding, "sample_rate": 8000, "channels": 1}
        start = {"call_control_id": self.ccid, "media_format": media_format}
        await self.ws.send(json.dumps({"event": "connected", "version": "1.0.0"}))
        await self.ws.send(json.dumps({"event": "start", "stream_id": self.ccid, "start": start}))

    def say(self, audio: bytes) -> None:
        """Queue caller speech (mu-law); it is sent frame by frame in real time."""
        for at in range(0, len(audio), FRAME):
            self._outgoing.append(audio[at : at + FRAME].ljust(FRAME, b"\xff"))

    @property
    def speaking(self) -> bool:
        return bool(self._outgoing)

    async def dtmf(self, digit: str) -> None:
        await self.ws.send(json.dumps({"event": "dtmf", "dtmf": {"digit": digit}}))

    async def run(self) -> None:
        """Send a frame every 20 ms (speech or silence), play and receive; until closed."""
        from websockets.exceptions import ConnectionClosed

        receiver = asyncio.create_task(self._receive())
        next_at = time.monotonic()
        try:
            while not self.closed:
                frame = self._outgoing.popleft() if self._outgoing else SILENCE
                if not self._outgoing and frame is not SILENCE:
                    self.speech_ended_at = time.monotonic() + FRAME_S
                self._seq += 1
                payload = base64.b64encode(frame).decode()
                media = {"track": "inbound", "payload": payload}
                event = {"event": "media", "sequence_number": str(self._seq), "media": media}
                await self.ws.send(json.dumps(event))
                await self._play_one()
                next_at += FRAME_S
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        except ConnectionClosed:
            self.closed = True
        finally:
            receiver.cancel()
            self.close_code = self.ws.close_code

    async def _receive(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                event = frame.get("event")
                if event == "media":
                    audio = base64.b64decode(frame["media"]["payload"])
                    now = time.monotonic()
                    if self._heard.first_at is None:
                        self._heard.first_at = now
                        if self.speech_ended_at is not None:
                            self.latencies_ms.append((now - self.speech_ended_at) * 1000)
                            self.speech_ended_at = None
                    self._heard.audio += audio
                    self._last_audio_at = now
                    for at in range(0, len(audio), FRAME):
                        self._playback.append(audio[at : at + FRAME])
                elif event == "mark":
                    self._playback.append(str(frame.get("mark", {}).get("name", "")))
                elif event == "clear":
                    self.cleared += 1
                    self._playback = deque(x for x in self._playback if isinstance(x, str))
        except ConnectionClosed:
            pass
        self.closed = True

    async def _play_one(self) -> None:
        """Play 20 ms; echo the marks playback reaches (Telnyx's ``mark`` event)."""
        while self._playback and isinstance(self._playback[0], str):
            name = self._playback.popleft()
            await self.ws.send(json.dumps({"event": "mark", "mark": {"name": name}}))
        if self._playback:
            self._playback.popleft()
        while not self.real_time and self._playback:
            item = self._playback.popleft()
            if isinstance(item, str):
                await self.ws.send(json.dumps({"event": "mark", "mark": {"name": item}}))

    @property
    def playing(self) -> bool:
        return any(isinstance(x, bytes) for x in self._playback)

    async def until_answered(self, quiet_s: float = 1.2, timeout_s: float = 30.0) -> Heard:
        """The receptionist's next turn: audio that arrived and played, then ``quiet_s`` of
        nothing new. Empty when ``timeout_s`` passed, after the caller's own speech, with
        nothing said."""
        deadline = time.monotonic() + timeout_s
        while not self.closed and time.monotonic() < deadline:
            if self.speaking:  # the wait for an answer starts when the caller stops
                deadline = time.monotonic() + timeout_s
            heard = self._heard
            done_playing = not self.playing and not self.speaking
            if heard.audio and done_playing and time.monotonic() - self._last_audio_at > quiet_s:
                self._heard = Heard()
                return heard
            await asyncio.sleep(FRAME_S)
        heard, self._heard = self._heard, Heard()
        return heard

    def forget(self) -> None:
        """Start the next receptionist turn afresh (drop audio heard so far)."""
        self._heard = Heard()

    async def hang_up(self) -> None:
        if not self.closed:
            stop = {"event": "stop", "stop": {"call_control_id": self.ccid}}
            try:
                await self.ws.send(json.dumps(stop))
            except Exception:  # the gateway may have closed first
                pass
        self.closed = True
