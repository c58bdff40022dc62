"""What a payment provider's events do to bookings, and the sweep that needs no event at all.

The gateway verifies a Stripe event and stores it whole (``WebhookEvent.payload``) before it
answers 200; the payments actor applies stored events here, each in one transaction that also
marks it processed, so a crash between the two leaves it to be applied again, never twice.
Events repeat and arrive out of order, so each handler reads the deposit's state in our
database, not the event's order: an ``expired`` after a ``completed`` undoes no payment, and a
``completed`` after the hold was released books the slot if it is still free, or refunds.

The database is the source of truth for holds: ``release_lapsed_holds`` ends every unpaid hold
past its deadline even if the provider's expired event never comes, closing the link first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from actors import payments
from actors.booking.policy import described as _described
from actors.booking.policy import mark_cancelled, open_held_deposit, queue_text, refund_deposit
from actors.calendar.sync import queue_sync
from actors.payments import PaymentFailed
from actors.wording import sms as wording
from store.db import write
from store.events import record_event
from store.models import Appointment, Deposit, Refund, WebhookEvent

log = logging.getLogger("vrai.payments")

BATCH = 50
EXPIRED_REASON = "deposit_expired"


def apply_stored_events(now: datetime) -> int:
    """Apply every stored, unprocessed Stripe event, oldest first; returns how many."""
    pending = list(
        WebhookEvent.select(WebhookEvent.id)
        .where((WebhookEvent.provider == "stripe") & WebhookEvent.processed_at.is_null())
        .order_by(WebhookEvent.id)
        .limit(BATCH)
    )
    applied = 0
    for row in pending:
        try:
            apply_event(row.id, now)
        except PaymentFailed:  # Stripe unreachable while re-checking: the next round retries
            log.warning("a stored Stripe event waits: the payment service is unavailable")
            break
        applied += 1
    return applied


def apply_event(event_row_id: int, now: datetime) -> None:
    with write():
        row = WebhookEvent.get_by_id(event_row_id)
        if row.processed_at is not None:
            return
        session = ((row.payload or {}).get("data") or {}).get("object") or {}
        handler = HANDLERS.get(row.event_type)
        if handler is not None:
            handler(session, now)
        row.processed_at = now
        row.save()


def _deposit_for(session: dict) -> Deposit | None:
    return Deposit.get_or_none(Deposit.external_id == session.get("id"))


def _completed(session: dict, now: datetime) -> None:
    deposit = _deposit_for(session)
    if deposit is None or deposit.status not in ("pending", "expired"):
        return  # not ours, or already paid (a redelivery): nothing changes
    if not payments.current().is_paid(deposit.external_id):  # the event's copy may be stale
        return
    appointment = deposit.appointment
    deposit.status, deposit.paid_at = "paid", now
    deposit.save()
    if appointment.status == "pending_deposit":
        _book(appointment, now)
        queue_text(appointment, wording.deposit_paid(*_described(appointment)))
    elif appointment.status == "cancelled" and _still_free(appointment):
        _book(appointment, now)  # paid after the hold lapsed, and nobody took the time
        queue_text(appointment, wording.deposit_paid(*_described(appointment)))
    else:  # the time went to someone else meanwhile: the money goes back at once
        refund_deposit(deposit, deposit.amount_cents, "paid after the hold was released")
        queue_text(appointment, wording.deposit_paid_too_late(*_described(appointment)))
    record_event(appointment.clinic_id, "deposit.paid", {"appointment_id": appointment.id})


def _expired(session: dict, now: datetime) -> None:
    deposit = _deposit_for(session)
    if deposit is not None and deposit.status == "pending":
        release_hold(deposit, now)


def _payment_failed(session: dict, now: datetime) -> None:
    """A card was declined on the payment page; the customer may try again until it lapses."""
    appointment_id = (session.get("metadata") or {}).get("appointment_id")
    appointment = Appointment.get_or_none(Appointment.id == appointment_id)
    if appointment is not None:
        record_event(
            appointment.clinic_id, "deposit.payment_failed", {"appointment_id": appointment.id}
        )


def _refund_updated(refund: dict, now: datetime) -> None:
    if refund.get("object") == "refund" and refund.get("id"):
        Refund.update(status=refund.get("status", "pending")).where(
            Refund.external_id == refund["id"]
        ).execute()


def _charge_refunded(charge: dict, now: datetime) -> None:
    """A refund landed on the charge (full or partial): each refund it lists, updated."""
    for refund in (charge.get("refunds") or {}).get("data") or []:
        _refund_updated(refund, now)


HANDLERS = {
    "checkout.session.completed": _completed,
    "checkout.session.expired": _expired,
    "payment_intent.payment_failed": _payment_failed,
    "refund.updated": _refund_updated,
    "charge.refunded": _charge_refunded,
}


def release_hold(deposit: Deposit, now: datetime) -> None:
    """Inside a transaction: the hold ends unpaid; the time is free, the customer told."""
    deposit.status = "expired"
    deposit.save()
    appointment = deposit.appointment
    if appointment.status != "pending_deposit":
        return
    mark_cancelled(appointment, EXPIRED_REASON, "system", now)
    queue_text(appointment, wording.deposit_expired(*_described(appointment)))
    record_event(
        appointment.clinic_id,
        "appointment.cancelled",
        {"appointment_id": appointment.id, "deposit": "expired", "reason": EXPIRED_REASON},
    )


def open_unopened_deposits(now: datetime, after_s: float = 60.0) -> int:
    """Holds whose link was never made (the process died between the booking's commit and
    Stripe's answer): open them now (the same session, by its key) and text the link; a hold
    Stripe still refuses is dropped. Returns how many links it made."""
    stranded = list(
        Deposit.select()
        .where(
            (Deposit.status == "pending")
            & Deposit.external_id.is_null()
            & (Deposit.created_at < now - timedelta(seconds=after_s))
        )
        .limit(BATCH)
    )
    opened = 0
    for deposit in stranded:
        try:
            open_held_deposit(deposit.id, text_link=True)
            opened += 1
        except PaymentFailed:
            log.warning("a held deposit still has no link: the payment service refused")
    return opened


def release_lapsed_holds(now: datetime) -> int:
    """Every unpaid hold past its deadline: close its link at the provider, then release it
    (one that was paid meanwhile is left for its paid event). Returns how many it released."""
    lapsed = list(
        Deposit.select()
        .where((Deposit.status == "pending") & (Deposit.hold_until < now))
        .limit(BATCH)
    )
    released = 0
    for deposit in lapsed:
        try:
            closed = payments.current().close_deposit(deposit.external_id or "")
        except PaymentFailed:
            log.warning("could not close a lapsed deposit link; trying again later")
            continue
        if not closed:
            continue
        with write():
            deposit = Deposit.get_by_id(deposit.id)
            if deposit.status == "pending":
                release_hold(deposit, now)
                released += 1
    return released


def _book(appointment: Appointment, now: datetime) -> None:
    appointment.status = "booked"
    appointment.cancel_reason = appointment.cancelled_by = appointment.cancelled_at = None
    appointment.updated_at = now
    appointment.version += 1
    appointment.save()
    queue_sync(appointment, now)
    record_event(appointment.clinic_id, "appointment.booked", {"appointment_id": appointment.id})


def _still_free(appointment: Appointment) -> bool:
    return not (
        Appointment.select()
        .where(
            (Appointment.provider == appointment.provider)
            & (Appointment.id != appointment.id)
            & (Appointment.status.in_(("booked", "pending_deposit", "completed")))
            & (Appointment.start_at < appointment.end_at)
            & (Appointment.end_at > appointment.start_at)
        )
        .exists()
    )
