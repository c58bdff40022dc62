"""Providers as staff see and configure them: which Google Calendar is each one's own."""

from __future__ import annotations

from store.db import write
from store.events import record_event
from store.models import Provider


def provider_dict(provider: Provider) -> dict:
    return {
        "id": provider.id,
        "name": provider.name,
        "title": provider.title,
        "active": provider.active,
        "google_calendar_id": provider.google_calendar_id,
    }


def list_providers(clinic_id: int) -> list[dict]:
    rows = Provider.select().where(Provider.clinic == clinic_id).order_by(Provider.name)
    return [provider_dict(p) for p in rows]


def set_google_calendar(clinic_id: int, provider_id: int, calendar_id: str | None) -> dict | None:
    """The provider's calendar id (None: not linked); None when no such provider here."""
    with write():
        provider = Provider.get_or_none(
            (Provider.id == provider_id) & (Provider.clinic == clinic_id)
        )
        if provider is None:
            return None
        provider.google_calendar_id = calendar_id
        provider.save()
        record_event(clinic_id, "provider.updated", {"provider_id": provider.id})
    return provider_dict(provider)
