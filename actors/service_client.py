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
from actors.messages import UNAVAILABLE, Failure

log = logging.getLogger("vrai.service_client")


class ServiceClient:
    def __init__(self, settings, directory: dict):
        self.settings = settings
        self.directory = directory
        self._system = None

    def ask(self, name: str, message, timeout_s: float = 5.0):
        address = self.directory.get(name)
        if address is None:
            return Failure(message.corr, UNAVAILABLE, f"{name} is not running", True)
        system = self._handle()
        reply = system.ask(address, message, timeout_s)
        while reply is not None and getattr(reply, "corr", None) != message.corr:
            reply = system.listen(timeout_s)  # a late answer to an earlier ask: discard it
        if reply is None:
            self._system = None  # pitfall 2: replace a handle after a timeout
            return Failure(message.corr, UNAVAILABLE, f"{name} did not answer", True)
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
