"""Text to 8 kHz phone audio with a Piper voice, one sentence at a time.

A reply is split into sentences and each is rendered on its own, so the first sentence can
play while the next is being rendered: the caller hears the answer start after one sentence's
work, not the whole reply's. Piper renders at 22.05 kHz; the audio is low-passed and
resampled to 8 kHz. Sentences said again and again (greetings, "sorry, I didn't catch that")
are kept in a small cache, so each is rendered once per process.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from gateway.media.mulaw import resample

from .models import shared, voice_files

PHONE_RATE = 8000
CACHE_SENTENCES = 256
# A sentence ends at . ! ? or ; before a capital or digit, but not after a title ("Dr. Patel").
_SENTENCE_END = re.compile(
    r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<=[.!?;])\s+(?=[A-Z0-9])"
)


@dataclass(frozen=True, slots=True)
class Voice:
    """How a voice is rendered: ``pitch`` > 1 raises it (and shortens it), < 1 lowers it;
    ``pace`` > 1 speaks slower. ``noise`` 0 makes the rendering exactly repeatable."""

    pitch: float = 1.0
    pace: float = 1.0
    noise: float | None = None  # None: the voice's own


RECEPTIONIST = Voice()


def sentences(text: str) -> list[str]:
    """``text`` cut at sentence ends (a list is one sentence: "2 PM, 3 PM or 4 PM?")."""
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]


class Synthesizer:
    """One per process (the voice is shared); ``render`` is thread-safe and blocking."""

    def __init__(self) -> None:
        self._voice = shared("piper-joe", _load)
        self._cache: OrderedDict[tuple[str, Voice], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, sentence: str, voice: Voice = RECEPTIONIST) -> np.ndarray:
        """One sentence as 16-bit samples at 8 kHz (cached by sentence and voice)."""
        key = (sentence, voice)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        samples = self._render(sentence, voice)
        with self._lock:
            self._cache[key] = samples
            while len(self._cache) > CACHE_SENTENCES:
                self._cache.popitem(last=False)
        return samples

    def _render(self, sentence: str, voice: Voice) -> np.ndarray:
        from piper.config import SynthesisConfig

        config = SynthesisConfig(
            length_scale=voice.pace,
            noise_scale=voice.noise,
            noise_w_scale=voice.noise,
        )
        chunks = [c.audio_int16_array for c in self._voice.synthesize(sentence, config)]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        rate = int(self._voice.config.sample_rate * voice.pitch)
        audio = resample(np.concatenate(chunks), rate, PHONE_RATE)
        return np.clip(audio, -32768, 32767).astype(np.int16)


def _load():
    from piper import PiperVoice

    model, config = voice_files()
    return PiperVoice.load(model, config)
