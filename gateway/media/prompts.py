"""Pre-rendered G.711 prompts played when the AI is unavailable.

The apology is spoken words ("Sorry, I'm having trouble..."), rendered once per gateway
process with the offline voice as the gateway starts (``render_spoken_apology``), whichever
engine takes the calls. Until that is done, or where the voice cannot load, a soft
three-note chime rendered at import time stands in, so the fallback path never waits for
a model. Prompts are encoded with the G.711 tables of ``mulaw.py``; call audio is never
transcoded.
"""

from __future__ import annotations

import numpy as np

from .mulaw import encode as encode_ulaw
from .mulaw import encode_alaw

SAMPLE_RATE = 8000
FRAME_BYTES = 160  # 20 ms at 8 kHz, one byte per sample


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
