"""The local brain on a phone call: what the offline voice engine's caller turns become.

The offline engine hears a caller turn and hands the words to the call's actor as the tool
call ``brain.hear`` (``brain.greet`` for the greeting). Here they run through the same local
brain, conversation tools and booking rules as a text, with the brain's memory kept in the
call's checkpoint; the reply is rewritten for the ear (no "reply 1, 2 or 3") and a tool the
brain chose that ends the brain's part (hang up, transfer) is named in ``then``, so the
engine calls it after the caller has heard the answer.
"""

from __future__ import annotations

from actors.brain.base import BrainReply, CustomerInfo, Turn
from actors.brain.local import LocalBrain
from actors.clinic_context import customer_info, open_now
from actors.sms_thread import clinic_view
from actors.wording.spoken import for_the_ear
from store.models import Clinic

GREET, HEAR = "brain.greet", "brain.hear"  # the offline engine's calls (gateway/media/engines)
# What a tool the brain ran asks of the call, as the tool the engine calls to perform it.
THEN = {"end_call": "end_conversation", "transfer": "transfer_to_staff"}
KEYPAD = {"1": "yes", "2": "no"}  # at a yes/no question; elsewhere a digit is an option number
YES_NO_STAGES = ("confirm", "offer_booking")


def greeting(clinic: Clinic, customer: CustomerInfo, now) -> str:
    """Who answered, whether the clinic is open now, and an open question."""
    hello = f"Thanks for calling {clinic.name}."
    if customer.name:
        hello = f"Hi {customer.name.split()[0]}, thanks for calling {clinic.name}."
    if open_now(clinic, now):
        return f"{hello} How can I help you today?"
    return (
        f"{hello} We're closed right now, but I can still book or take a message. How can I help?"
    )


def vocabulary(clinic: Clinic) -> str:
    """The clinic's own words, for the recogniser's prompt."""
    info = clinic_view(clinic.id)[1]
    return vocabulary_words(
        info.name, [s.name for s in info.services], [p.name for p in info.providers]
    )


def vocabulary_words(name: str, services: list[str], providers: list[str]) -> str:
    """What the recogniser is told to expect: the clinic's names for things and the days.
    It biases spelling ("HydraFacial", "Dr. Patel") without limiting what a caller says."""
    days = "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday"
    return f"{name}. {', '.join(services)}. {', '.join(providers)}. {days}. Yes. No."


def hear(
    clinic: Clinic,
    customer_phone: str,
    text: str,
    *,
    dtmf: bool,
    state: dict,
    history: list[dict],
    tools,
    classifier,
) -> tuple[dict, BrainReply]:
    """One caller turn through the local brain: (result for the engine, the brain's reply)."""
    if dtmf and state.get("stage") in YES_NO_STAGES:
        text = KEYPAD.get(text, text)
    turn = Turn(
        text=text,
        now=tools.now,
        clinic=clinic_view(clinic.id)[1],  # the texts' cached view: reread within 30 s
        customer=customer_info(clinic.id, customer_phone),
        channel="call",
        history=tuple(
            {"role": "customer" if line["role"] == "caller" else "assistant", "text": line["text"]}
            for line in history
            if line.get("role") in ("caller", "assistant")
        ),
        state=state,
    )
    reply = LocalBrain(classifier).respond(turn, tools)
    say = " ".join(for_the_ear(message) for message in reply.messages)
    closing = closing_action(tools.actions)
    then = THEN[closing["action"]] if closing else None
    return {"ok": True, "say": say, "then": then}, reply


def closing_action(actions: list[dict]) -> dict | None:
    """The last action of a turn's tools that ends the brain's part of the call (hang up,
    transfer), if any."""
    return next((a for a in reversed(actions) if a.get("action") in THEN), None)
