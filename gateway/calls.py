"""Call-side glue of the gateway: stream tokens, the answer command, the per-app call runtime.

Stream tokens live in memory, in the gateway process that answered the call: Telnyx opens the
media WebSocket to the URL we gave it a moment after ``answer``, and that URL reaches the same
gateway. A token is random, single-use and expires after ``TOKEN_TTL_S``; it never touches the
database or the logs, so a leaked database cannot be replayed into a live call.

Commands go out through the ``CallControl`` backend (``gateway/call_control/``) and the call's
audio through the ``VoiceEngine`` backend (``gateway/media/``), both named by
``settings.backends`` and built once per app here.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from gateway.call_control import CallControl, CallControlError, client_state, make_call_control
from gateway.media.engines import make_voice_engine
from store.settings import Settings

log = logging.getLogger("vrai.gateway.calls")

TOKEN_TTL_S = 120.0
__all__ = ["CALLS", "CallControlError", "CallRuntime", "StreamTokens", "answer_body"]


# ---------------------------------------------------------------------------- stream tokens


@dataclass(frozen=True, slots=True)
class StreamGrant:
    """What a redeemed token lets the WebSocket do: bridge this one call."""

    call_id: int
    call_control_id: str


class StreamTokens:
    """One-time media-stream tokens with expiry (in memory; see the module docstring)."""

    def __init__(self, ttl_s: float = TOKEN_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._grants: dict[str, tuple[float, StreamGrant]] = {}

    def issue(self, call_id: int, call_control_id: str) -> str:
        self._expire()
        token = secrets.token_urlsafe(24)
        self._grants[token] = (time.monotonic() + self.ttl_s, StreamGrant(call_id, call_control_id))
        return token

    def redeem(self, token: str) -> StreamGrant | None:
        """The grant, once; None for unknown, used or expired tokens."""
        self._expire()
        entry = self._grants.pop(token, None) if token else None
        return entry[1] if entry else None

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, (until, _) in self._grants.items() if until < now]:
            del self._grants[token]


# ---------------------------------------------------------------------------- answer


def stream_url(settings: Settings, token: str) -> str:
    base = settings.public_base_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return f"{base}/media/telnyx?token={quote(token)}"


def answer_body(settings: Settings, call_id: int, ccid: str, token: str) -> dict[str, Any]:
    """Answer with bidirectional PCMU streaming to our media WebSocket."""
    return {
        "client_state": client_state(call_id),
        "command_id": f"answer-{ccid}",
        "stream_url": stream_url(settings, token),
        "stream_track": "inbound_track",
        "stream_codec": "PCMU",
        "stream_bidirectional_mode": "rtp",
        "stream_bidirectional_codec": "PCMU",
        "send_silence_when_idle": True,
    }


# ---------------------------------------------------------------------------- runtime


@dataclass
class CallRuntime:
    """Everything the call routes share for the life of the app."""

    settings: Settings
    tokens: StreamTokens
    control: CallControl
    engine: Any = None  # the VoiceEngine settings.backends.voice names; None: calls go to staff
    # Test/ops overrides of the per-call BridgeConfig (timers, greeting).
    bridge_overrides: dict[str, Any] = field(default_factory=dict)
    # Live media sockets by call_control_id: hang-up closes them, shutdown closes them all.
    active: dict[str, web.WebSocketResponse] = field(default_factory=dict)
    tasks: set[asyncio.Task] = field(default_factory=set)
    loop: asyncio.AbstractEventLoop | None = None
    # The voice's start-up work (its models' load, the spoken apology's render): about a second
    # of CPU right after the gateway starts, which readiness waits for.
    warming: list[asyncio.Future] = field(default_factory=list)

    def voice_state(self) -> str | None:
        """``loading`` while the voice's start-up work runs, ``down`` if its models failed to
        load (calls then go to staff), ``ok`` after; None when no voice engine is configured."""
        if self.engine is None:
            return None
        if not all(work.done() for work in self.warming):
            return "loading"
        failed = any(not w.cancelled() and w.exception() is not None for w in self.warming)
        return "down" if failed else "ok"


CALLS = web.AppKey("calls", CallRuntime)


async def call_runtime(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the HTTP client, the Realtime connector, and closing live calls."""
    from gateway import keys

    settings: Settings = app[keys.SETTINGS]
    session = aiohttp.ClientSession() if settings.backends.call_control == "telnyx" else None
    engine = make_voice_engine(settings)
    warming = []
    if hasattr(engine, "warm_up"):
        engine.warm_up()  # models load on a thread while the gateway starts serving
        warming.append(engine.loading)
    if engine is not None:
        warming.append(asyncio.get_running_loop().run_in_executor(None, _spoken_apology))
    control = make_call_control(settings, session)
    app[CALLS] = CallRuntime(settings, StreamTokens(), control, engine, warming=warming)
    app[CALLS].loop = asyncio.get_running_loop()
    yield
    runtime = app[CALLS]
    for ws in list(runtime.active.values()):
        await ws.close(code=1001, message=b"gateway shutting down")
    if runtime.tasks:
        await asyncio.gather(*runtime.tasks, return_exceptions=True)
    if engine is not None:
        await engine.aclose()
    if session is not None:
        await session.close()


def _spoken_apology() -> None:
    """The fallback apology in words (the chime until this is done, or if it fails)."""
    from gateway.media.prompts import render_spoken_apology
    from gateway.media.speech.synthesizer import Synthesizer

    try:
        render_spoken_apology(Synthesizer().render)
    except Exception as exc:  # no voice here: the chime it is
        log.warning("fallback apology stays a chime: %s", type(exc).__name__)


def background(runtime: CallRuntime, coro) -> None:
    """Fire-and-forget work tied to the app (awaited at shutdown, never garbage collected)."""
    task = asyncio.get_running_loop().create_task(coro)
    runtime.tasks.add(task)
    task.add_done_callback(runtime.tasks.discard)


def install(app: web.Application) -> None:
    """Register the call routes and the runtime on an app (idempotent; before it starts)."""
    from gateway.routes import media, webhooks_call

    if call_runtime not in app.cleanup_ctx:
        app.cleanup_ctx.append(call_runtime)
    paths = {getattr(r.resource, "canonical", None) for r in app.router.routes()}
    if "/webhooks/telnyx/call" not in paths:
        app.add_routes(webhooks_call.routes)
    if "/media/telnyx" not in paths:
        app.add_routes(media.routes)
