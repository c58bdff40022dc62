"""Notifier: outbound texts (Telnyx, or the outbox offline) and durable reminders."""

from __future__ import annotations

from actors.services.base import ServiceActor


class NotifierActor(ServiceActor):
    """Sending operations arrive with the SMS channel."""
