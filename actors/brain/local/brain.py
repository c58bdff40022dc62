"""The local brain's entry point: one ``respond`` is one turn of the declared dialogue.

A turn runs the first row of ``INTERRUPTS`` and the stage's ``TRANSITIONS`` whose signal the
message carries, else the action of its intent; then the reply is assembled (SMS-sized texts,
a returning customer greeted by name once).
"""

from __future__ import annotations

from actors.brain import safety
from actors.brain.base import BrainReply, IntentClassifier, ToolRunner, Turn
from actors.brain.local.actions import Actions
from actors.brain.local.context import ToolLog
from actors.brain.local.dialogue import INTENT_ACTIONS, INTERRUPTS, MIN_INTENT_SCORE, TRANSITIONS
from actors.brain.local.message import Message
from actors.wording import sms as wording


class LocalBrain:
    """A deterministic receptionist brain; ``classifier`` is only asked for intents."""

    def __init__(self, classifier: IntentClassifier, *, min_intent_score: float = MIN_INTENT_SCORE):
        self.classifier = classifier
        self.min_intent_score = min_intent_score

    def respond(self, turn: Turn, tools: ToolRunner) -> BrainReply:
        """The replies to ``turn``; an exception from ``tools`` is a bug and propagates."""
        run = Run(turn, ToolLog(tools), Message(turn, self.classifier, self.min_intent_score))
        run.handle()
        return run.reply()


class Run(Actions):
    """One turn of the dialogue: pick the row that runs, then put the reply together."""

    def handle(self) -> None:
        if not self.msg.text:
            self.do_fallback()
            return
        found = safety.screen(self.msg.text)
        if found is not None:
            self.do_safety(found)
            return
        for signal, action in INTERRUPTS + TRANSITIONS.get(self.state["stage"], ()):
            if self.present(signal):
                getattr(self, f"do_{action}")()
                return
        getattr(self, f"do_{INTENT_ACTIONS.get(self.msg.intent, 'fallback')}")()

    def reply(self) -> BrainReply:
        name = self.turn.customer.name
        if name and not self.state.get("greeted") and not self.end and self.out:
            hello = wording.hello(name)
            if not self.out[0].startswith("Hi"):
                if len(hello) + 1 + len(self.out[0]) <= wording.SMS_LIMIT:
                    self.out[0] = f"{hello} {self.out[0]}"
                else:
                    self.out.insert(0, hello)
        self.state["greeted"] = True
        messages = tuple(wording.fit(m) for m in self.out if m) or (
            wording.fallback(self.clinic.name),
        )
        return BrainReply(
            messages=messages, state=self.state, end=self.end, tool_calls=tuple(self.tools.log)
        )
