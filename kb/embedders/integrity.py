"""Model files are run only when they hash to the sha256 pinned in the code."""

from __future__ import annotations

from pathlib import Path

from kb.embedders import ModelIntegrityError
from store.integrity import file_problem, sha256_file

__all__ = ["sha256_file", "verify_file"]


def verify_file(path: Path, expected: str, what: str) -> None:
    """Raise ModelIntegrityError unless ``path`` exists and hashes to ``expected``."""
    problem = file_problem(path, expected, what)
    if problem is not None:
        if "sha256" in problem:
            problem += "; reinstall it (see kb/TOKENIZER_SOURCE.md) instead of running it"
        raise ModelIntegrityError(problem)
