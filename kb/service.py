"""The knowledge base API the conversation actors and the REST layer call.

Answers come only from the clinic's own documents: ``answer()`` returns ``found=False`` when
none of the top passages has a confidence above the calibrated threshold, and the caller then
offers to ask staff instead of guessing.

Writes: a document is chunked and embedded *before* the write transaction (embedding is slow
and may fail; neither may hold the database write lock or leave half a document), then its row
and all its passages are replaced in one ``write()``. The in-memory index of this process is
updated incrementally after the commit. Other processes (actors are forked) notice the change
through a cheap signature of the clinic's documents and re-sync only what changed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from peewee import fn

from kb.chunking import Chunk, chunk_document, embedding_text, faq_answer, keyword_text
from kb.embedders import Embedder, EmbedderError, ModelIntegrityError, make_embedder
from kb.index import (
    ClinicIndex,
    IndexHit,
    StoredChunk,
    document_versions,
    load_chunks,
    signature,
    vector_bytes,
)
from kb.search import prefer_own_words, query_terms, synonym_map, threshold_for
from store.db import write
from store.fields import utcnow
from store.models import Clinic, KbChunk, KbDocument, Service

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 200_000
MAX_SOURCE_CHARS = 32
MAX_QUERY_CHARS = 1_000  # a longer question is cut: the tail rarely changes what it asks
MAX_K = 50
ANSWER_PASSAGES = 3
#: How much more confidence a passage sharing no word with the question needs (``_bar``);
#: 0.05-0.07 change nothing in the harder evaluation, 0.1 loses an answer (docs/KB.md).
NO_SHARED_WORD_MARGIN = 0.07
_REEMBED_BATCH = 256
_INSERT_BATCH = 100


class KbError(Exception):
    """Base of the knowledge base's errors; the REST layer maps the subclasses to statuses."""


class NotFound(KbError):
    """Unknown clinic or document, or a document of another clinic (404)."""


class Invalid(KbError):
    """Bad input: empty or oversized title, text or question, bad k (400)."""


class Unavailable(KbError):
    """The embedder failed (e.g. the OpenAI API is down); retry later (503)."""


@dataclass(frozen=True)
class SearchHit:
    document_id: int
    title: str
    text: str
    score: float  # the ranking score (search.py)
    heading: str = ""
    chunk_id: int = 0
    confidence: float = 0.0  # what answer() holds against the threshold (search.py)
    keyword: float = 0.0  # kw: the idf share of the question's terms the passage has (search.py)


@dataclass(frozen=True)
class Answer:
    found: bool
    text: str  # the best passage (an FAQ's answer half), to quote or paraphrase
    passages: tuple[SearchHit, ...]
    document_ids: tuple[int, ...]


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    clinic_id: int
    title: str
    source: str
    content_hash: str
    chunks: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Document(DocumentInfo):
    text: str


@dataclass(frozen=True)
class _Prepared:
    """A document chunked and embedded, ready to be written in one transaction."""

    title: str
    text: str
    source: str
    content_hash: str
    chunks: list[Chunk]
    vectors: np.ndarray


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()


class KnowledgeBase:
    """Per-clinic documents, their passages and a lazily loaded in-memory index per clinic."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        threshold: float | None = None,
        max_clinics: int = 64,
    ) -> None:
        self.embedder = embedder if embedder is not None else make_embedder()
        self.threshold = threshold if threshold is not None else threshold_for(self.embedder.name)
        self._max_clinics = max_clinics
        self._indexes: OrderedDict[int, ClinicIndex] = OrderedDict()
        self._lock = threading.RLock()

    def warm_up(self) -> None:
        """Load the embedding model now (verifying its files), so a bad install fails at start."""
        load = getattr(self.embedder, "load", None)
        if callable(load):
            load()

    # --- documents ----------------------------------------------------------------------

    def ingest(
        self,
        clinic_id: int,
        title: str,
        text: str,
        document_id: int | None = None,
        source: str = "staff",
    ) -> int:
        """Add a document (or replace ``document_id``'s content); returns the document id.

        Idempotent: the same title and text with chunks of the current model is a no-op, also
        without ``document_id`` (a retried upload returns the existing document).
        """
        self._clinic(clinic_id)
        title, text, source = _title(title), _text(text), _source(source)
        digest = content_hash(title, text)
        if document_id is None:
            same = KbDocument.get_or_none(
                (KbDocument.clinic == clinic_id) & (KbDocument.content_hash == digest)
            )
            if same is not None and self._is_current(same.id):
                return same.id
            if same is not None:  # same content, passages of another model: rebuild them
                document_id = same.id
        else:
            existing = self._document(clinic_id, document_id)
            if existing.content_hash == digest and self._is_current(existing.id):
                if existing.source != source:
                    with write():
                        KbDocument.update(source=source).where(
                            KbDocument.id == existing.id
                        ).execute()
                return existing.id
        prepared = self._prepare(title, text, source, digest)
        with write():
            new_id, version, chunk_ids = self._store(clinic_id, prepared, document_id)
        self._apply(clinic_id, prepared, new_id, version, chunk_ids)
        log.info("kb: clinic %s document %s indexed (%d chunks)", clinic_id, new_id, len(chunk_ids))
        return new_id

    def update(
        self,
        clinic_id: int,
        document_id: int,
        *,
        title: str | None = None,
        text: str | None = None,
        source: str | None = None,
    ) -> int:
        """Change some of a document's fields; its passages are rebuilt when the content changed."""
        self._clinic(clinic_id)
        current = self._document(clinic_id, document_id)
        return self.ingest(
            clinic_id,
            current.title if title is None else title,
            current.text if text is None else text,
            document_id=document_id,
            source=current.source if source is None else source,
        )

    def delete(self, clinic_id: int, document_id: int) -> None:
        """Remove a document and its passages (one transaction)."""
        self._clinic(clinic_id)
        _positive_id(document_id, "document_id")
        with write():
            document = self._document(clinic_id, document_id)
            KbChunk.delete().where(KbChunk.document == document.id).execute()
            document.delete_instance()
        with self._lock:
            index = self._indexes.get(clinic_id)
            if index is not None:
                index.remove_document(document_id)
        log.info("kb: clinic %s document %s deleted", clinic_id, document_id)

    def list_documents(self, clinic_id: int) -> list[DocumentInfo]:
        self._clinic(clinic_id)
        counts = dict(
            KbChunk.select(KbChunk.document, fn.COUNT(KbChunk.id))
            .where(KbChunk.clinic == clinic_id)
            .group_by(KbChunk.document)
            .tuples()
        )
        documents = KbDocument.select().where(KbDocument.clinic == clinic_id)
        return [_info(d, counts.get(d.id, 0)) for d in documents.order_by(KbDocument.id)]

    def get_document(self, clinic_id: int, document_id: int) -> Document:
        self._clinic(clinic_id)
        document = self._document(clinic_id, document_id)
        chunks = KbChunk.select().where(KbChunk.document == document.id).count()
        return Document(**vars(_info(document, chunks)), text=document.text)

    # --- questions ----------------------------------------------------------------------

    def search(self, clinic_id: int, query: str, k: int = 5) -> list[SearchHit]:
        """The k passages of the clinic that best match ``query``, best first (hybrid score)."""
        query = _query(query)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise Invalid(f"k must be an integer between 1 and {MAX_K}")
        self._clinic(clinic_id)
        vector = self._embed([query])[0]
        terms = query_terms(query, self._synonyms(clinic_id))
        with self._lock:
            hits = self._index(clinic_id).search(vector, terms, k)
        return prefer_own_words(_hydrate(hits), terms.required)

    def answer(self, clinic_id: int, question: str) -> Answer:
        """The best ranked passage whose confidence clears the threshold, else ``found=False``
        (ask staff)."""
        hits = self.search(clinic_id, question, k=ANSWER_PASSAGES)
        passages = tuple(h for h in hits if h.confidence >= self._bar(h))
        if not passages:
            return Answer(found=False, text="", passages=(), document_ids=())
        document_ids = tuple(dict.fromkeys(h.document_id for h in passages))
        return Answer(
            found=True,
            text=faq_answer(passages[0].text),
            passages=passages,
            document_ids=document_ids,
        )

    def _bar(self, hit: SearchHit) -> float:
        """The confidence a passage needs: more when it shares no word with the question (its
        confidence is its cosine alone), as "how much for lip filler?" did with the Botox page."""
        return self.threshold + (0.0 if hit.keyword > 0 else NO_SHARED_WORD_MARGIN)

    # --- embedding model switches -------------------------------------------------------

    def reembed_clinic(self, clinic_id: int) -> int:
        """Re-embed every passage of the clinic made by another model; returns how many."""
        self._clinic(clinic_id)
        stale = [c for c in load_chunks(clinic_id) if self._is_stale(c)]
        self._reembed(stale)
        with self._lock:
            self._indexes.pop(clinic_id, None)  # rebuilt from the database on next use
        return len(stale)

    def forget(self, clinic_id: int | None = None) -> None:
        """Drop in-memory indexes (all, or one clinic's); they reload lazily."""
        with self._lock:
            if clinic_id is None:
                self._indexes.clear()
            else:
                self._indexes.pop(clinic_id, None)

    # --- demo ---------------------------------------------------------------------------

    def seed_demo_documents(self) -> int:
        """Ingest kb/demo_docs.py into each demo clinic that has no document yet (idempotent)."""
        from kb.demo_docs import DEMO_DOCUMENTS

        created = 0
        for phone, documents in DEMO_DOCUMENTS.items():
            clinic = Clinic.get_or_none(Clinic.phone == phone)
            if clinic is None or _has_documents(clinic.id):
                continue
            prepared = [
                self._prepare(_title(t), _text(x), "demo", content_hash(_title(t), _text(x)))
                for t, x in documents
            ]
            with write():  # all of a clinic's demo documents, or none
                if _has_documents(clinic.id):
                    continue
                stored = [self._store(clinic.id, p, None) for p in prepared]
            for p, s in zip(prepared, stored, strict=True):
                self._apply(clinic.id, p, *s)
            created += len(prepared)
        return created

    # --- internals: writing -------------------------------------------------------------

    def _prepare(self, title: str, text: str, source: str, digest: str) -> _Prepared:
        chunks = chunk_document(title, text)
        if not chunks:
            raise Invalid("the document has no text to index")
        vectors = self._embed([embedding_text(c.heading, c.text) for c in chunks])
        return _Prepared(title, text, source, digest, chunks, vectors)

    def _store(
        self, clinic_id: int, prepared: _Prepared, document_id: int | None
    ) -> tuple[int, datetime, list[int]]:
        """Inside ``write()``: the document row and all its passages, replaced together."""
        now = utcnow()
        fields = dict(
            title=prepared.title,
            text=prepared.text,
            source=prepared.source,
            content_hash=prepared.content_hash,
            updated_at=now,
        )
        if document_id is None:
            document = KbDocument.create(clinic=clinic_id, created_at=now, **fields)
        else:
            document = self._document(clinic_id, document_id)  # deleted meanwhile: NotFound
            KbDocument.update(**fields).where(KbDocument.id == document.id).execute()
            KbChunk.delete().where(KbChunk.document == document.id).execute()
        rows = [
            dict(
                clinic=clinic_id,
                document=document.id,
                ordinal=i,
                heading=chunk.heading,
                text=chunk.text,
                embedding=vector_bytes(vector),
                model=self.embedder.name,
                dim=self.embedder.dim,
            )
            for i, (chunk, vector) in enumerate(zip(prepared.chunks, prepared.vectors, strict=True))
        ]
        for start in range(0, len(rows), _INSERT_BATCH):
            KbChunk.insert_many(rows[start : start + _INSERT_BATCH]).execute()
        ids = (
            KbChunk.select(KbChunk.id)
            .where(KbChunk.document == document.id)
            .order_by(KbChunk.ordinal)
            .tuples()
        )
        return document.id, now, [i for (i,) in ids]

    def _apply(
        self,
        clinic_id: int,
        prepared: _Prepared,
        document_id: int,
        version: datetime,
        chunk_ids: list[int],
    ) -> None:
        """After the commit: update this process's index, if it is loaded."""
        with self._lock:
            index = self._indexes.get(clinic_id)
            if index is not None:
                texts = [keyword_text(c.heading, c.text) for c in prepared.chunks]
                index.add_document(document_id, version, chunk_ids, texts, prepared.vectors)

    def _embed(self, texts: list[str]) -> np.ndarray:
        try:
            vectors = self.embedder.embed(texts)
        except ModelIntegrityError:
            raise  # a broken install, not a transient failure
        except EmbedderError as exc:
            raise Unavailable(str(exc)) from exc
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(texts), self.embedder.dim) or not np.isfinite(vectors).all():
            raise Unavailable(f"embedder {self.embedder.name} returned malformed vectors")
        return vectors

    # --- internals: the index -----------------------------------------------------------

    def _index(self, clinic_id: int) -> ClinicIndex:
        """The clinic's index, created on first use and synced with the database (locked)."""
        index = self._indexes.get(clinic_id)
        if index is None or index.dim != self.embedder.dim:
            index = self._indexes[clinic_id] = ClinicIndex(self.embedder.dim)
            while len(self._indexes) > self._max_clinics:
                self._indexes.popitem(last=False)
        self._indexes.move_to_end(clinic_id)
        self._sync(clinic_id, index)
        return index

    def _sync(self, clinic_id: int, index: ClinicIndex) -> None:
        """Bring the index up to date with kb_document/kb_chunk, touching only what changed."""
        current = signature(clinic_id)
        if current == index.signature:
            return
        versions = document_versions(clinic_id)
        for document_id in [d for d in index.versions if d not in versions]:
            index.remove_document(document_id)
        changed = [d for d, v in versions.items() if index.versions.get(d) != v]
        if changed:
            chunks = load_chunks(clinic_id, changed)
            fresh = self._reembed([c for c in chunks if self._is_stale(c)])
            by_document: dict[int, list[StoredChunk]] = {}
            for chunk in chunks:
                by_document.setdefault(chunk.document_id, []).append(chunk)
            for document_id, group in by_document.items():
                vectors = np.stack([fresh.get(c.chunk_id, c.vector()) for c in group])
                index.add_document(
                    document_id,
                    group[0].version,
                    [c.chunk_id for c in group],
                    [c.keyword_text() for c in group],
                    vectors,
                )
            log.info("kb: clinic %s index synced (%d documents changed)", clinic_id, len(changed))
        index.signature = current

    def _is_stale(self, chunk: StoredChunk) -> bool:
        return (
            chunk.model != self.embedder.name
            or chunk.dim != self.embedder.dim
            or chunk.embedding is None
            or len(chunk.embedding) != 4 * self.embedder.dim
        )

    def _is_current(self, document_id: int) -> bool:
        """The document has passages, all made by this embedder."""
        chunks = KbChunk.select().where(KbChunk.document == document_id)
        other = (KbChunk.model != self.embedder.name) | (KbChunk.dim != self.embedder.dim)
        stale = chunks.where(other)
        return chunks.exists() and not stale.exists()

    def _reembed(self, chunks: Sequence[StoredChunk]) -> dict[int, np.ndarray]:
        """Embed passages with this embedder and store the vectors (batch by batch)."""
        out: dict[int, np.ndarray] = {}
        for start in range(0, len(chunks), _REEMBED_BATCH):
            batch = chunks[start : start + _REEMBED_BATCH]
            vectors = self._embed([c.embedding_text() for c in batch])
            with write():
                for chunk, vector in zip(batch, vectors, strict=True):
                    KbChunk.update(
                        embedding=vector_bytes(vector),
                        model=self.embedder.name,
                        dim=self.embedder.dim,
                    ).where(KbChunk.id == chunk.chunk_id).execute()
                    out[chunk.chunk_id] = vector
        if chunks:
            log.info("kb: re-embedded %d chunks with %s", len(chunks), self.embedder.name)
        return out

    # --- internals: lookups -------------------------------------------------------------

    def _clinic(self, clinic_id: int) -> None:
        _positive_id(clinic_id, "clinic_id")
        if not Clinic.select().where(Clinic.id == clinic_id).exists():
            raise NotFound(f"clinic {clinic_id} not found")

    def _document(self, clinic_id: int, document_id: int) -> KbDocument:
        _positive_id(document_id, "document_id")
        document = KbDocument.get_or_none(
            (KbDocument.id == document_id) & (KbDocument.clinic == clinic_id)
        )
        if document is None:  # also a document of another clinic: never confirm it exists
            raise NotFound(f"document {document_id} not found")
        return document

    def _synonyms(self, clinic_id: int) -> dict[str, str]:
        services = Service.select(Service.name, Service.synonyms).where(
            (Service.clinic == clinic_id) & (Service.active == True)  # noqa: E712
        )
        return synonym_map(services.tuples())


def seed_demo_documents(kb: KnowledgeBase | None = None) -> int:
    """Seed the demo clinics' documents with ``kb`` (or a local-model KnowledgeBase)."""
    return (kb or KnowledgeBase()).seed_demo_documents()


# --- validation and row mapping -----------------------------------------------------------


def _positive_id(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise Invalid(f"{name} must be a positive integer")


def _title(title: object) -> str:
    if not isinstance(title, str) or not title.strip():
        raise Invalid("a document needs a title")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_CHARS:
        raise Invalid(f"the title is longer than {MAX_TITLE_CHARS} characters")
    return title


def _text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise Invalid("a document needs text")
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid(f"the text is longer than {MAX_TEXT_CHARS} characters")
    return text


def _source(source: object) -> str:
    if not isinstance(source, str) or not source.strip() or len(source) > MAX_SOURCE_CHARS:
        raise Invalid(f"source must be a short label (1-{MAX_SOURCE_CHARS} characters)")
    return source.strip()


def _query(query: object) -> str:
    if not isinstance(query, str) or not query.strip():
        raise Invalid("the question is empty")
    return " ".join(query.split())[:MAX_QUERY_CHARS]


def _has_documents(clinic_id: int) -> bool:
    return KbDocument.select().where(KbDocument.clinic == clinic_id).exists()


def _info(document: KbDocument, chunks: int) -> DocumentInfo:
    return DocumentInfo(
        id=document.id,
        clinic_id=document.clinic_id,
        title=document.title,
        source=document.source,
        content_hash=document.content_hash,
        chunks=chunks,
        created_at=document.created_at,
        updated_at=document.updated_at,
    )


def _hydrate(hits: list[IndexHit]) -> list[SearchHit]:
    """Titles and texts of the hits.

    A passage replaced meanwhile by another process is skipped: gone, or its id (SQLite may
    reuse ids) now names a passage of another document.
    """
    if not hits:
        return []
    rows = (
        KbChunk.select(
            KbChunk.id, KbChunk.document, KbChunk.heading, KbChunk.text, KbDocument.title
        )
        .join(KbDocument)
        .where(KbChunk.id.in_([h.chunk_id for h in hits]))
        .tuples()
    )
    found = {row[0]: row[1:] for row in rows}
    out = []
    for hit in hits:
        document_id, heading, text, title = found.get(hit.chunk_id, (None, "", "", ""))
        if document_id == hit.document_id:
            out.append(
                SearchHit(
                    document_id=hit.document_id,
                    title=title,
                    text=text,
                    score=hit.score,
                    heading=heading,
                    chunk_id=hit.chunk_id,
                    confidence=hit.confidence,
                    keyword=hit.keyword,
                )
            )
    return out
