"""Knowledge: search and grounded answers over each clinic's documents.

The processes that hold the embedding model (conversation actors ask them instead of loading
their own copy), so they also understand texts for the local brain (intents, best answer).
``knowledge`` answers requests about documents; ``knowledge-1`` ... (``VRAI_KNOWLEDGE_ACTORS``)
share the understanding of texts with it. Each keeps its index in step with the database
before every search, so a document changed through one is found by all.
"""

from __future__ import annotations

import dataclasses
import logging
import os

from actors.base import settle_heap
from actors.messages import (
    Category,
    ClassifyIntent,
    Directory,
    KbAnswer,
    KbDelete,
    KbGet,
    KbIngest,
    KbList,
    KbSearch,
    UnderstandAndRoute,
    WarmUp,
)
from actors.services.base import ServiceActor
from actors.sms.keywords import keyword
from kb.embedders import make_embedder
from kb.service import Invalid, KbError, KnowledgeBase, NotFound

CATEGORY = {NotFound: Category.NOT_FOUND, Invalid: Category.INVALID}
log = logging.getLogger("vrai.knowledge")
MAX_UNROUTED = 1000


def _plain(value):
    """Dataclasses (hits, documents) as JSON-friendly dicts for the reply."""
    if dataclasses.is_dataclass(value):
        data = dataclasses.asdict(value)
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    return value


class KnowledgeActor(ServiceActor):
    def on_start(self) -> None:
        # Several knowledge actors share the cores: one compute thread each wastes less CPU
        # than two taking turns (measured: 5.6 vs 7.2 ms of CPU per text embedded).
        threads = max(1, (os.cpu_count() or 1) // self.settings.knowledge_actors)
        settings = self.settings
        self.kb = KnowledgeBase(
            make_embedder(
                settings.backends.embedder,
                openai_api_key=settings.openai_api_key,
                openai_base_url=settings.openai_base_url,
                threads=threads,
                model_cache=settings.model_cache,
            )
        )
        self._intents = None
        self._unrouted: list[tuple[str, object]] = []  # texts that came before the directory
        # Load the model and embed the intent examples right after start (a queued message, so
        # start-up is not delayed): the first customer's text then does not wait for them.
        self.send(self.myAddress, WarmUp())

    def receiveMsg_WarmUp(self, message: WarmUp, sender) -> None:
        try:
            self.kb.warm_up()
            self._classifier().warm_up()
        except Exception:  # a broken model shows up on first use, with a clear error there
            log.exception("knowledge warm-up failed")
        settle_heap()

    def _run(self, sender, request, operation) -> None:
        try:
            value = operation()
        except KbError as error:
            category = CATEGORY.get(type(error), Category.UNAVAILABLE)
            self.fail(sender, request, category, str(error))
            return
        self.ok(sender, request, value)

    def receiveMsg_KbSearch(self, message: KbSearch, sender) -> None:
        self._run(
            sender,
            message,
            lambda: [
                _plain(h) for h in self.kb.search(message.clinic_id, message.query, message.k)
            ],
        )

    def receiveMsg_KbAnswer(self, message: KbAnswer, sender) -> None:
        def answer():
            result = self.kb.answer(message.clinic_id, message.question)
            return {
                "found": result.found,
                "text": result.text,
                "document_ids": list(result.document_ids),
            }

        self._run(sender, message, answer)

    def receiveMsg_KbIngest(self, message: KbIngest, sender) -> None:
        def ingest():
            if message.document_id is None:
                return self.kb.ingest(
                    message.clinic_id, message.title, message.text, source=message.source
                )
            return self.kb.update(
                message.clinic_id, message.document_id, title=message.title, text=message.text
            )

        self._run(sender, message, ingest)

    def receiveMsg_KbDelete(self, message: KbDelete, sender) -> None:
        self._run(sender, message, lambda: self.kb.delete(message.clinic_id, message.document_id))

    def receiveMsg_KbList(self, message: KbList, sender) -> None:
        self._run(
            sender, message, lambda: [_plain(d) for d in self.kb.list_documents(message.clinic_id)]
        )

    def receiveMsg_KbGet(self, message: KbGet, sender) -> None:
        self._run(
            sender,
            message,
            lambda: _plain(self.kb.get_document(message.clinic_id, message.document_id)),
        )

    def receiveMsg_UnderstandAndRoute(self, message: UnderstandAndRoute, sender) -> None:
        turn, text = message.turn, message.turn.text
        try:
            if keyword(text) is None:  # STOP, HELP ...: answered without a brain
                turn = dataclasses.replace(
                    turn, understanding=self._understand(turn.clinic_id, text)
                )
        except Exception:  # the turn must go on: its conversation can ask again itself
            log.exception("understanding a text failed; routing it without")
        supervisor = self.directory.get(message.supervisor)
        if supervisor is not None:
            self.send(supervisor, turn)
        elif len(self._unrouted) < MAX_UNROUTED:  # past that, the sweep picks the stored text up
            self._unrouted.append((message.supervisor, turn))

    def receiveMsg_Directory(self, message: Directory, sender) -> None:
        """Thespian may hand a just-started actor a text before the root's directory (seen
        under load: the first texts then waited ten seconds for the sweep); they go on now."""
        super().receiveMsg_Directory(message, sender)
        waiting, self._unrouted = self._unrouted, []
        for name, turn in waiting:
            supervisor = self.directory.get(name)
            if supervisor is not None:
                self.send(supervisor, turn)
            else:
                self._unrouted.append((name, turn))

    def _understand(self, clinic_id: int, text: str) -> dict:
        answer = self.kb.answer(clinic_id, text)
        return {
            "intents": [list(x) for x in self._classifier().classify(text)],
            "answer": {
                "found": answer.found,
                "text": answer.text,
                "document_ids": list(answer.document_ids),
            },
        }

    def receiveMsg_ClassifyIntent(self, message: ClassifyIntent, sender) -> None:
        self._run(sender, message, lambda: self._classifier().classify(message.text))

    def _classifier(self):
        if self._intents is None:
            from actors.brain.intents import EmbeddingIntentClassifier
            from kb.embedders.local import LocalEmbedder

            # The intent threshold is tuned on the local model, whatever embeds the documents.
            embedder = self.kb.embedder
            if not isinstance(embedder, LocalEmbedder):
                embedder = LocalEmbedder(model_cache=self.settings.model_cache)
            self._intents = EmbeddingIntentClassifier(embedder)
        return self._intents
