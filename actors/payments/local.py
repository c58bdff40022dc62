"""Deposits with no card flow: recorded as waived; refunds recorded for staff to pay back.

Honest, not pretend: the customer is told no deposit was taken, and staff see every deposit
and refund as a row (``Deposit``, ``Refund``) on the dashboard.
"""

from __future__ import annotations

from typing import ClassVar

from actors.payments import DepositOpened, DepositRequest, RefundDone, RefundRequest


class LocalPayments:
    takes_cards: ClassVar[bool] = False  # opens a payment link the customer must pay
    name: ClassVar[str] = "local"

    def open_deposit(self, request: DepositRequest) -> DepositOpened:
        if request.amount_cents <= 0:
            raise ValueError("a deposit is a positive amount")
        return DepositOpened(status="waived")

    def refund(self, request: RefundRequest) -> RefundDone:
        if request.amount_cents <= 0:
            raise ValueError("a refund is a positive amount")
        return RefundDone(status="recorded")

    def is_paid(self, external_id: str) -> bool:
        return False  # nothing is ever paid here: deposits are waived

    def close_deposit(self, external_id: str) -> bool:
        return True
