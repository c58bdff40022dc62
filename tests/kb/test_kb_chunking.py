"""Chunking: heading paths, sizes, one sentence of overlap, FAQ pairs kept whole."""

from __future__ import annotations

import itertools

from kb.chunking import (
    MAX_WORDS,
    chunk_document,
    embedding_text,
    faq_answer,
    split_sentences,
)
from kb.demo_docs import DEMO_DOCUMENTS

MARKDOWN = """# Botox

Botox relaxes the muscles that cause **frown lines**. See [our menu](https://x.example/menu).

## Before your appointment

- Avoid alcohol for 24 hours before.
- Tell us about any medications.
  This line continues the item.

### On the day

Arrive with clean skin.

## Prices

| Treatment | Price |
|---|---|
| Botox | $300 |
"""


def _long_section(sentences: int) -> str:
    return "## Long\n\n" + " ".join(
        f"Sentence {i} says something useful about the clinic." for i in range(sentences)
    )


def test_heading_paths_follow_the_markdown_structure():
    chunks = chunk_document("Botox", MARKDOWN)
    assert [c.heading for c in chunks] == [
        "Botox",  # the H1 equal to the title is not repeated
        "Botox > Before your appointment",
        "Botox > Before your appointment > On the day",
        "Botox > Prices",
    ]
    assert chunks[0].text == (
        "Botox relaxes the muscles that cause frown lines. See our menu (https://x.example/menu)."
    )
    assert chunks[1].text == (
        "- Avoid alcohol for 24 hours before.\n"
        "- Tell us about any medications. This line continues the item."
    )
    assert chunks[3].text == "Treatment | Price\nBotox | $300"


def test_a_different_h1_becomes_part_of_the_path():
    chunks = chunk_document("Clinic guide", "# Parking\n\nFree parking under the building.")
    assert chunks[0].heading == "Clinic guide > Parking"


def test_plain_text_paragraphs_share_the_title_heading():
    chunks = chunk_document("Note", "First paragraph here.\n\nSecond paragraph there.")
    assert chunks == [chunks[0]]
    assert chunks[0].heading == "Note"
    assert chunks[0].text == "First paragraph here. Second paragraph there."


def test_sentences_respect_abbreviations_and_decimals():
    text = "Dr. Maya Patel opens at 9 a.m. on Tuesdays! Botox is $300.00 today. Is that OK? Yes."
    assert split_sentences(text) == [
        "Dr. Maya Patel opens at 9 a.m. on Tuesdays!",
        "Botox is $300.00 today.",
        "Is that OK?",
        "Yes.",
    ]


def test_long_sections_split_into_balanced_passages_with_one_sentence_overlap():
    chunks = chunk_document("Guide", _long_section(40), max_words=120)  # 40 sentences of 8 words
    assert len(chunks) == 3
    assert all(60 <= c.words <= 120 for c in chunks), [c.words for c in chunks]
    for before, after in itertools.pairwise(chunks):
        last_sentence = split_sentences(before.text)[-1]
        assert split_sentences(after.text)[0] == last_sentence
    every = " ".join(c.text for c in chunks)
    for i in range(40):
        assert f"Sentence {i} says" in every


def test_a_section_just_over_the_limit_is_halved_not_cut_at_the_end():
    chunks = chunk_document("Guide", _long_section(17), max_words=120)  # 136 words
    assert len(chunks) == 2
    assert min(c.words for c in chunks) >= 60


def test_chunks_never_cross_headings():
    text = "## A\n\nAlpha one. Alpha two.\n\n## B\n\nBeta one."
    chunks = chunk_document("T", text)
    assert [(c.heading, c.text) for c in chunks] == [
        ("T > A", "Alpha one. Alpha two."),
        ("T > B", "Beta one."),
    ]


def test_a_run_on_sentence_longer_than_a_passage_is_cut_by_words():
    chunks = chunk_document("T", " ".join(["word"] * 300), max_words=120)
    assert [c.words for c in chunks] == [120, 120, 60]
    assert [c.words for c in chunk_document("T", " ".join(["word"] * 300))] == [80] * 3 + [60]


def test_faq_pairs_stay_whole_and_separate():
    text = """# FAQ

Q: Does Botox hurt?
A: Most clients feel a quick pinch.
We can apply a cold pack first.

**Q:** How long does it last?
**A:** Usually 3 to 4 months.

Question: Do you treat men?
Answer: Yes.
"""
    chunks = chunk_document("FAQ", text)
    assert [c.text for c in chunks] == [
        "Q: Does Botox hurt?\nA: Most clients feel a quick pinch. We can apply a cold pack first.",
        "Q: How long does it last?\nA: Usually 3 to 4 months.",
        "Q: Do you treat men?\nA: Yes.",
    ]
    first_answer = "Most clients feel a quick pinch. We can apply a cold pack first."
    assert faq_answer(chunks[0].text) == first_answer
    assert faq_answer("Plain passage.") == "Plain passage."


def test_a_long_faq_answer_repeats_the_question_in_each_part():
    answer = " ".join(f"Point {i} of the answer is here." for i in range(40))
    chunks = chunk_document("FAQ", f"Q: What should I know?\nA: {answer}")
    assert len(chunks) >= 2
    assert all(c.text.startswith("Q: What should I know?\nA: ") for c in chunks)
    assert all(c.words <= MAX_WORDS for c in chunks)


def test_a_question_without_an_answer_is_kept_as_text():
    chunks = chunk_document("T", "Q: Anything else?\n\nSome text.")
    assert "Anything else?" in " ".join(c.text for c in chunks)


def test_empty_or_blank_documents_have_no_chunks():
    assert chunk_document("T", "") == []
    assert chunk_document("T", "\n\n---\n\n") == []


def test_embedding_text_carries_the_heading_path():
    text = embedding_text("Botox > Aftercare", "Stay upright.")
    assert text == "Botox > Aftercare: Stay upright."


def test_demo_documents_chunk_to_sensible_sizes():
    for documents in DEMO_DOCUMENTS.values():
        for title, text in documents:
            chunks = chunk_document(title, text)
            assert chunks, title
            sizes = [c.words for c in chunks]
            assert all(5 <= n <= MAX_WORDS for n in sizes), (title, sizes)
            assert all(c.heading.startswith(title) for c in chunks)
