"""The numpy index: incremental updates equal a full rebuild; the hybrid formula; top-k."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pytest

from kb.index import ClinicIndex, load_chunks
from kb.search import (
    ALPHA,
    CONFIDENCE_ALPHA,
    K1,
    B,
    QueryTerms,
    query_terms,
    stem,
    synonym_map,
    terms,
    top_k,
)
from kb.service import KnowledgeBase

if TYPE_CHECKING:
    from conftest import Clinics

V1 = datetime(2025, 1, 1, tzinfo=UTC)


def unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def snapshot(index: ClinicIndex) -> dict[int, np.ndarray]:
    return {int(c): index.vectors[i].copy() for i, c in enumerate(index.chunk_ids)}


def assert_same_results(a: ClinicIndex, b: ClinicIndex, queries, rng) -> None:
    for text in queries:
        q = unit(rng, 1, a.dim)[0]
        terms_ = query_terms(text)
        hits_a, hits_b = a.search(q, terms_, 10), b.search(q, terms_, 10)
        assert [h.chunk_id for h in hits_a] == [h.chunk_id for h in hits_b], text
        assert [h.score for h in hits_a] == pytest.approx([h.score for h in hits_b], abs=1e-5)


WORDS = ["botox", "peel", "laser", "facial", "parking", "deposit", "insurance", "hours", "jess"]


def random_doc(rng: np.random.Generator, chunks: int) -> list[str]:
    return [" ".join(rng.choice(WORDS, size=rng.integers(3, 12))) for _ in range(chunks)]


def test_incremental_updates_match_a_full_rebuild_with_compaction():
    rng = np.random.default_rng(7)
    dim = 16
    live: dict[int, tuple[list[int], list[str], np.ndarray]] = {}
    index = ClinicIndex(dim)
    next_chunk = 1
    for step in range(1500):  # enough removals to trigger slot compaction more than once
        doc = int(rng.integers(1, 60))
        if doc in live and rng.random() < 0.4:
            index.remove_document(doc)
            del live[doc]
            continue
        texts = random_doc(rng, int(rng.integers(1, 5)))
        ids = list(range(next_chunk, next_chunk + len(texts)))
        next_chunk += len(texts)
        vectors = unit(rng, len(texts), dim)
        index.add_document(doc, V1, ids, texts, vectors)  # replaces the doc if present
        live[doc] = (ids, texts, vectors)
        assert len(index) == sum(len(v[0]) for v in live.values()), step
    rebuilt = ClinicIndex(dim)
    for doc, (ids, texts, vectors) in live.items():
        rebuilt.add_document(doc, V1, ids, texts, vectors)
    assert snapshot(index).keys() == snapshot(rebuilt).keys()
    for chunk_id, vector in snapshot(index).items():
        np.testing.assert_array_equal(vector, snapshot(rebuilt)[chunk_id])
    assert_same_results(index, rebuilt, ["jess kim peel", "botox deposit", "parking", ""], rng)
    kw_a = index.keyword_scores(query_terms("maya patel laser"))
    kw_b = rebuilt.keyword_scores(query_terms("maya patel laser"))
    by_chunk_a = dict(zip(index.chunk_ids.tolist(), kw_a.tolist(), strict=True))
    by_chunk_b = dict(zip(rebuilt.chunk_ids.tolist(), kw_b.tolist(), strict=True))
    assert by_chunk_a == pytest.approx(by_chunk_b, abs=1e-6)


def test_service_index_updated_in_place_equals_one_loaded_from_the_database(
    clinics: Clinics, new_hash_embedder
):
    incremental = KnowledgeBase(new_hash_embedder(), threshold=0.0)
    incremental.search(clinics.glow, "warm up", k=1)  # loaded empty, then updated in place
    ids = [
        incremental.ingest(clinics.glow, f"Doc {i}", f"# Doc {i}\n\nBotox and peel note {i}.")
        for i in range(6)
    ]
    incremental.update(clinics.glow, ids[1], text="Laser hair removal takes 30 minutes.")
    incremental.update(clinics.glow, ids[4], text="Parking is free under the building.")
    incremental.delete(clinics.glow, ids[2])
    incremental.ingest(clinics.glow, "Late", "Jess Kim does peels on Saturdays.")
    fresh = KnowledgeBase(new_hash_embedder(), threshold=0.0)
    for question in ["botox", "laser hair", "parking", "jess kim peels", "note 5"]:
        a = incremental.search(clinics.glow, question, k=10)
        b = fresh.search(clinics.glow, question, k=10)
        assert [(h.chunk_id, h.text) for h in a] == [(h.chunk_id, h.text) for h in b]
        assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-6)
    with incremental._lock, fresh._lock:
        left, right = incremental._indexes[clinics.glow], fresh._indexes[clinics.glow]
        assert snapshot(left).keys() == snapshot(right).keys()
        assert left.versions == right.versions
    assert sorted(snapshot(left)) == sorted(c.chunk_id for c in load_chunks(clinics.glow))


def test_an_exact_name_wins_over_an_equally_similar_passage():
    index = ClinicIndex(4)
    same = np.array([[1.0, 0.0, 0.0, 0.0]] * 3, dtype=np.float32)
    index.add_document(
        1,
        V1,
        [10, 11, 12],
        [
            "Our estheticians perform peels every weekday.",
            "Jess Kim performs peels every weekday.",
            "Peels and facials are available every weekday.",
        ],
        same,
    )
    query = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    dense_only = index.search(query, QueryTerms(()), 3)
    assert {h.score for h in dense_only} == {1.0}  # a tie without keywords
    hits = index.search(query, query_terms("Is Jess Kim available for peels?"), 3)
    assert hits[0].chunk_id == 11
    assert hits[0].keyword > hits[1].keyword > 0
    assert hits[0].score == pytest.approx(hits[0].dense + ALPHA * hits[0].keyword)
    assert hits[0].confidence == pytest.approx(hits[0].dense + CONFIDENCE_ALPHA * hits[0].keyword)


def test_keyword_score_is_the_documented_bm25_share():
    index = ClinicIndex(2)
    texts = ["botox botox price", "peel price", "parking garage"]
    index.add_document(1, V1, [1, 2, 3], texts, np.eye(2, dtype=np.float32)[[0, 1, 0]])
    scores = index.keyword_scores(QueryTerms(("botox", "price", "unknownword")))
    n, lengths = 3, [3, 2, 2]
    avg = sum(lengths) / n

    def idf(df: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def sat(tf: int, length: int) -> float:
        return tf / (tf + K1 * (1 - B + B * length / avg))

    total = idf(1) + idf(2) + idf(0)  # the unknown required term counts in the denominator
    expected = [
        (idf(1) * sat(2, 3) + idf(2) * sat(1, 3)) / total,
        idf(2) * sat(1, 2) / total,
        0.0,
    ]
    assert scores.tolist() == pytest.approx(expected, rel=1e-5)
    assert index.keyword_scores(QueryTerms((), ("neverseen",))) is None  # optional: ignored


def test_top_k_matches_a_full_sort():
    rng = np.random.default_rng(3)
    scores = rng.standard_normal(1000).astype(np.float32)
    assert top_k(scores, 5).tolist() == np.argsort(-scores)[:5].tolist()
    assert top_k(scores, 40).tolist() == np.argsort(-scores)[:40].tolist()  # argpartition path
    ties = np.array([0.5, 0.9, 0.5, 0.9], dtype=np.float32)
    assert top_k(ties, 4).tolist() == [1, 3, 0, 2]  # ties: lower index first
    assert top_k(np.tile(ties, 5), 20)[:4].tolist() == [1, 3, 5, 7]
    assert top_k(scores[:3], 10).tolist() == np.argsort(-scores[:3]).tolist()
    assert top_k(scores, 0).tolist() == []


def test_query_analysis():
    assert [stem(w) for w in ["peels", "parking", "cancelled", "hours", "glass", "bring"]] == [
        "peel",
        "park",
        "cancel",
        "hour",
        "glass",
        "bring",
    ]
    # Snowball stems: the forms a customer and a document use for one word meet.
    for forms in (["price", "pricing"], ["tape", "taping"], ["injection", "injectable"]):
        assert len({stem(w) for w in forms}) == 1, forms
    assert terms("What's the HydraFacial price?") == [stem("hydrafacial"), "price"]
    assert terms("what to do before and after botox") == [stem("before"), "after", "botox"]
    synonyms = synonym_map([("HydraFacial", "facial,hydra facial"), ("Botox", "tox,botox")])
    assert synonyms == {"facial": "HydraFacial", "hydra facial": "HydraFacial", "tox": "Botox"}
    q = query_terms("how much for a hydra facial", synonyms)
    assert q.required == ("hydra", stem("facial"))
    assert set(q.optional) == {stem("hydrafacial")}
    assert query_terms("whats the price of tox", synonyms).optional[-1] == "botox"
    assert not query_terms("what is it?")


def test_search_on_an_empty_index():
    index = ClinicIndex(8)
    assert index.search(np.ones(8, dtype=np.float32), query_terms("botox"), 5) == []
    assert index.remove_document(42) == 0


def test_bad_vectors_are_refused():
    index = ClinicIndex(4)
    with pytest.raises(ValueError):
        index.add_document(1, V1, [1, 2], ["a", "b"], np.ones((2, 3), dtype=np.float32))
