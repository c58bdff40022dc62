"""How each appointment's deposit stands, as the dashboard and API show it.

The latest deposit of an appointment, with its refunds summed: a refund of less than the
deposit reads ``partially_refunded``. ``None`` where the service needs no deposit.
"""

from __future__ import annotations

from peewee import fn

from store.models import Deposit, Refund


def deposit_views(appointment_ids: list[int]) -> dict[int, dict]:
    if not appointment_ids:
        return {}
    latest: dict[int, Deposit] = {}
    for deposit in Deposit.select().where(Deposit.appointment.in_(appointment_ids)):
        known = latest.get(deposit.appointment_id)
        if known is None or deposit.id > known.id:
            latest[deposit.appointment_id] = deposit
    refunded = refunded_cents([d.id for d in latest.values()])
    return {
        appointment_id: _view(deposit, refunded.get(deposit.id) or 0)
        for appointment_id, deposit in latest.items()
    }


def refunded_cents(deposit_ids: list[int]) -> dict[int, int]:
    """What was refunded of each deposit, summed (deposits with no refund are absent)."""
    return dict(
        Refund.select(Refund.deposit, fn.SUM(Refund.amount_cents))
        .where(Refund.deposit.in_(deposit_ids))
        .group_by(Refund.deposit)
        .tuples()
    )


def _view(deposit: Deposit, refunded_cents: int) -> dict:
    status = deposit.status
    if status == "refunded" and 0 < refunded_cents < deposit.amount_cents:
        status = "partially_refunded"
    return {
        "status": status,
        "amount_cents": deposit.amount_cents,
        "checkout_url": deposit.checkout_url,
    }
