"""Retrieval quality on the demo knowledge base with the real local model.

Questions are phrased the way customers text. Each names the document(s) that answer it; a
fact stated in two documents (the price table and the treatment's own page) accepts either.
The hybrid weight and the threshold were tuned on the first 66 questions and the first 14
out-of-scope ones; the rest were written afterwards and only checked (docs/KB.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kb.service import KnowledgeBase
from store.db import close_database, open_database
from tests.kb.hard_eval import ranked

if TYPE_CHECKING:
    from conftest import Clinics

# Glow Med Spa
G_PRICES = "Treatments and prices"
BOTOX = "Botox"
HYDRA = "HydraFacial"
PEELS = "Chemical peels"
LASER = "Laser hair removal"
G_FIRST = "Free consultation and your first visit"
G_WHERE = "Hours, location and parking"
G_POLICY = "Booking, cancellation and deposit policy"
PAYMENT = "Payment, insurance and HSA/FSA"
PROVIDERS = "Our providers"
FAQ = "Frequently asked questions"

GLOW_QUESTIONS: list[tuple[str, set[str]]] = [
    ("how much is botox", {G_PRICES, BOTOX}),
    ("HydraFacial price", {HYDRA, G_PRICES}),
    ("Is Jess Kim available for peels", {PROVIDERS}),
    ("what should I do before a peel", {PEELS}),
    ("where do i park", {G_WHERE}),
    ("are you open on sunday", {G_WHERE}),
    ("what time do you close on saturday", {G_WHERE}),
    ("whats your address", {G_WHERE}),
    ("do i need to pay a deposit for botox", {G_POLICY, G_PRICES, BOTOX}),
    ("if i cancel will i get my deposit back", {G_POLICY}),
    ("does insurance cover botox", {PAYMENT}),
    ("can i use my hsa card", {PAYMENT}),
    ("do you take apple pay", {PAYMENT}),
    ("how long does botox last", {BOTOX, FAQ}),
    ("can i work out after botox", {BOTOX}),
    ("how should i prepare for laser hair removal", {LASER}),
    ("can I wax before laser", {LASER}),
    ("how many laser sessions will i need", {LASER}),
    ("how much is laser hair removal", {LASER, G_PRICES}),
    ("is the consultation free", {G_FIRST, G_PRICES}),
    ("who does the botox injections", {BOTOX, PROVIDERS}),
    ("what do i bring to my first appointment", {G_FIRST}),
    ("my skin is peeling after my chemical peel is that normal", {PEELS}),
    ("can i wear makeup after a hydrafacial", {HYDRA, FAQ}),
    ("does laser hair removal hurt", {FAQ, LASER}),
    ("do you sell gift cards", {PAYMENT}),
    ("is dr patel a real doctor", {PROVIDERS}),
    ("how old do you have to be", {G_FIRST, FAQ}),
    ("can i bring my kids", {FAQ}),
    ("what if i'm running late", {G_POLICY}),
    ("do you have packages or memberships", {G_PRICES}),
    ("is there an elevator", {G_WHERE}),
    ("how much is a tox appointment", {G_PRICES, BOTOX}),
    ("how much for a hydro facial", {HYDRA, G_PRICES}),
    # written after tuning
    ("price for a chemical peel", {PEELS, G_PRICES}),
    ("when are you open", {G_WHERE}),
    ("what's your phone number", {G_WHERE}),
    ("how far in advance can I book", {G_WHERE, G_POLICY}),
    ("does jess do botox", {PROVIDERS}),
    ("can i get botox while pregnant", {BOTOX}),
    ("what should i avoid after laser", {LASER}),
    ("is a hydrafacial ok for sensitive skin", {HYDRA}),
    ("what payment methods do you accept", {PAYMENT}),
    ("is there a fee if i cancel my facial", {G_POLICY}),
]

# Align Chiropractic
A_PRICES = "Services and prices"
A_FIRST = "Your first visit: the New Patient Exam"
ADJUST = "Chiropractic adjustments"
MASSAGE = "Massage therapy"
A_WHERE = "Hours, location and parking"
INSURANCE = "Insurance and billing"
A_POLICY = "Scheduling, cancellation and deposit policy"
DOCTORS = "Our chiropractors"
CONDITIONS = "Conditions we help with"

ALIGN_QUESTIONS: list[tuple[str, set[str]]] = [
    ("how much is an adjustment", {A_PRICES, ADJUST}),
    ("do you take blue cross", {INSURANCE}),
    ("what's the cost of a massage", {A_PRICES, MASSAGE}),
    ("what do i need to bring to my first visit", {A_FIRST}),
    ("do i need a referral", {A_FIRST, INSURANCE}),
    ("are you open saturday", {A_WHERE}),
    ("where do I park", {A_WHERE}),
    ("what train stop is close to you", {A_WHERE}),
    ("how much is the new patient exam", {A_PRICES, A_FIRST}),
    ("do I have to pay a deposit", {A_POLICY, A_PRICES}),
    ("can I get my deposit back if I cancel", {A_POLICY}),
    ("do you take medicaid", {INSURANCE}),
    ("what's a superbill", {INSURANCE}),
    ("you're out of network with my insurance, what do i do", {INSURANCE}),
    ("does insurance cover massage", {INSURANCE}),
    ("can i use my fsa card", {INSURANCE}),
    ("i'm really sore after my adjustment yesterday", {ADJUST}),
    ("what should I wear", {FAQ, A_FIRST}),
    ("does it hurt to get adjusted", {FAQ, ADJUST}),
    ("do you see kids", {FAQ}),
    ("do you take walk ins", {FAQ, A_POLICY}),
    ("which doctor is best for sciatica", {DOCTORS}),
    ("does dr lee do massages", {DOCTORS, MASSAGE}),
    ("what happens at the first appointment", {A_FIRST}),
    ("how often should I come in for adjustments", {ADJUST}),
    ("what is your address", {A_WHERE}),
    ("what time do you open monday", {A_WHERE}),
    ("do you do deep tissue massage", {MASSAGE}),
    ("can I see Dr. Ortiz on Saturday", {DOCTORS}),
    ("why does my back pop when you adjust it", {ADJUST}),
    ("do you take aetna", {INSURANCE}),
    ("what happens if i miss my appointment", {A_POLICY}),
    # written after tuning
    ("how much does a massage cost", {A_PRICES, MASSAGE}),
    ("are you open on sundays", {A_WHERE}),
    ("is dr ortiz good with sports injuries", {DOCTORS}),
    ("do you accept united healthcare", {INSURANCE}),
    ("what forms do i fill out before my first visit", {A_FIRST}),
    ("can chiropractic help with headaches", {CONDITIONS, DOCTORS}),
    ("should i ice my back after an adjustment", {ADJUST}),
    ("what's the cancellation policy", {A_POLICY}),
    ("do i need an appointment", {FAQ, A_POLICY}),
    ("whats your email", {A_WHERE}),
]

OUT_OF_SCOPE = [
    "what's the capital of France",
    "can you fix my car",
    "what's the weather tomorrow",
    "who won the super bowl",
    "can you recommend a good pizza place",
    "how do I reset my iphone",
    "what is the meaning of life",
    "tell me a joke",
    "what's 2+2",
    "can you book me a flight to paris",
    "what's apple's stock price",
    "how do i renew my passport",
    "is my package delivered yet",
    "whats the wifi password at starbucks",
    # written after tuning
    "can you write my college essay",
    "how do I cook rice",
    "what's the best crypto to buy",
    "where can I buy a used car",
]


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory, local_embedder, fresh_database
) -> Iterator[tuple[KnowledgeBase, Clinics, Path]]:
    path = tmp_path_factory.mktemp("kb-retrieval") / "kb.db"
    clinics = fresh_database(path)
    kb = KnowledgeBase(local_embedder)
    kb.seed_demo_documents()
    yield kb, clinics, path
    close_database()


@pytest.fixture
def kb(demo) -> KnowledgeBase:
    open_database(demo[2])  # idempotent; rebinds if another module's test opened another db
    return demo[0]


@pytest.fixture
def clinics(demo) -> Clinics:
    return demo[1]


def recall(kb: KnowledgeBase, clinic_id: int, questions) -> tuple[float, float, list[str]]:
    at1 = at3 = 0
    misses = []
    for question, expected in questions:
        first, top3, titles = ranked(kb, clinic_id, question, expected)
        at1 += first
        at3 += top3
        if not first:
            misses.append(f"{question!r} -> {titles}")
    return at1 / len(questions), at3 / len(questions), misses


def test_recall_at_1_and_3(kb: KnowledgeBase, clinics: Clinics, capsys):
    glow = recall(kb, clinics.glow, GLOW_QUESTIONS)
    align = recall(kb, clinics.align, ALIGN_QUESTIONS)
    n_glow, n_align = len(GLOW_QUESTIONS), len(ALIGN_QUESTIONS)
    total = n_glow + n_align
    at1 = (glow[0] * n_glow + align[0] * n_align) / total
    at3 = (glow[1] * n_glow + align[1] * n_align) / total
    with capsys.disabled():
        print(
            f"\nkb retrieval: {total} questions, recall@1={at1:.3f} recall@3={at3:.3f}"
            f" (glow {glow[0]:.3f}/{glow[1]:.3f}, align {align[0]:.3f}/{align[1]:.3f})"
        )
        for miss in glow[2] + align[2]:
            print(f"  not first: {miss}")
    assert total >= 40
    assert at3 >= 0.9
    assert at1 >= 0.85


def test_in_scope_questions_are_answered(kb: KnowledgeBase, clinics: Clinics, capsys):
    both = [(clinics.glow, GLOW_QUESTIONS), (clinics.align, ALIGN_QUESTIONS)]
    unanswered = [
        q for clinic, questions in both for q, _ in questions if not kb.answer(clinic, q).found
    ]
    rate = 1 - len(unanswered) / (len(GLOW_QUESTIONS) + len(ALIGN_QUESTIONS))
    with capsys.disabled():
        print(f"\nkb answer: found for {rate:.3f} of in-scope questions; not: {unanswered}")
    assert rate >= 0.9


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_questions_are_not_found(kb: KnowledgeBase, clinics: Clinics, question):
    for clinic_id in (clinics.glow, clinics.align):
        answer = kb.answer(clinic_id, question)
        assert not answer.found, (question, answer.passages[:1])
        assert answer.text == "" and answer.passages == ()


@pytest.mark.parametrize(
    "question", ["how much for lip filler", "how much is microneedling", "do you do lip fillers?"]
)
def test_a_treatment_neither_clinic_offers_is_not_answered_with_another(kb, clinics, question):
    """The Botox page read like an answer to "how much for lip filler" (cosine 0.40, no word
    in common): a passage sharing no word with the question needs more confidence."""
    for clinic_id in (clinics.glow, clinics.align):
        assert not kb.answer(clinic_id, question).found, question


@pytest.mark.parametrize(
    ("clinic", "question", "fact"),
    [
        ("glow", "how much is botox", "$300"),
        ("glow", "do I need a deposit for botox", "$50"),
        ("glow", "where do i park", "garage"),
        ("glow", "are you open on mondays", "closed on Sundays"),
        ("glow", "does botox hurt", "pinch"),  # the FAQ's answer half
        ("align", "do you take blue cross", "Blue Cross Blue Shield"),
        ("align", "how much is a massage", "$85"),
        ("align", "when are you open on saturday", "9:00 am to 12:00 pm"),
        ("align", "can I get my deposit back if I cancel", "24 hours"),
        # The policy pages open with booking rules; the page's title names cancellation.
        ("glow", "what is your cancellation policy?", "24 hours"),
        ("glow", "cancellation policy", "24 hours"),
        ("align", "whats ur cancelation policy", "24 hours"),
        ("align", "what's the policy if I'm running late", "late"),
    ],
)
def test_answers_quote_the_right_fact(kb: KnowledgeBase, clinics: Clinics, clinic, question, fact):
    answer = kb.answer(getattr(clinics, clinic), question)
    assert answer.found
    assert fact in answer.text, answer.text
    assert answer.document_ids[0] == answer.passages[0].document_id


def test_exact_names_win(kb: KnowledgeBase, clinics: Clinics):
    providers = kb.search(clinics.glow, "Is Jess Kim available for peels", k=3)
    assert providers[0].title == PROVIDERS and "Jess Kim" in providers[0].text
    hydra = kb.search(clinics.glow, "HydraFacial price", k=3)
    assert hydra[0].title in {HYDRA, G_PRICES} and "$199" in hydra[0].text
    ortiz = kb.search(clinics.align, "Dr Ortiz", k=1)
    assert "Ortiz" in ortiz[0].text


def test_clinic_isolation_on_the_demo(kb: KnowledgeBase, clinics: Clinics):
    glow_docs = {d.id for d in kb.list_documents(clinics.glow)}
    for question in ["how much is botox", "HydraFacial price", "Jess Kim"]:
        assert not {h.document_id for h in kb.search(clinics.align, question, k=10)} & glow_docs
