"""Card deposits through Stripe Checkout: a hosted payment link per deposit, refunds by API.

The real stripe SDK (``StripeClient``), pointed at ``api_base`` (Stripe itself, or a local
server speaking its wire format in tests). The amount is charged when the customer pays, not
authorised: card authorisations lapse in days and appointments are weeks out. Every call that
moves money carries an idempotency key made of our own ids, so a retry (the SDK's own, or ours
after a crash) returns the first answer instead of a second session or refund.
"""

from __future__ import annotations

from typing import ClassVar

import stripe

from actors.messages import Category
from actors.payments import (
    DepositOpened,
    DepositRequest,
    PaymentFailed,
    RefundDone,
    RefundRequest,
)

NETWORK_RETRIES = 2  # the SDK retries 409/5xx and connection errors, with the same key


def deposit_key(request: DepositRequest) -> str:
    return f"vrai-deposit-{request.clinic_id}-{request.appointment_id}"


def refund_key(request: RefundRequest) -> str:
    return f"vrai-refund-{request.deposit_id}-{request.amount_cents}"


class StripeCheckout:
    takes_cards: ClassVar[bool] = True  # opens a payment link the customer must pay
    name: ClassVar[str] = "stripe"

    def __init__(self, api_key: str, api_base: str | None, success_url: str, cancel_url: str):
        addresses = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(
            api_key, base_addresses=addresses, max_network_retries=NETWORK_RETRIES
        )
        self.success_url, self.cancel_url = success_url, cancel_url

    def open_deposit(self, request: DepositRequest) -> DepositOpened:
        if request.amount_cents <= 0:
            raise ValueError("a deposit is a positive amount")
        if request.hold_until is None:
            raise ValueError("a card deposit needs the time its hold lapses")
        ours = {"appointment_id": str(request.appointment_id), "clinic_id": str(request.clinic_id)}
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": request.currency,
                        "unit_amount": request.amount_cents,
                        "product_data": {"name": "Appointment deposit"},
                    },
                    "quantity": 1,
                }
            ],
            "client_reference_id": f"appointment-{request.appointment_id}",
            "metadata": ours,
            "payment_intent_data": {"metadata": ours},
            "expires_at": int(request.hold_until.timestamp()),
            "success_url": self.success_url,
            "cancel_url": self.cancel_url,
        }
        session = _call(
            self.client.v1.checkout.sessions.create,
            params=params,
            options={"idempotency_key": deposit_key(request)},
        )
        return DepositOpened(status="pending", checkout_url=session.url, external_id=session.id)

    def refund(self, request: RefundRequest) -> RefundDone:
        if request.amount_cents <= 0:
            raise ValueError("a refund is a positive amount")
        if not request.external_id:
            raise ValueError("a card refund needs the deposit's Checkout Session")
        # Re-fetched, not remembered: the session names the payment only once it is paid.
        session = _call(self.client.v1.checkout.sessions.retrieve, request.external_id)
        if not session.payment_intent:
            raise PaymentFailed(Category.INVALID, "that deposit was never paid")
        refund = _call(
            self.client.v1.refunds.create,
            params={
                "payment_intent": session.payment_intent,
                "amount": request.amount_cents,
                "reason": "requested_by_customer",
                "metadata": {"deposit_id": str(request.deposit_id)},
            },
            options={"idempotency_key": refund_key(request)},
        )
        status = "succeeded" if refund.status == "succeeded" else "pending"
        return RefundDone(status=status, external_id=refund.id)

    def is_paid(self, external_id: str) -> bool:
        session = _call(self.client.v1.checkout.sessions.retrieve, external_id)
        return session.payment_status == "paid"

    def close_deposit(self, external_id: str) -> bool:
        """Expire the Checkout Session, so the link can no longer be paid."""
        session = _call(self.client.v1.checkout.sessions.retrieve, external_id)
        if session.status == "open":
            _call(
                self.client.v1.checkout.sessions.expire,
                external_id,
                options={"idempotency_key": f"vrai-expire-{external_id}"},
            )
            return True
        return session.payment_status != "paid"


def _call(method, *args, **kwargs):
    """One Stripe call; its errors as typed failures the booking can explain."""
    try:
        return method(*args, **kwargs)
    except stripe.CardError as error:
        raise PaymentFailed(
            Category.INVALID, error.user_message or "the card was declined"
        ) from error
    except stripe.RateLimitError as error:
        raise PaymentFailed(Category.RATE_LIMITED, "the payment service is busy") from error
    except (stripe.APIConnectionError, stripe.APIError) as error:
        raise PaymentFailed(Category.UNAVAILABLE, "the payment service is unavailable") from error
    except stripe.InvalidRequestError as error:
        raise PaymentFailed(Category.INVALID, error.user_message or "refused") from error
    except stripe.AuthenticationError as error:
        raise PaymentFailed(Category.UNAVAILABLE, "the payment service refused our key") from error
