"""Show-up deposits and refunds: one interface, ``PaymentsBackend``, one file per backend.

Chosen once (``Settings.backends.payments``, named in supervisor.py) and built per process
when an actor sets itself up (``use``); the booking engine asks ``current()``. Today there is
two backends:
- ``local`` (``local.py``): no card flow. A required deposit is recorded as ``waived`` (staff
  may take it at the desk) and a refund by policy is recorded for staff to pay back.
- ``stripe`` (``stripe_checkout.py``): a Stripe Checkout link per deposit, refunds by API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from actors.messages import Category
from store.settings import Settings


@dataclass(frozen=True)
class DepositRequest:
    """A deposit a booking owes, by our ids (a backend derives its idempotency keys from them)."""

    clinic_id: int
    appointment_id: int
    amount_cents: int
    currency: str
    # When an unpaid hold lapses: fixed by the booking, so a retried open is the same request.
    hold_until: datetime | None = None


@dataclass(frozen=True)
class DepositOpened:
    """How the deposit stands once opened: ``waived`` or ``pending`` (a link to pay)."""

    status: str
    checkout_url: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    clinic_id: int
    deposit_id: int
    amount_cents: int
    reason: str
    external_id: str | None = None  # the deposit's id at the provider (a Checkout Session)


@dataclass(frozen=True)
class RefundDone:
    """``recorded`` (staff pay it back), ``pending`` or ``succeeded`` (a card refund)."""

    status: str
    external_id: str | None = None


class PaymentFailed(Exception):
    """The provider refused (a declined card, a bad request) or could not be reached; the
    category says which, so the caller can tell the customer and retry only what may pass."""

    def __init__(self, category: Category, message: str):
        super().__init__(message)
        self.category = category


class PaymentsBackend(Protocol):
    name: ClassVar[str]
    # True: a deposit is opened at the provider after the booking commits, and holds the slot
    # until paid; False: it is settled at once inside the booking's transaction.
    takes_cards: ClassVar[bool]

    def open_deposit(self, request: DepositRequest) -> DepositOpened: ...

    def refund(self, request: RefundRequest) -> RefundDone: ...

    def is_paid(self, external_id: str) -> bool:
        """Whether the provider holds the deposit's money (asked, not taken from an event)."""
        ...

    def close_deposit(self, external_id: str) -> bool:
        """Stop an unpaid deposit from being paid; False when it was paid meanwhile."""
        ...


PAYMENTS = ("local", "stripe")
_current: PaymentsBackend | None = None


def make_payments(settings: Settings) -> PaymentsBackend:
    name = settings.backends.payments
    if name == "local":
        from actors.payments.local import LocalPayments

        return LocalPayments()
    if name == "stripe":
        from actors.payments.stripe_checkout import StripeCheckout

        return StripeCheckout(
            settings.stripe_api_key,
            settings.stripe_api_base,
            success_url=f"{settings.public_base_url}/deposit/paid",
            cancel_url=f"{settings.public_base_url}/deposit/cancelled",
        )
    raise ValueError(f"no payments backend {name!r}")


def use(settings: Settings) -> None:
    """Build this process's backend (an actor's setup calls this once)."""
    global _current
    _current = make_payments(settings)


def current() -> PaymentsBackend:
    """This process's backend; the local one where no actor set one up (scripts, tests)."""
    if _current is None:
        from actors.payments.local import LocalPayments

        return LocalPayments()
    return _current
