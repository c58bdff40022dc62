"""Knowledge base benchmark: hybrid search latency by index size, ingest throughput, and
retrieval quality on the harder evaluation next to its latency.

    python bench/kb.py [--quick] [--sizes 1000,10000,50000] [--queries 200]

Search corpus: real sentences (the demo documents plus clinic-style sentences built from
templates) are embedded with the local model; each synthetic passage is three of them, its
vector the normalised sum of theirs plus small noise, its text their concatenation (so the
keyword postings are realistic too). Queries are customer questions embedded by the same
model. Latency is the index alone (dense matrix product + BM25 + fusion + top-5), since the
query embedding is the same for every size; it is reported separately, as is a full
``KnowledgeBase.answer`` on the demo clinic. The baseline is a pure-Python loop (dot products
and heapq, dense only) over the same vectors, measured in the same run.

Ingest: documents of ~8 passages through ``KnowledgeBase.ingest`` with the local model into a
temporary SQLite database (chunking, embedding, one write transaction, index update).

Quality: tests/kb/hard_eval.toml (two clinics, 47 documents with near-duplicates) seeded into a
temporary database; per split (``dev``, ``held_out``) recall@1/@3 of ``search``, answers found
and out-of-scope questions refused by ``answer``, with the latency of a first search of each
question (query embedding included) and of the ``answer`` after it (its embedding is cached).
``--quick`` runs it whole: it takes a few seconds.

Prints a few lines, then ONE JSON object on the last line.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

# Run as `python bench/kb.py`: the repo root goes first, and this script's own folder goes, or
# `import kb` would find this file instead of the kb package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from kb.chunking import chunk_document, split_sentences  # noqa: E402
from kb.demo_docs import DEMO_DOCUMENTS  # noqa: E402
from kb.embedders.local import LocalEmbedder  # noqa: E402
from kb.index import ClinicIndex  # noqa: E402
from kb.search import QueryTerms, query_terms  # noqa: E402

QUESTIONS = [
    "how much is botox",
    "HydraFacial price",
    "Is Jess Kim available for peels",
    "what should I do before a peel",
    "where do i park",
    "are you open on sunday",
    "do you take blue cross",
    "can I get my deposit back if I cancel",
    "what should I wear to my first visit",
    "how long does botox last",
    "does insurance cover massage",
    "i'm sore after my adjustment",
    "how many laser sessions will i need",
    "do you see kids",
    "what's a superbill",
    "can i use my hsa card",
    "what time do you close on saturday",
    "which doctor is best for sciatica",
    "is the consultation free",
    "what happens if i miss my appointment",
]

SERVICES = [
    "Botox",
    "HydraFacial",
    "chemical peel",
    "laser hair removal",
    "microneedling",
    "dermal filler",
    "adjustment",
    "massage therapy",
    "new patient exam",
    "acupuncture",
    "physical therapy",
    "dry needling",
]
TEMPLATES = [
    "A {s} session takes {m} minutes and costs ${p}.",
    "Before your {s}, avoid alcohol and blood thinners for {d} days if your doctor agrees.",
    "After a {s}, mild redness or soreness can last {d} days.",
    "Most clients book a {s} every {w} weeks for the best results.",
    "Cancel a {s} at least {h} hours ahead to avoid a fee.",
    "Our {s} is performed by {n}, who has {y} years of experience.",
    "We accept HSA and FSA cards for {s} when your plan allows it.",
    "Parking for your {s} visit is free in the garage on level {d}.",
    "Bring a photo ID and your insurance card to your first {s}.",
    "Results from a {s} usually show within {d} days.",
]
NAMES = ["Dr. Maya Patel", "Jess Kim", "Dr. Ben Ortiz", "Dr. Ana Lee", "Sam Rivera", "Dr. Lin"]


def sentence_pool(size: int, rng: np.random.Generator) -> list[str]:
    """Real demo sentences plus template sentences, ``size`` distinct ones in all."""
    pool = {
        s
        for documents in DEMO_DOCUMENTS.values()
        for title, text in documents
        for chunk in chunk_document(title, text)
        for s in split_sentences(chunk.text.replace("\n", " "))
    }
    while len(pool) < size:
        pool.add(
            str(rng.choice(TEMPLATES)).format(
                s=rng.choice(SERVICES),
                m=int(rng.choice([15, 20, 30, 45, 60, 90])),
                p=int(rng.integers(5, 80)) * 5,
                d=int(rng.integers(1, 8)),
                w=int(rng.integers(2, 9)),
                h=int(rng.choice([12, 24, 48])),
                n=rng.choice(NAMES),
                y=int(rng.integers(2, 25)),
            )
        )
    return sorted(pool)[:size]


def synthesise(
    count: int, sentences: list[str], vectors: np.ndarray, rng: np.random.Generator
) -> tuple[list[str], np.ndarray]:
    """``count`` passages of 3 sentences: text joined, vector = normalised sum + noise."""
    picks = rng.integers(0, len(sentences), size=(count, 3))
    mixed = vectors[picks].sum(axis=1)
    mixed += rng.normal(0.0, 0.02, size=mixed.shape).astype(np.float32)
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    texts = [" ".join(sentences[i] for i in row) for row in picks]
    return texts, mixed.astype(np.float32)


def build_index(texts: list[str], vectors: np.ndarray, per_doc: int = 8) -> ClinicIndex:
    index = ClinicIndex(vectors.shape[1])
    version = datetime.now(UTC)
    for start in range(0, len(texts), per_doc):
        end = min(start + per_doc, len(texts))
        ids = list(range(start + 1, end + 1))
        index.add_document(start // per_doc + 1, version, ids, texts[start:end], vectors[start:end])
    return index


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_searches(
    index: ClinicIndex, queries: np.ndarray, terms: list[QueryTerms], repeat: int
) -> list[float]:
    out = []
    for _ in range(repeat):
        for vector, query in zip(queries, terms, strict=True):
            start = time.perf_counter()
            index.search(vector, query, 5)
            out.append((time.perf_counter() - start) * 1e3)
    return out


def python_baseline(vectors: np.ndarray, queries: np.ndarray) -> list[float]:
    """Dense-only top-5 with lists, zip and heapq: what numpy replaces."""
    rows = vectors.tolist()
    out = []
    for query in queries.tolist():
        start = time.perf_counter()
        scores = (
            (sum(a * b for a, b in zip(row, query, strict=True)), i) for i, row in enumerate(rows)
        )
        heapq.nlargest(5, scores)
        out.append((time.perf_counter() - start) * 1e3)
    return out


def bench_search(args, embedder: LocalEmbedder, rng: np.random.Generator) -> dict:
    sentences = sentence_pool(args.pool, rng)
    start = time.perf_counter()
    sentence_vectors = embedder.embed(sentences)
    embed_rate = len(sentences) / (time.perf_counter() - start)
    queries = embedder.embed(QUESTIONS)
    terms = [query_terms(q) for q in QUESTIONS]
    embed_times = []
    for q in QUESTIONS:
        t0 = time.perf_counter()
        embedder.embed([q])
        embed_times.append((time.perf_counter() - t0) * 1e3)
    largest = max(args.sizes)
    texts, vectors = synthesise(largest, sentences, sentence_vectors, rng)
    result: dict = {
        "embed_sentences_per_s": round(embed_rate, 1),
        "query_embed_p50_ms": round(statistics.median(embed_times), 3),
        "sizes": {},
    }
    repeat = max(1, args.queries // len(QUESTIONS))
    for size in sorted(args.sizes):
        t0 = time.perf_counter()
        index = build_index(texts[:size], vectors[:size])
        build_s = time.perf_counter() - t0
        time_searches(index, queries[:3], terms[:3], 1)  # warm caches
        hybrid = time_searches(index, queries, terms, repeat)
        dense = time_searches(index, queries, [QueryTerms(())] * len(terms), repeat)
        row = {
            "hybrid_p50_ms": round(percentile(hybrid, 0.5), 3),
            "hybrid_p99_ms": round(percentile(hybrid, 0.99), 3),
            "dense_only_p50_ms": round(percentile(dense, 0.5), 3),
            "build_s": round(build_s, 2),
            "build_chunks_per_s": round(size / build_s),
        }
        result["sizes"][size] = row
        print(f"search  {size:>7} chunks: {row}", flush=True)
        if size == largest:
            result.update(
                search_p50_ms=row["hybrid_p50_ms"],
                search_p99_ms=row["hybrid_p99_ms"],
                chunks=size,
            )
        if size == min(args.baseline_size, largest) or (
            size == largest and args.baseline_size > largest
        ):
            base = python_baseline(vectors[:size], queries[: args.baseline_queries])
            result["baseline"] = {
                "chunks": size,
                "pure_python_p50_ms": round(statistics.median(base), 1),
                "hybrid_p50_ms": row["hybrid_p50_ms"],
                "speedup": round(statistics.median(base) / row["hybrid_p50_ms"], 1),
            }
            print(f"baseline {size:>6} chunks: {result['baseline']}", flush=True)
        del index
    return result


def fake_document(i: int, sentences: list[str], rng: np.random.Generator) -> str:
    """A document of 4 sections of ~2 passages each."""
    parts = [f"# Document {i}"]
    for section in range(4):
        picked = [sentences[j] for j in rng.integers(0, len(sentences), size=14)]
        parts.append(f"## Section {section}\n\n" + " ".join(picked))
    return "\n\n".join(parts)


def bench_ingest(args, embedder: LocalEmbedder, rng: np.random.Generator) -> dict:
    from kb.service import KnowledgeBase
    from store.db import close_database, open_database
    from store.demo import GLOW_PHONE, seed_demo_clinics
    from store.migrations import migrate
    from store.models import Clinic, KbChunk

    sentences = sentence_pool(600, rng)
    with tempfile.TemporaryDirectory(prefix="vrai-bench-kb-") as tmp:
        open_database(Path(tmp) / "bench.db")
        try:
            migrate()
            seed_demo_clinics()
            glow = Clinic.get(Clinic.phone == GLOW_PHONE).id
            kb = KnowledgeBase(embedder)
            kb.seed_demo_documents()
            answers = []
            for question in QUESTIONS * 3:
                t0 = time.perf_counter()
                kb.answer(glow, question)
                answers.append((time.perf_counter() - t0) * 1e3)
            documents = [fake_document(i, sentences, rng) for i in range(args.documents)]
            before = KbChunk.select().count()
            t0 = time.perf_counter()
            for i, text in enumerate(documents):
                kb.ingest(glow, f"Bench document {i}", text)
            elapsed = time.perf_counter() - t0
            chunks = KbChunk.select().count() - before
        finally:
            close_database()
    result = {
        "ingest_documents": args.documents,
        "ingest_chunks": chunks,
        "ingest_s": round(elapsed, 2),
        "ingest_chunks_per_s": round(chunks / elapsed, 1),
        "answer_p50_ms": round(statistics.median(answers), 3),
        "answer_p99_ms": round(percentile(answers, 0.99), 3),
    }
    print(f"ingest: {result}", flush=True)
    return result


def bench_hard_eval(embedder: LocalEmbedder) -> dict:
    from kb.service import KnowledgeBase
    from store.db import close_database, open_database
    from store.migrations import migrate
    from tests.kb import hard_eval

    evalset = hard_eval.load()
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="vrai-bench-kb-eval-") as tmp:
        open_database(Path(tmp) / "eval.db")
        try:
            migrate()
            kb = KnowledgeBase(embedder)
            ids = hard_eval.seed(kb, evalset)
            for split in hard_eval.SPLITS:
                searches = []
                for question in evalset.questions[split]:
                    t0 = time.perf_counter()
                    kb.search(ids[question.clinic], question.text, k=3)
                    searches.append((time.perf_counter() - t0) * 1e3)
                result = hard_eval.evaluate(kb, evalset, ids, split)
                row = result.summary()
                row["refused_of"] = f"{result.refused}/{result.out_of_scope}"
                row["search_p50_ms"] = round(statistics.median(searches), 2)
                row["search_p99_ms"] = round(percentile(searches, 0.99), 2)
                out[split] = row
                print(
                    f"hard eval {split:>8}: {row['questions']} questions, recall@1"
                    f" {row['recall_at_1']:.3f} recall@3 {row['recall_at_3']:.3f} found"
                    f" {row['found']:.3f}, out of scope refused {row['refused_of']};"
                    f" search p50 {row['search_p50_ms']} ms, answer p50 {row['answer_p50_ms']} ms",
                    flush=True,
                )
        finally:
            close_database()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="finish in well under a minute")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--queries", type=int, help="timed searches per size")
    args = parser.parse_args()
    full_sizes = [1_000, 10_000, 50_000, 100_000]
    args.sizes = args.sizes or (full_sizes[:3] if args.quick else full_sizes)
    args.queries = args.queries or (200 if args.quick else 1000)
    args.pool = 1_000 if args.quick else 4_000
    args.documents = 40 if args.quick else 200
    args.baseline_size = 10_000
    args.baseline_queries = 3 if args.quick else 10
    rng = np.random.default_rng(20251124)
    started = time.perf_counter()
    t0 = time.perf_counter()
    embedder = LocalEmbedder()
    embedder.load()
    load_s = time.perf_counter() - t0
    search = bench_search(args, embedder, rng)
    ingest = bench_ingest(args, embedder, rng)
    quality = bench_hard_eval(embedder)
    summary = {
        "search_p50_ms": search["search_p50_ms"],
        "search_p99_ms": search["search_p99_ms"],
        "chunks": search["chunks"],
        "ingest_chunks_per_s": ingest["ingest_chunks_per_s"],
        "baseline_pure_python_p50_ms": search["baseline"]["pure_python_p50_ms"],
        "baseline_chunks": search["baseline"]["chunks"],
        "speedup_vs_pure_python": search["baseline"]["speedup"],
        "query_embed_p50_ms": search["query_embed_p50_ms"],
        "answer_p50_ms": ingest["answer_p50_ms"],
        "embed_sentences_per_s": search["embed_sentences_per_s"],
        "model_load_s": round(load_s, 2),
        "hard_eval": quality,
        "by_size": search["sizes"],
        "ingest": ingest,
        "quick": args.quick,
        "cpus": os.cpu_count(),
        "total_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
