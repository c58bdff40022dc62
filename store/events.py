"""Dashboard events: written to dashboard_event inside the same transaction as the change.

Because the row commits with the change it describes, an event is never lost; pushing it to
live SSE subscribers afterwards is best effort, and ``Last-Event-ID`` replay covers any gap.
"""

from __future__ import annotations

from store.models import DashboardEvent
from store.prepared import Insert, Param, Select

_RECORD = Insert(DashboardEvent)
_AFTER = Select(
    lambda: (
        DashboardEvent.select()
        .where(
            (DashboardEvent.id > Param("after"))
            & ((DashboardEvent.clinic == Param("clinic")) | DashboardEvent.clinic.is_null())
        )
        .order_by(DashboardEvent.id)
        .limit(Param("limit"))
    )
)


def record_event(clinic_id: int | None, type_: str, data: dict) -> DashboardEvent:
    """Insert one event; call inside ``store.db.write()``."""
    return _RECORD.create(clinic=clinic_id, type=type_, data=data)


def events_after(clinic_id: int, after_id: int, limit: int = 500) -> list[DashboardEvent]:
    """Events of one clinic (and ops-wide ones) newer than ``after_id``, oldest first."""
    return _AFTER.rows(after=after_id, clinic=clinic_id, limit=limit)


def as_dict(event: DashboardEvent) -> dict:
    return {
        "id": event.id,
        "clinic_id": event.clinic_id,
        "type": event.type,
        "data": event.data,
        "created_at": event.created_at.isoformat(),
    }
