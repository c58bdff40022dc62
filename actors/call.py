"""One actor per live call: owns the call's state; audio never reaches it (the gateway pumps it)."""

from __future__ import annotations

from actors.conversation import ConversationActor, TurnError
from actors.messages import INVALID, ConversationInput

CALL_EVENTS = ("call.started", "call.transcript", "call.tool_call", "call.dtmf", "call.ended")


class CallActor(ConversationActor):
    """Receives call lifecycle events, transcripts and tool calls; answers tool results."""

    kind = "call"

    def initial_state(self) -> dict:
        return {"turns": 0, "transcript": [], "ended": False}

    def handle(self, message: ConversationInput) -> dict:
        if message.event not in CALL_EVENTS:
            raise TurnError(f"unknown call event {message.event!r}", INVALID)
        self.state["turns"] += 1
        if message.event == "call.transcript":
            self.state["transcript"].append(
                {"role": message.payload.get("role", "caller"), "text": message.payload["text"]}
            )
        if message.event == "call.ended":
            self.state["ended"] = True
        return {"turn": self.state["turns"]}
