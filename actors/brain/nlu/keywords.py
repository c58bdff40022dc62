"""Intents that plain words make certain, checked before the embedding classifier."""

from __future__ import annotations

import re

from actors.brain.nlu.text import normalise

_LIST = r"(wait ?list|waiting list|cancellation list|standby list|stand-by list)"
_KEYWORD_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "leave_waitlist",  # before opt_out: off the waitlist, not off every text
        re.compile(
            rf"\b(take|remove|drop|get|cross) me (off|from|out of) (the |your |a )?{_LIST}|"
            rf"\b(leave|quit|cancel|exit) (the |your |my )?(spot on the )?{_LIST}|"
            rf"\bno longer (need|want) (the |a |my )?{_LIST}"
        ),
    ),
    (
        "waitlist",  # before opt_out: "put me on the waitlist" is not "remove me from"
        re.compile(
            rf"\b(put|add|sign|get) me (on|up for|onto|to) (the |your |a )?{_LIST}|"
            rf"\b(join|get on|be on) (the |your |a )?{_LIST}|^{_LIST}( please)?$|"
            r"\blet me know if (something|anything|a spot|a slot|an opening|a time|one) "
            r"(opens|comes up|frees|becomes available|is available)|"
            r"\b(text|call|tell|message) me if (someone|somebody|anyone|there'?s a cancel)|"
            r"\bif (someone|somebody|anyone) cancels\b"
        ),
    ),
    (
        "opt_out",
        re.compile(
            r"^(stop|stopall|unsubscribe|end|quit|opt out|optout)$|\bunsubscribe\b|\bopt me out\b|"
            r"\b(stop|quit) (texting|messaging|contacting|sending)\b|"
            r"\b(don'?t|do not|never) (text|message|contact|txt) me\b|\bremove me from\b|"
            r"\b(take|remove) me off\b|\bleave me alone\b|\bno more (texts|messages)\b"
        ),
    ),
    (
        "human",
        re.compile(
            r"\b(talk|speak|chat) (to|with) (a |an |the |your |some )?(real |actual |live )?"
            r"(person|human|someone|somebody|staff|receptionist|front desk|manager|people|team)\b|"
            r"\b(real|actual|live) (person|human)\b|\bhave (someone|somebody|a person) call\b|"
            r"\b(call me|call me back)\b|\bare you a (bot|robot|machine)\b"
        ),
    ),
    (
        "help",
        re.compile(
            r"^(help|help me|help please|info|menu|options|i need help|can you help( me)?|"
            r"what can you do|what do you do|how does this work)\??$"
        ),
    ),
    (
        "reschedule",
        re.compile(
            r"\bre-?schedul|\b(move|change|push|shift|switch|bump) (back )?(my|the|our|that|"
            r"this) (appointment|appt|booking|visit|session)\b"
        ),
    ),
    (
        "cancel",
        re.compile(
            r"\bcancel+(ing|ed)? (my|the|our|this|that|an|tomorrow'?s|today'?s|\w+day'?s) "
            r"(appointment|appt|booking|visit|session|botox|facial|peel|massage|adjustment|exam)"
            r"|\bcancel+ (my|it)\b|\bcan'?t make (it|my appointment)\b.*\bcancel"
        ),
    ),
    (
        "list_appointments",
        re.compile(
            r"\b(when|what time) is my (next )?(appointment|appt)\b|"
            r"\b(my|any) (upcoming )?(appointments|appts)\b|\bdo i have (an|any) (appointment|appt)"
        ),
    ),
)


def keyword_intent(text: str) -> str | None:
    """An intent some plain words make certain ("reschedule", "stop texting me"), checked
    before the embedding classifier so these never depend on a similarity score."""
    clean = normalise(text).strip(" .!")
    for intent, pattern in _KEYWORD_INTENTS:
        if pattern.search(clean):
            return intent
    return None
