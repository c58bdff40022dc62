"""What a customer wants, by similarity to example phrases (no training, no model of our own).

``EmbeddingIntentClassifier`` embeds ``INTENT_EXAMPLES`` once and scores a message by cosine
similarity to each intent's examples (the mean of its ``top_k`` best, so one odd example cannot
win alone). It runs inside the shared Knowledge actor next to the KB embedder: it holds only
the embedder and a numpy matrix (picklable, no sockets), and a call costs one embedding.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

INTENT_EXAMPLES: dict[str, list[str]] = {
    "book": [
        "I'd like to book an appointment",
        "can I make an appointment",
        "I want to schedule a botox appointment",
        "book me in for a facial please",
        "can I get a hydrafacial next week",
        "I need an adjustment tomorrow",
        "sign me up for a chemical peel",
        "I'd like to come in for laser hair removal",
        "book a consultation for Friday",
        "can you fit me in on Tuesday at 3",
        "I want to get botox done",
        "set up an appointment for me",
        "make me a booking for a massage",
        "I'd love to try a facial",
        "schedule me with Dr. Patel",
        "reserve a spot for Saturday morning",
        "I want to come in",
        "I'm a new patient and want to get seen",
        "can I book a new patient exam",
        "booking please",
        "I need to see the chiropractor",
        "get me in for botox asap",
        "pencil me in for a peel",
        "can I book for Thursday afternoon",
        "I'd like to come in on Monday for a massage",
        "put me on the schedule for an adjustment",
    ],
    "availability": [
        "what times do you have available",
        "any openings this week",
        "do you have anything tomorrow afternoon",
        "when is your next available appointment",
        "are you free on Saturday",
        "what's your availability on Friday",
        "do you have any slots next Tuesday",
        "when can I come in",
        "is there anything open this evening",
        "what days are open next week",
        "when's the soonest you can see me",
        "do you have space tomorrow morning",
        "is 3pm Thursday free",
        "what's the earliest opening",
        "any availability for a massage this weekend",
        "check if Jess has time on Wednesday",
    ],
    "reschedule": [
        "I need to reschedule",
        "can I move my appointment",
        "I'd like to change my appointment time",
        "can we push my appointment to next week",
        "something came up, can I come another day",
        "please switch my booking to Thursday",
        "I can't make it Tuesday, can we do Friday instead",
        "move my botox to a later time",
        "can I change the day of my facial",
        "I need a different time for my appointment",
        "bump my appointment to the afternoon",
        "can I come earlier than my booked time",
        "reschedule my visit please",
        "I have a conflict with my appointment, can we find a new time",
    ],
    "cancel": [
        "I need to cancel my appointment",
        "please cancel my booking",
        "cancel my botox tomorrow",
        "I won't be able to make it, please cancel",
        "I can't come anymore, cancel it",
        "I'd like to cancel",
        "remove my appointment",
        "I don't need the appointment anymore",
        "call off my facial on Friday",
        "cancel my visit",
        "I have to cancel, sorry",
        "take me off the schedule",
        "I'm not coming to my appointment",
        "please delete my booking",
    ],
    "list_appointments": [
        "when is my appointment",
        "what time is my appointment",
        "do I have an appointment booked",
        "can you remind me when I'm scheduled",
        "what appointments do I have",
        "show me my bookings",
        "am I booked for tomorrow",
        "what day did I book",
        "confirm my appointment time",
        "when am I coming in",
        "did my booking go through",
        "what's my next visit",
        "check my upcoming appointments",
    ],
    "question": [
        "how much does botox cost",
        "what are your prices",
        "do you take insurance",
        "where are you located",
        "is there parking",
        "what are your hours",
        "how long does a hydrafacial take",
        "how should I prepare for a chemical peel",
        "what's the aftercare for laser",
        "do you accept credit cards",
        "what's your cancellation policy",
        "is a deposit required",
        "how long does botox last",
        "do you offer payment plans",
        "what is a hydrafacial",
        "can I work out after my treatment",
        "are you open on Sundays",
        "what should I wear to my appointment",
        "do you treat sciatica",
        "who are your providers",
        "do you do lip filler",
        "how much is a massage",
        "what's included in the new patient exam",
        "do you have gift cards",
        "what time do you open",
        "when do you close today",
        "are you open late on weekdays",
    ],
    "greeting": [
        "hi",
        "hello",
        "hey there",
        "good morning",
        "hi, is this Glow Med Spa",
        "hello, anyone there",
        "hey",
        "good afternoon",
        "hiya",
        "howdy",
        "yo",
        "greetings",
        "hi there!",
        "evening!",
    ],
    "goodbye": [
        "thanks",
        "thank you so much",
        "thanks, bye",
        "that's all, thanks",
        "great, thank you",
        "bye",
        "goodbye",
        "see you then",
        "have a nice day",
        "perfect thanks so much",
        "that's everything",
        "appreciate it",
        "talk soon",
        "ty",
        "thx",
        "cheers, see you Tuesday",
        "no that's all",
        "nothing else, thanks",
    ],
    "yes": [
        "yes",
        "yep",
        "yeah",
        "sure",
        "sounds good",
        "that works",
        "ok",
        "okay let's do it",
        "yes please",
        "perfect",
        "correct",
        "absolutely",
        "go ahead",
        "confirm",
        "definitely",
        "for sure",
        "that's right",
        "book it",
    ],
    "no": [
        "no",
        "nope",
        "nah",
        "not really",
        "no thanks",
        "that doesn't work",
        "none of those",
        "not that one",
        "I'd rather not",
        "negative",
        "that won't work for me",
        "no, wrong",
        "neither",
        "not quite",
        "I can't do those times",
    ],
    "human": [
        "can I talk to a person",
        "I want to speak to someone",
        "is this a real person",
        "let me talk to the front desk",
        "can someone call me",
        "I'd like to speak with a human",
        "connect me to staff",
        "can I talk to the manager",
        "are you a bot",
        "have the receptionist call me back",
        "I need to talk to the doctor",
        "get me a real human",
        "please have someone contact me",
        "transfer me to a person",
    ],
    "opt_out": [
        "stop texting me",
        "please don't message me again",
        "unsubscribe",
        "remove me from your list",
        "stop",
        "I don't want these texts",
        "quit messaging me",
        "take me off your contact list",
        "no more messages please",
        "leave me alone",
        "opt out",
        "don't contact me anymore",
        "stop sending me texts",
        "please stop",
    ],
    "other": [
        "what's the weather like",
        "who won the game last night",
        "asdfgh",
        "lol",
        "can you help me with my homework",
        "what's 2 plus 2",
        "tell me a joke",
        "I like pizza",
        "my cat is sleeping",
        "wrong number",
        "who is this",
        "what's the meaning of life",
        "sorry wrong chat",
        "testing",
        "?",
        "hmm",
        "blah blah",
        "do you sell cars",
        "zxcvb",
        "jjjjj",
    ],
}

TOP_K = 3  # mean of the 3 best examples per intent: robust to one stray near-duplicate


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbeddingIntentClassifier:
    """Scores a message against each intent's example phrases by cosine similarity."""

    def __init__(
        self,
        embedder: Embedder,
        examples: dict[str, list[str]] | None = None,
        top_k: int = TOP_K,
    ) -> None:
        self.embedder = embedder
        self.examples = {k: list(v) for k, v in (examples or INTENT_EXAMPLES).items()}
        self.top_k = top_k
        self._matrix: np.ndarray | None = None
        self._labels: np.ndarray | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        """Pickle without the lock and the cached matrix (rebuilt on first use)."""
        state = self.__dict__.copy()
        state.update(_matrix=None, _labels=None, _lock=None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def intents(self) -> list[str]:
        return list(self.examples)

    def warm_up(self) -> None:
        """Embed the examples now (once) instead of on the first message."""
        self._index()

    def _index(self) -> tuple[np.ndarray, np.ndarray]:
        if self._matrix is None or self._labels is None:
            with self._lock:
                if self._matrix is None:
                    texts, labels = [], []
                    for i, phrases in enumerate(self.examples.values()):
                        texts += phrases
                        labels += [i] * len(phrases)
                    self._labels = np.asarray(labels)
                    self._matrix = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        assert self._matrix is not None and self._labels is not None
        return self._matrix, self._labels

    def classify(self, text: str) -> list[tuple[str, float]]:
        """[(intent, score)] best first; score is the mean cosine of the top-k examples."""
        matrix, labels = self._index()
        cleaned = " ".join(text.split()) or "?"
        vector = np.asarray(self.embedder.embed([cleaned]), dtype=np.float32)[0]
        sims = matrix @ vector
        scores = []
        for i, intent in enumerate(self.examples):
            best = np.sort(sims[labels == i])[::-1][: self.top_k]
            scores.append((intent, round(float(best.mean()), 4)))
        scores.sort(key=lambda item: (-item[1], item[0]))
        return scores
