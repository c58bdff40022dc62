"""What every part of a local-brain turn shares: the turn, its tools, the parsed message, the
private copy of the state, and the few ways the dialogue talks (say, ask, repeat).

The turn is built in layers, each a module with one job using the ones before it:
``TurnContext`` (here) <- ``signals`` (what the message carries) <- ``flow`` (what the flow
still needs) <- ``slots`` (finding and offering times) <- ``actions`` (what each row does)
<- ``brain.Run`` (which row runs, and the reply).
"""

from __future__ import annotations

import json
from datetime import datetime

from actors.brain import nlu
from actors.brain.base import ServiceInfo, ToolRunner, Turn
from actors.brain.local.dialogue import EMPTY_REQUEST, FLOW_KEYS
from actors.brain.local.message import Message
from actors.wording import sms as wording


class ToolLog:
    """Runs tools and logs each call for ``BrainReply.tool_calls``.

    Expected failures come back from the runner as ``{"ok": False, "error": ...}`` results and
    are handled by the dialogue. An exception is a bug: it propagates out of ``respond`` (the
    conversation actor crashes and is restarted from its checkpoint) rather than being told to
    the customer as an outage.
    """

    def __init__(self, runner: ToolRunner) -> None:
        self.runner = runner
        self.log: list[dict] = []

    def call(self, name: str, args: dict) -> dict:
        result = self.runner.call(name, args)
        self.log.append({"name": name, "args": args, "result": result})
        return result


class TurnContext:
    """One turn's shared ground: signals read ``msg``, actions talk and change ``state``."""

    def __init__(self, turn: Turn, tools: ToolLog, message: Message) -> None:
        self.turn = turn
        self.clinic = turn.clinic
        self.tools = tools
        self.msg = message
        self.tz = message.tz
        # A private copy (the turn's state is the checkpointed one); it is JSON by contract,
        # and a JSON round trip copies it several times faster than deepcopy.
        self.state: dict = json.loads(json.dumps(turn.state)) if turn.state else {}
        self.state.setdefault("stage", "idle")
        self.out: list[str] = []
        self.end = False
        self.prefix = ""  # said in the same text as the next question ("Good news: ...")
        self._signals: dict[str, object] = {}

    # ------------------------------------------------------------------ talking

    def say(self, *texts: str) -> None:
        self.out.extend(t for t in texts if t)

    def ask(self, stage: str, text: str) -> None:
        """Say ``text`` and wait in ``stage``; ``text`` is repeated if the reply is unclear."""
        self.say(f"{self.prefix} {text}" if self.prefix else text)
        self.prefix = ""
        self.state["stage"] = stage
        self.state["prompt"] = text

    def reset(self) -> None:
        for key in FLOW_KEYS:
            self.state.pop(key, None)
        self.state["stage"] = "idle"
        self.state.pop("prompt", None)

    def repeat_prompt(self) -> None:
        """Mid-flow, remind the customer what we were waiting for."""
        if self.state["stage"] not in ("idle", "offer_booking") and self.state.get("prompt"):
            self.say(self.state["prompt"])

    def reprompt_or(self, idle_text: str) -> None:
        """Not understood: repeat the pending question, or (between flows) say ``idle_text``."""
        if self.state["stage"] != "idle" and self.state.get("prompt"):
            self.say(wording.not_understood(self.state["prompt"]))
        else:
            self.say(idle_text)

    # ------------------------------------------------------------------ reading the state

    @property
    def request(self) -> dict:
        return self.state.setdefault("request", dict(EMPTY_REQUEST))

    def local(self, iso: str) -> datetime:
        return datetime.fromisoformat(iso).astimezone(self.tz)

    def slot_label(self, slot: dict) -> str:
        return wording.when_label(self.local(slot["start"])) + wording.with_provider(
            slot.get("provider")
        )

    def customer_name(self) -> str | None:
        return self.turn.customer.name or self.state.get("name")

    def service_info(self, name: str | None) -> ServiceInfo | None:
        return nlu.service_named(name, self.clinic.services) if name else None

    def appointment_text(self, appointment: dict) -> str:
        return wording.appointment_label(
            appointment.get("service", "appointment"),
            wording.when_label(self.local(appointment["start"])),
            appointment.get("provider"),
        )


def slot_memo(slot: dict) -> dict:
    """What the brain keeps of an offered slot (JSON only)."""
    return {"start": slot["start"], "provider": slot.get("provider")}


def appointment_memo(appointment: dict) -> dict:
    """What the brain keeps of one of the customer's appointments (JSON only)."""
    return {
        "id": appointment.get("id"),
        "service": appointment.get("service"),
        "provider": appointment.get("provider"),
        "start": appointment["start"],
    }
