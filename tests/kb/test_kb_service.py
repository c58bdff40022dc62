"""KnowledgeBase: ingest/update/delete, atomic replacement, idempotence, isolation, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee
import pytest

from kb.demo_docs import DEMO_DOCUMENTS
from kb.embedders import EmbedderError
from kb.service import Invalid, KnowledgeBase, NotFound, Unavailable
from store.db import db
from store.models import KbChunk, KbDocument

if TYPE_CHECKING:
    from conftest import Clinics

PARKING = """# Parking

Free parking is in the garage under the building. Bring your ticket for validation.

## Bikes

There is a bike rack by the front door.
"""

HOURS = "We are open Tuesday to Saturday, 9 am to 6 pm. Closed Sundays and Mondays."


def chunk_rows(document_id: int) -> list[tuple]:
    query = KbChunk.select(KbChunk.id, KbChunk.ordinal, KbChunk.heading, KbChunk.text)
    return list(query.where(KbChunk.document == document_id).order_by(KbChunk.ordinal).tuples())


def test_ingest_stores_the_document_and_its_chunks(kb: KnowledgeBase, clinics: Clinics):
    doc_id = kb.ingest(clinics.glow, "Parking", PARKING)
    document = kb.get_document(clinics.glow, doc_id)
    assert (document.title, document.text, document.source, document.chunks) == (
        "Parking",
        PARKING.strip(),
        "staff",
        2,
    )
    chunks = list(KbChunk.select().where(KbChunk.document == doc_id).order_by(KbChunk.ordinal))
    assert [c.heading for c in chunks] == ["Parking", "Parking > Bikes"]
    assert all(c.model == "hash-test" and c.dim == 64 for c in chunks)
    assert all(len(c.embedding) == 64 * 4 for c in chunks)
    hits = kb.search(clinics.glow, "where is the bike rack", k=2)
    assert hits[0].document_id == doc_id and hits[0].heading == "Parking > Bikes"
    assert hits[0].title == "Parking" and "bike rack" in hits[0].text


def test_list_documents(kb: KnowledgeBase, clinics: Clinics):
    first = kb.ingest(clinics.glow, "Parking", PARKING)
    second = kb.ingest(clinics.glow, "Hours", HOURS, source="import")
    listed = kb.list_documents(clinics.glow)
    assert [(d.id, d.title, d.source, d.chunks) for d in listed] == [
        (first, "Parking", "staff", 2),
        (second, "Hours", "import", 1),
    ]
    assert kb.list_documents(clinics.align) == []


def test_reingesting_a_changed_document_replaces_its_chunks(kb: KnowledgeBase, clinics: Clinics):
    doc_id = kb.ingest(clinics.glow, "Parking", PARKING)
    kb.search(clinics.glow, "parking", k=1)  # the index is loaded: it is updated in place
    assert kb.ingest(clinics.glow, "Parking", HOURS, document_id=doc_id) == doc_id
    rows = chunk_rows(doc_id)
    assert len(rows) == 1 and rows[0][3] == HOURS
    assert KbChunk.select().count() == 1
    assert [h.text for h in kb.search(clinics.glow, "bike rack garage", k=5)] == [HOURS]
    assert KbDocument.get_by_id(doc_id).text == HOURS


def test_update_changes_only_the_given_fields(kb: KnowledgeBase, clinics: Clinics):
    doc_id = kb.ingest(clinics.glow, "Parking", PARKING)
    kb.update(clinics.glow, doc_id, title="Parking and bikes")
    document = kb.get_document(clinics.glow, doc_id)
    assert (document.title, document.text) == ("Parking and bikes", PARKING.strip())
    assert chunk_rows(doc_id)[0][2] == "Parking and bikes > Parking"  # H1 differs now
    kb.update(clinics.glow, doc_id, source="import")
    assert kb.get_document(clinics.glow, doc_id).source == "import"


def test_unchanged_reingest_is_a_no_op(kb: KnowledgeBase, clinics: Clinics, hash_embedder):
    doc_id = kb.ingest(clinics.glow, "Parking", PARKING)
    before = (chunk_rows(doc_id), KbDocument.get_by_id(doc_id).updated_at, hash_embedder.calls)
    assert kb.ingest(clinics.glow, "Parking", PARKING, document_id=doc_id) == doc_id
    assert kb.ingest(clinics.glow, "  Parking ", PARKING + "\n\n") == doc_id  # a retried upload
    after = (chunk_rows(doc_id), KbDocument.get_by_id(doc_id).updated_at, hash_embedder.calls)
    assert after == before
    assert KbDocument.select().count() == 1


def test_an_embedder_failure_leaves_the_old_document_intact(clinics: Clinics, new_hash_embedder):
    embedder = new_hash_embedder()
    kb = KnowledgeBase(embedder, threshold=0.0)
    doc_id = kb.ingest(clinics.glow, "Parking", PARKING)
    kb.search(clinics.glow, "parking", k=1)  # the index is loaded
    before = (chunk_rows(doc_id), KbDocument.get_by_id(doc_id).content_hash)
    embedder.fail_on_call = embedder.calls + 1
    with pytest.raises(RuntimeError, match="exploded"):
        kb.ingest(clinics.glow, "Parking", HOURS, document_id=doc_id)
    assert (chunk_rows(doc_id), KbDocument.get_by_id(doc_id).content_hash) == before
    assert "garage" in kb.search(clinics.glow, "garage", k=1)[0].text


def test_a_database_failure_mid_write_rolls_back_document_and_chunks(
    kb: KnowledgeBase, clinics: Clinics
):
    doc_id = kb.ingest(clinics.glow, "Parking", PARKING)
    kb.search(clinics.glow, "parking", k=1)
    before = (chunk_rows(doc_id), KbDocument.get_by_id(doc_id).text)
    # The second chunk's insert fails inside the transaction, after the document row was
    # updated and the old chunks deleted: all of it must roll back.
    db.execute_sql(
        "CREATE TRIGGER boom BEFORE INSERT ON kb_chunk WHEN NEW.text LIKE '%BOOM%'"
        " BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    new_text = "## One\n\nFirst section is fine.\n\n## Two\n\nThis one goes BOOM."
    with pytest.raises(peewee.IntegrityError):
        kb.ingest(clinics.glow, "Parking", new_text, document_id=doc_id)
    assert (chunk_rows(doc_id), KbDocument.get_by_id(doc_id).text) == before
    assert [h.document_id for h in kb.search(clinics.glow, "garage ticket", k=1)] == [doc_id]
    assert "First section" not in " ".join(h.text for h in kb.search(clinics.glow, "first", k=5))


def test_delete_removes_document_chunks_and_index_entries(kb: KnowledgeBase, clinics: Clinics):
    keep = kb.ingest(clinics.glow, "Hours", HOURS)
    gone = kb.ingest(clinics.glow, "Parking", PARKING)
    kb.search(clinics.glow, "parking", k=1)
    kb.delete(clinics.glow, gone)
    assert not KbChunk.select().where(KbChunk.document == gone).exists()
    assert {h.document_id for h in kb.search(clinics.glow, "garage bike parking", k=5)} == {keep}
    with pytest.raises(NotFound):
        kb.get_document(clinics.glow, gone)
    with pytest.raises(NotFound):
        kb.delete(clinics.glow, gone)


def test_clinics_never_see_each_others_documents(kb: KnowledgeBase, clinics: Clinics):
    secret = kb.ingest(clinics.glow, "Zebra", "Our zebra striped gift cards are secret.")
    kb.ingest(clinics.align, "Hours", HOURS)
    hits = kb.search(clinics.align, "zebra striped gift cards secret", k=5)
    assert hits and all(h.document_id != secret for h in hits)
    assert not kb.answer(clinics.align, "zebra gift cards").document_ids.__contains__(secret)
    with pytest.raises(NotFound):
        kb.get_document(clinics.align, secret)
    with pytest.raises(NotFound):
        kb.delete(clinics.align, secret)
    with pytest.raises(NotFound):
        kb.ingest(clinics.align, "Stolen", "Replaced text.", document_id=secret)
    with pytest.raises(NotFound):
        kb.update(clinics.align, secret, text="Replaced text.")
    assert KbDocument.get_by_id(secret).text == "Our zebra striped gift cards are secret."
    assert [d.id for d in kb.list_documents(clinics.glow)] == [secret]


def test_bad_input_raises_typed_errors(kb: KnowledgeBase, clinics: Clinics):
    for title, text in [("", "text"), ("   ", "text"), ("T", ""), ("T", " \n "), (None, "x")]:
        with pytest.raises(Invalid):
            kb.ingest(clinics.glow, title, text)
    with pytest.raises(Invalid):
        kb.ingest(clinics.glow, "T" * 201, "text")
    with pytest.raises(Invalid):
        kb.ingest(clinics.glow, "T", "x" * 200_001)
    with pytest.raises(Invalid):
        kb.ingest(clinics.glow, "T", "text", source="")
    with pytest.raises(NotFound):
        kb.ingest(999, "T", "text")
    with pytest.raises(Invalid):
        kb.ingest("1", "T", "text")
    with pytest.raises(NotFound):
        kb.ingest(clinics.glow, "T", "text", document_id=12345)
    with pytest.raises(Invalid):
        kb.search(clinics.glow, "   ")
    with pytest.raises(Invalid):
        kb.search(clinics.glow, "parking", k=0)
    with pytest.raises(Invalid):
        kb.search(clinics.glow, "parking", k=51)
    with pytest.raises(NotFound):
        kb.search(999, "parking")
    with pytest.raises(NotFound):
        kb.list_documents(999)
    assert KbDocument.select().count() == 0


def test_embedder_errors_surface_as_unavailable(clinics: Clinics, new_hash_embedder):
    class Down(new_hash_embedder):
        def embed(self, texts):
            raise EmbedderError("HTTP 503")

    kb = KnowledgeBase(Down())
    with pytest.raises(Unavailable, match="503"):
        kb.ingest(clinics.glow, "Hours", HOURS)
    with pytest.raises(Unavailable):
        kb.search(clinics.glow, "hours")


def test_answer_found_and_not_found(clinics: Clinics, new_hash_embedder):
    kb = KnowledgeBase(new_hash_embedder(), threshold=0.5)
    faq = "# FAQ\n\nQ: Do you sell gift cards?\nA: Yes, in any amount at the front desk."
    doc_id = kb.ingest(clinics.glow, "FAQ", faq)
    answer = kb.answer(clinics.glow, "do you sell gift cards")
    assert answer.found and answer.document_ids == (doc_id,)
    assert answer.text == "Yes, in any amount at the front desk."  # the answer half
    assert answer.passages[0].confidence >= 0.5
    nothing = kb.answer(clinics.glow, "quantum chromodynamics lecture")
    assert (nothing.found, nothing.text, nothing.passages, nothing.document_ids) == (
        False,
        "",
        (),
        (),
    )
    assert not kb.answer(clinics.align, "do you sell gift cards").found  # empty KB


def test_the_threshold_is_held_against_the_confidence_not_the_ranking_score(
    clinics: Clinics, new_hash_embedder
):
    """Ranking weighs keywords more than the confidence does (kb/search.py): a question that
    shares words with a passage but not its meaning ranks it without being answered by it."""
    probe = KnowledgeBase(new_hash_embedder(), threshold=0.0)
    probe.ingest(clinics.glow, "Parking", "# Parking\n\nFree parking in the garage on 4th Street.")
    (hit,) = probe.search(clinics.glow, "street parking garage", k=1)
    assert hit.score > hit.confidence > 0
    between = (hit.score + hit.confidence) / 2
    kb = KnowledgeBase(new_hash_embedder(), threshold=between)
    assert not kb.answer(clinics.glow, "street parking garage").found
    assert (
        KnowledgeBase(new_hash_embedder(), threshold=hit.confidence)
        .answer(clinics.glow, "street parking garage")
        .found
    )


def test_another_process_changes_are_picked_up(clinics: Clinics, new_hash_embedder):
    """Two KnowledgeBase objects on one database stand for two processes (gateway, actor)."""
    writer = KnowledgeBase(new_hash_embedder(), threshold=0.0)
    reader = KnowledgeBase(new_hash_embedder(), threshold=0.0)
    first = writer.ingest(clinics.glow, "Hours", HOURS)
    assert [h.document_id for h in reader.search(clinics.glow, "open tuesday", k=1)] == [first]
    second = writer.ingest(clinics.glow, "Parking", PARKING)
    assert reader.search(clinics.glow, "bike rack", k=1)[0].document_id == second
    writer.update(clinics.glow, second, text="Valet parking only, at the front door.")
    assert "Valet" in reader.search(clinics.glow, "valet", k=1)[0].text
    writer.delete(clinics.glow, second)
    assert {h.document_id for h in reader.search(clinics.glow, "valet parking", k=5)} == {first}


def test_seed_demo_documents_is_idempotent(clinics: Clinics, new_hash_embedder):
    kb = KnowledgeBase(new_hash_embedder())
    expected = sum(len(docs) for docs in DEMO_DOCUMENTS.values())
    assert kb.seed_demo_documents() == expected
    assert kb.seed_demo_documents() == 0
    titles = [d.title for d in kb.list_documents(clinics.glow)]
    assert titles == [t for t, _ in DEMO_DOCUMENTS["+15550100001"]]
    assert all(d.source == "demo" for d in kb.list_documents(clinics.align))


def test_seed_skips_a_clinic_that_already_has_documents(clinics: Clinics, new_hash_embedder):
    kb = KnowledgeBase(new_hash_embedder())
    kb.ingest(clinics.glow, "Own", "The clinic's own document.")
    assert kb.seed_demo_documents() == len(DEMO_DOCUMENTS["+15550100002"])
    assert [d.title for d in kb.list_documents(clinics.glow)] == ["Own"]
