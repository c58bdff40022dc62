"""Fixtures of the knowledge base tests: a fresh database, the local model, a fake embedder."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # `pytest` without `python -m` does not put the repo root first
    sys.path.insert(0, _ROOT)

from kb.embedders.local import LocalEmbedder  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from store.db import close_database, open_database  # noqa: E402
from store.demo import ALIGN_PHONE, GLOW_PHONE, seed_demo_clinics  # noqa: E402
from store.migrations import migrate  # noqa: E402
from store.models import Clinic  # noqa: E402

_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class HashEmbedder:
    """A fast, deterministic test embedder: a normalised sum of hashed per-word vectors.

    Texts that share words are similar, so searches behave sensibly. ``fail_on_call=n`` makes
    the n-th call to ``embed`` (1-based) raise, to test what a failure leaves behind.
    """

    name: str = "hash-test"
    dim: int = 64
    fail_on_call: int | None = None
    calls: int = 0
    texts: int = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.fail_on_call is not None and self.calls == self.fail_on_call:
            raise RuntimeError("embedder exploded (test)")
        self.texts += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()) or ["<empty>"]:
                seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest())
                out[i] += np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@dataclass(frozen=True)
class Clinics:
    glow: int
    align: int


def open_fresh_database(path: Path) -> Clinics:
    open_database(path)
    migrate()
    seed_demo_clinics()
    return Clinics(
        glow=Clinic.get(Clinic.phone == GLOW_PHONE).id,
        align=Clinic.get(Clinic.phone == ALIGN_PHONE).id,
    )


@pytest.fixture(scope="session")
def fresh_database():
    """``open_fresh_database(path) -> Clinics``, for fixtures with a wider scope."""
    return open_fresh_database


@pytest.fixture
def clinics(tmp_path: Path) -> Iterator[Clinics]:
    """A new SQLite database with the two demo clinics (no documents)."""
    yield open_fresh_database(tmp_path / "kb.db")
    close_database()


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def new_hash_embedder() -> type[HashEmbedder]:
    """The fake embedder's class, for tests that need several or a customised one."""
    return HashEmbedder


@pytest.fixture
def kb(clinics: Clinics, hash_embedder: HashEmbedder) -> KnowledgeBase:
    """A KnowledgeBase over the fast fake embedder; threshold 0 so every hit counts."""
    return KnowledgeBase(hash_embedder, threshold=0.0)


@pytest.fixture(scope="session")
def local_embedder() -> LocalEmbedder:
    """The real offline model, loaded once per test session."""
    embedder = LocalEmbedder()
    embedder.load()
    return embedder
