"""G.711 mu-law encoding of 16-bit PCM, vectorised (``audioop`` is gone in Python 3.13).

The bridge itself never transcodes (PCMU end to end); this is for simulated callers (a WAV file
or synthesised speech), whose 16-bit samples must become the 8-bit mu-law a phone line carries.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np

_BIAS = 0x84
_CLIP = 32635
RATE = 8000


def encode(samples: np.ndarray) -> bytes:
    """16-bit signed PCM samples -> mu-law bytes (ITU-T G.711)."""
    x = samples.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(x), _CLIP) + _BIAS
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def wav_to_pcmu(source: Path | BinaryIO) -> bytes:
    """A 16-bit WAV (file or stream) as 8 kHz mono mu-law, resampled linearly if need be."""
    with wave.open(str(source) if isinstance(source, Path) else source, "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError("the WAV file must be 16-bit PCM")
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        channels, rate = wav.getnchannels(), wav.getframerate()
    if channels > 1:
        frames = frames.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return pcm16_to_pcmu(frames, rate)


def pcm16_to_pcmu(samples: np.ndarray, rate: int) -> bytes:
    """Mono 16-bit samples at ``rate`` as 8 kHz mu-law (linear resampling)."""
    if rate != RATE and len(samples):
        positions = np.arange(0, len(samples), rate / RATE)
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.int16)
    return encode(samples)
