"""When the caller starts and stops talking, from 20 ms frames of 8 kHz audio.

WebRTC's voice activity detector takes 8 kHz 16-bit frames of 10, 20 or 30 ms as they come
from the phone line, so nothing is resampled for it. A turn starts after ``start_frames``
voiced frames in a row (a click is one frame) and ends after ``end_silence_ms`` without
voice; the audio handed on keeps ``preroll_ms`` from before the start, which the detector
needs a few frames to notice.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

FRAME_MS = 20
RATE = 8000


@dataclass(frozen=True, slots=True)
class Started:
    at_ms: int  # position in the caller's audio


@dataclass(frozen=True, slots=True)
class Stopped:
    at_ms: int  # position of the end of the last voiced frame
    audio: np.ndarray  # 16-bit samples of the whole utterance, preroll included


class TurnDetector:
    """Feed it frames; it answers Started, Stopped or None for each."""

    def __init__(
        self,
        *,
        aggressiveness: int = 2,
        start_frames: int = 3,
        end_silence_ms: int = 400,
        preroll_ms: int = 200,
        max_utterance_ms: int = 15_000,
    ) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)
        self._start_frames = start_frames
        self._end_frames = max(1, end_silence_ms // FRAME_MS)
        self._max_frames = max_utterance_ms // FRAME_MS
        self._preroll: deque[np.ndarray] = deque(maxlen=max(1, preroll_ms // FRAME_MS))
        self._utterance: list[np.ndarray] = []
        self._voiced_run = 0
        self._silent_run = 0
        self._position_ms = 0
        self.speaking = False

    def feed(self, frame: np.ndarray) -> Started | Stopped | None:
        """One frame of 16-bit samples (160 for 20 ms; other lengths are cut or padded)."""
        if len(frame) != RATE * FRAME_MS // 1000:
            frame = np.resize(frame, RATE * FRAME_MS // 1000)
        self._position_ms += FRAME_MS
        voiced = self._vad.is_speech(frame.astype("<i2").tobytes(), RATE)
        if not self.speaking:
            self._preroll.append(frame)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run < self._start_frames:
                return None
            self.speaking, self._silent_run = True, 0
            self._utterance = list(self._preroll)
            self._preroll.clear()
            return Started(self._position_ms - self._start_frames * FRAME_MS)
        self._utterance.append(frame)
        self._silent_run = 0 if voiced else self._silent_run + 1
        if self._silent_run >= self._end_frames or len(self._utterance) >= self._max_frames:
            return self._stop()
        return None

    def _stop(self) -> Stopped:
        end_ms = self._position_ms - self._silent_run * FRAME_MS
        kept = self._utterance[: len(self._utterance) - max(0, self._silent_run - 5)]
        self.speaking, self._utterance, self._voiced_run = False, [], 0
        return Stopped(end_ms, np.concatenate(kept))
