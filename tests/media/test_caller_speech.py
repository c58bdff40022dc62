"""The simulated caller's voice: text -> 8 kHz mu-law via espeak-ng (CI installs it)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from gateway.caller_speech import PAUSE, NoSynthesizer, say, speak

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="needs espeak-ng (apt-get install espeak-ng)"
)


def loud_fraction(pcmu: bytes) -> float:
    """Share of samples away from silence (mu-law 0xFF/0x7F are zero; low codes are loud)."""
    codes = np.frombuffer(pcmu, dtype=np.uint8) & 0x7F
    return float(np.mean(codes < 0x60))


@needs_espeak
def test_a_sentence_becomes_a_few_seconds_of_speech():
    pcmu = speak("Hi, can I book a facial next Tuesday afternoon?")
    assert 1.5 < len(pcmu) / 8000 < 6.0
    assert loud_fraction(pcmu) > 0.2


@needs_espeak
def test_turns_are_spoken_in_order_each_followed_by_a_pause():
    first, second = speak("Hello"), speak("Goodbye now")
    assert say(["Hello", "Goodbye now"]) == first + PAUSE + second + PAUSE


def test_a_missing_synthesiser_is_a_clear_error_not_a_silent_call():
    with pytest.raises(NoSynthesizer, match="apt-get install espeak-ng"):
        speak("hello", executable="espeak-ng-not-installed")
