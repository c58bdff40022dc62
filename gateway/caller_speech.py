"""What the simulated caller says: text to 8 kHz mu-law, with the espeak-ng synthesiser.

A caller speaks, so ``simulate call --text`` needs speech on the caller's side. espeak-ng is a
small offline synthesiser (Debian/Ubuntu: ``apt-get install espeak-ng``; macOS: ``brew install
espeak-ng``). Only the simulator uses it; the service never does. Its voice is robotic, but a
speech-to-speech model hears the words, which is what a demo or a test needs.
"""

from __future__ import annotations

import io
import shutil
import subprocess

from gateway.media.mulaw import RATE, wav_to_pcmu

ESPEAK = "espeak-ng"
PAUSE = b"\xff" * (RATE * 3 // 2)  # 1.5 s of mu-law silence: the caller waits for the answer
WORDS_PER_MINUTE = 165


class NoSynthesizer(RuntimeError):
    """espeak-ng is missing or failed; the message says what to do."""


def speak(text: str, executable: str = ESPEAK, voice: str = "en-us") -> bytes:
    """One caller turn as 8 kHz mu-law."""
    path = shutil.which(executable)
    if path is None:
        raise NoSynthesizer(
            f"--text needs the {executable} speech synthesiser on this machine "
            "(apt-get install espeak-ng, or brew install espeak-ng); --audio FILE.wav needs nothing"
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


def say(turns: list[str], executable: str = ESPEAK) -> bytes:
    """Several caller turns, each followed by a pause for the assistant's answer."""
    return b"".join(speak(text, executable) + PAUSE for text in turns)
