"""The durable job that mirrors bookings to providers' calendars: a booking never fails
because Google is down, and no event is duplicated or left behind.

Every booking, move and cancel queues a ``calendar_sync`` job (a row of the reminder table)
in its own transaction; the calendar actor runs due jobs: the backend's ``mirror`` brings the
event in line with the appointment as it stands then (so jobs may repeat or run late and the
result is the same), and a failure is retried with growing back-off.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from actors import calendar
from actors.calendar import CalendarUnavailable
from store.jobs import claim_due
from store.models import Appointment, Reminder

log = logging.getLogger("vrai.calendar.sync")

KIND = "calendar_sync"
CLAIM_S = 120
BATCH = 50
MAX_BACKOFF_S = 900


def queue_sync(appointment: Appointment, now: datetime) -> None:
    """Inside the booking's transaction; nothing to do where the calendar is the database."""
    if calendar.current().name == "local":
        return
    Reminder.create(
        clinic=appointment.clinic_id,
        appointment=appointment,
        kind=KIND,
        due_at=now - timedelta(seconds=1),
        payload={"appointment_id": appointment.id},
    )


def run_due_syncs(now: datetime) -> int:
    """Mirror every due job once; returns how many were done."""
    due = claim_due(Reminder.kind == KIND, now, CLAIM_S, BATCH)
    done = 0
    for job in due:
        try:
            calendar.current().mirror(job.payload["appointment_id"])
        except CalendarUnavailable:
            backoff = min(MAX_BACKOFF_S, 5 * 2 ** min(job.attempts, 10))
            Reminder.update(due_at=now + timedelta(seconds=backoff), locked_until=None).where(
                Reminder.id == job.id
            ).execute()
            log.warning("a calendar sync waits %d s: Google is unavailable", backoff)
            continue
        Reminder.update(status="sent", locked_until=None).where(Reminder.id == job.id).execute()
        done += 1
    return done
