"""The offline voice engine with its real models: what the bridge relies on, heard and spoken.

The engine's far side is the machine itself, so these tests speak real audio to a session
(the simulated caller's voice, 20 ms mu-law frames) and listen to what it says back (the
recogniser transcribes it). They check the ``VoiceEngine`` contract's rules for this engine:
turns come out as SpeechStarted/SpeechStopped and a transcript, a finished turn is answered on
the engine's own initiative (a ``brain.hear`` tool call), answers are audio with their text,
a second request while one runs is refused by id, cancel ends the answer as cancelled, and
closing ends the session. The bridge and the call actor around it are exercised end to end in
``tests/test_voice_calls.py``.
"""

from __future__ import annotations

import asyncio
import base64
import json

import numpy as np
import pytest

from cli.caller_speech import CALLER, piper_speak
from gateway.media.engines import (
    AssistantText,
    AssistantTranscript,
    AudioDelta,
    CallerTranscript,
    EngineDisconnected,
    EngineError,
    ResponseDone,
    ResponseStarted,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
)
from gateway.media.engines.local import GREET_TOOL, HEAR_TOOL, NOT_CAUGHT, LocalVoiceEngine
from gateway.media.mulaw import decode, encode
from gateway.media.speech.recognizer import Recognizer
from gateway.media.speech.synthesizer import RECEPTIONIST
from gateway.media.speech.workers import SpeechWorkers
from tests.fakes.harness import make_config, run

SILENCE = b"\xff" * 160


@pytest.fixture(scope="module")
def speech():
    workers = SpeechWorkers()
    workers.load()
    yield workers
    workers.close()


async def _open(speech: SpeechWorkers, codec: str = "PCMU"):
    engine = LocalVoiceEngine(speech)
    session = await engine.open_session(1, 5.0)
    await session.configure(make_config(), codec, [])
    return session


async def _say(session, audio: bytes, silence_ms: int = 800) -> None:
    audio = audio + SILENCE * (silence_ms // 20)
    for at in range(0, len(audio), 160):
        await session.send_audio(
            base64.b64encode(audio[at : at + 160].ljust(160, b"\xff")).decode()
        )


async def _until(session, last: type, timeout: float = 20.0) -> list:
    events = []
    async with asyncio.timeout(timeout):
        while True:
            event = await session.next_event()
            assert event is not None, f"session ended before {last.__name__}"
            events.append(event)
            if type(event) is last:
                return events


def _audio(events: list) -> bytes:
    return b"".join(base64.b64decode(e.delta) for e in events if type(e) is AudioDelta)


def _words(pcmu: bytes) -> str:
    return Recognizer().transcribe(decode(pcmu)).text.lower()


def test_the_greeting_is_asked_of_the_brain_and_spoken_sentence_by_sentence(speech):
    async def scenario():
        session = await _open(speech)
        await session.request_response(None, "r1")
        asked = await _until(session, ResponseDone)
        call = next(e for e in asked if type(e) is ToolCall)
        assert call.name == GREET_TOOL
        reply = {"ok": True, "say": "Thanks for calling Glow Med Spa. How can I help you today?"}
        await session.send_tool_result(call.call_id, json.dumps(reply))
        await session.request_response(None, "r2")
        spoken = await _until(session, ResponseDone)
        texts = [e.delta.strip() for e in spoken if type(e) is AssistantText]
        assert texts == ["Thanks for calling Glow Med Spa.", "How can I help you today?"]
        first_text = spoken.index(next(e for e in spoken if type(e) is AssistantText))
        first_audio = spoken.index(next(e for e in spoken if type(e) is AudioDelta))
        assert first_text < first_audio  # the text of each sentence leads its audio
        heard = _words(_audio(spoken))
        assert "thanks for calling" in heard and "help you today" in heard
        transcript = next(e for e in spoken if type(e) is AssistantTranscript)
        assert transcript.text == reply["say"]
        await session.close()

    run(scenario())


def test_a_caller_turn_is_heard_and_handed_to_the_brain(speech):
    async def scenario():
        session = await _open(speech)
        session._greeted = True
        await _say(session, piper_speak("I'd like to book a HydraFacial on Friday", CALLER))
        events = await _until(session, ResponseDone)
        kinds = [type(e) for e in events]
        assert kinds.index(SpeechStarted) < kinds.index(SpeechStopped) < kinds.index(ToolCall)
        transcript = next(e for e in events if type(e) is CallerTranscript).text.lower()
        call = next(e for e in events if type(e) is ToolCall)
        assert call.name == HEAR_TOOL
        assert json.loads(call.arguments)["text"].lower() == transcript
        assert "book" in transcript and "friday" in transcript
        await session.close()

    run(scenario())


def test_sounds_that_are_not_words_are_asked_again_never_guessed(speech):
    async def scenario():
        session = await _open(speech)
        session._greeted = True
        rng = np.random.default_rng(3)
        t = np.arange(8000) / 8000  # a second of hum and hiss, loud enough to be speech-like
        hum = 6000 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t))
        noise = encode((hum + rng.normal(0, 3000, len(t))).clip(-32768, 32767).astype(np.int16))
        await _say(session, noise)
        events = await _until(session, ResponseDone)
        assert not any(type(e) is ToolCall for e in events)
        assert not any(type(e) is CallerTranscript for e in events)
        said = next(e for e in events if type(e) is AssistantTranscript)
        assert said.text == NOT_CAUGHT
        await session.close()

    run(scenario())


def test_a_request_while_speaking_is_refused_by_id_and_cancel_ends_the_answer(speech):
    async def scenario():
        session = await _open(speech)
        session._greeted = True
        session._reply = {"say": "One. Two. Three. Four. Five. Six. Seven. Eight."}
        await session.request_response(None, "first")
        started = await _until(session, ResponseStarted)
        await session.request_response(None, "second")
        refused = await _until(session, EngineError)
        assert refused[-1].request_id == "second" and refused[-1].response_in_progress
        await session.cancel_response()
        done = await _until(session, ResponseDone)
        assert done[-1].response_id == started[-1].response_id and done[-1].cancelled
        await session.close()
        assert await session.next_event() is None
        with pytest.raises(EngineDisconnected):
            await session.send_audio(base64.b64encode(SILENCE).decode())

    run(scenario())


def test_a_tool_the_brain_chose_is_called_after_the_answer(speech):
    async def scenario():
        session = await _open(speech, codec="PCMA")
        session._greeted = True
        await session.request_response(None, "r0")
        await _until(session, ResponseDone)
        session._reply = {"say": "Goodbye!", "then": "end_conversation"}
        await session.request_response(None, "r1")
        events = await _until(session, ResponseDone)
        kinds = [type(e) for e in events]
        assert kinds.index(AudioDelta) < kinds.index(ToolCall)
        assert next(e for e in events if type(e) is ToolCall).name == "end_conversation"
        assert events[-1].tool_calls and events[-1].tool_calls[0].name == "end_conversation"
        await session.close()

    run(scenario())


def test_a_keypad_digit_is_a_turn_for_the_brain(speech):
    async def scenario():
        session = await _open(speech)
        session._greeted = True
        await session.send_dtmf("2")
        events = await _until(session, ResponseDone)
        call = next(e for e in events if type(e) is ToolCall)
        assert call.name == HEAR_TOOL and json.loads(call.arguments) == {"text": "2", "dtmf": True}
        await session.close()

    run(scenario())


def test_the_fallback_apology_is_spoken_words_once_rendered(speech):
    from gateway.media import prompts

    saved = dict(prompts._SPOKEN)
    try:
        prompts._SPOKEN.clear()
        assert prompts.apology_for("PCMU") == prompts.APOLOGY_PCMU  # the chime until rendered
        prompts.render_spoken_apology(lambda sentence: speech._render(sentence, RECEPTIONIST))
        spoken = prompts.apology_for("PCMU")
        assert len(spoken) % 160 == 0 and len(prompts.apology_for("PCMA")) == len(spoken)
        heard = _words(spoken)
        assert "sorry" in heard and "trouble" in heard and "clinic" in heard
    finally:
        prompts._SPOKEN.clear()
        prompts._SPOKEN.update(saved)
