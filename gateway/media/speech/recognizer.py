"""Speech to text for one caller turn: Whisper tiny.en on CPU, told the clinic's own words.

Phone audio is 8 kHz; Whisper hears 16 kHz, so the turn is upsampled (the band above 4 kHz
stays empty, which it tolerates well on clear speech). The clinic's services, providers and
day names go in as the initial prompt and as hot words, which bias the decoder toward them
("HydraFacial", "Dr. Patel"; "Botox" rather than "box", which the prompt alone did not fix)
without constraining what a caller may say.

A guess is worse than a question: a result whose average log-probability is low, that
Whisper itself thinks is not speech, or that is one of the phrases Whisper is known to
invent from noise, is returned as ``unsure`` and the caller is asked to say it again.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from gateway.media.mulaw import resample

from .models import shared, whisper_folder

WHISPER_RATE = 16_000
MIN_AVG_LOGPROB = -0.85
MAX_NO_SPEECH = 0.6
MAX_COMPRESSION = 2.4
# What Whisper writes for breath, hum and line noise (its training data's subtitles).
INVENTED = re.compile(
    r"^(thank you( for watching)?|thanks for watching|you|bye|\.+|please subscribe.*)[.!]?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Heard:
    text: str
    unsure: bool
    avg_logprob: float
    no_speech_prob: float
    seconds: float  # recognition time


class Recognizer:
    """One per process (the model is shared); ``transcribe`` is thread-safe and blocking."""

    def __init__(self, threads: int = 2) -> None:
        self._model = shared(f"whisper-{threads}", lambda: _load(threads))

    def transcribe(self, samples: np.ndarray, rate: int = 8000, vocabulary: str = "") -> Heard:
        began = time.perf_counter()
        audio = resample(samples, rate, WHISPER_RATE) / 32768.0
        segments, _ = self._model.transcribe(
            audio,
            language="en",
            beam_size=1,
            initial_prompt=vocabulary or None,
            hotwords=vocabulary or None,
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        segments = list(segments)
        text = " ".join(s.text.strip() for s in segments).strip()
        if not segments or not text:
            return Heard("", True, -9.0, 1.0, time.perf_counter() - began)
        logprob = min(s.avg_logprob for s in segments)
        no_speech = max(s.no_speech_prob for s in segments)
        compression = max(s.compression_ratio for s in segments)
        unsure = (
            logprob < MIN_AVG_LOGPROB
            or (no_speech > MAX_NO_SPEECH and logprob < -0.4)
            or compression > MAX_COMPRESSION
            or bool(INVENTED.match(text))
        )
        return Heard(text, unsure, logprob, no_speech, time.perf_counter() - began)


def _load(threads: int):
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(whisper_folder()), device="cpu", compute_type="int8", cpu_threads=threads
    )
