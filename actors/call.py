"""One actor per live call: owns the call's state; audio never reaches it (the gateway pumps it).

The gateway tells it the call's lifecycle (started, streaming, transcript lines, DTMF, barge-in,
fallback, ended) and asks it to run the model's tool calls against the real booking engine. It
answers ``CallStarted`` with what a voice engine needs for this call (instructions, tools,
voice), so the gateway builds no prompt. Its lifecycle is the declared table of
``actors/call_lifecycle.py``; on ``CallEnded`` it decides the call's outcome and, when nobody
was helped, queues the text-back job that the notifier sends.

Its state (lifecycle, transcript tail, tool results) is checkpointed after every input, so a
crash mid-call is invisible to the caller: the supervisor restarts it from the checkpoint and
re-delivers the unanswered tool call, which is answered from the checkpoint (dedupe by
correlation id) or re-run with the same idempotency key (nothing is booked twice). Once it
ended it tells its supervisor it has finished, so it is retired rather than restarted.
"""

from __future__ import annotations

import logging

from actors import call_brain
from actors import call_lifecycle as lifecycle
from actors.brain import safety
from actors.brain.prompts import build_system_prompt
from actors.clinic_context import clinic_info, customer_info
from actors.conversation import ConversationActor, TurnError
from actors.conversation_tools import ConversationTools
from actors.messages import (
    CallBargeIn,
    CallDtmf,
    CallEnded,
    CallFallback,
    CallStarted,
    CallStreaming,
    CallTranscript,
    Category,
    Finished,
    ToolCall,
    tool_error,
)
from actors.service_client import ServiceClient, knowledge_answerer
from actors.tools import realtime_tools
from store.events import record_event
from store.fields import utcnow
from store.models import Call, Clinic, Reminder

log = logging.getLogger("vrai.call")

TRANSCRIPT_TAIL = 40
TOOLS_TAIL = 20
KB_TIMEOUT_S = 8.0
DEFAULT_VOICE = "marin"


class CallActor(ConversationActor):
    """Receives call lifecycle events, transcripts and tool calls; answers tool results."""

    kind = "call"

    def initial_state(self) -> dict:
        return {
            "lifecycle": lifecycle.RINGING,
            "talked": False,
            "turns": 0,
            "customer_phone": None,
            "transcript": [],
            "tools": [],
            "dtmf": "",
            "barge_ins": 0,
            "fallback": None,
            "outcome": None,
            "brain": {},  # the local brain's memory, on the offline voice engine
        }

    def receiveMsg_ConversationInit(self, message, sender) -> None:
        self.parent = sender
        super().receiveMsg_ConversationInit(message, sender)

    def on_start(self) -> None:
        self.client = ServiceClient(self.settings, self.directory)
        self.finished = False
        self.intents = None  # the local brain's classifier, made on the first caller turn

    def receiveMsg_Directory(self, message, sender) -> None:
        super().receiveMsg_Directory(message, sender)
        if getattr(self, "client", None) is not None:
            self.client.directory = self.directory

    def handle(self, message):
        """Every input passes the lifecycle table first; then its own turn runs."""
        try:
            after = lifecycle.next_state(self.state["lifecycle"], message)
        except lifecycle.NotNow as refused:
            if isinstance(message, ToolCall):
                return tool_error("call_ended", "The call has ended.")
            return {"ignored": str(refused)}
        self.state["turns"] += 1
        before = self.state["lifecycle"]
        result = super().handle(message)
        if self.state["lifecycle"] == before:  # a turn that moved the call itself has its say
            self.state["lifecycle"] = after
        return result

    # ------------------------------------------------------------------ turns

    def turn_CallStarted(self, message: CallStarted) -> dict:
        self.state["customer_phone"] = message.customer_phone
        clinic = Clinic.get_by_id(self.clinic_id)
        customer = customer_info(clinic.id, message.customer_phone)
        now = utcnow()
        instructions = build_system_prompt(clinic_info(clinic), customer, now, "call")
        greeting = call_brain.greeting(clinic, customer, now)
        return {
            "instructions": instructions,
            "tools": realtime_tools(),
            "voice": clinic.voice or DEFAULT_VOICE,
            "staff_phone": clinic.staff_phone,
            # A speech-to-speech model greets with these words, open or closed, as the
            # offline engine does (which asks for them as brain.greet).
            "greeting_instructions": f'Greet the caller with these words: "{greeting}"',
        }

    def turn_CallStreaming(self, message: CallStreaming) -> dict:
        self.state["talked"] = True
        self.state["engine"] = message.engine
        return {"turn": self.state["turns"]}

    def turn_CallTranscript(self, message: CallTranscript) -> dict:
        """A line of the call; a caller's line to a speech-to-speech model passes the safety
        screen the texts have (the offline engine's brain screens its own turns): a message
        for staff, and words the model is asked to say instead."""
        if not isinstance(message.text, str):
            raise TurnError("a transcript line needs its text", Category.INVALID)
        role = message.role or "caller"
        self._line({"role": role, "text": message.text})
        result: dict = {"turn": self.state["turns"]}
        if role == "caller" and self.state.get("engine") != "local":
            found = safety.screen(message.text)
            if found is not None:
                self._take_safety_message(found, message.text)
                result["steer"] = (
                    "Stop what you were saying. The caller's words passed the clinic's safety "
                    f'screen ({found.kind}). Say exactly this and nothing else: "{found.reply}"'
                )
        return result

    def _take_safety_message(self, found, text: str) -> None:
        phone = self.state.get("customer_phone")
        if not isinstance(phone, str):
            return
        tools = self._tools(
            Clinic.get_by_id(self.clinic_id), phone, f"safety:{self.state['turns']}"
        )
        tools.call("take_message", found.staff_message(text))
        self.pending_push = list(tools.events)

    def turn_CallBargeIn(self, message: CallBargeIn) -> dict:
        """The assistant's last line only reached the caller as far as ``heard``."""
        self.state["barge_ins"] += 1
        tail = self.state["transcript"]
        if message.heard is not None and tail and tail[-1]["role"] == "assistant":
            tail[-1] = {"role": "assistant", "text": message.heard, "interrupted": True}
        return {"turn": self.state["turns"]}

    def turn_CallDtmf(self, message: CallDtmf) -> dict:
        self.state["dtmf"] = (self.state["dtmf"] + str(message.digit)[:1])[-32:]
        return {"turn": self.state["turns"]}

    def turn_CallFallback(self, message: CallFallback) -> dict:
        self.state["fallback"] = message.reason
        return {"turn": self.state["turns"]}

    def turn_CallEnded(self, message: CallEnded) -> dict:
        succeeded = {t["name"] for t in self.state["tools"] if t["ok"]}
        outcome = lifecycle.outcome(succeeded, self.state["talked"])
        self.state["outcome"] = outcome
        self.finished = True
        phone = self.state.get("customer_phone")
        self.effects = lambda: self._record_end(message, outcome, phone)
        return {"turn": self.state["turns"], "ended": True, "outcome": outcome}

    def turn_ToolCall(self, message: ToolCall) -> dict:
        phone = message.customer_phone or self.state.get("customer_phone")
        if not isinstance(message.name, str) or not isinstance(phone, str):
            raise TurnError("a tool call needs its name and the caller's phone", Category.INVALID)
        clinic = Clinic.get_by_id(self.clinic_id)
        tools = self._tools(clinic, phone, message.call_id or message.corr)
        arguments = message.arguments if isinstance(message.arguments, dict) else {}
        if message.name == self.state.get("then"):  # the brain already ran it this turn
            self.state.pop("then")
            return {"ok": True, **self.state.pop("then_action")}
        if message.name in (call_brain.GREET, call_brain.HEAR):
            result = self._brain_turn(clinic, phone, message.name, arguments, tools)
            self.pending_push = list(tools.events)
            return result
        result = tools.call(message.name, arguments)
        self.pending_push = list(tools.events)
        done = self.state["tools"]
        done.append(
            {"name": message.name, "ok": bool(result.get("ok")), "error": result.get("error")}
        )
        del done[:-TOOLS_TAIL]
        if message.name == "transfer_to_staff" and result.get("ok"):
            self.state["lifecycle"] = lifecycle.TRANSFERRING
        return result

    def _brain_turn(self, clinic, phone: str, name: str, arguments: dict, tools) -> dict:
        """The offline engine's greeting or caller turn, through the local brain."""
        if name == call_brain.GREET:
            return {
                "ok": True,
                "say": call_brain.greeting(clinic, customer_info(clinic.id, phone), tools.now),
                "vocabulary": call_brain.vocabulary(clinic),
            }
        text = arguments.get("text")
        if not isinstance(text, str) or not text.strip():
            return tool_error("invalid_arguments", "a caller turn needs its words")
        if self.intents is None:
            from actors.sms_thread import RemoteIntents

            self.intents = RemoteIntents(self.client)
        result, reply = call_brain.hear(
            clinic,
            phone,
            text[:2000],
            dtmf=bool(arguments.get("dtmf")),
            state=self.state.get("brain") or {},
            history=self.state["transcript"],
            tools=tools,
            classifier=self.intents,
        )
        self.state["brain"] = reply.state
        done = self.state["tools"]
        for used in reply.tool_calls:  # the call's outcome counts what the brain did
            outcome = used.get("result") if isinstance(used.get("result"), dict) else {}
            done.append({"name": used.get("name"), "ok": bool(outcome.get("ok")), "error": None})
        del done[:-TOOLS_TAIL]
        closing = call_brain.closing_action(tools.actions)
        if closing is not None:  # the engine calls it once the answer is said: not run twice
            self.state["then"] = result["then"]
            self.state["then_action"] = closing
        if result.get("then") == "transfer_to_staff":
            self.state["lifecycle"] = lifecycle.TRANSFERRING
        return result

    # ------------------------------------------------------------------ helpers

    def _tools(self, clinic: Clinic, phone: str, corr: str) -> ConversationTools:
        """The conversation tools for one of this call's actions (``corr`` keys its
        idempotency)."""
        return ConversationTools(
            clinic,
            phone,
            "call",
            f"call:{self.key}:{corr}",
            utcnow(),
            knowledge_answerer(self.client, clinic.id, timeout_s=KB_TIMEOUT_S),
        )

    def _line(self, line: dict) -> None:
        tail = self.state["transcript"]
        tail.append(line)
        del tail[:-TRANSCRIPT_TAIL]

    def _record_end(self, message: CallEnded, outcome: str, phone: str | None) -> None:
        """Inside the turn's transaction: the outcome, its dashboard event, the text-back job."""
        Call.update(outcome=outcome).where(Call.id == message.call_id).execute()
        data = {"call_id": message.call_id, "outcome": outcome, "duration_s": message.duration_s}
        self.pending_push = [record_event(self.clinic_id, "call.ended", data)]
        if outcome in lifecycle.UNHELPED_OUTCOMES and phone:
            Reminder.create(
                clinic=self.clinic_id,
                kind="missed_call_text",
                due_at=utcnow(),
                payload={"phone": phone, "call_id": message.call_id},
            )

    def after_commit(self) -> None:
        if self.finished and getattr(self, "parent", None) is not None:
            self.finished = False
            self.send(self.parent, Finished(self.key))
