"""What staff see of a customer: a search, and one record with its whole history.

The history joins the three channels a customer reaches the clinic by (calls, texts,
appointments) on the customer's number within their clinic, so a caller who never booked
still shows their calls.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from peewee import fn

from store.deposit_reads import deposit_views
from store.models import Appointment, Call, Customer, Message, Reminder, SmsThread
from store.sms import opted_out_among

HISTORY_LIMIT = 200  # of each kind, newest first


def customer_dict(customer: Customer, opted_out: bool) -> dict:
    return {
        "id": customer.id,
        "name": customer.name,
        "phone": customer.phone,
        "email": customer.email,
        "notes": customer.notes,
        "opted_out": opted_out,
        "created_at": customer.created_at.isoformat(),
        "last_seen_at": customer.last_seen_at.isoformat(),
    }


def search_customers(clinic_id: int, text: str | None, limit: int, offset: int) -> list[dict]:
    """Customers by a piece of their name or number (digits match however they were typed)."""
    query = Customer.select().where(Customer.clinic == clinic_id)
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        needle = fn.LOWER(Customer.name).contains(text.strip().lower())
        if len(digits) >= 3:
            needle |= Customer.phone.contains(digits)
        query = query.where(needle)
    rows = list(
        query.order_by(Customer.last_seen_at.desc(), Customer.id.desc()).limit(limit).offset(offset)
    )
    opted = opted_out_among(clinic_id, [c.phone for c in rows])
    return [customer_dict(c, c.phone in opted) for c in rows]


def customer_record(clinic_id: int, customer_id: int) -> dict | None:
    """One customer with every appointment, call and text thread they have here."""
    customer = Customer.get_or_none((Customer.id == customer_id) & (Customer.clinic == clinic_id))
    if customer is None:
        return None
    tz = customer.clinic.timezone
    appointments = list(
        Appointment.select()
        .where((Appointment.clinic == clinic_id) & (Appointment.customer == customer))
        .order_by(Appointment.start_at.desc())
        .limit(HISTORY_LIMIT)
    )
    deposits = deposit_views([a.id for a in appointments])
    calls = (
        Call.select()
        .where((Call.clinic == clinic_id) & (Call.from_phone == customer.phone))
        .order_by(Call.id.desc())
        .limit(HISTORY_LIMIT)
    )
    thread = SmsThread.get_or_none(
        (SmsThread.clinic == clinic_id) & (SmsThread.customer_phone == customer.phone)
    )
    messages = []
    if thread is not None:
        messages = list(
            Message.select()
            .where(Message.thread == thread)
            .order_by(Message.id.desc())
            .limit(HISTORY_LIMIT)
        )
    return {
        **customer_dict(customer, bool(opted_out_among(clinic_id, [customer.phone]))),
        "appointments": [
            {
                "id": a.id,
                "service": a.service.name,
                "provider": a.provider.name,
                "start": a.start_at.astimezone(ZoneInfo(tz)).isoformat(),
                "status": a.status,
                "source": a.source,
                "deposit": deposits.get(a.id),
            }
            for a in appointments
        ],
        "calls": [
            {
                "id": c.id,
                "status": c.status,
                "outcome": c.outcome,
                "started_at": c.started_at.isoformat(),
                "duration_s": c.duration_s,
            }
            for c in calls
        ],
        "thread": None
        if thread is None
        else {
            "id": thread.id,
            "ai_paused": thread.ai_paused_by is not None,
            "messages": [
                {
                    "id": m.id,
                    "direction": m.direction,
                    "text": m.text,
                    "status": m.status,
                    "created_at": m.created_at.isoformat(),
                }
                for m in reversed(messages)
            ],
        },
    }


def next_visit(clinic_id: int, phone: str, now) -> Appointment | None:
    """The customer's next appointment still to come (booked, or held for its deposit)."""
    return (
        Appointment.select()
        .join(Customer)
        .where(
            (Appointment.clinic == clinic_id)
            & (Customer.phone == phone)
            & Appointment.status.in_(("booked", "pending_deposit"))
            & (Appointment.start_at > now)
        )
        .order_by(Appointment.start_at)
        .first()
    )


def reminded_visit(clinic_id: int, phone: str, now) -> Appointment | None:
    """The visit to come whose "reply C or R" reminder this customer was last sent."""
    return (
        Appointment.select()
        .join(Customer)
        .switch(Appointment)
        .join(Reminder, on=(Reminder.appointment == Appointment.id))
        .where(
            (Appointment.clinic == clinic_id)
            & (Customer.phone == phone)
            & (Appointment.status == "booked")
            & (Appointment.start_at > now)
            & (Reminder.kind == "reminder_2h")
            & (Reminder.status == "sent")
        )
        .order_by(Appointment.start_at)
        .first()
    )
