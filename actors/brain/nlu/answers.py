"""Yes, no, and "never mind": the short replies that move a dialogue along or stop it."""

from __future__ import annotations

import re

from actors.brain.nlu.text import normalise

_NO = re.compile(
    r"^(no|nope|nah|na|negative|not really|no thanks|no thank you|n)\b(?! (problem|worries|doubt))|"
    r"\b(another time|different time|other time|other times|none of (those|these|them)|"
    r"neither|doesn'?t work|does not work|don'?t work|won'?t work|can'?t make|cannot make|"
    r"not that|not those|not good|don'?t want|rather not|no good)\b"
)
_YES = re.compile(
    r"^(yes|yeah|yea|yep|yup|ya|yas|y|sure|ok|okay|k|kk|perfect|great|correct|confirm|"
    r"confirmed|absolutely|definitely|alright|all right|fine|please do|go ahead|"
    r"do it|book it|let'?s do it|lets do it|works)\b|"
    r"\b(sounds good|sounds great|sounds perfect|that works|works for me|that'?s fine|"
    r"that is fine|that'?s great|that'?s perfect|of course|go for it|book it|"
    r"confirm|i confirm|please book|yes please)\b|^👍"
)
_UNSURE = re.compile(r"\b(not sure|unsure|maybe|i don'?t know|idk|dunno)\b")
_ABORT = re.compile(
    r"\b(never ?mind|nvm|forget (it|that|about it)|scratch that|cancel that|don'?t bother|"
    r"changed my mind|change of plans?|no longer need|not anymore|leave it)\b"
)


def yes_no(text: str) -> str | None:
    """ "yes", "no", or None when the text is neither (or hedges: "not sure", "maybe")."""
    clean = normalise(text).strip(" .!")
    if not clean or _UNSURE.search(clean):
        return None
    if _NO.search(clean):
        return "no"
    if _YES.search(clean):
        return "yes"
    return None


def is_abort(text: str) -> bool:
    """ "Never mind", "forget it": stop whatever flow is under way."""
    return bool(_ABORT.search(normalise(text)))
