"""Reads of the call table that the call supervisor's recovery sweep needs."""

from __future__ import annotations

from datetime import timedelta

from store.fields import utcnow
from store.models import Call

# A hang-up older than this with no outcome is not waiting for its actor any more; older
# calls are history (they were decided before the outcome moved into the call actor).
SWEEP_HORIZON = timedelta(days=1)


def ended_calls_without_outcome(older_than_s: float, limit: int = 50) -> list[Call]:
    """Calls whose hang-up is stored but whose actor never decided their outcome."""
    now = utcnow()
    return list(
        Call.select()
        .where(
            (Call.status == "ended")
            & Call.outcome.is_null()
            & (Call.ended_at < now - timedelta(seconds=older_than_s))
            & (Call.ended_at > now - SWEEP_HORIZON)
        )
        .order_by(Call.id)
        .limit(limit)
    )
