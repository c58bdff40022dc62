"""Per-call and per-engine-session bookkeeping of the bridge (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .latency import LatencySummary


@dataclass(slots=True)
class CallStats:
    """What happened on one call; also sent to ``on_event("call_summary", ...)``."""

    frames_in: int = 0
    frames_dropped: int = 0  # caller audio dropped because the engine side lagged
    frames_late: int = 0  # out-of-order caller frames discarded
    chunks_out: int = 0
    late_deltas_dropped: int = 0
    barge_ins: int = 0
    ignored_interruptions: int = 0
    tool_calls: int = 0
    reconnects: int = 0
    renewals: int = 0
    notify_dropped: int = 0
    fallback: bool = False
    handoff: str = ""
    end_reason: str = ""
    latency: LatencySummary = field(default_factory=lambda: LatencySummary(0, None, None))


@dataclass(slots=True)
class ResponseState:
    """One model response: its lifecycle, its tool calls and what it asked us to do."""

    id: str
    created_at: float
    done: bool = False
    interrupted: bool = False
    cancel_sent: bool = False
    tools_running: int = 0
    wants_followup: bool = False
    action: dict[str, Any] | None = None
    settled: bool = False


@dataclass(slots=True)
class SessionState:
    """Response bookkeeping; ids are only meaningful inside one engine session."""

    responses: dict[str, ResponseState] = field(default_factory=dict)
    active: ResponseState | None = None
    requested: bool = False  # we asked for a response, its ResponseStarted not seen yet
    request_id: str = ""  # the id of that request, to match an EngineError to it
    request_instructions: str | None = None
    deferred: bool = False  # a response.create waits for the active response to finish
    deferred_instructions: str | None = None
    suppress_next: bool = False  # cancel the reply the server makes to an ignored "mm-hm"
    cancelled: set[str] = field(default_factory=set)
    seen_calls: set[str] = field(default_factory=set)
    item_response: dict[str, str] = field(default_factory=dict)
    item_text: dict[str, str] = field(default_factory=dict)  # assistant item -> its text so far

    def track(self, response_id: str, now: float) -> ResponseState:
        resp = self.responses.get(response_id)
        if resp is None:
            resp = self.responses[response_id] = ResponseState(response_id, now)
        return resp
