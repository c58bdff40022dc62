"""The offline voice engine: turn detection, recognition and synthesis on this machine.

It answers calls with no API key, behind the same ``VoiceEngine`` interface as the Realtime
engine, so the bridge's turn-taking (barge-in and its guard, silence prompts, max duration,
marks, latency) is the same code for both. What differs is who decides what to say: here it
is the local brain the texts use, run by the call's actor. A finished caller turn becomes a
response holding one tool call, ``brain.hear`` with the words heard; the bridge runs it
through the call actor like any tool, sends its result back, and asks for the follow-up
answer, which this session speaks. The greeting is ``brain.greet`` the same way. A tool
the brain chose (hang up, transfer) is called at the end of the spoken answer, so the bridge
performs it once the caller has heard it, as with Realtime.

Tool names with a dot can never come from an OpenAI model (its names are ``[A-Za-z0-9_-]``),
so no other engine can reach the brain's entry points.

Speech work runs on worker threads (``gateway/media/speech/workers.py``); ``send_audio``
only decodes a frame and asks the voice activity detector about it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from gateway.media.mulaw import decode, encode, encode_alaw

from ..speech.synthesizer import sentences
from ..speech.turns import Started, Stopped, TurnDetector
from .base import Context, EngineDisconnected
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

if TYPE_CHECKING:
    from store.settings import Settings

    from ..config import BridgeConfig
    from ..speech.workers import SpeechWorkers

log = logging.getLogger("vrai.voice.local")

HEAR_TOOL = "brain.hear"
GREET_TOOL = "brain.greet"
BRAIN_TOOLS = (HEAR_TOOL, GREET_TOOL)
CHUNK_BYTES = 1600  # 200 ms of G.711 per AudioDelta
# Silence that ends a caller's turn. Short, because recognition starts then: if the caller
# goes on while it runs, the turn is heard again as one (``_carry``), so a pause between
# words costs a recognition, not a cut-off sentence.
END_SILENCE_MS = 200
FIRST_CLAUSE_CHARS = 50  # a longer first sentence is said from its first comma on separately

NOT_CAUGHT = "Sorry, I didn't catch that. Could you say it again?"
NOT_CAUGHT_AGAIN = (
    "Sorry, I still didn't catch that. Could you say it another way? "
    "You can also press 0 to reach the front desk."
)
BUSY = "Sorry, our system is busy for a moment. Could you say that again?"
FIXED = {  # what the bridge's own prompts become, said in words
    "still_there": "Are you still there?",
    "silence_goodbye": "I'll let you go for now. Please call back any time. Goodbye!",
    "max_duration": (
        "I'm sorry, we've reached the time limit for this call. "
        "The clinic will follow up if needed. Goodbye!"
    ),
    "reconnected": "Sorry about that. Where were we?",
}


class LocalVoiceEngine:
    """Opens offline sessions; the speech models and worker threads are shared by all calls."""

    name = "local"

    def __init__(self, speech: SpeechWorkers, *, end_silence_ms: int = END_SILENCE_MS) -> None:
        self.speech = speech
        self.end_silence_ms = end_silence_ms
        self._ready: asyncio.Future | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalVoiceEngine:
        from ..speech.workers import SpeechWorkers

        return cls(SpeechWorkers())

    def warm_up(self) -> None:
        """Load and check the models on a worker thread now (about 1.5 s), so the first call
        does not wait for them; the gateway calls this as it starts."""
        if self._ready is None:
            self._ready = asyncio.get_running_loop().run_in_executor(None, self.speech.load)
            self._ready.add_done_callback(_report_load)

    @property
    def loading(self) -> asyncio.Future | None:
        """The models' load started by ``warm_up`` (None before it): readiness waits on it."""
        return self._ready

    async def open_session(self, generation: int, timeout: float) -> LocalSession:
        self.warm_up()
        assert self._ready is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), timeout=max(timeout, 30.0))
        except Exception as exc:  # the models cannot run here: the bridge hands off to staff
            raise EngineDisconnected(f"offline speech unavailable: {exc}") from None
        return LocalSession(self, generation)

    async def aclose(self) -> None:
        self.speech.close()


def first_clause_apart(parts: list[str]) -> list[str]:
    """The first sentence split at a comma when it is long: its first clause renders in half
    the time, and that is the wait before the caller hears anything."""
    if not parts or len(parts[0]) <= FIRST_CLAUSE_CHARS:
        return parts
    cut = parts[0].find(", ", 12)
    if cut < 0 or cut > FIRST_CLAUSE_CHARS:
        return parts
    return [parts[0][: cut + 1], parts[0][cut + 2 :], *parts[1:]]


def _report_load(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("offline voice cannot start: %s", future.exception())


class LocalSession:
    """One call's offline conversation: hears turns, asks the brain (via the bridge), speaks."""

    def __init__(self, engine: LocalVoiceEngine, generation: int) -> None:
        self.generation = generation
        self._speech = engine.speech
        self._detector = TurnDetector(end_silence_ms=engine.end_silence_ms)
        self._events: asyncio.Queue[EngineEvent | None] = asyncio.Queue()
        self._ids = itertools.count(1)
        self._codec = "PCMU"
        self._config: BridgeConfig | None = None
        self._vocabulary = ""
        self._greeted = False
        self._closed = False
        self._active: str | None = None  # response id in progress
        self._speaking: asyncio.Task | None = None
        self._hearing: asyncio.Task | None = None
        self._carry: np.ndarray | None = None  # a turn the caller went on with
        self._reply: dict[str, Any] | None = None  # the brain's last answer, to be spoken
        self._brain_calls: set[str] = set()
        self._misses = 0

    # ------------------------------------------------------------------ the interface

    async def configure(self, config: BridgeConfig, codec: str, context: Context) -> None:
        self._config, self._codec = config, codec
        # A replaced session (renewal, reconnect) picks up a conversation already greeted.
        self._greeted = any(role == "assistant" for role, _ in context)

    def can_send_at_once(self) -> bool:
        return not self._closed

    async def send_audio(self, payload_b64: str) -> None:
        if self._closed:
            raise EngineDisconnected("session closed")
        try:
            samples = decode(base64.b64decode(payload_b64), self._codec)
        except ValueError:
            return  # not base64: skipped, like any malformed input
        for start in range(0, len(samples) - 159, 160):
            self._turn_event(self._detector.feed(samples[start : start + 160]))

    async def next_event(self) -> EngineEvent | None:
        if self._closed and self._events.empty():
            return None
        return await self._events.get()

    async def request_response(self, instructions: str | None, request_id: str) -> None:
        if self._active is not None:
            self._put(
                EngineError(
                    "invalid_request_error",
                    "conversation_already_has_active_response",
                    "a response is in progress",
                    request_id=request_id,
                    response_in_progress=True,
                )
            )
            return
        reply, self._reply = self._reply, None
        if reply is not None:
            self._start_speaking(str(reply.get("say") or ""), reply.get("then"))
        elif self._fixed(instructions) is not None:
            self._start_speaking(self._fixed(instructions) or "", None)
        elif not self._greeted:
            self._greeted = True
            self._ask_brain(GREET_TOOL, {})
        else:
            rid = self._new_id("resp")  # nothing to add: an empty answer keeps the protocol
            self._put(ResponseStarted(rid))
            self._put(ResponseDone(rid))

    async def cancel_response(self) -> None:
        task, rid = self._speaking, self._active
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if rid is not None:
                self._active = None
                self._put(ResponseDone(rid, cancelled=True))

    async def truncate(self, item_id: str, audio_end_ms: int) -> None:
        return None  # nothing unsaid is kept: the bridge tells the call actor what was heard

    async def send_tool_result(self, call_id: str, output: str) -> None:
        if call_id not in self._brain_calls:
            return  # the result of a tool the brain chose: the bridge acts on it
        self._brain_calls.discard(call_id)
        try:
            result = json.loads(output)
        except ValueError:
            result = {}
        if not isinstance(result, dict) or not result.get("ok"):
            self._reply = {"say": BUSY}
            return
        vocabulary = result.get("vocabulary")
        if isinstance(vocabulary, str):
            self._vocabulary = vocabulary[:2000]
        self._reply = {"say": result.get("say") or "", "then": result.get("then")}

    async def send_dtmf(self, digit: str) -> None:
        """A keypad digit is a turn of its own: "1" picks the first option, and so on."""
        if self._active is None and digit.isdigit():
            self._ask_brain(HEAR_TOOL, {"text": digit, "dtmf": True})

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in (self._speaking, self._hearing):
            if task is not None and not task.done():
                task.cancel()
        self._events.put_nowait(None)

    # ------------------------------------------------------------------ hearing

    def _turn_event(self, event) -> None:
        if event is None:
            return
        if type(event) is Started:
            self._put(SpeechStarted(event.at_ms))
            if self._hearing is not None and not self._hearing.done():
                self._hearing.cancel()  # they went on talking: hear it all as one turn
        elif type(event) is Stopped:
            self._put(SpeechStopped(event.at_ms))
            audio = event.audio
            if self._carry is not None:
                audio, self._carry = np.concatenate([self._carry, audio]), None
            if self._active is not None and self._speaking is not None:
                return  # spoken over the answer without stopping it: a cough, an "mm-hm"
            self._hearing = asyncio.get_running_loop().create_task(self._hear(audio))

    async def _hear(self, audio: np.ndarray) -> None:
        try:
            heard = await self._speech.hear(audio, self._vocabulary)
        except asyncio.CancelledError:
            self._carry = audio
            raise
        except Exception as exc:  # a model failure is one lost turn, not a lost call
            log.warning("recognition failed: %s", type(exc).__name__)
            heard = None
        if self._closed or self._active is not None:
            return
        if heard is None or heard.unsure:
            self._misses += 1
            self._start_speaking(NOT_CAUGHT if self._misses == 1 else NOT_CAUGHT_AGAIN, None)
            return
        self._misses = 0
        self._put(CallerTranscript(heard.text))
        self._ask_brain(HEAR_TOOL, {"text": heard.text})

    def _ask_brain(self, tool: str, arguments: dict[str, Any]) -> None:
        rid, call_id = self._new_id("resp"), self._new_id("call")
        self._brain_calls.add(call_id)
        call = ToolCall(rid, call_id, tool, json.dumps(arguments))
        self._put(ResponseStarted(rid))
        self._put(call)
        self._put(ResponseDone(rid, tool_calls=(call,)))

    # ------------------------------------------------------------------ speaking

    def _fixed(self, instructions: str | None) -> str | None:
        config = self._config
        if config is None or instructions is None:
            return None
        known = {
            config.still_there_instructions: FIXED["still_there"],
            config.silence_goodbye_instructions: FIXED["silence_goodbye"],
            config.max_duration_instructions: FIXED["max_duration"],
            config.reconnected_instructions: FIXED["reconnected"],
        }
        return known.get(instructions)

    def _start_speaking(self, text: str, then: Any) -> None:
        rid = self._new_id("resp")
        self._active = rid
        self._put(ResponseStarted(rid))
        self._speaking = asyncio.get_running_loop().create_task(self._speak(rid, text, then))

    async def _speak(self, rid: str, text: str, then: Any) -> None:
        """Sentence by sentence: each is rendered while the one before it plays."""
        item = self._new_id("item")
        said: list[str] = []
        try:
            for sentence in first_clause_apart(sentences(text)):
                samples = await self._speech.say(sentence)
                self._put(AssistantText(rid, item, (" " if said else "") + sentence))
                said.append(sentence)
                audio = self._encode(samples)
                for at in range(0, len(audio), CHUNK_BYTES):
                    chunk = base64.b64encode(audio[at : at + CHUNK_BYTES]).decode()
                    self._put(AudioDelta(rid, item, chunk))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("synthesis failed: %s", type(exc).__name__)
        if said:
            self._put(AudioDone(rid, item))
            self._put(AssistantTranscript(rid, item, " ".join(said)))
        calls: tuple[ToolCall, ...] = ()
        if isinstance(then, str) and then:
            calls = (ToolCall(rid, self._new_id("call"), then, "{}"),)
            self._put(calls[0])
        self._active = None
        self._put(ResponseDone(rid, tool_calls=calls))

    def _encode(self, samples: np.ndarray) -> bytes:
        return encode_alaw(samples) if self._codec == "PCMA" else encode(samples)

    # ------------------------------------------------------------------ plumbing

    def _new_id(self, kind: str) -> str:
        return f"local_{kind}_{self.generation}_{next(self._ids)}"

    def _put(self, event: EngineEvent) -> None:
        if not self._closed:
            self._events.put_nowait(event)
