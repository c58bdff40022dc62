"""One actor per live call: owns the call's state; audio never reaches it (the gateway pumps it).

The gateway tells it the call's lifecycle (started, transcript lines, DTMF, ended) and asks it
to run the model's tool calls against the real booking engine. Its state (transcript tail, tool
results, ended flag) is checkpointed after every input, so a crash mid-call is invisible to the
caller: the supervisor restarts it from the checkpoint and re-delivers the unanswered tool call,
which is answered from the checkpoint (dedupe by correlation id) or re-run with the same
idempotency key (nothing is booked twice). On "call.ended" it tells its supervisor it has
finished, so it is retired rather than restarted.
"""

from __future__ import annotations

import logging

from actors.conversation import ConversationActor, TurnError
from actors.conversation_tools import ConversationTools
from actors.messages import INVALID, ConversationInput, Finished
from actors.service_client import ServiceClient, knowledge_answerer
from store.fields import utcnow
from store.models import Clinic

log = logging.getLogger("vrai.call")

CALL_EVENTS = ("call.started", "call.transcript", "call.tool_call", "call.dtmf", "call.ended")
TRANSCRIPT_TAIL = 40
TOOLS_TAIL = 20
KB_TIMEOUT_S = 8.0


class CallActor(ConversationActor):
    """Receives call lifecycle events, transcripts and tool calls; answers tool results."""

    kind = "call"

    def initial_state(self) -> dict:
        return {
            "turns": 0,
            "customer_phone": None,
            "transcript": [],
            "tools": [],
            "dtmf": "",
            "ended": False,
            "outcome": None,
        }

    def receiveMsg_ConversationInit(self, message, sender) -> None:
        self.parent = sender
        super().receiveMsg_ConversationInit(message, sender)

    def on_start(self) -> None:
        self.client = ServiceClient(self.settings, self.directory)
        self.finished = False

    def receiveMsg_Directory(self, message, sender) -> None:
        super().receiveMsg_Directory(message, sender)
        if getattr(self, "client", None) is not None:
            self.client.directory = self.directory

    def handle(self, message: ConversationInput):
        if message.event not in CALL_EVENTS:
            raise TurnError(f"unknown call event {message.event!r}", INVALID)
        self.state["turns"] += 1
        payload = message.payload
        if message.event == "call.started":
            self.state["customer_phone"] = payload.get("customer_phone")
            return {"turn": self.state["turns"]}
        if message.event == "call.transcript":
            text = payload.get("text")
            if not isinstance(text, str):
                raise TurnError("call.transcript needs text", INVALID)
            tail = self.state["transcript"]
            tail.append({"role": payload.get("role", "caller"), "text": text})
            del tail[:-TRANSCRIPT_TAIL]
            return {"turn": self.state["turns"]}
        if message.event == "call.dtmf":
            self.state["dtmf"] = (self.state["dtmf"] + str(payload.get("digit", ""))[:1])[-32:]
            return {"turn": self.state["turns"]}
        if message.event == "call.ended":
            self.state["ended"] = True
            self.state["outcome"] = payload.get("outcome")
            self.finished = True
            return {"turn": self.state["turns"], "ended": True}
        return self._tool_call(message)

    # ------------------------------------------------------------------ tools

    def _tool_call(self, message: ConversationInput) -> dict:
        payload = message.payload
        name, args = payload.get("name"), payload.get("arguments")
        phone = payload.get("customer_phone") or self.state.get("customer_phone")
        if not isinstance(name, str) or not isinstance(phone, str):
            raise TurnError("call.tool_call needs name and customer_phone", INVALID)
        clinic = Clinic.get_by_id(self.clinic_id)
        tools = ConversationTools(
            clinic,
            phone,
            "call",
            f"call:{self.key}:{payload.get('call_id') or message.corr}",
            utcnow(),
            knowledge_answerer(self.client, clinic.id, timeout_s=KB_TIMEOUT_S),
        )
        result = tools.call(name, args if isinstance(args, dict) else {})
        self.pending_push = list(tools.events)
        done = self.state["tools"]
        done.append({"name": name, "ok": bool(result.get("ok")), "error": result.get("error")})
        del done[:-TOOLS_TAIL]
        return result

    def after_commit(self) -> None:
        if self.finished and getattr(self, "parent", None) is not None:
            self.finished = False
            self.send(self.parent, Finished(self.key))
