"""What the simulated caller says: text to 8 kHz mu-law.

A caller speaks, so ``simulate call --text`` needs speech on the caller's side. The caller's
voice is the Piper voice the offline receptionist uses, rendered lower and slower with its
randomness off (``CALLER``), so the two sides sound different and a test hears the same audio
every run. espeak-ng (a formant synthesiser: robotic, tiny) is the other caller voice, and the
fallback where the Piper voice is not installed: on Linux x86-64 its library and voice data
come from PyPI (``espeakng-loader``), elsewhere the ``espeak-ng`` program is used.
"""

from __future__ import annotations

import ctypes
import io
import shutil
import subprocess
import threading

import numpy as np

from gateway.media.mulaw import encode, pcm16_to_pcmu, wav_to_pcmu
from gateway.media.speech.synthesizer import Voice

ESPEAK = "espeak-ng"
WORDS_PER_MINUTE = 165
# The receptionist's Piper voice made another speaker: 13% lower, 10% slower, no randomness.
CALLER = Voice(pitch=0.87, pace=1.1, noise=0.0)

# espeak-ng's C API (speak_lib.h)
_SYNCHRONOUS = 2  # AUDIO_OUTPUT_SYNCHRONOUS: samples come to the callback, Synth returns after
_RATE_PARAMETER = 1  # espeakRATE
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class NoSynthesizer(RuntimeError):
    """No espeak-ng here, or it failed; the message says what to do."""


def speak(text: str, voice: str = "caller") -> bytes:
    """One caller turn as 8 kHz mu-law: ``voice`` is "caller" (Piper, see ``CALLER``) or an
    espeak-ng voice name such as "en-us+f3"."""
    if voice == "caller":
        try:
            return piper_speak(text, CALLER)
        except Exception:  # no Piper voice here (or it failed): espeak-ng says it instead
            voice = "en-us"
    library = _Library.shared()
    if library is not None:
        return library.speak(text, voice)
    return speak_with(ESPEAK, text, voice)


def piper_speak(text: str, voice) -> bytes:
    """``text`` in a Piper voice, trailing silence trimmed (the caller stops when the words do)."""
    from gateway.media.speech.synthesizer import Synthesizer

    samples = Synthesizer().render(text, voice)
    voiced = np.flatnonzero(np.abs(samples) > 400)
    if len(voiced):
        samples = samples[: voiced[-1] + 1]
    return encode(samples)


def speak_with(executable: str, text: str, voice: str = "en-us") -> bytes:
    """One caller turn through the ``espeak-ng`` program."""
    path = shutil.which(executable)
    if path is None:
        raise NoSynthesizer(
            f"--text needs the espeak-ng speech synthesiser: pip install espeakng-loader "
            f"(Linux x86-64) or install the {executable} program (apt-get install espeak-ng, "
            "brew install espeak-ng); --audio FILE.wav needs nothing"
        )
    try:
        result = subprocess.run(
            [path, "--stdout", "-v", voice, "-s", str(WORDS_PER_MINUTE), "--", text],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NoSynthesizer(f"{executable} did not run: {error}") from None
    if result.returncode != 0 or not result.stdout:
        detail = result.stderr.decode(errors="replace").strip()[:200]
        raise NoSynthesizer(f"{executable} failed ({result.returncode}): {detail}")
    return wav_to_pcmu(io.BytesIO(result.stdout))


class _Library:
    """libespeak-ng from the espeakng-loader wheel, driven through ctypes.

    espeak-ng keeps global state, so there is one instance per process and one synthesis at a
    time (the lock).
    """

    _instance: _Library | None = None
    _tried = False
    _guard = threading.Lock()

    @classmethod
    def shared(cls) -> _Library | None:
        with cls._guard:
            if not cls._tried:
                cls._tried = True
                try:
                    cls._instance = cls()
                except (ImportError, OSError, NoSynthesizer):
                    cls._instance = None  # fall back to the espeak-ng program
            return cls._instance

    def __init__(self) -> None:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.rate = lib.espeak_Initialize(
            _SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0
        )
        if self.rate <= 0:
            raise NoSynthesizer("libespeak-ng did not initialise")
        self._lib = lib
        self._chunks: list[bytes] = []
        self._callback = _Callback(self._collect)  # kept referenced: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)
        lib.espeak_SetParameter(_RATE_PARAMETER, WORDS_PER_MINUTE, 0)
        self._lock = threading.Lock()

    def _collect(self, samples, count: int, _events) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(samples, count * 2))
        return 0  # go on

    def speak(self, text: str, voice: str) -> bytes:
        data = text.encode("utf-8") + b"\0"
        with self._lock:
            self._chunks = []
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise NoSynthesizer(f"espeak-ng has no voice {voice!r}")
            status = self._lib.espeak_Synth(
                data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            pcm, self._chunks = b"".join(self._chunks), []
        if status != 0:
            raise NoSynthesizer(f"libespeak-ng could not speak (status {status})")
        return pcm16_to_pcmu(np.frombuffer(pcm, dtype="<i2"), self.rate)
