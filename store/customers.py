"""Customer reads and writes shared by the CRM actor, conversations and the REST API."""

from __future__ import annotations

from store.fields import utcnow
from store.models import AuditLog, Customer
from store.prepared import Param, Select

# Every text of a customer not yet known reads this (see store/prepared.py).
_BY_PHONE = Select(
    lambda: (
        Customer.select()
        .where((Customer.clinic == Param("clinic")) & (Customer.phone == Param("phone")))
        .limit(1)
    )
)


def find_customer(clinic_id: int, phone: str) -> Customer | None:
    return _BY_PHONE.first(clinic=clinic_id, phone=phone)


def save_customer(
    clinic_id: int, phone: str, name: str | None, email: str | None, actor: str
) -> tuple[Customer, bool]:
    """Upsert by (clinic, phone); call inside ``write()``. Returns (customer, created)."""
    customer = find_customer(clinic_id, phone)
    created = customer is None
    if created:
        customer = Customer.create(clinic=clinic_id, phone=phone, name=name, email=email)
    else:
        customer.name = name or customer.name
        customer.email = email or customer.email
        customer.last_seen_at = utcnow()
        customer.save()
    AuditLog.create(
        clinic=clinic_id,
        actor=actor,
        action="customer.create" if created else "customer.update",
        entity="customer",
        entity_id=str(customer.id),
        data={"fields": [f for f, v in (("name", name), ("email", email)) if v]},
    )
    return customer, created


def customer_dict(customer: Customer) -> dict:
    return {
        "id": customer.id,
        "name": customer.name,
        "phone": customer.phone,
        "email": customer.email,
        "created_at": customer.created_at.isoformat(),
        "last_seen_at": customer.last_seen_at.isoformat(),
    }
