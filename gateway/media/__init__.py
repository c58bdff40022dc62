"""Call media bridge: Telnyx media streams <-> a voice engine (G.711 end to end).

The gateway route accepts Telnyx's WebSocket, wraps it (``AiohttpTelnyxSocket``) and
awaits ``run_bridge(socket, hooks, config, engine)`` for the life of the call; ``engine``
is the process's ``VoiceEngine`` from ``make_voice_engine(settings)`` (``engines/``).
"""

from .bridge import CallBridge, run_bridge
from .config import BridgeConfig, ToolSpec
from .engines import (
    VOICE_ENGINES,
    EngineDisconnected,
    OpenAIRealtimeEngine,
    RealtimeConnect,
    VoiceEngine,
    VoiceSession,
    make_voice_engine,
)
from .engines.openai_realtime import OpenAIRealtimeConnector
from .hooks import BaseBridgeHooks, BridgeHooks
from .state import CallStats
from .transport import AiohttpTelnyxSocket, TelnyxSocket, WebsocketsTelnyxSocket

__all__ = [
    "VOICE_ENGINES",
    "AiohttpTelnyxSocket",
    "BaseBridgeHooks",
    "BridgeConfig",
    "BridgeHooks",
    "CallBridge",
    "CallStats",
    "EngineDisconnected",
    "OpenAIRealtimeConnector",
    "OpenAIRealtimeEngine",
    "RealtimeConnect",
    "TelnyxSocket",
    "ToolSpec",
    "VoiceEngine",
    "VoiceSession",
    "WebsocketsTelnyxSocket",
    "make_voice_engine",
    "run_bridge",
]
