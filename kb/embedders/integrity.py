"""Model files are run only when they hash to the sha256 pinned in the code."""

from __future__ import annotations

import hashlib
from pathlib import Path

from kb.embedders import ModelIntegrityError


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected: str, what: str) -> None:
    """Raise ModelIntegrityError unless ``path`` exists and hashes to ``expected``."""
    if not path.is_file():
        raise ModelIntegrityError(f"{what} not found at {path}")
    actual = sha256_file(path)
    if actual != expected:
        raise ModelIntegrityError(
            f"{what} at {path} has sha256 {actual}, expected {expected}: the file is corrupt or"
            " was replaced; reinstall it (see kb/TOKENIZER_SOURCE.md) instead of running it"
        )
