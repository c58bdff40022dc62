"""The outbox: texts are kept, not sent (no carrier configured). Staff read them on the
dashboard; the simulator prints them. A text that was queued for a carrier before the
deployment lost its carrier is kept in the outbox too, never silently dropped."""

from __future__ import annotations

from typing import ClassVar

from actors.sms.senders import NotSent, OutboundText
from store.settings import Settings


class OutboxSender:
    name: ClassVar[str] = "outbox"
    new_status: ClassVar[str] = "outbox"

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboxSender:
        return cls()

    def send(self, texts: list[OutboundText]) -> list[NotSent]:
        return [NotSent("no carrier configured: kept in the outbox", final_status="outbox")] * len(
            texts
        )
