"""One actor per SMS thread (clinic number + customer number): it owns that conversation."""

from __future__ import annotations

from actors.conversation import ConversationActor, TurnError
from actors.messages import INVALID, ConversationInput

HISTORY_TURNS = 20


class SmsThreadActor(ConversationActor):
    """Keeps the thread's conversation state; one inbound text is one turn."""

    kind = "sms"

    def initial_state(self) -> dict:
        return {"turns": 0, "history": []}

    def handle(self, message: ConversationInput) -> dict:
        if message.event != "sms.received":
            raise TurnError(f"unknown sms event {message.event!r}", INVALID)
        self.state["turns"] += 1
        history = self.state["history"]
        history.append({"role": "customer", "text": message.payload.get("text", "")})
        del history[:-HISTORY_TURNS]
        return {"turn": self.state["turns"], "replies": []}
