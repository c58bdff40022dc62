"""A fake OpenAI Realtime (GA) server on 127.0.0.1, scriptable by tests.

It speaks the GA wire format over a real WebSocket at ``/v1/realtime?model=...`` so the
real ``openai`` SDK connects to it with ``base_url="http://127.0.0.1:PORT/v1"``. Every
event it sends, and every event it receives, is validated against the SDK's own pydantic
models: if the SDK would reject something, the fake is wrong and the test fails.

Server behaviour it imitates: ``session.created`` on connect, ``session.updated`` on
``session.update``, ``conversation.item.added/done`` on item create, an error for a second
concurrent response, ``response.done(cancelled)`` on ``response.cancel``, and the
``audio_end_ms`` check of ``conversation.item.truncate``. Everything else (speech, audio,
function calls) the test scripts through the session helpers.

``echo=True`` (the benchmark) answers every appended audio chunk with an audio delta and
echoes any non-Realtime message verbatim (the bare-relay baseline); it skips validation.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import typing
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ValidationError
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

Event = dict[str, Any]
_ids = itertools.count(1)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}"


def _models_by_type(union: Any) -> dict[str, type[BaseModel]]:
    """Map each event ``type`` literal to its SDK model (the union is discriminated)."""
    members = typing.get_args(typing.get_args(union)[0])
    table = {}
    for model in members:
        literal = model.model_fields["type"].annotation
        for value in typing.get_args(literal):
            table[value] = model
    return table


_SERVER_MODELS: dict[str, type[BaseModel]] | None = None
_CLIENT_MODELS: dict[str, type[BaseModel]] | None = None


def validate_server_event(event: Event) -> None:
    """Raise ValueError unless the SDK's typed model accepts ``event``."""
    global _SERVER_MODELS
    if _SERVER_MODELS is None:
        from openai.types.realtime.realtime_server_event import RealtimeServerEvent

        _SERVER_MODELS = _models_by_type(RealtimeServerEvent)
    _validate(_SERVER_MODELS, event, "server")


def validate_client_event(event: Event) -> None:
    global _CLIENT_MODELS
    if _CLIENT_MODELS is None:
        from openai.types.realtime.realtime_client_event import RealtimeClientEvent

        _CLIENT_MODELS = _models_by_type(RealtimeClientEvent)
    _validate(_CLIENT_MODELS, event, "client")


def _validate(models: dict[str, type[BaseModel]], event: Event, side: str) -> None:
    model = models.get(event.get("type", ""))
    if model is None:
        raise ValueError(f"unknown {side} event type {event.get('type')!r}")
    try:
        model.model_validate(event)
    except ValidationError as exc:
        raise ValueError(f"invalid {side} event {event.get('type')}: {exc}") from exc


class FakeRealtimeSession:
    """One accepted connection; the test drives it with the helper coroutines."""

    def __init__(self, server: FakeRealtimeServer, ws: ServerConnection) -> None:
        self._server = server
        self._ws = ws
        request = ws.request
        assert request is not None
        url = urlsplit(request.path)
        self.path = url.path
        self.model = parse_qs(url.query).get("model", [""])[0]
        self.authorization = request.headers.get("Authorization", "")
        self.received: list[Event] = []
        self.audio_in = bytearray()
        self.append_count = 0
        self.session: Event = {}
        self.active_response: str | None = None
        self.audio_sent: dict[str, int] = {}  # item_id -> bytes of audio sent
        self.closed = asyncio.Event()
        self._outputs: dict[str, list[Event]] = {}
        self._changed = asyncio.Event()

    # -- observing what the client sent

    def of_type(self, event_type: str) -> list[Event]:
        return [event for event in self.received if event["type"] == event_type]

    async def wait_for(
        self,
        event_type: str,
        where: Callable[[Event], bool] | None = None,
        nth: int = 1,
        timeout: float = 5.0,
    ) -> Event:
        """The nth client event of ``event_type`` (matching ``where``), waiting for it."""
        async with asyncio.timeout(timeout):
            while True:
                matches = [e for e in self.of_type(event_type) if where is None or where(e)]
                if len(matches) >= nth:
                    return matches[nth - 1]
                await self._changed.wait()

    async def wait_audio(self, nbytes: int, timeout: float = 5.0) -> bytes:
        """Wait until at least ``nbytes`` of caller audio were appended."""
        async with asyncio.timeout(timeout):
            while len(self.audio_in) < nbytes:
                await self._changed.wait()
        return bytes(self.audio_in)

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # -- scripting server events

    async def send(self, event: Event) -> Event:
        event = {"event_id": _new_id("event"), **event}
        if self._server.validate:
            try:
                validate_server_event(event)
            except ValueError as exc:
                self._server.errors.append(str(exc))
                raise
        await self._ws.send(json.dumps(event))
        return event

    async def send_unchecked(self, text: str) -> None:
        """Send raw text as is (malformed-protocol tests; skips validation)."""
        await self._ws.send(text)

    async def speech_started(self, audio_start_ms: int = 0, item_id: str | None = None) -> str:
        item_id = item_id or _new_id("item")
        await self.send(
            {
                "type": "input_audio_buffer.speech_started",
                "audio_start_ms": audio_start_ms,
                "item_id": item_id,
            }
        )
        return item_id

    async def speech_stopped(self, audio_end_ms: int, item_id: str = "item_user") -> None:
        await self.send(
            {
                "type": "input_audio_buffer.speech_stopped",
                "audio_end_ms": audio_end_ms,
                "item_id": item_id,
            }
        )

    async def caller_transcript(self, text: str, item_id: str = "item_user") -> None:
        await self.send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id,
                "content_index": 0,
                "transcript": text,
                "usage": {"type": "duration", "seconds": 1.0},
            }
        )

    async def begin_response(self) -> str:
        """``response.created``: a response is now in progress."""
        response_id = _new_id("resp")
        self.active_response = response_id
        self._outputs[response_id] = []
        await self.send(
            {
                "type": "response.created",
                "response": {
                    "id": response_id,
                    "object": "realtime.response",
                    "status": "in_progress",
                    "output": [],
                },
            }
        )
        return response_id

    async def audio_item(self, response_id: str) -> str:
        """``response.output_item.added`` for an assistant audio message."""
        item_id = _new_id("item")
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        self._outputs.setdefault(response_id, []).append(item)
        self.audio_sent[item_id] = 0
        await self.send(
            {
                "type": "response.output_item.added",
                "response_id": response_id,
                "output_index": len(self._outputs[response_id]) - 1,
                "item": item,
            }
        )
        return item_id

    async def audio_delta(self, response_id: str, item_id: str, audio: bytes) -> None:
        self.audio_sent[item_id] = self.audio_sent.get(item_id, 0) + len(audio)
        await self.send(
            {
                "type": "response.output_audio.delta",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "delta": base64.b64encode(audio).decode("ascii"),
            }
        )

    async def audio_done(self, response_id: str, item_id: str) -> None:
        await self.send(
            {
                "type": "response.output_audio.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
            }
        )

    async def assistant_transcript_delta(self, response_id: str, item_id: str, delta: str) -> None:
        """Part of the text an audio item speaks (sent ahead of or alongside its audio)."""
        await self.send(
            {
                "type": "response.output_audio_transcript.delta",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "delta": delta,
            }
        )

    async def assistant_transcript(self, response_id: str, item_id: str, text: str) -> None:
        for item in self._outputs.get(response_id, []):
            if item["id"] == item_id:
                item["content"] = [{"type": "output_audio", "transcript": text}]
        await self.send(
            {
                "type": "response.output_audio_transcript.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "transcript": text,
            }
        )

    async def function_call(
        self, response_id: str, name: str, arguments: str, call_id: str | None = None
    ) -> str:
        """A complete function call item: added, arguments done, item done."""
        call_id = call_id or _new_id("call")
        item_id = _new_id("item")
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "function_call",
            "status": "in_progress",
            "name": name,
            "call_id": call_id,
            "arguments": "",
        }
        outputs = self._outputs.setdefault(response_id, [])
        outputs.append(item)
        index = len(outputs) - 1
        await self.send(
            {
                "type": "response.output_item.added",
                "response_id": response_id,
                "output_index": index,
                "item": dict(item),
            }
        )
        await self.send(
            {
                "type": "response.function_call_arguments.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": index,
                "call_id": call_id,
                "name": name,
                "arguments": arguments,
            }
        )
        item.update(arguments=arguments, status="completed")
        await self.send(
            {
                "type": "response.output_item.done",
                "response_id": response_id,
                "output_index": index,
                "item": dict(item),
            }
        )
        return call_id

    async def end_response(self, response_id: str, status: str = "completed") -> None:
        """``response.done`` carrying every output item (function calls included)."""
        if self.active_response == response_id:
            self.active_response = None
        details: Event | None = None
        if status == "cancelled":
            details = {"type": "cancelled", "reason": "turn_detected"}
        for item in self._outputs.get(response_id, []):
            if item["type"] == "message":
                item["status"] = "completed" if status == "completed" else "incomplete"
        await self.send(
            {
                "type": "response.done",
                "response": {
                    "id": response_id,
                    "object": "realtime.response",
                    "status": status,
                    "status_details": details,
                    "output": self._outputs.get(response_id, []),
                },
            }
        )

    async def error(self, code: str, message: str = "", event_id: str | None = None) -> None:
        await self.send(
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "code": code,
                    "message": message or code,
                    "event_id": event_id,
                },
            }
        )

    async def drop(self) -> None:
        """Vanish without a close handshake (the client sees close code 1006)."""
        transport = self._ws.transport
        if transport is not None:
            transport.abort()
        await self.closed.wait()

    async def close(self) -> None:
        await self._ws.close()

    # -- handling client events

    async def _handle(self, event: Event) -> None:
        kind = event.get("type")
        if kind == "input_audio_buffer.append":
            self.audio_in += base64.b64decode(event.get("audio", ""))
            self.append_count += 1
            self._notify()
            return
        self.received.append(event)
        self._notify()
        if kind == "session.update":
            self.session.update(event.get("session", {}))
            await self.send({"type": "session.updated", "session": self.session})
        elif kind == "conversation.item.create":
            item = {"id": _new_id("item"), "object": "realtime.item", **event["item"]}
            item.setdefault("status", "completed")
            await self.send({"type": "conversation.item.added", "item": item})
            await self.send({"type": "conversation.item.done", "item": item})
        elif kind == "response.create" and self.active_response is not None:
            await self.error(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress",
                event.get("event_id"),
            )
        elif kind == "response.cancel":
            if self.active_response is None:
                await self.error("response_cancel_not_active", event_id=event.get("event_id"))
            else:
                await self.end_response(self.active_response, status="cancelled")
        elif kind == "conversation.item.truncate":
            await self._truncate(event)

    async def _truncate(self, event: Event) -> None:
        item_id = event.get("item_id", "")
        sent_ms = self.audio_sent.get(item_id, -1) // 8
        if item_id not in self.audio_sent or event.get("audio_end_ms", 0) > sent_ms:
            await self.error("invalid_value", "audio_end_ms is past the audio sent")
            return
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": event.get("content_index", 0),
                "audio_end_ms": event["audio_end_ms"],
            }
        )


class FakeRealtimeServer:
    """``async with FakeRealtimeServer() as srv``; point the SDK at ``srv.base_url``."""

    def __init__(self, *, echo: bool = False, validate: bool = True) -> None:
        self.echo = echo
        self.validate = validate and not echo
        self.sessions: list[FakeRealtimeSession] = []
        self.connection_attempts = 0
        self.errors: list[str] = []
        self._reject = 0
        self._server: Server | None = None
        self._cursor = 0
        self._changed = asyncio.Event()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reject_next(self, count: int = 1) -> None:
        """Refuse the next ``count`` WebSocket handshakes with HTTP 503."""
        self._reject += count

    async def next_session(self, timeout: float = 5.0) -> FakeRealtimeSession:
        """Sessions in connection order, one per call."""
        async with asyncio.timeout(timeout):
            while len(self.sessions) <= self._cursor:
                await self._changed.wait()
        session = self.sessions[self._cursor]
        self._cursor += 1
        return session

    async def __aenter__(self) -> FakeRealtimeServer:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            max_size=None,
            compression=None,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        if exc[0] is None and self.errors:
            raise AssertionError(
                "fake realtime server saw invalid events:\n" + "\n".join(self.errors)
            )

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.connection_attempts += 1
        if urlsplit(request.path).path != "/v1/realtime":
            return connection.respond(404, "not found\n")
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return connection.respond(401, "missing bearer token\n")
        if self._reject > 0:
            self._reject -= 1
            return connection.respond(503, "unavailable\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        session = FakeRealtimeSession(self, ws)
        self.sessions.append(session)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        try:
            await session.send(
                {
                    "type": "session.created",
                    "session": {
                        "type": "realtime",
                        "model": session.model,
                        "object": "realtime.session",
                    },
                }
            )
            if self.echo:
                await self._echo_loop(ws)
                return
            async for message in ws:
                event = json.loads(message)
                if self.validate:
                    try:
                        validate_client_event(event)
                    except ValueError as exc:
                        self.errors.append(str(exc))
                await session._handle(event)
        except ConnectionClosed:
            pass
        finally:
            session.closed.set()
            session._notify()

    async def _echo_loop(self, ws: ServerConnection) -> None:
        """Benchmark mode: audio appends come back as deltas; anything else verbatim."""
        head = (
            '{"type":"response.output_audio.delta","event_id":"e","response_id":"resp_echo",'
            '"item_id":"item_echo","output_index":0,"content_index":0,"delta":'
        )
        async for message in ws:
            if isinstance(message, str) and message.startswith(
                '{"type": "input_audio_buffer.append"'
            ):
                audio = json.loads(message)["audio"]
                await ws.send(head + json.dumps(audio) + "}")
            elif isinstance(message, str) and message.startswith('{"type"'):
                continue  # session.update and other control events need no answer here
            else:
                await ws.send(message)
