"""Carrier keywords (the whole message, any case) and clear opt-out requests in free text."""

from __future__ import annotations

import re

STOP_WORDS = {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO"}

_OPT_OUT_PHRASES = re.compile(
    r"\b(stop|quit|don'?t|do not|never)\s+(texting|messaging|contacting|text|message|contact"
    r"|sending)\b.*\b(me|this number|messages|texts)\b"
    r"|\bunsubscribe me\b|\bremove (me|my number) from\b|\bopt (me )?out\b"
    r"|\bno more (texts|messages)\b",
    re.IGNORECASE,
)


def bare_word(text: str) -> str:
    """The whole message as one word or phrase: upper case, single spaces, no closing "." or "!"."""
    return " ".join(text.strip().strip(".!").upper().split())


def keyword(text: str) -> str | None:
    """``"stop"``, ``"start"`` or ``"help"`` when the whole message is a carrier keyword."""
    word = bare_word(text)
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


def is_cancel(text: str) -> bool:
    """A bare CANCEL: a carrier opt-out word that a customer may mean for their appointment."""
    return bare_word(text) == "CANCEL"


def asks_to_opt_out(text: str) -> bool:
    """A clear request in free text ("please stop texting me") is honoured like STOP."""
    return bool(_OPT_OUT_PHRASES.search(text))
