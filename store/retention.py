"""Retention: what customers said is kept only as long as their clinic chose.

For a clinic with ``retention_days`` set, message bodies and call transcripts older than that
are replaced by a marker (the rows stay, so counts, outcomes and analytics still add up), the
live-transcript events that repeated them are emptied, and idle conversation checkpoints
(which hold the recent lines) are dropped. Running it again changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from store.db import write
from store.fields import utcnow
from store.models import CallEvent, Clinic, ConversationCheckpoint, DashboardEvent, Message

REMOVED = "[removed: past the clinic's retention period]"
TEXT_EVENT_TYPES = ("call.transcript",)


def apply_retention(now: datetime | None = None) -> dict[int, int]:
    """Redact what is past each clinic's retention; returns rows changed per clinic."""
    now = now or utcnow()
    changed: dict[int, int] = {}
    clinics = Clinic.select(Clinic.id, Clinic.retention_days).where(
        Clinic.retention_days.is_null(False)
    )
    for clinic in clinics:
        cutoff = now - timedelta(days=clinic.retention_days)
        with write():
            changed[clinic.id] = _redact_clinic(clinic.id, cutoff)
    return changed


def _redact_clinic(clinic_id: int, cutoff: datetime) -> int:
    count = (
        Message.update(text=REMOVED)
        .where(
            (Message.clinic == clinic_id)
            & (Message.created_at < cutoff)
            & (Message.text != REMOVED)
        )
        .execute()
    )
    count += (
        CallEvent.update(text=REMOVED)
        .where(
            (CallEvent.clinic == clinic_id)
            & (CallEvent.kind == "transcript")
            & (CallEvent.created_at < cutoff)
            & (CallEvent.text != REMOVED)
        )
        .execute()
    )
    count += (
        DashboardEvent.delete()
        .where(
            (DashboardEvent.clinic == clinic_id)
            & DashboardEvent.type.in_(TEXT_EVENT_TYPES)
            & (DashboardEvent.created_at < cutoff)
        )
        .execute()
    )
    count += (
        ConversationCheckpoint.delete()
        .where(
            (ConversationCheckpoint.clinic == clinic_id)
            & (ConversationCheckpoint.updated_at < cutoff)
        )
        .execute()
    )
    return count
