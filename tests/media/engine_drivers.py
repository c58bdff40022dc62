"""The far side of each voice engine, as the contract tests drive it.

A driver owns what a backend talks to (a fake server, a scripted local model...) and
exposes it in the engine-neutral verbs of ``EngineDriver``: what the engine was told, and
making the engine hear or say something. A new backend in ``VOICE_ENGINES`` adds a driver
to ``DRIVERS``; the contract suite (``test_voice_engine_contract.py``) then runs on it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.media import BridgeConfig, OpenAIRealtimeEngine, VoiceEngine
from tests.fakes.realtime_server import FakeRealtimeServer, FakeRealtimeSession


@dataclass(frozen=True)
class Configured:
    """What a session was configured with, as the engine's far side saw it."""

    instructions: str
    tool_names: list[str]
    codec: str  # "PCMU" | "PCMA", the same both ways
    voice: str
    cancels_on_speech: bool  # the engine may cut an answer off by itself when the caller speaks


class EngineDriver(Protocol):
    engine: VoiceEngine

    async def peer(self) -> Any:
        """The far side of the session opened last."""
        ...

    def refuse_next_open(self) -> None:
        """Make the next ``open_session`` fail."""
        ...

    # -- what the engine was told

    async def configured(self, peer: Any) -> Configured: ...

    async def context(self, peer: Any, count: int) -> list[tuple[str, str]]:
        """The first ``count`` replayed lines, roles as the bridge names them."""
        ...

    async def caller_audio(self, peer: Any, nbytes: int) -> bytes: ...

    async def response_request(self, peer: Any, nth: int = 1) -> str | None:
        """Instructions of the nth request for a response."""
        ...

    async def tool_result(self, peer: Any) -> tuple[str, str]:
        """(call_id, output) of the first tool result."""
        ...

    async def truncation(self, peer: Any) -> tuple[str, int]: ...

    async def closed(self, peer: Any) -> None: ...

    # -- making the engine hear or say something

    async def caller_turn(self, peer: Any, start_ms: int, end_ms: int, text: str) -> None: ...

    async def answer(
        self, peer: Any, audio: bytes, text: str, finish: bool = True
    ) -> tuple[str, str]:
        """An audio answer speaking ``text``; (response_id, item_id)."""
        ...

    async def tool_call(self, peer: Any, name: str, arguments: str) -> tuple[str, str]:
        """A response asking for a tool, then done; (response_id, call_id)."""
        ...

    async def garbage(self, peer: Any) -> None:
        """Input the engine must skip without failing."""
        ...

    async def drop(self, peer: Any) -> None:
        """The far side vanishes."""
        ...


_CODECS = {"audio/pcmu": "PCMU", "audio/pcma": "PCMA"}
_ROLES = {"user": "caller", "assistant": "assistant", "system": "tool"}


class RealtimeDriver:
    """OpenAI Realtime: the fake Realtime server, reached through the real openai SDK."""

    def __init__(self, server: FakeRealtimeServer, engine: OpenAIRealtimeEngine) -> None:
        self.server = server
        self.engine = engine

    async def peer(self) -> FakeRealtimeSession:
        return await self.server.next_session()

    def refuse_next_open(self) -> None:
        self.server.reject_next()

    async def configured(self, peer: FakeRealtimeSession) -> Configured:
        session = (await peer.wait_for("session.update"))["session"]
        audio = session["audio"]
        codec_in = _CODECS[audio["input"]["format"]["type"]]
        assert _CODECS[audio["output"]["format"]["type"]] == codec_in
        return Configured(
            instructions=session["instructions"],
            tool_names=[tool["name"] for tool in session["tools"]],
            codec=codec_in,
            voice=audio["output"]["voice"],
            cancels_on_speech=audio["input"]["turn_detection"]["interrupt_response"],
        )

    async def context(self, peer: FakeRealtimeSession, count: int) -> list[tuple[str, str]]:
        await peer.wait_for("conversation.item.create", nth=count)
        items = [event["item"] for event in peer.of_type("conversation.item.create")[:count]]
        return [(_ROLES[item["role"]], item["content"][0]["text"]) for item in items]

    async def caller_audio(self, peer: FakeRealtimeSession, nbytes: int) -> bytes:
        return await peer.wait_audio(nbytes)

    async def response_request(self, peer: FakeRealtimeSession, nth: int = 1) -> str | None:
        event = await peer.wait_for("response.create", nth=nth)
        return (event.get("response") or {}).get("instructions")

    async def tool_result(self, peer: FakeRealtimeSession) -> tuple[str, str]:
        item = (
            await peer.wait_for(
                "conversation.item.create", lambda e: e["item"]["type"] == "function_call_output"
            )
        )["item"]
        return item["call_id"], item["output"]

    async def truncation(self, peer: FakeRealtimeSession) -> tuple[str, int]:
        event = await peer.wait_for("conversation.item.truncate")
        return event["item_id"], event["audio_end_ms"]

    async def closed(self, peer: FakeRealtimeSession) -> None:
        await peer.closed.wait()

    async def caller_turn(
        self, peer: FakeRealtimeSession, start_ms: int, end_ms: int, text: str
    ) -> None:
        await peer.speech_started(start_ms)
        await peer.speech_stopped(end_ms)
        await peer.caller_transcript(text)

    async def answer(
        self, peer: FakeRealtimeSession, audio: bytes, text: str, finish: bool = True
    ) -> tuple[str, str]:
        rid = await peer.begin_response()
        item = await peer.audio_item(rid)
        await peer.assistant_transcript_delta(rid, item, text)
        for offset in range(0, len(audio), 800):
            await peer.audio_delta(rid, item, audio[offset : offset + 800])
        if finish:
            await peer.audio_done(rid, item)
            await peer.assistant_transcript(rid, item, text)
            await peer.end_response(rid)
        return rid, item

    async def tool_call(
        self, peer: FakeRealtimeSession, name: str, arguments: str
    ) -> tuple[str, str]:
        rid = await peer.begin_response()
        call_id = await peer.function_call(rid, name, arguments)
        await peer.end_response(rid)
        return rid, call_id

    async def garbage(self, peer: FakeRealtimeSession) -> None:
        await peer.send_unchecked("not json at all")
        await peer.send_unchecked("[1, 2]")
        await peer.send_unchecked('{"type": "response.created"}')  # no response object
        await peer.send_unchecked('{"type": "response.output_audio.delta", "item_id": "x"}')
        await peer.send_unchecked('{"type": "brand.new.event"}')

    async def drop(self, peer: FakeRealtimeSession) -> None:
        await peer.drop()


@asynccontextmanager
async def realtime_driver(config: BridgeConfig) -> AsyncIterator[RealtimeDriver]:
    async with (
        FakeRealtimeServer() as server,
        OpenAIRealtimeEngine(
            api_key="test-key", model=config.model, base_url=server.base_url
        ) as engine,
    ):
        yield RealtimeDriver(server, engine)


#: Engine name (VOICE_ENGINES) -> its driver, given the call's BridgeConfig.
DRIVERS: dict[str, Callable[[BridgeConfig], AbstractAsyncContextManager[EngineDriver]]] = {
    "openai_realtime": realtime_driver,
}


def b64(audio: bytes) -> str:
    return base64.b64encode(audio).decode("ascii")
