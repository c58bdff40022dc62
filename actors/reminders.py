"""Appointment reminders: durable jobs in the reminder table, claimed, texted, marked done.

A reminder is claimed in one transaction (``locked_until``), so two notifiers, or a restart
mid-send, never text a customer twice; a claim that was never finished expires and is retried.
Opted-out numbers are skipped; cancelled or moved appointments cancelled their reminders when
they changed.
"""

from __future__ import annotations

from datetime import datetime

from actors.appointment_texts import deadline, still_wanted, text_for
from actors.calendar.sync import KIND as CALENDAR_SYNC
from actors.reminder_plan import KINDS
from actors.waitlist import offer_deadline, offer_opening
from actors.wording import sms
from store.db import write
from store.events import record_event
from store.fields import utcnow
from store.jobs import claim_due
from store.models import Reminder
from store.quiet_hours import quiet_until
from store.sms import opted_out, record_message, thread_for
from store.waitlist import SLOT_FREED

CLAIM_S = 120
BATCH = 50


def missed_call_text(clinic_name: str) -> str:
    return sms.missed_call(clinic_name)


def _missed_call_text(reminder: Reminder, outbound_status: str) -> int | None:
    """Text a caller who hung up before they were helped (unless they opted out)."""
    phone = (reminder.payload or {}).get("phone")
    if not phone or opted_out(reminder.clinic_id, phone):
        return None
    thread = thread_for(reminder.clinic_id, phone)
    message = record_message(thread, "out", missed_call_text(reminder.clinic.name), outbound_status)
    record_event(reminder.clinic_id, "call.text_back", {"message_id": message.id})
    return message.id


def _customer_text(reminder: Reminder, outbound_status: str) -> int | None:
    """A text queued with its words in the same transaction as what it tells (a deposit paid,
    a hold released), so the customer hears of it exactly once."""
    payload = reminder.payload or {}
    phone, body = payload.get("phone"), payload.get("text")
    if not phone or not body or opted_out(reminder.clinic_id, phone):
        return None
    message = record_message(thread_for(reminder.clinic_id, phone), "out", body, outbound_status)
    record_event(reminder.clinic_id, "message.queued", {"message_id": message.id})
    return message.id


# Reminders that carry their own text and phone, rather than an appointment to remind of.
TEXTS = {"customer_text": _customer_text, "missed_call_text": _missed_call_text}
# Texts the customer did not just ask for wait out the clinic's quiet hours; a customer_text
# answers something they did (a deposit paid) and goes at once. A waitlist offer waits too.
WAIT_FOR_MORNING = (*KINDS, "missed_call_text", SLOT_FREED)


def _deadline(reminder: Reminder) -> datetime | None:
    """After this the job is pointless: the visit it reminds of began, the slot it offers
    can no longer be booked."""
    if reminder.kind == SLOT_FREED:
        return offer_deadline(reminder)
    return deadline(reminder.kind, reminder.appointment) if reminder.appointment else None


def _waits(reminder: Reminder, now: datetime) -> bool:
    """Inside a transaction: a text due in quiet hours moves to their end (or, a reminder whose
    morning comes after the visit began, is skipped); True when it is not sent now."""
    if reminder.kind not in WAIT_FOR_MORNING:
        return False
    clinic = reminder.clinic
    morning = quiet_until(clinic.quiet_hours_start, clinic.quiet_hours_end, clinic.timezone, now)
    if morning is None:
        return False
    last = _deadline(reminder)
    if last is not None and morning >= last:
        reminder.status = "skipped"  # e.g. a reminder after the visit began helps no one
    else:
        reminder.due_at, reminder.locked_until = morning, None
    reminder.save()
    return True


def _appointment_text(reminder: Reminder, outbound_status: str, now: datetime) -> int | None:
    """Inside a transaction: check the job again, then text it; sets the job's status."""
    appointment = reminder.appointment
    phone = appointment.customer.phone
    last = deadline(reminder.kind, appointment)
    if not still_wanted(reminder, appointment) or opted_out(appointment.clinic_id, phone):
        reminder.status = "cancelled"
        return None
    if last is not None and now >= last:
        reminder.status = "skipped"  # caught up after downtime, past its point
        return None
    thread = thread_for(appointment.clinic_id, phone)
    body = text_for(reminder.kind, appointment)
    message = record_message(thread, "out", body, outbound_status)
    record_event(
        appointment.clinic_id,
        "reminder.sent",
        {"appointment_id": appointment.id, "message_id": message.id, "kind": reminder.kind},
    )
    reminder.status = "sent"
    reminder.payload = {**(reminder.payload or {}), "message_id": message.id}
    return message.id


def send_due_reminders(outbound_status: str, now: datetime | None = None) -> list[int]:
    """Text every due reminder once; returns the ids of the outbound messages written."""
    now = now or utcnow()
    due = claim_due(Reminder.kind != CALENDAR_SYNC, now, CLAIM_S, BATCH)  # not texts
    sent = []
    for reminder in due:
        with write():
            if _waits(reminder, now):
                continue
            if reminder.kind == SLOT_FREED:
                message_id = offer_opening(reminder, outbound_status, now)
                reminder.save()
                sent += [message_id] if message_id else []
                continue
            text_of_its_own = TEXTS.get(reminder.kind)
            if text_of_its_own is not None:
                message_id = text_of_its_own(reminder, outbound_status)
                reminder.status = "sent" if message_id else "cancelled"
                reminder.save()
                sent += [message_id] if message_id else []
                continue
            message_id = _appointment_text(reminder, outbound_status, now)
            sent += [message_id] if message_id else []
            reminder.save()
    return sent
