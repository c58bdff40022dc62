"""The call's lifecycle, declared: which input moves a call from which state to which.

One owner: the CallActor runs every input through ``next_state`` and nothing else sets the
state. A state's row lists the inputs it takes; an input a state does not list is refused
(a tool call after the hang-up is answered "the call has ended", never run for nobody).

    ringing      -- CallStarted   --> answered     (Telnyx answered; the actor knows the caller)
    answered     -- CallStreaming --> streaming    (a voice engine is talking to the caller)
    answered     -- CallFallback  --> transferring (no engine could talk: handed to staff)
    streaming    -- ToolCall(transfer_to_staff, ok) --> transferring
    streaming    -- CallFallback  --> transferring (the engine failed mid-call)
    any but ended -- CallEnded    --> ended        (with the outcome the actor decides)

The call's outcome is decided once, on ``CallEnded``, from what happened: the most telling
tool that succeeded, else ``completed`` if an engine talked to the caller, else ``missed``.
"""

from __future__ import annotations

from actors.messages import (
    CallBargeIn,
    CallDtmf,
    CallEnded,
    CallFallback,
    CallStarted,
    CallStreaming,
    CallTranscript,
    ToolCall,
)

RINGING, ANSWERED, STREAMING, TRANSFERRING, ENDED = (
    "ringing",
    "answered",
    "streaming",
    "transferring",
    "ended",
)
STAY = None  # the input is taken and the state does not change

_TALKING = {CallTranscript: STAY, CallDtmf: STAY, CallBargeIn: STAY, CallEnded: ENDED}

#: state -> {input class: next state (STAY: unchanged)}
LIFECYCLE: dict[str, dict[type, str | None]] = {
    RINGING: {CallStarted: ANSWERED, CallStreaming: STREAMING, CallFallback: TRANSFERRING}
    | _TALKING
    | {ToolCall: STAY},
    ANSWERED: {
        CallStarted: STAY,
        CallStreaming: STREAMING,
        CallFallback: TRANSFERRING,
        ToolCall: STAY,
    }
    | _TALKING,
    STREAMING: {CallStarted: STAY, CallStreaming: STAY, CallFallback: TRANSFERRING, ToolCall: STAY}
    | _TALKING,
    TRANSFERRING: {CallStarted: STAY, CallFallback: STAY, ToolCall: STAY} | _TALKING,
    ENDED: {CallEnded: STAY},
}

# Most telling thing that happened in a call first (tools that succeeded).
OUTCOME_BY_TOOL = (
    ("transfer_to_staff", "transferred"),
    ("book_appointment", "booked"),
    ("reschedule_appointment", "rescheduled"),
    ("cancel_appointment", "cancelled"),
    ("take_message", "message_taken"),
    ("answer_question", "answered_question"),
)
#: Outcomes where nobody was helped: the caller gets a text back.
UNHELPED_OUTCOMES = frozenset({"missed", "completed"})


class NotNow(Exception):
    """The input is not one the call's current state takes."""


def next_state(state: str, message: object) -> str:
    """The state after ``message``; raises ``NotNow`` when ``state`` does not take it."""
    row = LIFECYCLE[state]
    kind = type(message)
    if kind not in row:
        raise NotNow(f"a call that is {state} takes no {kind.__name__}")
    after = row[kind]
    return state if after is STAY else after


def outcome(succeeded_tools: set[str], talked: bool) -> str:
    """What the call came to, from the tools that succeeded and whether an engine talked."""
    for tool, result in OUTCOME_BY_TOOL:
        if tool in succeeded_tools:
            return result
    return "completed" if talked else "missed"
