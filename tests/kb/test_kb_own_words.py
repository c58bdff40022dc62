"""Near ties within one page go to the passage that says what was asked in its own words."""

from __future__ import annotations

from kb.search import OWN_WORDS_MARGIN, prefer_own_words, query_terms
from kb.service import SearchHit

PAGE = "Insurance, billing and refunds"


def hit(document_id: int, heading: str, text: str, score: float) -> SearchHit:
    return SearchHit(document_id, PAGE, text, score, heading=heading)


OPENING = hit(7, PAGE, "Bring your card and photo ID to your first visit.", 1.20)
REFUNDS = hit(
    7,
    f"{PAGE} > Getting money back",
    "Refunds for prepaid packages go back to your card within five business days.",
    1.14,
)
OTHER_PAGE = hit(9, "Gift cards", "Gift cards are refunded as store credit.", 1.19)


def required(question: str) -> tuple[str, ...]:
    return query_terms(question).required


def test_the_section_that_says_it_beats_the_opening_that_only_shares_the_title():
    ranked = prefer_own_words(
        [OPENING, OTHER_PAGE, REFUNDS], required("what is your refunds policy")
    )
    assert ranked[0] is REFUNDS
    assert ranked[1:] == [OPENING, OTHER_PAGE]


def test_the_top_passage_stays_when_it_says_it_itself():
    ranked = prefer_own_words([OPENING, REFUNDS], required("do I bring photo ID"))
    assert ranked == [OPENING, REFUNDS]


def test_a_clear_lead_is_kept_and_other_pages_are_not_moved_up():
    far = hit(7, REFUNDS.heading, REFUNDS.text, OPENING.score - OWN_WORDS_MARGIN - 0.01)
    assert prefer_own_words([OPENING, far], required("refunds policy")) == [OPENING, far]
    other = prefer_own_words([OPENING, OTHER_PAGE], required("are gift cards refunded"))
    assert other == [OPENING, OTHER_PAGE]


def test_nothing_to_compare_leaves_the_ranking_alone():
    assert prefer_own_words([], required("refunds")) == []
    assert prefer_own_words([OPENING], required("refunds")) == [OPENING]
    assert prefer_own_words([OPENING, REFUNDS], ()) == [OPENING, REFUNDS]
