"""Voice engines: one file per backend, behind the ``VoiceEngine`` interface (``base.py``).

``settings.backends.voice`` names the engine (``supervisor.choose_backends`` picks it);
``make_voice_engine(settings)`` builds it once per gateway process. A new backend is a file
here with a class that has ``name``, ``from_settings``, ``open_session`` and ``aclose``, one
line in ``VOICE_ENGINES`` and a driver in the contract tests
(``tests/media/test_voice_engine_contract.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Context, EngineDisconnected, VoiceEngine, VoiceEngineFactory, VoiceSession
from .events import (
    AssistantText,
    AssistantTranscript,
    AudioDelta,
    AudioDone,
    CallerTranscript,
    EngineError,
    EngineEvent,
    ResponseDone,
    ResponseStarted,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
)
from .local import LocalVoiceEngine
from .openai_realtime import OpenAIRealtimeEngine, RealtimeConnect

if TYPE_CHECKING:
    from store.settings import Settings

VOICE_ENGINES: dict[str, VoiceEngineFactory] = {
    OpenAIRealtimeEngine.name: OpenAIRealtimeEngine,
    LocalVoiceEngine.name: LocalVoiceEngine,
}


def make_voice_engine(settings: Settings) -> VoiceEngine | None:
    """The engine ``settings.backends.voice`` names, built from the settings; None when no
    engine is configured (calls then go to staff). Raises ValueError for an unknown name or
    an engine its settings cannot build (e.g. no API key)."""
    name = settings.backends.voice
    if name is None:
        return None
    factory = VOICE_ENGINES.get(name)
    if factory is None:
        known = ", ".join(sorted(VOICE_ENGINES))
        raise ValueError(f"unknown voice engine {name!r} (known: {known})")
    return factory.from_settings(settings)


def as_voice_engine(engine: VoiceEngine | RealtimeConnect) -> VoiceEngine:
    """``engine`` itself, or a Realtime engine dialling with a bare ``RealtimeConnect``."""
    if hasattr(engine, "open_session"):
        return engine  # type: ignore[return-value]
    return OpenAIRealtimeEngine.over(engine)  # type: ignore[arg-type]


__all__ = [
    "VOICE_ENGINES",
    "AssistantText",
    "AssistantTranscript",
    "AudioDelta",
    "AudioDone",
    "CallerTranscript",
    "Context",
    "EngineDisconnected",
    "EngineError",
    "EngineEvent",
    "LocalVoiceEngine",
    "OpenAIRealtimeEngine",
    "RealtimeConnect",
    "ResponseDone",
    "ResponseStarted",
    "SpeechStarted",
    "SpeechStopped",
    "ToolCall",
    "VoiceEngine",
    "VoiceEngineFactory",
    "VoiceSession",
    "as_voice_engine",
    "make_voice_engine",
]
