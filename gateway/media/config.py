"""Per-call bridge configuration (immutable, shared by every call of a clinic)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_STILL_THERE = (
    "The caller has been silent for a while. Ask once, briefly and kindly, whether they "
    "are still there."
)
DEFAULT_SILENCE_GOODBYE = (
    "The caller is still silent. Say a short, polite goodbye and invite them to call back."
)
DEFAULT_MAX_DURATION_GOODBYE = (
    "The call has reached its time limit. Apologise briefly, say the clinic will follow up "
    "if needed, and say goodbye."
)
DEFAULT_RECONNECTED = (
    "The line dropped for a moment. Briefly apologise for the interruption and continue "
    "where the conversation left off."
)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function tool offered to the model (flattened GA shape on the wire)."""

    name: str
    description: str
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    """Everything a call bridge needs besides its sockets and hooks.

    Times are seconds unless the name says ms. ``min_barge_in_ms`` = 0 interrupts the
    assistant on the first ``speech_started``; a positive value ignores shorter sounds
    (coughs, "mm-hm") and then the server is told not to cancel responses on its own.
    """

    model: str = "gpt-realtime"
    voice: str = "marin"
    instructions: str = ""
    tools: tuple[ToolSpec | Mapping[str, Any], ...] = ()
    transcription_model: str = "gpt-4o-mini-transcribe"
    vad_threshold: float = 0.5
    vad_prefix_padding_ms: int = 300
    vad_silence_duration_ms: int = 500
    # Greeting: the assistant speaks first once the session is configured.
    greet_first: bool = True
    greeting_instructions: str | None = None
    # The keypad: this digit transfers the caller to the front desk (when there is a number).
    front_desk_digit: str = "0"
    front_desk_phone: str | None = None
    # Turn taking and timers.
    min_barge_in_ms: int = 300
    silence_s: float = 8.0
    max_call_s: float = 15 * 60.0
    goodbye_timeout_s: float = 10.0
    handoff_grace_s: float = 10.0
    # Engine session lifetime and failure handling.
    session_max_s: float = 55 * 60.0
    connect_timeout_s: float = 5.0
    start_timeout_s: float = 5.0
    tool_timeout_s: float = 20.0
    max_reconnects: int = 1
    context_max_items: int = 40
    # A mark after at least this much audio (and at each item's end); 0 = after every chunk.
    # Each mark is a frame out and an echo in: at 100 ms they were a tenth of the bridge's
    # CPU per 20 ms frame (bench/media.py). A barge-in truncates at most this much early.
    mark_interval_ms: int = 200
    # Bounded buffers.
    inbound_queue_frames: int = 100
    notify_queue_size: int = 256
    # Prompts for bridge-initiated responses.
    still_there_instructions: str = DEFAULT_STILL_THERE
    silence_goodbye_instructions: str = DEFAULT_SILENCE_GOODBYE
    max_duration_instructions: str = DEFAULT_MAX_DURATION_GOODBYE
    reconnected_instructions: str = DEFAULT_RECONNECTED
