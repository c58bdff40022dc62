"""Safety screen run on every inbound message before any brain sees it.

A receptionist must not triage or advise: an emergency gets "call 911" at once, a request for
medical advice (dosing, diagnosis, "is this normal", drug interactions, symptoms after a
treatment) goes to a clinician. Plain patterns, not a model, so the screen is predictable and
auditable. The advice patterns need a *personal* health context ("should I", "my", "after my
Botox"), so price, booking and aftercare-policy questions ("how much is Botox per unit", "I want
to stop the wrinkles", "can I work out after a peel") pass through to the brain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The replies live in the SMS wording room; imported here so ``safety.EMERGENCY_REPLY`` works.
from actors.wording.sms import EMERGENCY_REPLY, MEDICAL_ADVICE_REPLY

__all__ = ["EMERGENCY_REPLY", "MEDICAL_ADVICE_REPLY", "Screen", "screen"]


@dataclass(frozen=True)
class Screen:
    """Why a message must not go to the brain: ``kind`` is "emergency" or "medical_advice"."""

    kind: str
    matched: str  # the phrase that triggered it, for logs and tests

    @property
    def reply(self) -> str:
        return EMERGENCY_REPLY if self.kind == "emergency" else MEDICAL_ADVICE_REPLY

    def staff_message(self, text: str) -> dict:
        """The ``take_message`` arguments that tell staff what was said (urgent for an
        emergency), whichever channel screened it."""
        return {
            "message": f"Safety screen ({self.kind}): {text}",
            "urgent": self.kind == "emergency",
        }


def _any(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


_TREATMENT = (
    r"(botox|tox|dysport|filler|fillers|injections?|treatment|peel|facial|hydrafacial|laser|"
    r"adjustment|massage|procedure|session|visit|appointment)"
)
_SYMPTOM = (
    r"(bruis|swell|swollen|redness|rash|itch|burn|blister|bump|lump|headache|migraine|numb|"
    r"tingl|droop|pain|sore|hurt|bleed|infect|pus|scab|dizz|nause|fever|ache|hives)\w*"
)
_MEDICINE = (
    r"(ibuprofen|advil|motrin|tylenol|acetaminophen|aspirin|arnica|benadryl|antihistamines?|"
    r"antibiotics?|accutane|isotretinoin|warfarin|eliquis|blood thinners?|medications?|"
    r"medicines?|meds|pills?|painkillers?|muscle relaxers?)"
)

_EMERGENCY = _any(
    r"\bchest (pain|pains|tightness|hurts?)\b|\bpain in (my|the) chest\b|\bheart attack\b",
    r"\b(can'?t|cannot|can not|couldn'?t|unable to|hard to|struggling to|trouble|difficulty)"
    r" (breathe|breathing|breath)\b|\bshort(ness)? of breath\b|\bnot breathing\b",
    r"\b(severe|bad|serious) (allergic|allergy)\b|\banaphyla",
    r"\b(throat|tongue|airway)\b[\w\s]{0,20}\b(swell|swollen|closing|tight)",
    r"\b(swell|swollen|swelling|closing)\w*\b[\w\s]{0,20}\b(throat|tongue|airway)\b",
    r"\bsuicid|\bkill myself\b|\bend (my life|it all)\b|\bwant to die\b|\bself[- ]harm\b",
    r"\b(hurt|harm) myself\b|\bdon'?t want to (live|be alive)\b",
    r"\boverdos|\bod'?d\b|\b(took|taken|swallowed) too many\b",
    r"\b(heavy|heavily|severe|lots of|a lot of|uncontrolled) bleed",
    r"\bbleeding (heavily|a lot|badly|won'?t stop|will not stop|nonstop)\b",
    r"\b(won'?t|will not|can'?t) stop bleeding\b",
    r"(?<![\d-])\b911\b(?![\d-])|\bmedical emergency\b",
    r"\b(it|this)('| i)s an emergency\b(?! appointment| slot| visit)",
    r"\b(i have|i'?m having|there'?s) an? emergency\b(?! appointment| slot| visit)",
    r"\b(passed out|passing out|fainted|unconscious|unresponsive|seizure|having a stroke)\b",
    r"\b(lost|losing|loss of|can'?t see|blurry|blurred) (my )?(vision|sight|eyesight)\b",
    r"\bface (is )?(drooping|numb)\b|\bslurred speech\b",
)
_NEGATION_BEFORE = re.compile(r"\b(no|not|never|without|don'?t have|isn'?t|wasn'?t)\b[\w\s]{0,12}$")

_ADVICE = _any(
    # what dose *they* should get
    r"\bhow (many|much) (units?|syringes?|ml|cc|vials?|botox|tox|filler|dysport)\b[^?.!]*"
    r"\b(should|do|would|will|must) (i|we) (need|get|have|use|ask for|book)\b",
    r"\bhow (many|much) (units?|syringes?|ml|cc|vials?)\b[^?.!]*"
    r"\b(i need|i should|for me|for my)\b",
    r"\b(what|which|right|correct|best|safe|max(imum)?) (dose|dosage)\b|\bdosage\b",
    # medicines and interactions
    rf"\b(should|can|could) i (take|double|increase|stop taking|skip|keep taking) (my )?(\w+ )?"
    rf"{_MEDICINE}\b",
    rf"\binteract(ion|ions|s)?\b[^?.!]*\b(with|{_MEDICINE})\b",
    r"\b(can|could|should) i (mix|combine)\b",
    rf"\b(i'?m|i am) (on|taking) (\w+ )?{_MEDICINE}\b",
    r"\b(while|if i'?m|when i'?m|i'?m|i am) (pregnant|breastfeeding|nursing)\b",
    r"\bis (it|this|that) (safe|ok|okay) (for me )?to (take|mix|combine|get|have|do)\b[^?.!]{0,40}"
    r"\b(while|if|with|since|on)\b",
    # diagnosis and "is this normal / serious"
    r"\b(is|are) (this|that|it|these|those|mine) (normal|serious|bad|dangerous|infected|"
    r"an infection|a reaction|an allergic reaction)\b",
    r"\bshould i (be )?(worried|concerned)\b|\bdiagnos|\bwhat'?s wrong with (me|my)\b",
    r"\bdo (you think )?i have (an? )?(infection|allerg\w*|reaction|condition|disease|disorder|"
    r"herniated|pinched|sciatica|rosacea|melasma|eczema|cancer|scoliosis)\b",
    r"\bwhat (could|might) (this|that|it) be\b|\bwhat should i do about (my|the|this)\b",
    # symptoms after a treatment
    rf"\b{_SYMPTOM}\b[^?.!]{{0,60}}\b(after|since|from|post)[- ](my |the |last |yesterday'?s |"
    rf"today'?s |this )*(\w+ )?{_TREATMENT}\b",
    rf"\b(after|since) (my|the|last|yesterday'?s) (\w+ )?{_TREATMENT}\b[^?.!]{{0,60}}"
    rf"\b{_SYMPTOM}\b",
)


def screen(text: str) -> Screen | None:
    """``Screen`` when the message is an emergency or asks for medical advice, else None."""
    clean = " ".join(text.replace("’", "'").lower().split())
    if not clean:
        return None
    for match in _EMERGENCY.finditer(clean):
        if not _NEGATION_BEFORE.search(clean[: match.start()]):
            return Screen("emergency", match[0])
    match = _ADVICE.search(clean)
    if match:
        return Screen("medical_advice", match[0])
    return None
