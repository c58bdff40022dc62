"""Call-side glue of the gateway: stream tokens, Telnyx Call Control, the per-app call runtime.

Stream tokens live in memory, in the gateway process that answered the call: Telnyx opens the
media WebSocket to the URL we gave it a moment after ``answer``, and that URL reaches the same
gateway. A token is random, single-use and expires after ``TOKEN_TTL_S``; it never touches the
database or the logs, so a leaked database cannot be replayed into a live call.

Call Control commands go out through one aiohttp client with a timeout and bounded retries; the
``command_id`` makes Telnyx dedupe a retried command. Embedded mode (no Telnyx key) cannot reach
a phone network: each command is recorded as a ``CallEvent(kind="command")`` instead, which is
also what the dashboard and the simulator read. Production commands are recorded the same way.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from gateway.dbio import run_db
from store.db import write
from store.models import CallEvent
from store.settings import Settings

log = logging.getLogger("vrai.gateway.calls")

TOKEN_TTL_S = 120.0
COMMAND_TIMEOUT_S = 5.0
COMMAND_ATTEMPTS = 3
CALL_ENDED_CODE = "90018"  # Telnyx: "Call has already ended"


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


# ---------------------------------------------------------------------------- call control


class CallControlError(RuntimeError):
    """A command Telnyx refused or that could not be delivered after the retries."""


def client_state(call_id: int) -> str:
    """Our call id, as Telnyx echoes it back on every later event of the call."""
    return base64.b64encode(json.dumps({"call_id": call_id}).encode()).decode()


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


def _redacted(body: dict[str, Any]) -> dict[str, Any]:
    """The body as stored: stream tokens are credentials and stay out of the database."""
    if "stream_url" not in body:
        return body
    return {**body, "stream_url": body["stream_url"].split("?", 1)[0] + "?token=<redacted>"}


def record_command(clinic_id: int, call_id: int, action: str, body: dict, status: str) -> None:
    with write():
        CallEvent.create(
            clinic=clinic_id,
            call=call_id,
            kind="command",
            text=action,
            data={"action": action, "status": status, "body": _redacted(body)},
        )


class CallControl:
    """Telnyx Call Control REST (production) or a recorded command (embedded mode)."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession | None) -> None:
        self.settings = settings
        self.session = session

    @property
    def embedded(self) -> bool:
        return self.settings.telnyx_api_key is None or self.session is None

    async def command(
        self, clinic_id: int, call_id: int, ccid: str, action: str, body: dict[str, Any]
    ) -> str:
        """Send one command; returns ``sent``, ``already_ended`` or ``embedded``."""
        status = "embedded" if self.embedded else await self._post(ccid, action, body)
        await run_db(record_command, clinic_id, call_id, action, body, status)
        return status

    async def hangup(self, clinic_id: int, call_id: int, ccid: str) -> str:
        body = {"client_state": client_state(call_id), "command_id": f"hangup-{ccid}"}
        return await self.command(clinic_id, call_id, ccid, "hangup", body)

    async def transfer(self, clinic_id: int, call_id: int, ccid: str, to: str) -> str:
        body = {"to": to, "client_state": client_state(call_id), "command_id": f"transfer-{ccid}"}
        return await self.command(clinic_id, call_id, ccid, "transfer", body)

    async def _post(self, ccid: str, action: str, body: dict[str, Any]) -> str:
        assert self.session is not None
        url = f"{self.settings.telnyx_api_base.rstrip('/')}/calls/{quote(ccid, safe='')}"
        url += f"/actions/{action}"
        headers = {"Authorization": f"Bearer {self.settings.telnyx_api_key}"}
        timeout = aiohttp.ClientTimeout(total=COMMAND_TIMEOUT_S)
        problem = "no attempt"
        for attempt in range(COMMAND_ATTEMPTS):
            if attempt:
                await asyncio.sleep(0.2 * 2**attempt)
            try:
                async with self.session.post(
                    url, json=body, headers=headers, timeout=timeout
                ) as response:
                    if response.status < 300:
                        return "sent"
                    detail = await _error_code(response)
                    if response.status == 422 and detail == CALL_ENDED_CODE:
                        return "already_ended"
                    problem = f"HTTP {response.status} ({detail or 'no code'})"
                    if response.status < 500 and response.status != 429:
                        break  # a refusal: retrying the same command cannot help
            except (aiohttp.ClientError, TimeoutError) as error:
                problem = type(error).__name__
        log.warning("telnyx %s failed: %s", action, problem)
        raise CallControlError(f"{action} failed: {problem}")


async def _error_code(response: aiohttp.ClientResponse) -> str | None:
    try:
        body = await response.json(content_type=None)
        return str(body["errors"][0]["code"])
    except (ValueError, KeyError, IndexError, TypeError, aiohttp.ContentTypeError):
        return None


# ---------------------------------------------------------------------------- runtime


@dataclass
class CallRuntime:
    """Everything the call routes share for the life of the app."""

    settings: Settings
    tokens: StreamTokens
    control: CallControl
    connector: Any = None  # OpenAIRealtimeConnector when an OpenAI key is set
    # Test/ops overrides of the per-call BridgeConfig (timers, greeting).
    bridge_overrides: dict[str, Any] = field(default_factory=dict)
    # Live media sockets by call_control_id: hang-up closes them, shutdown closes them all.
    active: dict[str, web.WebSocketResponse] = field(default_factory=dict)
    tasks: set[asyncio.Task] = field(default_factory=set)
    loop: asyncio.AbstractEventLoop | None = None


CALLS = web.AppKey("calls", CallRuntime)


async def call_runtime(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the HTTP client, the Realtime connector, and closing live calls."""
    from gateway import keys

    settings: Settings = app[keys.SETTINGS]
    session = aiohttp.ClientSession() if settings.telnyx_api_key else None
    connector = None
    if settings.openai_api_key:
        from gateway.media import BridgeConfig, OpenAIRealtimeConnector

        connector = OpenAIRealtimeConnector(
            api_key=settings.openai_api_key,
            model=BridgeConfig().model,
            base_url=settings.openai_base_url,
        )
    app[CALLS] = CallRuntime(settings, StreamTokens(), CallControl(settings, session), connector)
    app[CALLS].loop = asyncio.get_running_loop()
    yield
    runtime = app[CALLS]
    for ws in list(runtime.active.values()):
        await ws.close(code=1001, message=b"gateway shutting down")
    if runtime.tasks:
        await asyncio.gather(*runtime.tasks, return_exceptions=True)
    if connector is not None:
        await connector.aclose()
    if session is not None:
        await session.close()


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
