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
from actors.brain.local.dialogue import EMPTY_REQUEST, FLOW_KEYS, SAID_KEYS
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
        self.missed = False  # this turn's reply was not understood (``reprompt_or``)

    # ------------------------------------------------------------------ talking

    def say(self, *texts: str) -> None:
        said = [t for t in texts if t]
        if said and self.prefix:  # what was waiting for the next question goes out first
            said[0], self.prefix = f"{self.prefix} {said[0]}", ""
        self.out.extend(said)

    def prefix_with(self, text: str) -> None:
        """Say ``text`` in the same message as the next question, after anything already
        waiting there ("Jess Kim doesn't do Botox. Good news, ...")."""
        self.prefix = f"{self.prefix} {text}".strip()

    def ask(self, stage: str, text: str) -> None:
        """Say ``text`` and wait in ``stage``; ``text`` is repeated if the reply is unclear."""
        self.say(text)
        self.state["stage"] = stage
        self.state["prompt"] = text

    def reset(self) -> None:
        """End the current flow; what the customer asked for is remembered in ``said`` (a
        new patient's "Tuesday at 9" outlives a detour through "which service?")."""
        request = self.state.get("request") or {}
        said = {**(self.state.get("said") or {})}
        said.update({k: v for k, v in request.items() if k in SAID_KEYS and v})
        for key in FLOW_KEYS:
            self.state.pop(key, None)
        if said:
            self.state["said"] = said
        self.state["stage"] = "idle"
        self.state.pop("prompt", None)
        self.state.pop("misses", None)

    def forget(self) -> None:
        """End the flow and what was said for it: it was booked, moved, cancelled or dropped."""
        self.reset()
        self.state.pop("said", None)
        self.state.pop("party", None)

    def repeat_prompt(self) -> None:
        """Mid-flow, remind the customer what we were waiting for."""
        if self.state["stage"] not in ("idle", "offer_booking") and self.state.get("prompt"):
            self.say(self.state["prompt"])

    def reprompt_or(self, idle_text: str) -> None:
        """Not understood: repeat the pending question once, then change tack (never the same
        question a third time); between flows say ``idle_text``."""
        if self.state["stage"] != "idle" and self.state.get("prompt"):
            self.missed = True
            misses = self.state["misses"] = self.state.get("misses", 0) + 1
            if misses >= 2:
                self.change_tack()
            else:
                self.say(wording.not_understood(self.state["prompt"]))
        else:
            self.say(idle_text)

    def change_tack(self) -> None:
        """Two unusable answers: a yes/no about the first option offered, else the desk."""
        slots = self.state.get("slots") or []
        if self.state["stage"] == "offer_slots" and len(slots) > 1:
            self.state["slots"] = slots[:1]
            self.ask("offer_slots", wording.first_option_yes_no(self.slot_label(slots[0])))
        else:
            self.ask("offer_desk", wording.offer_front_desk(self.clinic.phone))
        self.state["misses"] = 1  # one more miss here and the desk is offered

    # ------------------------------------------------------------------ reading the state

    @property
    def request(self) -> dict:
        return self.state.setdefault("request", dict(EMPTY_REQUEST))

    def local(self, iso: str) -> datetime:
        return datetime.fromisoformat(iso).astimezone(self.tz)

    def slot_label(self, slot: dict) -> str:
        if slot.get("group"):  # "Fri Dec 4 at 1:00 PM and 1:45 PM with Dr. Maya Patel"
            starts = [self.local(s["start"]) for s in slot["group"]]
            return wording.party_label(starts, [s.get("provider") for s in slot["group"]])
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
    """What the brain keeps of an offered slot (JSON only); a party's has one per person."""
    memo = {"start": slot["start"], "provider": slot.get("provider")}
    if slot.get("group"):
        memo["group"] = [
            {"start": s["start"], "provider": s.get("provider")} for s in slot["group"]
        ]
    return memo


def appointment_memo(appointment: dict) -> dict:
    """What the brain keeps of one of the customer's appointments (JSON only)."""
    return {
        "id": appointment.get("id"),
        "service": appointment.get("service"),
        "provider": appointment.get("provider"),
        "start": appointment["start"],
    }
