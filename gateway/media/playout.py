"""Played-audio accounting from Telnyx mark echoes, for barge-in truncation.

Telnyx buffers our audio and plays it in real time, so "sent" is not "heard". After audio
we send a mark; Telnyx echoes it when the audio before it has played. The mark-confirmed
byte count is what the caller has certainly heard, so truncating the assistant item
there keeps the model's idea of the conversation honest.

Marks cost a frame out and an echo in. With ``mark_interval_ms`` > 0 a mark follows a
chunk only once that much unmarked audio has accumulated (chunks of at least that size
still get one each), and ``flush`` marks the tail at the end of an item. Truncation is
then at most one interval early, never late.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from .telnyx_frames import BYTES_PER_MS


@dataclass(slots=True)
class _PendingMark:
    name: str
    item_id: str
    item_bytes: int  # bytes of this item sent up to this mark


class PlayoutTracker:
    """Tracks sent and mark-confirmed audio per assistant item for one call."""

    def __init__(self, mark_interval_ms: int = 0) -> None:
        self._interval = max(0, mark_interval_ms) * BYTES_PER_MS
        self._pending: deque[_PendingMark] = deque()
        self._unmarked: dict[str, int] = {}  # item_id -> bytes sent since its last mark
        self._sent: dict[str, int] = {}
        self._played: dict[str, int] = {}
        self._counter = 0
        self._drained = asyncio.Event()
        self._drained.set()

    @property
    def is_playing(self) -> bool:
        """Some audio we sent has not been confirmed as played yet."""
        return bool(self._pending) or bool(self._unmarked)

    def sent_bytes(self, item_id: str) -> int:
        return self._sent.get(item_id, 0)

    def played_bytes(self, item_id: str) -> int:
        return self._played.get(item_id, 0)

    def on_audio_sent(self, item_id: str, nbytes: int) -> str | None:
        """Account a chunk sent to Telnyx; returns the name of a mark to send after it."""
        self._sent[item_id] = self._sent.get(item_id, 0) + nbytes
        unmarked = self._unmarked.get(item_id, 0) + nbytes
        self._drained.clear()
        if unmarked < self._interval:
            self._unmarked[item_id] = unmarked
            return None
        self._unmarked.pop(item_id, None)
        return self._new_mark(item_id)

    def flush(self) -> list[str]:
        """Marks for every item's unmarked tail (end of an item or response)."""
        items, self._unmarked = list(self._unmarked), {}
        return [self._new_mark(item_id) for item_id in items]

    def _new_mark(self, item_id: str) -> str:
        self._counter += 1
        name = f"{item_id}:{self._counter}"
        self._pending.append(_PendingMark(name, item_id, self._sent[item_id]))
        return name

    def on_mark_echo(self, name: str) -> bool:
        """Record an echoed mark; returns True if it was one we were waiting for.

        Marks play in order, so an echo also confirms every earlier pending mark. Echoes
        of marks we already dropped (after a clear) are ignored.
        """
        if not any(mark.name == name for mark in self._pending):
            return False
        while self._pending:
            mark = self._pending.popleft()
            if mark.item_bytes > self._played.get(mark.item_id, 0):
                self._played[mark.item_id] = mark.item_bytes
            if mark.name == name:
                break
        if not self.is_playing:
            self._drained.set()
        return True

    def pending_items(self) -> list[str]:
        """Items with audio still queued at Telnyx, oldest first."""
        seen: dict[str, None] = {}
        for mark in self._pending:
            seen.setdefault(mark.item_id, None)
        for item_id in self._unmarked:
            seen.setdefault(item_id, None)
        return list(seen)

    def truncation_points(self) -> list[tuple[str, int]]:
        """(item_id, audio_end_ms) for every item still playing; empty when all played.

        The cut is the smaller of audio sent and mark-confirmed playout, so it never
        exceeds what the server actually sent us (the server rejects that).
        """
        points = []
        for item_id in self.pending_items():
            sent = self._sent.get(item_id, 0)
            played = min(self._played.get(item_id, 0), sent)
            points.append((item_id, played // BYTES_PER_MS))
        return points

    def clear(self) -> None:
        """Forget queued audio after a Telnyx ``clear``: its marks may never be echoed."""
        self._pending.clear()
        self._unmarked.clear()
        self._drained.set()

    async def wait_drained(self, timeout: float) -> bool:
        """Wait until everything sent has played (or was cleared); False on timeout.

        Call ``flush`` first, or unmarked audio can only end by timeout.
        """
        if not self.is_playing:
            return True
        try:
            async with asyncio.timeout(timeout):
                await self._drained.wait()
        except TimeoutError:
            return False
        return True
