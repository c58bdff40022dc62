"""The ``VoiceEngine`` interface: what the call bridge needs from whatever talks to the caller.

An engine hears the caller's audio, decides when a turn ends, answers with audio (and tool
calls), and lets the bridge steer it: ask for a response, cancel one, truncate an answer at
what the caller heard. The bridge owns everything else: Telnyx, playout, barge-in and the
false-interruption guard, tool execution, timers, reconnects and fallback.

One engine object serves every call of a process (``open_session`` once per call, again on
a reconnect or a session renewal); ``aclose`` at shutdown. Backends live one per file next
to this one and are registered in ``engines/__init__.py`` (``VOICE_ENGINES``).

Rules every backend follows (``tests/media/test_voice_engine_contract.py`` checks them):

* Audio is G.711 at 8 kHz, base64, in the call's codec (``"PCMU"`` or ``"PCMA"``) both ways;
  nothing is transcoded on the bridge's side.
* The engine detects turns itself: ``SpeechStarted`` / ``SpeechStopped`` for the caller, and
  it answers a finished caller turn on its own (a ``ResponseStarted`` nobody requested).
* With ``config.min_barge_in_ms > 0`` the engine never cancels a response because the caller
  spoke: the bridge decides, after its guard, and calls ``cancel_response`` / ``truncate``.
  With 0 it may cancel on speech itself.
* ``request_response`` while a response is in progress is refused with an ``EngineError``
  naming its ``request_id`` (``response_in_progress``); the bridge asks again afterwards.
* ``AssistantText`` carries what an item says as it is produced; the closer it runs to the
  item's audio, the better the bridge's estimate of what a caller heard before a barge-in.
* Every failure to reach the engine (connect, send, receive) raises ``EngineDisconnected``;
  ``next_event`` returns None once the session ended cleanly. Malformed input from the
  engine's side is skipped, never raised.
* ``send_audio`` is the per-20-ms path: no awaits that can be avoided, no allocations beyond
  the frame itself. ``can_send_at_once`` tells the bridge a send will not wait, so it can
  skip its uplink queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .events import EngineEvent

if TYPE_CHECKING:
    from store.settings import Settings

    from ..config import BridgeConfig

#: (role, text) lines of the conversation so far; role is "caller", "assistant" or "tool".
Context = Sequence[tuple[str, str]]


class EngineDisconnected(Exception):
    """The engine's session is gone (dropped, refused or closed on its side)."""


@runtime_checkable
class VoiceSession(Protocol):
    """One live conversation with the engine, for one call (or part of one, until renewed)."""

    generation: int  # the bridge's counter of sessions opened for this call

    async def configure(self, config: BridgeConfig, codec: str, context: Context) -> None:
        """Set instructions, tools, voice and turn detection for ``codec``, then replay
        ``context`` (a fresh session after a drop or a renewal picks up the conversation)."""
        ...

    def can_send_at_once(self) -> bool:
        """True when ``send_audio`` would not wait (nothing buffered on the way out)."""
        ...

    async def send_audio(self, payload_b64: str) -> None:
        """Caller audio, a Telnyx payload as is (base64 G.711, usually 20 ms)."""
        ...

    async def next_event(self) -> EngineEvent | None:
        """The next event; None once the session ended cleanly."""
        ...

    async def request_response(self, instructions: str | None, request_id: str) -> None:
        """Answer now (``instructions`` steer this one answer); an ``EngineError`` with
        ``request_id`` refuses it."""
        ...

    async def cancel_response(self) -> None:
        """Stop the response in progress, if any (it ends with ``ResponseDone(cancelled)``)."""
        ...

    async def truncate(self, item_id: str, audio_end_ms: int) -> None:
        """The caller heard ``item_id`` only up to ``audio_end_ms``: forget the rest of it."""
        ...

    async def send_tool_result(self, call_id: str, output: str) -> None:
        """The JSON result of the ``ToolCall`` ``call_id`` (the bridge asks for the follow-up
        answer itself, with ``request_response``)."""
        ...

    async def close(self) -> None:
        """End the session; idempotent, never raises."""
        ...


@runtime_checkable
class VoiceEngine(Protocol):
    """Opens voice sessions; one per process, shared by its calls."""

    name: str  # its key in VOICE_ENGINES

    async def open_session(self, generation: int, timeout: float) -> VoiceSession:
        """A new, not yet configured session; raises EngineDisconnected on any failure."""
        ...

    async def aclose(self) -> None:
        """Release what the engine holds (clients, models); after the last call."""
        ...


class VoiceEngineFactory(Protocol):
    """What ``VOICE_ENGINES`` holds: an engine class, built from the settings by its
    ``from_settings`` classmethod (keys, model names and paths are the backend's business)."""

    def from_settings(self, settings: Settings, /) -> VoiceEngine: ...
