"""Deposit policy: what a booking owes up front and what a cancellation gives back.

The payments backend (``actors/payments/``) opens the deposit; the local one has no card flow
and records it as ``waived`` (staff may take it at the desk). Cancelling at least
``refund_window_h`` before the start refunds a paid deposit; later, it is kept. Refunds go
through the backend and are rows (``Refund``) written in the cancel's own transaction.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from actors import payments
from actors.brain.base import money
from actors.calendar.sync import queue_sync
from actors.payments import DepositRequest, PaymentFailed, RefundRequest
from actors.reminder_plan import cancel_pending_reminders
from actors.wording import sms
from store.db import write
from store.fields import utcnow
from store.models import Appointment, Deposit, Refund, Reminder
from store.waitlist import slot_freed

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is created
# (by its clock): one more minute for the request's way there and clocks that differ.
MIN_HOLD_MIN = 31


def record_deposit(appointment: Appointment, cents: int, currency: str, now: datetime) -> Deposit:
    """Inside the booking's transaction: the deposit the booking owes.

    With a card backend the appointment becomes a hold (``pending_deposit``): its time is taken
    for everyone until it is paid or the hold lapses, and the deposit waits for its link
    (``open_held_deposit``, called once the transaction has committed: a provider's latency
    must not hold every writer's lock). A backend with no card flow answers at once. The
    clinic's policy of the day is copied onto the deposit.
    """
    backend = payments.current()
    clinic = appointment.clinic
    hold_until = now + timedelta(minutes=max(MIN_HOLD_MIN, clinic.deposit_hold_min))
    fields = dict(
        clinic=appointment.clinic_id,
        appointment=appointment,
        amount_cents=cents,
        currency=currency,
        backend=backend.name,
        refund_window_h=clinic.refund_window_h,
        refund_percent=clinic.refund_percent,
    )
    if backend.takes_cards:
        appointment.status = "pending_deposit"
        appointment.save()
        return Deposit.create(status="pending", hold_until=hold_until, **fields)
    opened = backend.open_deposit(
        DepositRequest(appointment.clinic_id, appointment.id, cents, currency, hold_until)
    )
    return Deposit.create(status=opened.status, checkout_url=opened.checkout_url, **fields)


def open_held_deposit(deposit_id: int, text_link: bool = False) -> None:
    """After the booking committed: open the deposit at the provider and keep its link.

    The idempotency key is made of our ids and the deadline is the stored one, so opening
    again after a crash returns the same session. If the provider cannot be reached, the
    hold is dropped (nothing was booked) and ``PaymentFailed`` tells the caller why.
    """
    deposit = Deposit.get_by_id(deposit_id)
    if deposit.external_id:
        return
    request = DepositRequest(
        deposit.clinic_id,
        deposit.appointment_id,
        deposit.amount_cents,
        deposit.currency,
        deposit.hold_until,
    )
    try:
        opened = payments.current().open_deposit(request)
    except PaymentFailed:
        with write():
            _drop_unopened(Deposit.get_by_id(deposit_id))
        raise
    with write():
        deposit = Deposit.get_by_id(deposit_id)
        if deposit.external_id is None:
            deposit.external_id, deposit.checkout_url = opened.external_id, opened.checkout_url
            deposit.save()
            if text_link:  # a caller or a staff booking: the link reaches them by text
                appointment = deposit.appointment
                queue_text(appointment, sms.deposit_link(*described(appointment), deposit))


def described(appointment: Appointment) -> tuple[str, str, str]:
    """Clinic, service and local time, as the deposit texts name them."""
    clinic = appointment.clinic
    local = appointment.start_at.astimezone(ZoneInfo(clinic.timezone))
    return clinic.name, appointment.service.name, local.strftime("%a %b %-d at %-I:%M %p")


def queue_text(appointment: Appointment, body: str) -> None:
    """Inside a transaction: a text to the customer about this appointment; the notifier
    sends it once the transaction has committed (``customer_text`` reminders)."""
    Reminder.create(
        clinic=appointment.clinic_id,
        appointment=appointment,
        kind="customer_text",
        due_at=utcnow() - timedelta(seconds=1),
        payload={"phone": appointment.customer.phone, "text": body},
    )


def _drop_unopened(deposit: Deposit) -> None:
    if deposit.status != "pending" or deposit.external_id:
        return
    deposit.status = "expired"
    deposit.save()
    if deposit.appointment.status == "pending_deposit":
        mark_cancelled(deposit.appointment, "deposit_unavailable", "system", utcnow())


def mark_cancelled(appointment: Appointment, reason: str | None, actor: str, now: datetime) -> None:
    """Inside a transaction: the appointment is cancelled, what was due about it is not sent,
    and providers' calendars are brought in line (the one step every cancel takes)."""
    appointment.status = "cancelled"
    appointment.cancel_reason = reason or None
    appointment.cancelled_by = actor
    appointment.cancelled_at = appointment.updated_at = now
    appointment.version += 1
    appointment.save()
    cancel_pending_reminders(appointment)
    queue_sync(appointment, now)
    slot_freed(
        appointment.clinic_id,
        appointment.provider_id,
        appointment.start_at,
        appointment.end_at,
        now,
    )


def _deposit(appointment: Appointment) -> Deposit | None:
    return (
        Deposit.select()
        .where(Deposit.appointment == appointment)
        .order_by(Deposit.id.desc())
        .first()
    )


def deposit_summary(appointment: Appointment) -> dict:
    deposit = _deposit(appointment)
    if deposit is None:
        return {"required": False, "amount": None, "status": "none", "link": None}
    return {
        "required": True,
        "amount": money(deposit.amount_cents),
        "status": deposit.status,
        "link": deposit.checkout_url,
    }


def deposit_outcome(appointment: Appointment) -> str:
    deposit = _deposit(appointment)
    if deposit is None or deposit.status in ("waived", "pending", "expired"):
        return "none"
    return {"refunded": "refunded", "kept": "kept"}.get(deposit.status, "none")


def settle_deposit_on_cancel(appointment: Appointment, now: datetime) -> str:
    """Inside the cancel's transaction: refund a paid deposit if early enough (by the policy
    copied at booking), else keep it; an unpaid hold simply lapses."""
    deposit = _deposit(appointment)
    if deposit is None or deposit.status != "paid":
        if deposit is not None and deposit.status == "pending":
            deposit.status = "expired"
            deposit.save()
            _close_quietly(deposit)
        return "none"
    window_h = deposit.refund_window_h
    window = timedelta(hours=appointment.clinic.refund_window_h if window_h is None else window_h)
    if appointment.start_at - now >= window:
        amount = deposit.amount_cents * deposit.refund_percent // 100
        if amount <= 0:
            deposit.status = "kept"
            deposit.save()
            return "kept"
        return refund_deposit(deposit, amount, "cancelled inside the refund window")
    deposit.status = "kept"
    deposit.save()
    return "kept"


def _close_quietly(deposit: Deposit) -> None:
    """Make the link unpayable. If that fails and the customer pays anyway, the paid event
    finds the hold released and rebooks or refunds (``actors/payments/events.py``)."""
    if deposit.external_id:
        with contextlib.suppress(PaymentFailed):
            payments.current().close_deposit(deposit.external_id)


def refund_deposit(deposit: Deposit, amount_cents: int, reason: str) -> str:
    """Inside a transaction: refund through the backend (its idempotency key is made of the
    deposit and amount, so a repeat refunds nothing more) and record it."""
    done = payments.current().refund(
        RefundRequest(deposit.clinic_id, deposit.id, amount_cents, reason, deposit.external_id)
    )
    deposit.status = "refunded"
    deposit.save()
    recorded = Refund.select().where(
        (Refund.deposit == deposit) & (Refund.external_id == done.external_id)
    )
    if done.external_id is None or not recorded.exists():  # a provider's replay: one row
        Refund.create(
            clinic=deposit.clinic_id,
            deposit=deposit,
            amount_cents=amount_cents,
            status=done.status,
            external_id=done.external_id,
            reason=reason,
        )
    return "refunded"


def keep_deposit(appointment: Appointment) -> None:
    """A no-show: a paid deposit is kept; an unpaid hold could not have been a visit."""
    deposit = _deposit(appointment)
    if deposit is not None and deposit.status == "paid":
        deposit.status = "kept"
        deposit.save()


def refund_by_hand(appointment: Appointment, amount_cents: int | None) -> int:
    """Inside a transaction: refund what staff asked, at most what is left; returns it."""
    deposit = _deposit(appointment)
    if deposit is None or deposit.status not in ("paid", "kept", "refunded"):
        raise ValueError("this appointment has no paid deposit to refund")
    left = deposit.amount_cents - sum(r.amount_cents for r in deposit.refunds)
    amount = left if amount_cents is None else amount_cents
    if amount <= 0 or amount > left:
        raise ValueError(f"amount_cents must be between 1 and {left}")
    refund_deposit(deposit, amount, "refunded by staff")
    return amount
