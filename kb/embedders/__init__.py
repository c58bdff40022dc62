"""Embedders: turn passages and questions into unit vectors.

Every embedder has a ``name`` (stored with each chunk, so a model switch is detectable), a
``dim`` and ``embed(texts) -> float32 (n, dim)`` with L2-normalised rows, so a dot product is
the cosine similarity. ``make_embedder`` builds the backend the settings name (chosen once, in
supervisor.py): OpenAI, or the offline local model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


class EmbedderError(RuntimeError):
    """The embedder could not produce vectors (remote API down, bad response, ...)."""


class ModelIntegrityError(EmbedderError):
    """A model or tokenizer file does not match its pinned sha256: refuse to run it."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 ``(len(texts), dim)``, each row of unit length."""
        ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows in float32; a zero row stays zero instead of becoming NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    return vectors / norms


def check_texts(texts: Sequence[str]) -> list[str]:
    """Embedders take a list of strings; a bare string would be embedded letter by letter."""
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of strings, not one string")
    out = list(texts)
    for text in out:
        if not isinstance(text, str):
            raise TypeError(f"embed() takes strings, got {type(text).__name__}")
    return out


#: The backends, by the name ``Settings.backends.embedder`` gives (one file each).
EMBEDDERS = ("local", "openai")


def make_embedder(
    name: str = "local",
    *,
    openai_api_key: str | None = None,
    openai_base_url: str | None = None,
    threads: int | None = None,
    model_cache: Path | None = None,
) -> Embedder:
    """The embedder ``name`` names: ``openai`` (``text-embedding-3-small``, needs the key) or
    ``local``, the offline model (``threads``: its compute threads; ``model_cache``: where its
    int8 build is kept)."""
    if name not in EMBEDDERS:
        raise ValueError(f"no embedder {name!r}; one of {', '.join(EMBEDDERS)}")
    if name == "openai":
        from kb.embedders.openai import OpenAIEmbedder

        if not openai_api_key:
            raise ValueError("the openai embedder needs an API key")
        return OpenAIEmbedder(api_key=openai_api_key, base_url=openai_base_url)
    from kb.embedders.local import LocalEmbedder

    return LocalEmbedder(threads=threads, model_cache=model_cache)


__all__ = [
    "Embedder",
    "EmbedderError",
    "ModelIntegrityError",
    "check_texts",
    "make_embedder",
    "normalise_rows",
]
