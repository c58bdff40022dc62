"""The ``VoiceEngine`` contract, run on every backend in ``VOICE_ENGINES`` with a far side.

The offline engine (``local``) has no far side to drive: it hears real audio and speaks with
real models, so its part of the contract is checked with real speech in
``tests/media/test_local_engine.py`` instead. Each test here opens a session of the engine
against its driver's far side (``engine_drivers``) and checks what the bridge relies on:
configuration and context reach the engine, caller audio reaches it, its turns, answers
and tool calls come out as the neutral events, tool results, truncation and cancellation
are accepted, failures surface as ``EngineDisconnected``, and closing is clean.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from gateway.media import VOICE_ENGINES, EngineDisconnected, make_voice_engine
from gateway.media.engines import (
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
    VoiceEngine,
    VoiceSession,
)
from store.settings import Backends, Settings
from tests.fakes.harness import BOOKING_TOOLS, make_config, run
from tests.media.engine_drivers import DRIVERS, EngineDriver, b64

FRAME = 160
Body = Callable[[EngineDriver, VoiceSession, Any], Awaitable[None]]


ON_THE_MACHINE = {"local": "tests/media/test_local_engine.py"}


@pytest.fixture(params=sorted(set(VOICE_ENGINES) - set(ON_THE_MACHINE)))
def backend(request: pytest.FixtureRequest) -> str:
    if request.param not in DRIVERS:
        pytest.fail(f"voice engine {request.param!r} has no driver in tests/media/engine_drivers")
    return str(request.param)


def contract(backend: str, body: Body, codec: str = "PCMU", **overrides: object) -> None:
    """Open and configure one session of ``backend``, run ``body``, close it."""
    config = make_config(**overrides)

    async def scenario() -> None:
        async with DRIVERS[backend](config) as driver:
            assert isinstance(driver.engine, VoiceEngine) and driver.engine.name == backend
            session = await driver.engine.open_session(7, 2.0)
            try:
                assert isinstance(session, VoiceSession) and session.generation == 7
                peer = await driver.peer()
                await session.configure(config, codec, [])
                await body(driver, session, peer)
            finally:
                await session.close()

    run(scenario())


async def events_until(
    session: VoiceSession, last: type, timeout: float = 5.0
) -> list[EngineEvent]:
    """Events up to and including the first of type ``last``."""
    events: list[EngineEvent] = []
    async with asyncio.timeout(timeout):
        while True:
            event = await session.next_event()
            assert event is not None, f"session ended before a {last.__name__}"
            events.append(event)
            if type(event) is last:
                return events


def of(events: list[EngineEvent], kind: type) -> list[Any]:
    return [event for event in events if type(event) is kind]


def test_configure_sends_instructions_tools_codec_and_turn_policy(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        configured = await driver.configured(peer)
        assert configured.instructions == "You are the receptionist of Maple Clinic."
        assert configured.tool_names == [tool.name for tool in BOOKING_TOOLS]
        assert configured.codec == "PCMA"
        assert configured.voice == "marin"
        # With a barge-in guard the bridge, not the engine, decides to cut an answer off.
        assert configured.cancels_on_speech is False

    contract(backend, body, codec="PCMA", min_barge_in_ms=300)


def test_without_a_guard_the_engine_may_cancel_on_speech(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        configured = await driver.configured(peer)
        assert configured.codec == "PCMU" and configured.cancels_on_speech is True

    contract(backend, body, min_barge_in_ms=0)


def test_a_fresh_session_gets_the_conversation_so_far(backend: str) -> None:
    context = [
        ("caller", "I'd like a cleaning"),
        ("assistant", "Which day suits you?"),
        ("tool", 'Result of find_slots: {"slots": ["Mon 9:00"]}'),
    ]

    async def scenario() -> None:
        config = make_config()
        async with DRIVERS[backend](config) as driver:
            session = await driver.engine.open_session(2, 2.0)
            peer = await driver.peer()
            await session.configure(config, "PCMU", context)
            assert await driver.context(peer, len(context)) == context
            await session.close()

    run(scenario())


def test_caller_audio_reaches_the_engine_unchanged(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        frames = [bytes([n]) * FRAME for n in range(10)]
        assert session.can_send_at_once()  # nothing queued yet: the bridge's fast path
        for frame in frames:
            await session.send_audio(b64(frame))
        assert await driver.caller_audio(peer, 10 * FRAME) == b"".join(frames)

    contract(backend, body)


def test_a_caller_turn_comes_out_as_speech_events_and_a_transcript(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        await driver.caller_turn(peer, 100, 900, "Do you have anything on Monday?")
        events = await events_until(session, CallerTranscript)
        assert of(events, SpeechStarted) == [SpeechStarted(100)]
        assert of(events, SpeechStopped) == [SpeechStopped(900)]
        assert of(events, CallerTranscript) == [CallerTranscript("Do you have anything on Monday?")]
        assert [type(e) for e in events if type(e) in (SpeechStarted, SpeechStopped)] == [
            SpeechStarted,
            SpeechStopped,
        ]

    contract(backend, body)


def test_an_answer_comes_out_as_audio_text_and_done(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        audio = bytes(range(256)) * 10
        rid, item = await driver.answer(peer, audio, "Monday at nine is free.")
        events = await events_until(session, ResponseDone)
        assert of(events, ResponseStarted) == [ResponseStarted(rid)]
        deltas = of(events, AudioDelta)
        assert {(d.response_id, d.item_id) for d in deltas} == {(rid, item)}
        assert b"".join(base64.b64decode(d.delta) for d in deltas) == audio
        assert "".join(t.delta for t in of(events, AssistantText)) == "Monday at nine is free."
        assert of(events, AudioDone) == [AudioDone(rid, item)]
        assert of(events, AssistantTranscript) == [
            AssistantTranscript(rid, item, "Monday at nine is free.")
        ]
        assert events[-1] == ResponseDone(rid, cancelled=False, tool_calls=())

    contract(backend, body)


def test_a_tool_call_comes_out_and_its_result_goes_back(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        rid, call_id = await driver.tool_call(peer, "find_slots", '{"day": "monday"}')
        events = await events_until(session, ResponseDone)
        call = ToolCall(rid, call_id, "find_slots", '{"day": "monday"}')
        assert of(events, ToolCall) == [call]
        assert events[-1] == ResponseDone(rid, cancelled=False, tool_calls=(call,))
        output = json.dumps({"slots": ["Mon 9:00"]})
        await session.send_tool_result(call_id, output)
        assert await driver.tool_result(peer) == (call_id, output)

    contract(backend, body)


def test_a_requested_response_carries_its_instructions_and_a_refusal_names_it(
    backend: str,
) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        await session.request_response("Greet the caller.", "vrai_response_1")
        assert await driver.response_request(peer) == "Greet the caller."
        await driver.answer(peer, b"\x11" * 800, "Hello!", finish=False)  # still in progress
        await events_until(session, AudioDelta)
        await session.request_response(None, "vrai_response_2")
        (error,) = of(await events_until(session, EngineError), EngineError)
        assert error.request_id == "vrai_response_2" and error.response_in_progress
        assert not error.ends_session

    contract(backend, body)


def test_truncate_and_cancel_are_accepted(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        rid, item = await driver.answer(peer, b"\x22" * 3200, "A long answer.", finish=False)
        deltas = of(await events_until(session, AudioDelta), AudioDelta)
        while sum(len(base64.b64decode(d.delta)) for d in deltas) < 3200:
            deltas += of(await events_until(session, AudioDelta), AudioDelta)
        await session.truncate(item, 150)
        assert await driver.truncation(peer) == (item, 150)
        await session.cancel_response()
        events = await events_until(session, ResponseDone)
        assert of(events, EngineError) == []  # neither was refused
        assert events[-1].response_id == rid and events[-1].cancelled

    contract(backend, body)


def test_malformed_input_is_skipped(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        await driver.garbage(peer)
        await driver.caller_turn(peer, 0, 500, "Still there?")
        events = await events_until(session, CallerTranscript)
        assert of(events, SpeechStarted) == [SpeechStarted(0)]

    contract(backend, body)


def test_a_drop_raises_disconnected_and_a_refused_open_too(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        await driver.drop(peer)
        with pytest.raises(EngineDisconnected):
            async with asyncio.timeout(5.0):
                while await session.next_event() is not None:
                    pass
        driver.refuse_next_open()
        with pytest.raises(EngineDisconnected):
            await driver.engine.open_session(8, 2.0)

    contract(backend, body)


def test_close_is_clean_idempotent_and_final(backend: str) -> None:
    async def body(driver: EngineDriver, session: VoiceSession, peer: Any) -> None:
        await session.send_audio(b64(b"\x01" * FRAME))
        await driver.caller_audio(peer, FRAME)
        await session.close()
        await session.close()
        await driver.closed(peer)
        with pytest.raises(EngineDisconnected):
            await session.send_audio(b64(b"\x02" * FRAME))
        with pytest.raises(EngineDisconnected):
            await session.request_response(None, "vrai_response_9")

    contract(backend, body)


# ---------------------------------------------------------------------- registry


def test_every_engine_is_registered_under_its_name() -> None:
    for name, factory in VOICE_ENGINES.items():
        assert factory.name == name  # type: ignore[attr-defined]
        assert callable(factory.from_settings)


def test_make_voice_engine_builds_what_the_settings_name(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.backends.voice == "local"  # the embedded default: offline speech
    assert make_voice_engine(settings).name == "local"
    assert make_voice_engine(settings.replace(backends=Backends(voice=None))) is None
    with pytest.raises(ValueError, match="unknown voice engine"):
        make_voice_engine(settings.replace(backends=Backends(voice="carrier_pigeon")))
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        make_voice_engine(settings.replace(backends=Backends(voice="openai_realtime")))

    async def scenario() -> None:
        from tests.fakes.realtime_server import FakeRealtimeServer

        async with FakeRealtimeServer() as server:
            configured = settings.replace(
                backends=Backends(voice="openai_realtime"),
                openai_api_key="test-key",
                openai_base_url=server.base_url,
            )
            engine = make_voice_engine(configured)
            assert engine is not None and engine.name == "openai_realtime"
            session = await engine.open_session(1, 2.0)
            peer = await server.next_session()
            assert peer.model == make_config().model and peer.authorization == "Bearer test-key"
            await session.close()
            await engine.aclose()

    run(scenario())
