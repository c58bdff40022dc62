"""Claiming due jobs from the reminder table: one transaction marks each claimed
(``locked_until``), so two workers, or a restart mid-job, never run a job twice; a claim that
was never finished lapses and the job is claimed again."""

from __future__ import annotations

from datetime import datetime, timedelta

from store.db import write
from store.models import Reminder


def claim_due(kind_condition, now: datetime, claim_s: float, limit: int) -> list[Reminder]:
    """Pending jobs due by ``now`` that match ``kind_condition``, claimed for ``claim_s``."""
    with write():
        due = list(
            Reminder.select()
            .where(
                (Reminder.status == "pending")
                & kind_condition
                & (Reminder.due_at <= now)
                & (Reminder.locked_until.is_null() | (Reminder.locked_until < now))
            )
            .order_by(Reminder.due_at)
            .limit(limit)
        )
        for job in due:
            job.locked_until = now + timedelta(seconds=claim_s)
            job.attempts += 1
            job.save()
    return due
