"""One inbound text as the dialogue reads it: deterministic extraction from ``nlu`` plus, only
when the wording leaves the intent open, one call to the intent classifier.

Every feature is computed lazily and once, so a turn that is settled by a keyword or a stage
row never pays for the classifier or the date parser.
"""

from __future__ import annotations

import re
from functools import cached_property
from zoneinfo import ZoneInfo

from thespian.actors import ActorSystemException

from actors.brain import nlu
from actors.brain.base import IntentClassifier, ServiceInfo, Turn

_GREETING = re.compile(r"^(hi|hello|hey|hiya|howdy|yo|good (morning|afternoon|evening))\b")
# Words pointing at an appointment the customer already has. "my" alone does, except where
# the customer is telling us about themselves ("my name is Sam", "my number is ...").
_EXISTING = re.compile(
    r"\b(my(?!\s+(?:name|number|phone|cell|email|e-mail)\b)|mine|it|appointment|appt|"
    r"booking|booked|reschedul\w*|cancel\w*|move|change|switch|"
    r"push|instead|another day|different day|different time|can'?t make|won'?t make)\b"
)
_NEW_PATIENT = re.compile(
    r"\b(new (patient|client|customer)|first (time|visit|appointment)|never been)\b"
)
# "is Dr. Patel in on Saturday?", "when does Jess work?": about a provider's days, not a booking.
_HOURS_WORDS = re.compile(
    r"\b(in|working|work|works|there|around|available|hours|days|schedule|off|on duty)\b"
)
_HOURS_ASKED = ("is ", "are ", "does ", "do ", "will ", "when ", "what ", "which ", "how late")
_DURATION = re.compile(r"\b(how long|duration|how many (minutes|hours)|how much time)\b")
# "Botox for me and my sister", "for the two of us", "for 3 people": one booking per person.
_COUNT_WORDS = {"two": 2, "both": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_PARTY_COUNT = re.compile(
    r"\b(?:the )?(two|both|three|four|2|3|4) of us\b|\bfor (two|three|four|2|3|4) "
    r"(?:people|persons|ppl|guests|clients)\b"
)
_PARTY_PLUS = re.compile(
    r"\b(?:me|myself|i) (?:and|&|\+) (?:my |a |our )?(?:(two|three|2|3) )?[a-z]+\b"
    r"|\bmy [a-z]+ and (?:i|me|myself)\b"
)
_MOVE = re.compile(r"\b(move|reschedul\w*|push|bump|change|switch) (my|it|the|our)\b")
_ASKING = ("what ", "what's", "how ", "does ", "is ", "are ", "why ", "who ", "which ", "will ")
_QUESTION_START = (
    "what",
    "what's",
    "whats",
    "how",
    "does",
    "do you",
    "is",
    "are",
    "where",
    "why",
    "who",
    "which",
    "will",
    "should",
    "can you tell",
)
# What asking the remote classifier (the knowledge actor, via the actor system) raises when it
# cannot be reached: the turn then goes on by rules alone. Anything else is a bug and propagates.
CLASSIFIER_UNREACHABLE = (ActorSystemException, OSError)


class Message:
    """One inbound text, parsed lazily: each feature is computed once, only if asked for."""

    def __init__(self, turn: Turn, classifier: IntentClassifier, min_score: float) -> None:
        self.turn = turn
        self.text = turn.text.strip()
        self.tz = ZoneInfo(turn.clinic.timezone)
        self._classifier = classifier
        self._min_score = min_score

    @cached_property
    def clean(self) -> str:
        return nlu.normalise(self.text)

    @cached_property
    def when(self) -> nlu.When:
        return nlu.parse_when(self.text, self.turn.now, self.tz)

    @cached_property
    def target_when(self) -> nlu.When:
        """The new time of a move ("move my Tuesday appointment to Friday" -> Friday)."""
        return nlu.parse_target_when(self.text, self.turn.now, self.tz)

    @cached_property
    def services(self) -> list[ServiceInfo]:
        return nlu.match_services(self.text, self.turn.clinic.services)

    @cached_property
    def providers(self) -> list[str]:
        return [p.name for p in nlu.match_providers(self.text, self.turn.clinic.providers)]

    @cached_property
    def any_provider(self) -> bool:
        return nlu.wants_any_provider(self.text)

    @cached_property
    def answer(self) -> str | None:
        """ "yes" / "no" from plain words, else from the classifier for short replies."""
        found = nlu.yes_no(self.text)
        if found is None and 0 < len(self.clean.split()) <= 6:
            intent, score = self.ranked[0] if self.ranked else ("other", 0.0)
            if intent in ("yes", "no") and score >= 0.6:
                return intent
        return found

    @cached_property
    def keyword(self) -> str | None:
        return nlu.keyword_intent(self.text)

    @cached_property
    def ranked(self) -> list[tuple[str, float]]:
        try:
            return list(self._classifier.classify(self.text))
        except CLASSIFIER_UNREACHABLE:  # the classifier lives in another actor: degrade
            return []

    @cached_property
    def is_question(self) -> bool:
        clean = self.clean.strip()
        if len(clean.split()) < 3 or clean.startswith(("can i ", "could i ", "may i ", "can we ")):
            return False  # "what?" is confusion, not a question for the team
        return clean.endswith("?") or clean.startswith(_QUESTION_START)

    @cached_property
    def asks_question(self) -> bool:
        """Worded as a question about something, not a request ("does the peel hurt?")."""
        clean = self.clean
        return (
            clean.startswith(_ASKING)
            and not clean.startswith(("what about", "how about"))
            and not self.when
        )

    @cached_property
    def new_patient(self) -> bool:
        return bool(_NEW_PATIENT.search(self.clean))

    @cached_property
    def wants_a_time(self) -> bool:
        """Asks for a visit (a service, a time, or "I'm new"), not about one they have."""
        return bool(self.services or self.when or self.new_patient)

    @cached_property
    def party(self) -> int | None:
        """How many people the request is for, when the text says more than one."""
        found = _PARTY_COUNT.search(self.clean)
        if found:
            return _COUNT_WORDS[found[1] or found[2]]
        found = _PARTY_PLUS.search(self.clean)
        if found:
            return 1 + (_COUNT_WORDS[found[1]] if found[1] else 1)
        return None

    @cached_property
    def asks_provider_hours(self) -> bool:
        """ "Is Dr. Patel in on Saturday?": one provider, no service, asked about their days."""
        clean = self.clean
        asked = clean.startswith(_HOURS_ASKED) or clean.endswith("?")
        return (
            len(self.providers) == 1
            and not self.services
            and asked
            and bool(_HOURS_WORDS.search(clean))
        )

    @cached_property
    def asks_duration(self) -> bool:
        """ "How long is a peel?": the clinic's own service list knows."""
        return len(self.services) == 1 and bool(_DURATION.search(self.clean))

    @cached_property
    def intent(self) -> str:
        """The intent to route by: plain keywords first, then questions the clinic's own data
        answers, then the classifier, then details."""
        if self.keyword:
            return self.keyword
        if self.asks_provider_hours:
            return "provider_hours"
        if self.asks_duration:
            return "service_length"
        ranked = self.ranked or [("other", 0.0)]
        top, score = ranked[0]
        has_details = bool(self.services or self.when)
        if score < self._min_score:  # unsure: let the wording and the details decide
            if self.asks_question:
                return "question"
            top = "book" if has_details else "question" if self.is_question else "other"
        if top == "other" and (_GREETING.match(self.clean) or nlu.extract_name(self.text)):
            return "greeting"  # "hi, this is Jane Doe"
        if top in ("book", "question", "availability") and _MOVE.search(self.clean):
            top = "reschedule"  # "can I move my facial to Thursday": a move, whatever the model
        if top in ("reschedule", "cancel", "list_appointments") and self.new_patient:
            return "book"  # a new patient has nothing to move or list
        if top == "question" and has_details and not self.clean.startswith(_QUESTION_START):
            # "can I come in Monday at 7 for an exam" asks for a visit
            return "book"
        if top in ("reschedule", "cancel") and not _EXISTING.search(self.clean):
            # these act on an existing appointment: without a word pointing at one, take the
            # next best reading ("can I book a facial on Friday?" is a booking)
            top = next((i for i, _ in ranked if i not in ("reschedule", "cancel")), "other")
        if top in ("book", "reschedule", "cancel") and self.asks_question:
            return "question"  # "does the peel hurt?", "is there a fee if I cancel?" ask
        if top in ("greeting", "yes", "no") and has_details:
            return "book"  # "hi, botox tomorrow?"
        return top
