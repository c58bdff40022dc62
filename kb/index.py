"""The per-clinic in-memory index: a normalised float32 matrix plus keyword postings.

Why this layout: a clinic's knowledge base is small (hundreds to tens of thousands of passages),
so exact search by one matrix-vector product beats any approximate structure on both recall and
simplicity (50k x 384 floats is ~4 ms). Updates are incremental: adding a document appends rows
(the arrays grow by doubling), removing one moves the last rows into the holes, so a change
costs O(its chunks), never a reload. Keyword postings refer to a stable *slot* per passage (not
its row, which moves); a slot-to-row table makes them usable with numpy, and dead slots are
compacted away once they outnumber the live ones.

The functions at the bottom read kb_chunk / kb_document; the KnowledgeBase (service.py)
decides when to load and re-embed.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from peewee import fn

from kb.chunking import embedding_text, keyword_text
from kb.search import ALPHA, QueryTerms, confidence, idf, saturation, terms, top_k
from store.models import KbChunk, KbDocument

_COMPACT_MIN_DEAD = 1024
_IN_BATCH = 500


@dataclass(frozen=True)
class IndexHit:
    chunk_id: int
    document_id: int
    score: float  # fused: dense + ALPHA * keyword (what hits are ranked by)
    dense: float
    keyword: float

    @property
    def confidence(self) -> float:
        """dense + CONFIDENCE_ALPHA * keyword: what the answer threshold is held against."""
        return float(confidence(self.dense, self.keyword))


class _Postings:
    __slots__ = ("slots", "tfs")

    def __init__(self) -> None:
        self.slots = array("i")
        self.tfs = array("H")


class ClinicIndex:
    """Passages of one clinic for one embedding model; not thread-safe (the caller locks)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.signature: tuple | None = None  # the kb_document state last synced (service.py)
        self.versions: dict[int, datetime] = {}  # document id -> the updated_at indexed
        self._n = 0
        self._vectors = np.empty((0, dim), dtype=np.float32)
        self._lengths = np.empty(0, dtype=np.float32)
        self._chunk_ids = np.empty(0, dtype=np.int64)
        self._doc_ids = np.empty(0, dtype=np.int64)
        self._slot_of_row = np.empty(0, dtype=np.int32)
        self._row_of_slot = np.empty(0, dtype=np.int32)
        self._slots_used = 0
        self._dead_slots = 0
        self._total_length = 0.0
        self._row_of_chunk: dict[int, int] = {}
        self._doc_chunks: dict[int, list[int]] = {}
        self._postings: dict[str, _Postings] = {}

    def __len__(self) -> int:
        return self._n

    def __contains__(self, document_id: int) -> bool:
        return document_id in self._doc_chunks

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors[: self._n]

    @property
    def chunk_ids(self) -> np.ndarray:
        return self._chunk_ids[: self._n]

    # --- updates ----------------------------------------------------------------------

    def add_document(
        self,
        document_id: int,
        version: datetime,
        chunk_ids: Sequence[int],
        texts: Sequence[str],
        vectors: np.ndarray,
    ) -> None:
        """Index a document's passages (replacing any it had); ``texts`` feed the keywords."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunk_ids), self.dim) or len(texts) != len(chunk_ids):
            raise ValueError(f"expected {len(chunk_ids)} vectors of dim {self.dim}")
        self.remove_document(document_id)
        self._reserve(self._n + len(chunk_ids), self._slots_used + len(chunk_ids))
        for chunk_id, text, vector in zip(chunk_ids, texts, vectors, strict=True):
            row, slot = self._n, self._slots_used
            counts = Counter(terms(text))
            length = float(sum(counts.values()))
            self._vectors[row] = vector
            self._lengths[row] = length
            self._chunk_ids[row] = chunk_id
            self._doc_ids[row] = document_id
            self._slot_of_row[row] = slot
            self._row_of_slot[slot] = row
            self._row_of_chunk[chunk_id] = row
            self._total_length += length
            for term, tf in counts.items():
                postings = self._postings.get(term)
                if postings is None:
                    postings = self._postings[term] = _Postings()
                postings.slots.append(slot)
                postings.tfs.append(min(tf, 65535))
            self._n += 1
            self._slots_used += 1
        self._doc_chunks[document_id] = list(chunk_ids)
        self.versions[document_id] = version

    def remove_document(self, document_id: int) -> int:
        """Drop a document's passages; returns how many there were."""
        chunk_ids = self._doc_chunks.pop(document_id, [])
        self.versions.pop(document_id, None)
        for chunk_id in chunk_ids:
            self._remove_row(self._row_of_chunk.pop(chunk_id))
        if self._dead_slots > max(_COMPACT_MIN_DEAD, self._n):
            self._compact()
        return len(chunk_ids)

    def _remove_row(self, row: int) -> None:
        last = self._n - 1
        self._row_of_slot[self._slot_of_row[row]] = -1
        self._total_length -= float(self._lengths[row])
        if row != last:  # move the last passage into the hole
            self._vectors[row] = self._vectors[last]
            self._lengths[row] = self._lengths[last]
            self._chunk_ids[row] = self._chunk_ids[last]
            self._doc_ids[row] = self._doc_ids[last]
            self._slot_of_row[row] = self._slot_of_row[last]
            self._row_of_slot[self._slot_of_row[row]] = row
            self._row_of_chunk[int(self._chunk_ids[row])] = row
        self._n -= 1
        self._dead_slots += 1
        if self._n == 0:
            self._total_length = 0.0

    def _reserve(self, rows: int, slots: int) -> None:
        if rows > self._vectors.shape[0]:
            cap = max(rows, 2 * self._vectors.shape[0], 64)
            self._vectors = _grow(self._vectors, cap, self._n)
            self._lengths = _grow(self._lengths, cap, self._n)
            self._chunk_ids = _grow(self._chunk_ids, cap, self._n)
            self._doc_ids = _grow(self._doc_ids, cap, self._n)
            self._slot_of_row = _grow(self._slot_of_row, cap, self._n)
        if slots > self._row_of_slot.shape[0]:
            cap = max(slots, 2 * self._row_of_slot.shape[0], 64)
            self._row_of_slot = _grow(self._row_of_slot, cap, self._slots_used, fill=-1)

    def _compact(self) -> None:
        """Renumber slots as rows and drop dead postings (amortised: dead > live)."""
        for term in list(self._postings):
            old = self._postings[term]
            rows = self._row_of_slot[np.frombuffer(old.slots, dtype=np.int32)]
            alive = rows >= 0
            if not alive.any():
                del self._postings[term]
                continue
            fresh = _Postings()
            fresh.slots.frombytes(rows[alive].astype(np.int32).tobytes())
            fresh.tfs.frombytes(np.frombuffer(old.tfs, dtype=np.uint16)[alive].tobytes())
            self._postings[term] = fresh
        self._row_of_slot = np.full(max(self._n, 64), -1, dtype=np.int32)
        self._row_of_slot[: self._n] = np.arange(self._n, dtype=np.int32)
        self._slot_of_row[: self._n] = np.arange(self._n, dtype=np.int32)
        self._slots_used, self._dead_slots = self._n, 0

    # --- queries ----------------------------------------------------------------------

    def keyword_scores(self, query: QueryTerms) -> np.ndarray | None:
        """``kw(q, c)`` of search.py for every passage, or None when the question has no terms."""
        n = self._n
        if n == 0 or not query:
            return None
        lengths = self._lengths[:n]
        avg_length = self._total_length / n
        matched: list[tuple[float, np.ndarray, np.ndarray]] = []
        idf_total = 0.0
        for term, required in [(t, True) for t in query.required] + [
            (t, False) for t in query.optional
        ]:
            postings = self._postings.get(term)
            rows = tf = None
            if postings is not None:
                rows = self._row_of_slot[np.frombuffer(postings.slots, dtype=np.int32)]
                alive = rows >= 0
                rows = rows[alive]
                tf = np.frombuffer(postings.tfs, dtype=np.uint16)[alive].astype(np.float32)
            df = 0 if rows is None else int(rows.shape[0])
            if df == 0 and not required:
                continue
            weight = idf(df, n)
            idf_total += weight
            if df:
                matched.append((weight, rows, tf))
        if not matched:
            return None
        scores = np.zeros(n, dtype=np.float32)
        for weight, rows, tf in matched:  # rows of one term are distinct: += is safe
            scores[rows] += (weight / idf_total) * saturation(tf, lengths[rows], avg_length)
        return scores

    def search(self, query: np.ndarray, query_terms: QueryTerms, k: int) -> list[IndexHit]:
        """The k best passages by the fused score (see search.py), best first."""
        if self._n == 0 or k <= 0:
            return []
        dense = self._vectors[: self._n] @ np.asarray(query, dtype=np.float32)
        keyword = self.keyword_scores(query_terms)
        if keyword is None:
            scores = dense
        else:  # in place: no extra temporaries of n floats
            scores = keyword
            scores *= np.float32(ALPHA)
            scores += dense
        return [
            IndexHit(
                chunk_id=int(self._chunk_ids[i]),
                document_id=int(self._doc_ids[i]),
                score=float(scores[i]),
                dense=float(dense[i]),
                keyword=0.0 if keyword is None else float((scores[i] - dense[i]) / ALPHA),
            )
            for i in top_k(scores, k)
        ]


def _grow(values: np.ndarray, capacity: int, used: int, fill: int = 0) -> np.ndarray:
    out = np.full((capacity, *values.shape[1:]), fill, dtype=values.dtype)
    out[:used] = values[:used]
    return out


# --- loading from kb_chunk ----------------------------------------------------------------


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: int
    document_id: int
    version: datetime  # its document's updated_at
    ordinal: int
    heading: str
    text: str
    model: str
    dim: int
    embedding: bytes | None

    def vector(self) -> np.ndarray:
        return np.frombuffer(self.embedding or b"", dtype="<f4").astype(np.float32)

    def keyword_text(self) -> str:
        return keyword_text(self.heading, self.text)

    def embedding_text(self) -> str:
        return embedding_text(self.heading, self.text)


def vector_bytes(vector: np.ndarray) -> bytes:
    """How kb_chunk.embedding stores a vector: little-endian float32."""
    return np.asarray(vector, dtype="<f4").tobytes()


def signature(clinic_id: int) -> tuple:
    """Changes whenever a document of the clinic is added, replaced or deleted (any process)."""
    row = (
        KbDocument.select(fn.COUNT(KbDocument.id), fn.MAX(KbDocument.updated_at))
        .where(KbDocument.clinic == clinic_id)
        .tuples()
        .get()
    )
    return tuple(row)


def document_versions(clinic_id: int) -> dict[int, datetime]:
    query = KbDocument.select(KbDocument.id, KbDocument.updated_at).where(
        KbDocument.clinic == clinic_id
    )
    return dict(query.tuples())


def load_chunks(clinic_id: int, document_ids: Sequence[int] | None = None) -> list[StoredChunk]:
    """Passages of the clinic (optionally of some documents), with their document's version."""
    if document_ids is None:
        return _select_chunks(KbChunk.clinic == clinic_id)
    ids = list(document_ids)
    out: list[StoredChunk] = []
    for start in range(0, len(ids), _IN_BATCH):  # bounded IN (...) lists
        batch = ids[start : start + _IN_BATCH]
        out += _select_chunks((KbChunk.clinic == clinic_id) & KbChunk.document.in_(batch))
    return out


def _select_chunks(where) -> list[StoredChunk]:
    query = (
        KbChunk.select(
            KbChunk.id,
            KbChunk.document,
            KbDocument.updated_at,
            KbChunk.ordinal,
            KbChunk.heading,
            KbChunk.text,
            KbChunk.model,
            KbChunk.dim,
            KbChunk.embedding,
        )
        .join(KbDocument)
        .where(where)
        .order_by(KbChunk.document, KbChunk.ordinal)
    )
    return [StoredChunk(*row) for row in query.tuples()]
