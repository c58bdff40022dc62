"""What a long-lived service actor shares: init handshake and typed failure replies."""

from __future__ import annotations

import os

from actors.base import VraiActor
from actors.messages import Failure, Ok, ServiceInit, Started


class ServiceActor(VraiActor):
    """Subclasses add ``receiveMsg_<Request>`` handlers that answer with ``self.ok``/``fail``."""

    name = ""

    def receiveMsg_ServiceInit(self, message: ServiceInit, sender) -> None:
        self.setup(message.settings)
        self.name = message.name
        self.on_start()
        self.send(sender, Started(message.name, os.getpid()))

    def on_start(self) -> None:
        """Hook: open clients, load indexes (runs in the actor's own process)."""

    def ok(self, sender, request, value=None) -> None:
        self.send(sender, Ok(request.corr, value))

    def fail(self, sender, request, category, message: str, retryable=None) -> None:
        self.send(sender, Failure(request.corr, category, message, retryable))
