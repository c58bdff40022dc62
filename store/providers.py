"""Providers as staff see and configure them: who they are, what they offer, their calendar.

Which provider offers which service is one table (ProviderService), edited from either side:
a provider's ``service_ids`` or a service's ``provider_ids``.
"""

from __future__ import annotations

from store.db import write
from store.edits import Edited, note, owned, refuse_duplicate, refuse_foreign
from store.models import Provider, ProviderService, Service


def offers(provider_ids: list[int] | None = None, service_ids: list[int] | None = None):
    """(provider id, service id) pairs of the given providers or services."""
    query = ProviderService.select(ProviderService.provider, ProviderService.service)
    if provider_ids is not None:
        query = query.where(ProviderService.provider.in_(provider_ids))
    if service_ids is not None:
        query = query.where(ProviderService.service.in_(service_ids))
    return [(link.provider_id, link.service_id) for link in query]


def relink(
    clinic_id: int, *, provider_id: int | None = None, service_id: int | None = None, ids=()
) -> None:
    """Replace one provider's services, or one service's providers (inside ``write()``)."""
    if provider_id is not None:
        ProviderService.delete().where(ProviderService.provider == provider_id).execute()
        pairs = [(provider_id, other) for other in ids]
    else:
        ProviderService.delete().where(ProviderService.service == service_id).execute()
        pairs = [(other, service_id) for other in ids]
    for provider, service in pairs:
        ProviderService.create(clinic=clinic_id, provider=provider, service=service)


def nickname_list(stored: str) -> list[str]:
    """The comma-separated column as a list ("Dr. Ben, Ben" -> ["Dr. Ben", "Ben"])."""
    return [n.strip() for n in (stored or "").split(",") if n.strip()]


def provider_dict(provider: Provider, service_ids: list[int]) -> dict:
    return {
        "id": provider.id,
        "name": provider.name,
        "title": provider.title,
        "daily_cap": provider.daily_cap,
        "active": provider.active,
        "google_calendar_id": provider.google_calendar_id,
        "nicknames": nickname_list(provider.nicknames),
        "service_ids": sorted(service_ids),
    }


def _views(rows: list[Provider]) -> list[dict]:
    by_provider: dict[int, list[int]] = {p.id: [] for p in rows}
    for provider_id, service_id in offers(provider_ids=list(by_provider)):
        by_provider[provider_id].append(service_id)
    return [provider_dict(p, by_provider[p.id]) for p in rows]


def list_providers(clinic_id: int, limit: int = 200, offset: int = 0) -> list[dict]:
    rows = (
        Provider.select()
        .where(Provider.clinic == clinic_id)
        .order_by(Provider.name, Provider.id)
        .limit(limit)
        .offset(offset)
    )
    return _views(list(rows))


def _save(clinic_id: int, actor: str, provider: Provider, fields: dict, action: str) -> Edited:
    """Inside ``write()``: checks against the clinic's other rows, then the row and its links."""
    if "name" in fields:
        refuse_duplicate(Provider, clinic_id, fields["name"], provider.id)
    service_ids = fields.get("service_ids")
    if service_ids is not None:
        refuse_foreign(Service, clinic_id, service_ids, "service")
    for name, value in fields.items():
        if name == "nicknames":
            value = ",".join(value)
        if name != "service_ids":
            setattr(provider, name, value)
    provider.save()
    if service_ids is not None:
        relink(clinic_id, provider_id=provider.id, ids=service_ids)
    event = note(clinic_id, actor, action, "provider", provider.id, {"fields": sorted(fields)})
    return Edited(_views([provider])[0], event)


def create_provider(clinic_id: int, actor: str, fields: dict) -> Edited:
    """A new provider; offering no services until ``service_ids`` says which."""
    with write():
        provider = Provider(clinic=clinic_id)
        return _save(clinic_id, actor, provider, fields, "provider.create")


def update_provider(clinic_id: int, actor: str, provider_id: int, changes: dict) -> Edited:
    """Name, title, daily cap, active, services offered, or the linked Google Calendar."""
    with write():
        provider = owned(Provider, clinic_id, provider_id, "provider")
        return _save(clinic_id, actor, provider, changes, "provider.update")
