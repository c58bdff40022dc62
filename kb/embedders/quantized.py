"""The local model with integer matrix products, built once per machine from the pinned model.

The package model stores its weights as int8, but behind Cast and Mul nodes that onnxruntime
folds back into fp32 weights when it loads them, so every text still costs fp32 matrix
products (~7 ms of CPU for a 17-token text). onnxruntime's dynamic quantization (per-channel
int8 weights, activations quantized per call) runs the same network on MatMulInteger: 2.3x
less CPU per text. Its vectors stay close to the package model's (cosine 0.96 to 1.0), and
retrieval and intent routing were measured equal on the project's question sets (docs/KB.md).

The build (an onnxruntime-optimised fp32 export, then ``quantize_dynamic``) is deterministic
with the pinned onnx and onnxruntime, so its output is pinned by sha256 like every model file we
run. It takes ~2 s of CPU and is done by the first process that needs it; the file is kept in
the model cache (``VRAI_MODEL_CACHE``, else ``$XDG_CACHE_HOME/vrai/models``, else
``~/.cache/vrai/models``), under a file lock so concurrent starters build it once. Where it
cannot be reproduced (``onnx`` missing, other library versions), the caller runs the package
model as it is: slower, never different from what was verified.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import threading
from pathlib import Path

from kb.embedders.integrity import sha256_file, verify_file

log = logging.getLogger(__name__)

NAME = "all-MiniLM-L6-v2-onnx-int8-dynamic"
SHA256 = "9e80251537633bab7d98c9a4f07070371d83f1d28e6994a1f5d93c53de3c5454"

_found: dict[str, Path | None] = {}  # per cache dir: the verified file, or None (cannot build)
_lock = threading.Lock()


class NotReproducible(RuntimeError):
    """The build ran but did not produce the pinned file."""


#: Where the build is kept when nobody says otherwise; the service passes its settings'
#: ``model_cache`` (VRAI_MODEL_CACHE, read by supervisor.py) instead.
DEFAULT_CACHE = Path.home() / ".cache" / "vrai" / "models"


def cache_dir() -> Path:
    return DEFAULT_CACHE


def model_file(directory: Path | None = None) -> Path:
    return (directory or cache_dir()) / f"minilm-l6-int8-dynamic-{SHA256[:12]}.onnx"


def quantized_model(source: Path, source_sha256: str, directory: Path | None = None) -> Path | None:
    """The verified quantized model in the cache, built from ``source`` (verified against
    ``source_sha256`` first) if it is not there yet; None where this machine cannot build it."""
    directory = directory or cache_dir()
    key = str(directory)
    with _lock:
        if key not in _found:
            _found[key] = _find_or_build(source, source_sha256, directory)
        return _found[key]


def _find_or_build(source: Path, source_sha256: str, directory: Path) -> Path | None:
    target = model_file(directory)
    try:
        # Built already (e.g. into a container image, read-only for the service): no lock needed.
        if target.is_file() and sha256_file(target) == SHA256:
            return target
        directory.mkdir(parents=True, exist_ok=True)
        with _build_lock(directory):
            if target.is_file() and sha256_file(target) == SHA256:
                return target
            verify_file(source, source_sha256, "embedding model")
            log.info("kb: building the int8 embedding model (once per machine)")
            build(source, target)
            return target
    except (ImportError, OSError, NotReproducible) as error:
        log.warning(
            "kb: running the embedding model without integer matrix products (about 2x the"
            " CPU per text): the int8 build is not available here (%s)",
            error,
        )
        return None


@contextlib.contextmanager
def _build_lock(directory: Path):
    with open(directory / ".build.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build(source: Path, target: Path) -> None:
    """Export the onnxruntime-optimised fp32 graph of ``source``, quantize it dynamically, check
    the result against the pinned sha256 and move it into place (atomically)."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as work:
        fp32, int8 = Path(work) / "fp32.onnx", Path(work) / "int8.onnx"
        options = ort.SessionOptions()
        # Basic optimisations fold the Cast/Mul weights into plain fp32 ones, which is what
        # the quantizer needs; the extended ones add onnxruntime-only fused ops for no gain.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(fp32)
        options.intra_op_num_threads = 1
        options.log_severity_level = 3
        ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True)
        actual = sha256_file(int8)
        if actual != SHA256:
            raise NotReproducible(
                f"the build gave sha256 {actual}, expected {SHA256} (onnxruntime"
                f" {ort.__version__}; requirements.txt pins the versions that reproduce it)"
            )
        os.replace(int8, target)
