"""The clinic's services as the admin edits them: the menu callers book from.

A service is never deleted, only deactivated: appointments keep pointing at it, and the
booking engine and the brain offer active services only (store/clinic_reads.py).
Synonyms are stored comma-separated (what the catalog matches callers' words against) and
shown as a list.
"""

from __future__ import annotations

from store.db import write
from store.edits import Edited, Invalid, note, owned, refuse_duplicate, refuse_foreign
from store.models import Provider, Resource, Service
from store.providers import offers, relink


def service_dict(service: Service, provider_ids: list[int]) -> dict:
    return {
        "id": service.id,
        "name": service.name,
        "description": service.description,
        "synonyms": [w.strip() for w in service.synonyms.split(",") if w.strip()],
        "duration_min": service.duration_min,
        "price_cents": service.price_cents,
        "deposit_cents": service.deposit_cents,
        "resource_kind": service.resource_kind,
        "active": service.active,
        "provider_ids": sorted(provider_ids),
    }


def _views(rows: list[Service]) -> list[dict]:
    by_service: dict[int, list[int]] = {s.id: [] for s in rows}
    for provider_id, service_id in offers(service_ids=list(by_service)):
        by_service[service_id].append(provider_id)
    return [service_dict(s, by_service[s.id]) for s in rows]


def list_services(clinic_id: int, include_inactive: bool, limit: int, offset: int) -> list[dict]:
    query = Service.select().where(Service.clinic == clinic_id)
    if not include_inactive:
        query = query.where(Service.active)
    return _views(list(query.order_by(Service.name, Service.id).limit(limit).offset(offset)))


def _check(clinic_id: int, service: Service, fields: dict) -> None:
    """What one field alone cannot say: names, rooms and providers of this clinic, and a
    deposit no larger than the price it secures."""
    if "name" in fields:
        refuse_duplicate(Service, clinic_id, fields["name"], service.id)
    kind = fields.get("resource_kind")
    if kind is not None:
        kinds = {r.kind for r in Resource.select(Resource.kind).where(Resource.clinic == clinic_id)}
        if kind not in kinds:
            known = ", ".join(sorted(kinds)) or "none"
            raise Invalid(f"no resource of kind {kind!r} here (kinds: {known})")
    refuse_foreign(Provider, clinic_id, fields.get("provider_ids") or [], "provider")
    price = fields.get("price_cents", service.price_cents or 0)
    deposit = fields.get("deposit_cents", service.deposit_cents or 0)
    if price > 0 and deposit > price:
        raise Invalid("deposit_cents must not be more than price_cents")


def _save(clinic_id: int, actor: str, service: Service, fields: dict, action: str) -> Edited:
    _check(clinic_id, service, fields)
    provider_ids = fields.get("provider_ids")
    for name, value in fields.items():
        if name == "synonyms":
            value = ",".join(value)
        if name != "provider_ids":
            setattr(service, name, value)
    service.save()
    if provider_ids is not None:
        relink(clinic_id, service_id=service.id, ids=provider_ids)
    event = note(clinic_id, actor, action, "service", service.id, {"fields": sorted(fields)})
    return Edited(_views([service])[0], event)


def create_service(clinic_id: int, actor: str, fields: dict) -> Edited:
    with write():
        return _save(clinic_id, actor, Service(clinic=clinic_id), fields, "service.create")


def update_service(clinic_id: int, actor: str, service_id: int, changes: dict) -> Edited:
    with write():
        service = owned(Service, clinic_id, service_id, "service")
        return _save(clinic_id, actor, service, changes, "service.update")


def deactivate_service(clinic_id: int, actor: str, service_id: int) -> Edited:
    """Off the menu; booked appointments of it stand."""
    with write():
        service = owned(Service, clinic_id, service_id, "service")
        service.active = False
        service.save()
        event = note(
            clinic_id, actor, "service.deactivate", "service", service.id, {"fields": ["active"]}
        )
        return Edited(_views([service])[0], event)
