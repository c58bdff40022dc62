"""What a voice engine tells the bridge: small frozen dataclasses, the same for every engine.

An engine's session turns its own protocol into these in ``next_event``; the bridge never
sees an engine's wire format. Ids (response, item, call) are the engine's own and only mean
something inside one session. Audio is base64 in the call's G.711 codec, both ways.

``AudioDelta`` is the per-20-ms downlink event: an engine builds it without validation
layers in between (see ``engines/openai_realtime.py``), and the bridge tells it apart with
``type(event) is AudioDelta`` before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AudioDelta:
    """Assistant audio to play: a chunk of ``item_id``, part of ``response_id``."""

    response_id: str
    item_id: str
    delta: str  # base64 G.711, the call's codec


@dataclass(frozen=True, slots=True)
class AudioDone:
    """``item_id`` has no more audio (the bridge marks the tail for playout accounting)."""

    response_id: str
    item_id: str


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The engine's turn detection heard the caller start speaking.

    ``audio_start_ms`` is the position in the caller audio the session received.
    """

    audio_start_ms: int


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """The caller stopped speaking (``audio_end_ms`` on the same clock as the start)."""

    audio_end_ms: int


@dataclass(frozen=True, slots=True)
class ResponseStarted:
    """A response is in progress: one the bridge requested, or the engine's own answer to a
    finished caller turn."""

    response_id: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The model asks for a tool; ``arguments`` is its JSON text, untrusted."""

    response_id: str
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ResponseDone:
    """A response ended, completed or ``cancelled``; ``tool_calls`` repeats its tool calls
    (the bridge runs each call id once, whichever event names it first)."""

    response_id: str
    cancelled: bool = False
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class CallerTranscript:
    """A finished line of what the caller said."""

    text: str


@dataclass(frozen=True, slots=True)
class AssistantText:
    """More of the text ``item_id`` speaks, as the engine produces it (before or alongside
    its audio). The bridge uses it to tell the gateway what a caller heard before a barge-in."""

    response_id: str
    item_id: str
    delta: str


@dataclass(frozen=True, slots=True)
class AssistantTranscript:
    """The whole text of an assistant item (what it said, heard to the end or not)."""

    response_id: str
    item_id: str
    text: str


@dataclass(frozen=True, slots=True)
class EngineError:
    """The engine refused something or reports a problem; the call goes on.

    ``request_id`` names the ``request_response`` it refuses, if any; ``response_in_progress``
    says it was refused because another response is still running (the bridge asks again
    after it); ``ends_session`` says the session cannot go on (the bridge replaces it, with
    the conversation so far).
    """

    type: str
    code: str = ""
    message: str = ""
    request_id: str | None = None
    response_in_progress: bool = False
    ends_session: bool = False


EngineEvent = (
    AudioDelta
    | AudioDone
    | SpeechStarted
    | SpeechStopped
    | ResponseStarted
    | ToolCall
    | ResponseDone
    | CallerTranscript
    | AssistantText
    | AssistantTranscript
    | EngineError
)
