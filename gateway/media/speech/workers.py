"""The speech work of every offline call, off the event loop, on a few threads.

CTranslate2 (recognition) and ONNX Runtime (synthesis) release the GIL while they compute, so
worker threads keep the loop free without a process per call and share one copy of each model.
Recognition and synthesis have their own pools: a long transcription of one call never delays
the first sentence another call is about to say.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .recognizer import Heard, Recognizer
from .synthesizer import RECEPTIONIST, Synthesizer, Voice


class SpeechWorkers:
    """Async front of the recogniser and synthesiser; one per gateway process."""

    def __init__(self, *, recognition_threads: int = 1, synthesis_threads: int = 2) -> None:
        self._hear = ThreadPoolExecutor(recognition_threads, thread_name_prefix="vrai-stt")
        self._say = ThreadPoolExecutor(synthesis_threads, thread_name_prefix="vrai-tts")
        self._recognizer: Recognizer | None = None
        self._synthesizer: Synthesizer | None = None

    def load(self) -> None:
        """Load and check both models now (blocking), rather than on the first call."""
        self._recognizer = self._recognizer or Recognizer()
        self._synthesizer = self._synthesizer or Synthesizer()

    async def hear(self, samples: np.ndarray, vocabulary: str = "") -> Heard:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._hear, self._transcribe, samples, vocabulary)

    async def say(self, sentence: str, voice: Voice = RECEPTIONIST) -> np.ndarray:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._say, self._render, sentence, voice)

    def _transcribe(self, samples: np.ndarray, vocabulary: str) -> Heard:
        if self._recognizer is None:
            self._recognizer = Recognizer()
        return self._recognizer.transcribe(samples, vocabulary=vocabulary)

    def _render(self, sentence: str, voice: Voice) -> np.ndarray:
        if self._synthesizer is None:
            self._synthesizer = Synthesizer()
        return self._synthesizer.render(sentence, voice)

    def close(self) -> None:
        self._hear.shutdown(wait=False, cancel_futures=True)
        self._say.shutdown(wait=False, cancel_futures=True)
