"""Outbound texts: one interface, ``SmsSender``, one file per backend, chosen once in
supervisor.py (``Settings.backends.sms_sender``):

- ``outbox`` (``outbox.py``): no carrier to send through (embedded mode). A reply is stored
  as ``outbox``: kept, and shown on the dashboard, which is where staff read it.
- ``telnyx`` (``telnyx.py``): Telnyx messaging REST. A reply is stored as ``queued`` in the
  turn's own transaction; the notifier hands queued texts to the sender and records each
  result (Telnyx's id, or why it was not sent).

``new_status`` is a class attribute, so a conversation can tell how to store a reply without
building a sender (and its HTTP client) in its own process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from store.settings import Settings


@dataclass(frozen=True)
class OutboundText:
    """One stored outbound text, as a sender needs it (no ORM objects cross this line)."""

    message_id: int
    clinic_phone: str
    customer_phone: str
    text: str


@dataclass(frozen=True)
class Delivered:
    """The carrier took the text; ``external_id`` matches its delivery-status webhooks."""

    external_id: str | None


UNCERTAIN = "uncertain"  # a NotSent whose text the carrier may have: never sent again


@dataclass(frozen=True)
class NotSent:
    """The text did not go out; ``blocked``: the carrier refuses this number (after STOP)."""

    reason: str
    blocked: bool = False
    final_status: str = "failed"  # what the stored message becomes (UNCERTAIN: it stays)


class SmsSender(Protocol):
    name: ClassVar[str]
    new_status: ClassVar[str]  # how a conversation stores a reply: "outbox" or "queued"

    def send(self, texts: list[OutboundText]) -> list[Delivered | NotSent]:
        """Send each text (one result each, in order); never raises for one bad text."""
        ...


def sender_class(settings: Settings) -> type[SmsSender]:
    name = settings.backends.sms_sender
    if name == "telnyx":
        from actors.sms.senders.telnyx import TelnyxSender

        return TelnyxSender
    if name == "outbox":
        from actors.sms.senders.outbox import OutboxSender

        return OutboxSender
    raise ValueError(f"no SMS sender {name!r}")


def make_sms_sender(settings: Settings) -> SmsSender:
    """The sender ``settings.backends.sms_sender`` names, built in the calling process."""
    return sender_class(settings).from_settings(settings)


SMS_SENDERS = ("outbox", "telnyx")
