"""Webhook idempotency: an event id is stored once, in the same transaction as its effects."""

from __future__ import annotations

from peewee import IntegrityError

from store.models import WebhookEvent


def first_delivery(provider: str, event_id: str, event_type: str, clinic_id=None) -> bool:
    """Record the event; False when it was seen before. Call inside ``write()``."""
    try:
        with WebhookEvent._meta.database.atomic():  # a savepoint: a duplicate rolls back alone
            WebhookEvent.create(
                provider=provider, event_id=event_id, event_type=event_type, clinic=clinic_id
            )
    except IntegrityError:
        return False
    return True
