"""Deposit policy: what a booking owes up front and what a cancellation gives back.

The payments backend (``actors/payments/``) opens the deposit; the local one has no card flow
and records it as ``waived`` (staff may take it at the desk). Cancelling at least
``refund_window_h`` before the start refunds a paid deposit; later, it is kept. Refunds go
through the backend and are rows (``Refund``) written in the cancel's own transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from actors import payments
from actors.brain.base import money
from actors.payments import DepositRequest, RefundRequest
from store.models import Appointment, Deposit, Refund


def record_deposit(appointment: Appointment, cents: int, currency: str) -> Deposit:
    """Inside the booking's transaction: the deposit as the payments backend opened it."""
    backend = payments.current()
    opened = backend.open_deposit(
        DepositRequest(appointment.clinic_id, appointment.id, cents, currency)
    )
    return Deposit.create(
        clinic=appointment.clinic_id,
        appointment=appointment,
        amount_cents=cents,
        currency=currency,
        status=opened.status,
        checkout_url=opened.checkout_url,
        backend=backend.name,
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
    """Inside the cancel's transaction: refund a paid deposit if early enough, else keep it."""
    deposit = _deposit(appointment)
    if deposit is None or deposit.status != "paid":
        if deposit is not None and deposit.status == "pending":
            deposit.status = "expired"
            deposit.save()
        return "none"
    window = timedelta(hours=appointment.clinic.refund_window_h)
    if appointment.start_at - now >= window:
        deposit.status = "refunded"
        deposit.save()
        reason = "cancelled inside the refund window"
        done = payments.current().refund(
            RefundRequest(appointment.clinic_id, deposit.id, deposit.amount_cents, reason)
        )
        Refund.create(
            clinic=appointment.clinic_id,
            deposit=deposit,
            amount_cents=deposit.amount_cents,
            status=done.status,
            reason=reason,
        )
        return "refunded"
    deposit.status = "kept"
    deposit.save()
    return "kept"
