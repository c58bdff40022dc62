"""Knowledge: search and grounded answers over each clinic's documents."""

from __future__ import annotations

from actors.services.base import ServiceActor


class KnowledgeActor(ServiceActor):
    """Search operations arrive with the knowledge base."""
