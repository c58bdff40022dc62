"""G.711 (mu-law and A-law) both ways, vectorised (``audioop`` is gone in Python 3.13).

The bridge itself never transcodes (PCMU end to end); this is for what is spoken or heard on
the machine: simulated callers (a WAV file or synthesised speech), the offline voice engine,
and the pre-rendered prompts, whose 16-bit samples become the 8-bit codes a phone line
carries, and back.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np

_BIAS = 0x84
_CLIP = 32635
_ALAW_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
RATE = 8000


def encode(samples: np.ndarray) -> bytes:
    """16-bit signed PCM samples -> mu-law bytes (ITU-T G.711)."""
    x = samples.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(x), _CLIP) + _BIAS
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def encode_alaw(pcm: np.ndarray) -> bytes:
    """16-bit linear PCM -> G.711 A-law."""
    x = pcm.astype(np.int32) >> 3
    mask = np.where(x >= 0, 0xD5, 0x55)
    mag = np.where(x >= 0, x, -x - 1)
    seg = np.searchsorted(_ALAW_SEG_END, mag)
    shift = np.where(seg < 2, 1, seg)
    aval = (np.minimum(seg, 7) << 4) | ((mag >> shift) & 0x0F)
    aval = np.where(seg >= 8, 0x7F, aval)
    return ((aval ^ mask) & 0xFF).astype(np.uint8).tobytes()


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


def _ulaw_table() -> np.ndarray:
    """All 256 mu-law codes decoded (G.711 expansion), so decoding is one lookup."""
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent, mantissa = (u >> 4) & 0x07, u & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(u & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> np.ndarray:
    """All 256 A-law codes decoded."""
    a = np.arange(256, dtype=np.int32) ^ 0x55
    segment, mantissa = (a >> 4) & 0x07, a & 0x0F
    magnitude = np.where(
        segment == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(segment - 1, 0)
    )
    return np.where(a & 0x80, magnitude, -magnitude).astype(np.int16)


ULAW_TABLE = _ulaw_table()
ALAW_TABLE = _alaw_table()


def decode(data: bytes, codec: str = "PCMU") -> np.ndarray:
    """G.711 bytes (PCMU or PCMA) -> 16-bit PCM samples, bit-exact, by table."""
    table = ALAW_TABLE if codec == "PCMA" else ULAW_TABLE
    return table[np.frombuffer(data, dtype=np.uint8)]


def resample(samples: np.ndarray, rate: int, to: int) -> np.ndarray:
    """Mono samples from ``rate`` to ``to`` Hz as float32; going down, a windowed-sinc low-pass
    first, so a 22 kHz voice does not alias into the phone band."""
    x = samples.astype(np.float32)
    if rate == to or not len(x):
        return x
    if to < rate:
        cutoff = 0.45 * to / rate  # of the input rate: just under the new Nyquist
        taps = np.arange(-32, 33)
        kernel = np.sinc(2 * cutoff * taps) * np.hamming(len(taps))
        x = np.convolve(x, (kernel / kernel.sum()).astype(np.float32), mode="same")
    positions = np.arange(0, len(x), rate / to)
    return np.interp(positions, np.arange(len(x)), x).astype(np.float32)
