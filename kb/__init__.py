"""Knowledge base: clinic documents -> passages -> vectors -> hybrid search -> grounded answers.

Modules, one job each:

* ``chunking``: Markdown / text / FAQ pairs into passages with heading paths and overlap.
* ``embedders``: the ``Embedder`` interface, the offline MiniLM model and OpenAI.
* ``search``: the hybrid scoring formula (cosine + BM25 share) and the answer thresholds.
* ``index``: the per-clinic in-memory numpy index, updated incrementally.
* ``service``: ``KnowledgeBase``, the API the actors and the REST layer call.
* ``demo_docs``: the demo clinics' documents.

Imports only ``store`` (never actors or gateway). The names below are re-exported lazily, so
``import kb.chunking`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.embedders import Embedder, EmbedderError, ModelIntegrityError, make_embedder
    from kb.service import (
        Answer,
        Document,
        DocumentInfo,
        Invalid,
        KbError,
        KnowledgeBase,
        NotFound,
        SearchHit,
        Unavailable,
        seed_demo_documents,
    )

__all__ = [
    "Answer",
    "Document",
    "DocumentInfo",
    "Embedder",
    "EmbedderError",
    "Invalid",
    "KbError",
    "KnowledgeBase",
    "ModelIntegrityError",
    "NotFound",
    "SearchHit",
    "Unavailable",
    "make_embedder",
    "seed_demo_documents",
]
_EMBEDDERS = {"Embedder", "EmbedderError", "ModelIntegrityError", "make_embedder"}


def __getattr__(name: str) -> Any:
    if name in _EMBEDDERS:
        from kb import embedders

        return getattr(embedders, name)
    if name in __all__:
        from kb import service

        return getattr(service, name)
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
