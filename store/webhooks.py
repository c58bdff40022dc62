"""Webhook idempotency: an event id is stored once, in the same transaction as its effects."""

from __future__ import annotations

from store.models import WebhookEvent
from store.prepared import Insert

# A redelivered id is skipped by the insert itself (INSERT OR IGNORE / ON CONFLICT DO NOTHING),
# so the rest of the transaction needs no savepoint around it.
_RECORD = Insert(WebhookEvent, ignore_duplicate=True)


def first_delivery(provider: str, event_id: str, event_type: str, clinic_id=None) -> bool:
    """Record the event; False when it was seen before. Call inside ``write()``."""
    recorded = _RECORD.run(
        provider=provider, event_id=event_id, event_type=event_type, clinic=clinic_id
    )
    return recorded is not None


def store_event(provider: str, event_id: str, event_type: str, payload: dict) -> bool:
    """Keep an event whole, to be applied after we answer (Stripe); False if seen before."""
    from store.db import write

    with write():
        if not first_delivery(provider, event_id, event_type):
            return False
        WebhookEvent.update(payload=payload).where(
            (WebhookEvent.provider == provider) & (WebhookEvent.event_id == event_id)
        ).execute()
    return True
