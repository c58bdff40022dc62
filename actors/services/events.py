"""Fans committed dashboard events out to live subscribers (the gateway's SSE listeners).

Events are already durable (dashboard_event) before they reach this actor, so a subscriber that
misses a push catches up from the table; subscriptions expire unless renewed, so a gateway that
went away stops receiving without anyone having to notice its death.
"""

from __future__ import annotations

import time

from actors.messages import Published, Subscribe
from actors.services.base import ServiceActor

SUBSCRIPTION_TTL_S = 30.0


class EventsActor(ServiceActor):
    def __init__(self):
        super().__init__()
        self.subscribers: dict[str, tuple[object, float]] = {}

    def receiveMsg_Subscribe(self, message: Subscribe, sender) -> None:
        self.subscribers[message.subscriber_id] = (sender, time.monotonic())

    def receiveMsg_Published(self, message: Published, sender) -> None:
        now = time.monotonic()
        for subscriber_id, (address, renewed) in list(self.subscribers.items()):
            if now - renewed > SUBSCRIPTION_TTL_S:
                del self.subscribers[subscriber_id]
                continue
            self.send(address, message)
