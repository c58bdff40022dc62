"""G.711 mu-law encoding for simulated callers: known code points and a WAV round trip."""

from __future__ import annotations

import numpy as np

from gateway.media.mulaw import encode, wav_to_pcmu
from tests.helpers import write_tone_wav


def decode(byte: int) -> int:
    """The G.711 decoding rule, written independently of the encoder under test."""
    u = ~byte & 0xFF
    exponent, mantissa = (u >> 4) & 7, u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if u & 0x80 else magnitude


def test_known_code_points():
    samples = np.array([0, 32767, -32768, 1, -1, 8159, -8159], dtype=np.int16)
    assert list(encode(samples)) == [0xFF, 0x80, 0x00, 0xFF, 0x7F, 0x9F, 0x1F]


def test_round_trip_error_stays_within_one_quantisation_step():
    samples = np.random.default_rng(7).integers(-32000, 32000, 5000).astype(np.int16)
    for sample, byte in zip(samples, encode(samples), strict=True):
        error = abs(decode(byte) - int(sample))
        assert error <= max(8, abs(int(sample)) // 16), (sample, byte)


def test_wav_at_16k_is_resampled_to_8k_mu_law(tmp_path):
    path = tmp_path / "hello.wav"
    write_tone_wav(path, 440, 16000, 16000, amplitude=8000)
    pcmu = wav_to_pcmu(path)
    assert len(pcmu) == 8000  # one second at 8 kHz, one byte per sample
    assert len(set(pcmu)) > 20  # a tone, not silence
