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
        """One text: everything this turn says, in order, as one message (a returning customer
        greeted by name once); the sender splits only what is past one message's limit."""
        name = self.turn.customer.name
        if self.prefix:  # a note that found no question to ride with
            self.out.append(self.prefix)
        parts = [wording.fit(m, wording.THOUGHT_LIMIT) for m in self.out if m]
        greet = name and not self.state.get("greeted") and not self.end and parts
        if greet and not parts[0].startswith("Hi"):
            parts[0] = f"{wording.hello(name)} {parts[0]}"
        self.state["greeted"] = True
        text = "\n\n".join(parts) or wording.fallback(self.clinic.name)
        return BrainReply(
            messages=(text,), state=self.state, end=self.end, tool_calls=tuple(self.tools.log)
        )
