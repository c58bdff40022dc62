"""The simulated caller's voice: text -> 8 kHz mu-law (Piper's caller voice, or espeak-ng: its
library from PyPI on Linux x86-64, else the espeak-ng program)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from cli.caller_speech import NoSynthesizer, speak, speak_with

SENTENCE = "Hi, can I book a facial next Tuesday afternoon?"


def loud_fraction(pcmu: bytes) -> float:
    """Share of samples away from silence (mu-law 0xFF/0x7F are zero; low codes are loud)."""
    codes = np.frombuffer(pcmu, dtype=np.uint8) & 0x7F
    return float(np.mean(codes < 0x60))


def test_a_sentence_becomes_a_few_seconds_of_speech():
    pcmu = speak(SENTENCE)
    assert 1.5 < len(pcmu) / 8000 < 6.0
    assert loud_fraction(pcmu) > 0.2


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs the espeak-ng program")
def test_the_espeak_ng_program_speaks_where_the_library_wheel_does_not_exist():
    pcmu = speak_with("espeak-ng", SENTENCE)
    assert 1.5 < len(pcmu) / 8000 < 6.0 and loud_fraction(pcmu) > 0.2


def test_no_synthesiser_is_a_clear_error_not_a_silent_call():
    with pytest.raises(NoSynthesizer, match="pip install espeakng-loader"):
        speak_with("espeak-ng-not-installed", "hello")
