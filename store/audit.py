"""The audit log: who read or changed what, written in the same transaction as the change.

``actor`` is ``staff:<user id>`` for a logged-in staff member and ``token:<role>`` for a script
token (``supervisor.py token``), so every entry names a person where there is one. ``data``
holds what changed, never a patient's details (ids, field names, new policy values).
"""

from __future__ import annotations

from store.models import AuditLog


def audit(
    clinic_id: int, actor: str, action: str, entity: str, entity_id, data: dict | None = None
) -> AuditLog:
    """Record one entry; call inside ``store.db.write()`` with the change it describes."""
    return AuditLog.create(
        clinic=clinic_id,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        data=data,
    )
