"""Switching embedding models re-embeds stored passages, lazily or on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.service import KnowledgeBase
from store.models import KbChunk

if TYPE_CHECKING:
    from conftest import Clinics

PARKING = "# Parking\n\nFree parking in the garage.\n\n## Bikes\n\nA bike rack is by the door."


def models_in_db() -> set[tuple[str, int]]:
    return set(KbChunk.select(KbChunk.model, KbChunk.dim).tuples())


def test_the_index_reembeds_chunks_of_another_model_on_first_use(
    clinics: Clinics, new_hash_embedder
):
    old = KnowledgeBase(new_hash_embedder(name="model-a", dim=32), threshold=0.0)
    doc_id = old.ingest(clinics.glow, "Parking", PARKING)
    assert models_in_db() == {("model-a", 32)}
    new_embedder = new_hash_embedder(name="model-b", dim=48)
    new = KnowledgeBase(new_embedder, threshold=0.0)
    hits = new.search(clinics.glow, "bike rack", k=1)
    assert hits[0].heading == "Parking > Bikes" and hits[0].document_id == doc_id
    assert models_in_db() == {("model-b", 48)}
    assert all(len(c.embedding) == 48 * 4 for c in KbChunk.select())
    assert new_embedder.texts == 2 + 1  # two passages, one question
    assert new.reembed_clinic(clinics.glow) == 0  # nothing stale any more


def test_reembed_clinic_on_demand_touches_only_that_clinic(clinics: Clinics, new_hash_embedder):
    old = KnowledgeBase(new_hash_embedder(name="model-a", dim=32), threshold=0.0)
    old.ingest(clinics.glow, "Parking", PARKING)
    old.ingest(clinics.align, "Parking", PARKING)
    new = KnowledgeBase(new_hash_embedder(name="model-b", dim=32), threshold=0.0)
    assert new.reembed_clinic(clinics.glow) == 2
    by_clinic = set(KbChunk.select(KbChunk.clinic, KbChunk.model).tuples())
    assert by_clinic == {(clinics.glow, "model-b"), (clinics.align, "model-a")}


def test_unchanged_document_is_reingested_when_its_model_changed(
    clinics: Clinics, new_hash_embedder
):
    old = KnowledgeBase(new_hash_embedder(name="model-a"), threshold=0.0)
    doc_id = old.ingest(clinics.glow, "Parking", PARKING)
    new = KnowledgeBase(new_hash_embedder(name="model-b"), threshold=0.0)
    assert new.ingest(clinics.glow, "Parking", PARKING, document_id=doc_id) == doc_id
    assert new.ingest(clinics.glow, "Parking", PARKING) == doc_id  # same content, no duplicate
    assert models_in_db() == {("model-b", 64)}
