"""Pre-rendered G.711 prompts played when the AI is unavailable.

The apology is spoken words ("Sorry, I'm having trouble..."), rendered once per gateway
process with the offline voice as the gateway starts (``render_spoken_apology``), whichever
engine takes the calls. Until that is done, or where the voice cannot load, a soft
three-note chime rendered at import time stands in, so the fallback path never waits for
a model. The encoders here render prompts only; call audio is never transcoded.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 8000
FRAME_BYTES = 160  # 20 ms at 8 kHz, one byte per sample

_MULAW_BIAS = 0x84
_MULAW_CLIP = 32635
_ALAW_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])


def encode_ulaw(pcm: np.ndarray) -> bytes:
    """16-bit linear PCM -> G.711 mu-law (ITU-T G.711 segment encoding)."""
    x = pcm.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0x00)
    mag = np.minimum(np.abs(x), _MULAW_CLIP) + _MULAW_BIAS
    exponent = np.clip(np.floor(np.log2(mag)).astype(np.int32) - 7, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def decode_ulaw(data: bytes) -> np.ndarray:
    """G.711 mu-law -> 16-bit linear PCM (used to check rendered prompts)."""
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = (((mantissa << 3) + _MULAW_BIAS) << exponent) - _MULAW_BIAS
    return np.where(u & 0x80, -mag, mag).astype(np.int16)


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


def _chime() -> np.ndarray:
    """Three soft descending notes with raised-cosine edges (no clicks)."""
    notes_hz = (659.25, 523.25, 440.0)
    note_s, gap_s, fade_s, level = 0.22, 0.06, 0.02, 0.22 * 32767
    t = np.arange(int(note_s * SAMPLE_RATE)) / SAMPLE_RATE
    n_fade = int(fade_s * SAMPLE_RATE)
    envelope = np.ones_like(t)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n_fade))
    envelope[:n_fade] = ramp
    envelope[-n_fade:] = ramp[::-1]
    gap = np.zeros(int(gap_s * SAMPLE_RATE))
    parts = []
    for hz in notes_hz:
        parts.append(level * envelope * np.sin(2 * np.pi * hz * t))
        parts.append(gap)
    signal = np.concatenate(parts)
    pad = (-len(signal)) % FRAME_BYTES
    return np.concatenate([signal, np.zeros(pad)]).astype(np.int16)


_CHIME = _chime()
APOLOGY_PCMU: bytes = encode_ulaw(_CHIME)
APOLOGY_PCMA: bytes = encode_alaw(_CHIME)


APOLOGY_WORDS = (
    "I'm sorry, I'm having trouble right now. Let me get someone from the clinic for you."
)
_SPOKEN: dict[str, bytes] = {}


def render_spoken_apology(render) -> None:
    """Render ``APOLOGY_WORDS`` with ``render(sentence) -> 16-bit 8 kHz samples`` (blocking,
    on a worker thread) and use it from now on; once per process."""
    from .speech.synthesizer import sentences

    if _SPOKEN:
        return

    pcm = np.concatenate([render(sentence) for sentence in sentences(APOLOGY_WORDS)])
    pcm = np.concatenate([pcm, np.zeros((-len(pcm)) % FRAME_BYTES, dtype=np.int16)])
    _SPOKEN.update(PCMU=encode_ulaw(pcm), PCMA=encode_alaw(pcm))


def apology_for(encoding: str) -> bytes:
    """The apology prompt in the call's codec: the spoken one once rendered, else the chime."""
    spoken = _SPOKEN.get("PCMA" if encoding == "PCMA" else "PCMU")
    if spoken is not None:
        return spoken
    return APOLOGY_PCMA if encoding == "PCMA" else APOLOGY_PCMU
