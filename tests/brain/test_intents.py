"""The embedding intent classifier, on phrasings that are not among its examples."""

from __future__ import annotations

import pickle

import numpy as np

from actors.brain.intents import INTENT_EXAMPLES, EmbeddingIntentClassifier

REQUIRED = {
    "book", "reschedule", "cancel", "list_appointments", "question", "availability", "greeting",
    "goodbye", "yes", "no", "human", "opt_out", "other",
}  # fmt: skip

HELD_OUT = [
    ("could I book a chemical peel for next Friday", "book"),
    ("I wanna get my forehead botoxed", "book"),
    ("please put me down for a massage on Monday", "book"),
    ("I'd like an appointment with Jess", "book"),
    ("need a back adjustment this week", "book"),
    ("Can I schedule laser for my legs", "book"),
    ("I'm hoping to come in for a consult", "book"),
    ("anything free Thursday morning?", "availability"),
    ("what openings do you have on the 14th", "availability"),
    ("how soon could I get in", "availability"),
    ("is Saturday at 10 available", "availability"),
    ("I have to move my appointment to another day", "reschedule"),
    ("could we change my booking to 4pm", "reschedule"),
    ("I'm running late this week, can I do next week instead", "reschedule"),
    ("any chance to shift my facial to Friday", "reschedule"),
    ("please cancel tomorrow's appointment", "cancel"),
    ("I won't make it on Friday, please cancel it", "cancel"),
    ("I want to cancel my peel", "cancel"),
    ("scrap my booking please", "cancel"),
    ("what time am I booked for", "list_appointments"),
    ("when's my next appointment", "list_appointments"),
    ("do I have anything scheduled", "list_appointments"),
    ("is my appointment still on for Tuesday", "list_appointments"),
    ("how much is a hydrafacial", "question"),
    ("do you validate parking", "question"),
    ("what time do you close on Saturday", "question"),
    ("can I pay with apple pay", "question"),
    ("does the peel hurt", "question"),
    ("what's your address", "question"),
    ("is there a fee if I cancel late", "question"),
    ("hey!", "greeting"),
    ("hello there", "greeting"),
    ("good evening", "greeting"),
    ("thanks a lot, bye!", "goodbye"),
    ("awesome, thank you", "goodbye"),
    ("ok see you then", "goodbye"),
    ("many thanks, that's all I needed", "goodbye"),
    ("yup sounds great", "yes"),
    ("yes that's perfect", "yes"),
    ("sure thing", "yes"),
    ("nope, none of them", "no"),
    ("no those don't work", "no"),
    ("can I speak with someone at the clinic", "human"),
    ("I'd rather talk to an actual person", "human"),
    ("please have a staff member call me", "human"),
    ("please stop messaging me", "opt_out"),
    ("take my number off your list", "opt_out"),
    ("don't text me anymore", "opt_out"),
    ("what's the capital of France", "other"),
    ("my dog ate my homework", "other"),
    ("qwerty", "other"),
]


class CountingEmbedder:
    """Wraps the real embedder to count how many texts each call embeds."""

    def __init__(self, inner):
        self.inner = inner
        self.batches: list[int] = []

    def embed(self, texts):
        self.batches.append(len(texts))
        return self.inner.embed(texts)


def test_every_required_intent_has_examples():
    assert set(INTENT_EXAMPLES) == REQUIRED
    assert all(len(examples) >= 10 for examples in INTENT_EXAMPLES.values())


def test_the_held_out_phrasings_are_not_examples():
    examples = {e.lower() for phrases in INTENT_EXAMPLES.values() for e in phrases}
    assert not [text for text, _ in HELD_OUT if text.lower() in examples]
    assert {intent for _, intent in HELD_OUT} == REQUIRED


def test_held_out_phrasings_are_classified_with_at_least_90_percent_accuracy(intent_classifier):
    misses = [
        (text, want, intent_classifier.classify(text)[0])
        for text, want in HELD_OUT
        if intent_classifier.classify(text)[0][0] != want
    ]
    accuracy = 1 - len(misses) / len(HELD_OUT)
    assert accuracy >= 0.9, misses


def test_scores_cover_every_intent_best_first(intent_classifier):
    ranked = intent_classifier.classify("I would like to book botox on Tuesday")
    assert ranked[0][0] == "book"
    assert {intent for intent, _ in ranked} == REQUIRED
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in scores)


def test_a_call_embeds_one_text_and_the_examples_only_once(intent_classifier):
    counting = CountingEmbedder(intent_classifier.embedder)
    classifier = EmbeddingIntentClassifier(counting)
    classifier.classify("hi")
    classifier.classify("cancel my appointment")
    assert counting.batches == [sum(len(v) for v in INTENT_EXAMPLES.values()), 1, 1]


def test_the_classifier_pickles_without_its_cache_and_gives_the_same_answer(intent_classifier):
    before = intent_classifier.classify("please cancel my booking")
    copy = pickle.loads(pickle.dumps(intent_classifier))
    assert copy._matrix is None  # rebuilt lazily in the process that unpickles it
    after = copy.classify("please cancel my booking")
    assert [i for i, _ in after] == [i for i, _ in before]
    assert np.allclose([s for _, s in after], [s for _, s in before], atol=1e-3)


def test_blank_text_is_classified_without_error(intent_classifier):
    assert intent_classifier.classify("   ")[0][0] in REQUIRED
