"""Which texts an appointment gets, and when: the jobs written when it is booked or moved.

Each is a row of the reminder table (the durable queue the notifier claims from), written in
the booking's own transaction. A job carries the appointment's start as it was planned, so a
send-time check sees a visit that moved; a reschedule drops the pending jobs and plans anew,
a cancel drops them. Offsets are the clinic's settings:

- ``confirmation``: at once, for bookings made by staff or on a call (a texted booking's reply
  is its confirmation);
- ``reminder_24h``: ``reminder_hours_before`` ahead (24 by default);
- ``reminder_2h``: ``second_reminder_hours`` ahead (2; none when unset), "reply C or R";
- ``follow_up``: ``follow_up_hours`` after the visit ends (2; none when unset), a thank-you
  with the clinic's review link;
- ``deposit_reminder``: 10 minutes before an unpaid deposit's hold lapses;
- ``no_show``: when staff mark the visit a no-show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from actors.calendar.sync import KIND as CALENDAR_SYNC
from store.models import REMINDER_KINDS, Appointment, Deposit, Reminder

KINDS = REMINDER_KINDS
DEPOSIT_NUDGE_BEFORE = timedelta(minutes=10)
CONFIRMED_BY_TEXT = ("sms",)  # sources whose booking reply already confirmed it


def _job(appointment: Appointment, kind: str, due: datetime) -> Reminder:
    return Reminder.create(
        clinic=appointment.clinic_id,
        appointment=appointment,
        kind=kind,
        due_at=due,
        payload={"start": appointment.start_at.isoformat()},
    )


def plan_reminders(appointment: Appointment, now: datetime, new_booking: bool) -> None:
    """Inside the booking's transaction: the jobs this appointment should have from now."""
    clinic = appointment.clinic
    if new_booking and appointment.source not in CONFIRMED_BY_TEXT:
        _job(appointment, "confirmation", now)
    ahead = [("reminder_24h", clinic.reminder_hours_before)]
    if clinic.second_reminder_hours:
        ahead.append(("reminder_2h", clinic.second_reminder_hours))
    for kind, hours in ahead:
        due = appointment.start_at - timedelta(hours=hours)
        if due > now:
            _job(appointment, kind, due)
    if clinic.follow_up_hours:
        _job(appointment, "follow_up", appointment.end_at + timedelta(hours=clinic.follow_up_hours))
    deposit = (
        Deposit.select()
        .where((Deposit.appointment == appointment) & (Deposit.status == "pending"))
        .order_by(Deposit.id.desc())
        .first()
    )
    if deposit is not None and deposit.hold_until is not None:
        due = deposit.hold_until - DEPOSIT_NUDGE_BEFORE
        if due > now:
            _job(appointment, "deposit_reminder", due)


def plan_no_show(appointment: Appointment, now: datetime) -> None:
    """Inside the no-show's transaction: what was still to come is dropped, the no-show text
    is queued."""
    Reminder.update(status="cancelled").where(
        (Reminder.appointment == appointment)
        & (Reminder.status == "pending")
        & Reminder.kind.in_(KINDS)
    ).execute()
    _job(appointment, "no_show", now)


def cancel_pending_reminders(appointment: Appointment) -> None:
    """Inside a transaction: the appointment moved or ended, so what was due about it is not
    sent. Its calendar jobs are left alone: each mirrors the appointment as it stands then."""
    Reminder.update(status="cancelled").where(
        (Reminder.appointment == appointment)
        & (Reminder.status == "pending")
        & (Reminder.kind != CALENDAR_SYNC)
    ).execute()
