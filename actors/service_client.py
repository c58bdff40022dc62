"""Bounded, blocking asks from inside a conversation actor to a shared service actor.

A conversation's turn runs its tools synchronously; the knowledge base lives in one shared
actor (the only process holding the embedding model). Actors cannot block on each other through
``self.send``, so this joins the system as an external client from the actor's own process (one
handle per process, created on first use) and asks with a timeout. A service that does not
answer in time is reported as unavailable, and the brain falls back (take a message).
"""

from __future__ import annotations

import logging

from thespian.actors import ActorSystem

from actors import transport_bind
from actors.messages import Category, Failure

log = logging.getLogger("vrai.service_client")


class ServiceClient:
    def __init__(self, settings, directory: dict):
        self.settings = settings
        self.directory = directory
        self._system = None

    def ask(self, name: str, message, timeout_s: float = 5.0):
        address = self.directory.get(name)
        if address is None:
            return Failure(message.corr, Category.UNAVAILABLE, f"{name} is not running")
        system = self._handle()
        reply = system.ask(address, message, timeout_s)
        while reply is not None and getattr(reply, "corr", None) != message.corr:
            reply = system.listen(timeout_s)  # a late answer to an earlier ask: discard it
        if reply is None:
            self._system = None  # pitfall 2: replace a handle after a timeout
            return Failure(message.corr, Category.UNAVAILABLE, f"{name} did not answer")
        return reply

    def _handle(self):
        if self._system is None:
            transport_bind.bind_to(self.settings.actor_host)
            self._system = ActorSystem(
                self.settings.actor_system_base,
                {"Admin Port": self.settings.admin_port},
                transientUnique=True,
            )
        return self._system


def knowledge_answerer(client: ServiceClient, clinic_id: int, precomputed=None, timeout_s=10.0):
    """The ``answer_question`` backend of a conversation's tools: the gateway's precomputed
    answer when the question is the customer's own text, else a bounded ask of the knowledge
    actor; a timeout or failure comes back as ``unavailable`` (the brain then asks staff)."""
    from actors.messages import KbAnswer, Ok, new_corr, tool_error, tool_ok

    known = precomputed or {}

    def answer(question: str) -> dict:
        value = known.get(question.strip())
        if value is None:
            reply = client.ask("knowledge", KbAnswer(new_corr(), clinic_id, question), timeout_s)
            if not isinstance(reply, Ok):
                return tool_error("unavailable", reply.message)
            value = reply.value
        return tool_ok(found=value["found"], answer=value["text"], sources=value["document_ids"])

    return answer
