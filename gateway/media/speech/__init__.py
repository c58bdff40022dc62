"""Offline speech for phone calls: turn detection, recognition and synthesis at 8 kHz.

Everything here runs on the machine with models that ship inside PyPI wheels, checked against
pinned sha256 sums (``models.py``): WebRTC voice activity (``turns.py``), Whisper tiny.en
through CTranslate2 (``recognizer.py``) and a Piper voice (``synthesizer.py``). Recognition
and synthesis are CPU work of tens to hundreds of milliseconds, so the gateway runs them on a
worker pool, never on its event loop (``workers.py``). Why these packages: docs/VOICE.md.
"""
