"""Call media bridge: Telnyx media streams <-> OpenAI Realtime (G.711 end to end).

The gateway route accepts Telnyx's WebSocket, wraps it (``AiohttpTelnyxSocket``) and
awaits ``run_bridge(socket, hooks, config, realtime_connect)`` for the life of the call.
"""

from .bridge import CallBridge, run_bridge
from .config import BridgeConfig, ToolSpec
from .hooks import BaseBridgeHooks, BridgeHooks
from .realtime import OpenAIRealtimeConnector, RealtimeConnect
from .state import CallStats
from .transport import AiohttpTelnyxSocket, TelnyxSocket, WebsocketsTelnyxSocket

__all__ = [
    "AiohttpTelnyxSocket",
    "BaseBridgeHooks",
    "BridgeConfig",
    "BridgeHooks",
    "CallBridge",
    "CallStats",
    "OpenAIRealtimeConnector",
    "RealtimeConnect",
    "TelnyxSocket",
    "ToolSpec",
    "WebsocketsTelnyxSocket",
    "run_bridge",
]
