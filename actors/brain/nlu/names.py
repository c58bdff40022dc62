"""The name a customer gives ("I'm Jane Doe", or just "Jane Doe" when asked for it)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from actors.brain.nlu.text import MONTHS, WEEKDAY_WORDS, normalise, wordset

_NAME_INTRO = re.compile(
    r"(?:^|\b)(?:my name is|my name's|name is|name's|this is|i am|i'm|im|it's|its|it is|"
    r"call me|under)\s+([a-z][a-z.'-]*(?:\s+[a-z][a-z.'-]*){0,3})"
)
# Words that follow "I'm" / "this is" without being a name ("I'm free", "this is for Botox").
_NOT_A_NAME = (
    wordset(
        """
        a an the and or but so to for with at on in of about from my your our me you we he she
        it they i is are was be been not no yes yeah yep ok okay sure please thanks thank hi
        hello hey free available interested looking wondering hoping trying calling texting
        writing going coming running late early new back here there good fine great well sick
        pregnant allergic sorry ready done just also still really very actually confused
        worried curious calling booked booking book appointment appt reschedule cancel
        cancelling canceling question asking need want would like can could will what when
        where who why how which today tomorrow tonight morning afternoon evening week next
        this that then available botox facial peel laser consult consultation massage
        adjustment exam patient customer client stop help human person someone anyone
        first second third last one two three four five option number closest earliest
        latest soonest sooner later either any anytime whichever none nope nah hmm um
        sounds perfect works alright cool awesome
        """
    )
    | frozenset(WEEKDAY_WORDS)
    | frozenset(MONTHS)
)


def _name_words(candidate: str) -> list[str]:
    out = []
    for word in candidate.split():
        bare = word.strip(".'-")
        if not bare or bare in _NOT_A_NAME or not bare.replace("'", "").replace("-", "").isalpha():
            break
        out.append(bare)
    return out


def _title(words: Sequence[str]) -> str:
    return " ".join(word.title() for word in words)


def extract_name(text: str, expecting: bool = False) -> str | None:
    """A name the customer gives ("I'm Jane Doe", "this is jane"); with ``expecting`` (the
    brain just asked for it) a bare reply of one to four words ("Jane Doe") counts too."""
    clean = normalise(text).strip(" .!")
    for match in _NAME_INTRO.finditer(clean):
        words = _name_words(match[1])
        if words and not (words[0].endswith("ing") and len(words[0]) > 5):
            return _title(words)
    if expecting:
        bare = [w.strip(",.!") for w in clean.split()]
        if 1 <= len(bare) <= 4:
            words = _name_words(" ".join(bare))
            if len(words) == len(bare):
                return _title(words)
    return None
