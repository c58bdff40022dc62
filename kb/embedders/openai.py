"""OpenAI embeddings (``text-embedding-3-small``, 1536 dims) through the official SDK.

Retries are the SDK's own (``max_retries``: exponential backoff with jitter, honouring
``Retry-After``) on 408/409/429/5xx, timeouts and connection errors; we do not stack a second
retry loop on top. Inputs go in batches of at most 2048 strings and a bounded number of
characters (the API also caps the tokens of one request). Errors never quote the inputs: they
may be a caller's words.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import numpy as np
from openai import APIError, APIStatusError, OpenAI

from kb.embedders import EmbedderError, check_texts, normalise_rows

log = logging.getLogger(__name__)

DEFAULT_MODEL = "text-embedding-3-small"
DEFAULT_DIM = 1536
MAX_INPUTS = 2048  # the API's limit on inputs per request
MAX_BATCH_CHARS = 400_000  # ~100k tokens, well under the per-request token cap


def batches(texts: list[str], max_inputs: int, max_chars: int) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(offset, batch)``, each batch within both the count and the character budget."""
    start, size, chars = 0, 0, 0
    for i, text in enumerate(texts):
        if size and (size >= max_inputs or chars + len(text) > max_chars):
            yield start, texts[start:i]
            start, size, chars = i, 0, 0
        size += 1
        chars += len(text)
    if size:
        yield start, texts[start:]


class OpenAIEmbedder:
    """Embeds with the OpenAI API; vectors are re-normalised and checked for shape."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        model: str = DEFAULT_MODEL,
        dim: int = DEFAULT_DIM,
        max_retries: int = 4,
        timeout_s: float = 30.0,
        max_inputs: int = MAX_INPUTS,
        max_batch_chars: int = MAX_BATCH_CHARS,
    ) -> None:
        if not api_key:
            raise ValueError("an OpenAI API key is required")
        if not 1 <= max_inputs <= MAX_INPUTS:
            raise ValueError(f"max_inputs must be between 1 and {MAX_INPUTS}")
        self.name = model
        self.dim = dim
        self._max_inputs = max_inputs
        self._max_chars = max_batch_chars
        self._client = OpenAI(
            api_key=api_key, base_url=base_url, max_retries=max_retries, timeout=timeout_s
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OpenAIEmbedder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = check_texts(texts)
        if any(not t.strip() for t in texts):
            raise ValueError("the OpenAI embeddings API rejects empty inputs")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for offset, batch in batches(texts, self._max_inputs, self._max_chars):
            out[offset : offset + len(batch)] = self._embed_batch(batch)
        return out

    def _embed_batch(self, batch: list[str]) -> np.ndarray:
        try:
            response = self._client.embeddings.create(
                model=self.name, input=batch, encoding_format="float"
            )
        except APIStatusError as exc:
            raise EmbedderError(
                f"OpenAI embeddings failed: HTTP {exc.status_code} ({type(exc).__name__})"
            ) from exc
        except APIError as exc:
            raise EmbedderError(f"OpenAI embeddings failed: {type(exc).__name__}") from exc
        data = sorted(response.data, key=lambda d: d.index)
        if [d.index for d in data] != list(range(len(batch))):
            raise EmbedderError(f"OpenAI returned {len(data)} embeddings for {len(batch)} inputs")
        vectors = np.asarray([d.embedding for d in data], dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise EmbedderError(
                f"OpenAI returned vectors of shape {vectors.shape}, expected dim {self.dim}"
            )
        if not np.isfinite(vectors).all():
            raise EmbedderError("OpenAI returned non-finite vector components")
        return normalise_rows(vectors)
