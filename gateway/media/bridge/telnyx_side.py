"""The Telnyx side of a call: media-stream frames in, caller audio up, assistant audio out.

Reading the caller never waits on the engine: caller audio goes straight to the session
when it can take it at once, else into a bounded queue (oldest dropped) that the uplink
task (``engine_side.py``) drains. Assistant audio goes out as ``media`` frames, each few
followed by a ``mark`` whose echo tells ``PlayoutTracker`` what the caller has heard.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..engines import EngineDisconnected
from ..telnyx_frames import (
    dtmf_digit,
    inbound_payload,
    mark_name,
    mark_text,
    media_text,
    parse_start,
    sequence_number,
)
from .base import BridgeBase


def _b64_len(data: str) -> int:
    """Decoded size of a base64 string without decoding it."""
    pad = 2 if data.endswith("==") else 1 if data.endswith("=") else 0
    return len(data) * 3 // 4 - pad


class TelnyxSide(BridgeBase):
    async def _telnyx_reader(self) -> None:
        while True:
            try:
                frame = await self._telnyx.receive()
            except ConnectionError:
                frame = None
            if frame is None:
                self._finish("telnyx_closed")
                return
            event = frame.get("event")
            if event == "media":
                payload = self._on_media(frame)
                if payload is not None:
                    await self._up(payload)
            elif event == "mark":
                self._on_mark(frame)
            elif event == "start":
                self._on_start(frame)
            elif event == "dtmf":
                digit = dtmf_digit(frame)
                if digit is not None:
                    self._silence_stage = 0
                    self._touch()
                    self._emit("on_dtmf", digit)
                    await self._on_digit(digit)
            elif event == "stop":
                self._finish("telnyx_stop")
                return
            elif event == "error":
                self._on_stream_error(frame)

    async def _on_digit(self, digit: str) -> None:
        """The front-desk digit transfers at once; any other digit is the caller's answer:
        an engine that takes digits (``send_dtmf``) hears it, another is told in words."""
        cfg = self._cfg
        if digit == cfg.front_desk_digit and cfg.front_desk_phone and not self._handed_off:
            await self._barge_in_safely()
            await self._hand_off("transfer", cfg.front_desk_phone)
            return
        session = self._session
        if session is None:
            return
        send_dtmf = getattr(session, "send_dtmf", None)
        with contextlib.suppress(EngineDisconnected):
            if send_dtmf is not None:
                await send_dtmf(digit)
            else:
                await self._request_response(
                    f"The caller pressed {digit} on the keypad. If you just offered numbered "
                    "choices or a yes/no question, take it as their answer (1 is the first "
                    "choice or yes, 2 the second or no); otherwise ask what they meant."
                )

    def _on_start(self, frame: dict[str, Any]) -> None:
        self._start = start = parse_start(frame)
        self._started.set()
        if start.stream_id:
            self._log.extra = {"call": start.stream_id[:36]}
        self._emit(
            "on_event",
            "stream_started",
            {
                "stream_id": start.stream_id,
                "call_control_id": start.call_control_id,
                "encoding": start.encoding,
            },
        )

    def _on_stream_error(self, frame: dict[str, Any]) -> None:
        payload = frame.get("payload")
        info = payload if isinstance(payload, dict) else {}
        error = {"code": info.get("code"), "title": str(info.get("title", ""))[:100]}
        self._log.warning("telnyx stream error %s: %s", error["code"], error["title"])
        self._emit("on_event", "telnyx_error", error)

    def _on_media(self, frame: dict[str, Any]) -> str | None:
        """The caller audio to send up, or None (no payload, late, or handed off)."""
        payload = inbound_payload(frame)
        if payload is None:
            return None
        seq = sequence_number(frame)
        if seq is not None:
            if seq <= self._last_seq:
                self.stats.frames_late += 1
                return None
            self._last_seq = seq
        self.stats.frames_in += 1
        return None if self._handed_off else payload

    async def _up(self, payload: str) -> None:
        """Caller audio towards the voice-engine session.

        The fast path sends from here when nothing is waiting and the send cannot wait (the
        hand-over to the uplink task cost a task switch per frame, a tenth of the bridge's
        CPU). Otherwise the frame joins the bounded queue, oldest dropped when full, which
        the uplink drains while the session is slow or being replaced: reading the caller
        never waits on the engine's side.
        """
        session = self._session
        queue = self._audio_in
        if (
            self._uplink_idle
            and queue.empty()
            and session is not None
            and session.can_send_at_once()
        ):
            try:
                await session.send_audio(payload)
                return
            except EngineDisconnected:
                self._detach(session)
        if queue.full():
            queue.get_nowait()
            self.stats.frames_dropped += 1
        queue.put_nowait(payload)

    def _on_mark(self, frame: dict[str, Any]) -> None:
        name = mark_name(frame)
        if name is not None and self._playout.on_mark_echo(name) and not self._playout.is_playing:
            self._touch()

    async def _send_audio(self, item_id: str, payload_b64: str) -> None:
        """Assistant audio to Telnyx, followed by a mark for playout accounting."""
        name = self._playout.on_audio_sent(item_id, _b64_len(payload_b64))
        await self._telnyx.send_text(media_text(payload_b64))
        if name is not None:
            await self._telnyx.send_text(mark_text(name))
        self.stats.chunks_out += 1
        self._last_activity = self._now()

    async def _flush_marks(self) -> None:
        """Mark the tail of the audio sent so far (end of an item or a response)."""
        for name in self._playout.flush():
            await self._telnyx.send_text(mark_text(name))
