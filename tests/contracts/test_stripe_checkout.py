"""The Stripe backend on the wire: what it sends, and what it makes of Stripe's answers.

The real stripe SDK against a local stateful server speaking Stripe's format (form-encoded
bodies, Idempotency-Key replay, Stripe error bodies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actors.messages import Category
from actors.payments import DepositRequest, PaymentFailed, RefundRequest
from actors.payments.stripe_checkout import StripeCheckout
from tests.fakes.stripe_server import API_KEY, FakeStripe


def hold() -> datetime:
    """When a hold made now lapses: just over Stripe's 30-minute minimum."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30, seconds=30)


@pytest.fixture
def fake():
    with FakeStripe() as server:
        yield server


@pytest.fixture
def stripe_backend(fake):
    return StripeCheckout(API_KEY, fake.url, "https://glow.test/paid", "https://glow.test/")


def botox(appointment_id: int = 42, until: datetime | None = None) -> DepositRequest:
    return DepositRequest(1, appointment_id, 5000, "usd", until or hold())


def test_a_deposit_is_a_payment_session_that_names_our_appointment(fake, stripe_backend):
    until = hold()
    opened = stripe_backend.open_deposit(botox(until=until))
    session = fake.sessions[opened.external_id]
    assert (opened.status, opened.checkout_url) == ("pending", session["url"])
    assert session["mode"] == "payment" and session["amount_total"] == 5000
    assert session["metadata"] == {"appointment_id": "42", "clinic_id": "1"}
    assert session["payment_intent_data_metadata"]["appointment_id"] == "42"
    assert session["client_reference_id"] == "appointment-42"
    assert session["expires_at"] == int(until.timestamp())
    assert fake.requests[-1][2] == "vrai-deposit-1-42"


def test_a_server_error_is_retried_with_the_same_key_and_opens_one_session(fake, stripe_backend):
    fake.fail_next(1, status=500)
    opened = stripe_backend.open_deposit(botox())
    assert len(fake.sessions) == 1 and opened.external_id in fake.sessions
    keys = [key for method, path, key in fake.requests if path == "/v1/checkout/sessions"]
    assert keys == ["vrai-deposit-1-42", "vrai-deposit-1-42"]


def test_opening_again_after_a_crash_returns_the_first_session(fake, stripe_backend):
    until = hold()  # fixed by the booking, so the retried request is the same request
    first = stripe_backend.open_deposit(botox(until=until))
    again = StripeCheckout(API_KEY, fake.url, "https://glow.test/paid", "https://glow.test/")
    assert again.open_deposit(botox(until=until)) == first
    assert len(fake.sessions) == 1


def test_stripe_down_is_a_retryable_failure(fake, stripe_backend):
    fake.fail_next(5, status=503)
    with pytest.raises(PaymentFailed) as failed:
        stripe_backend.open_deposit(botox())
    assert failed.value.category == Category.UNAVAILABLE and failed.value.category.retryable
    assert fake.sessions == {}


def test_rate_limiting_is_a_retryable_failure(fake, stripe_backend):
    fake.fail_next(5, status=429)
    with pytest.raises(PaymentFailed) as failed:
        stripe_backend.open_deposit(botox())
    assert failed.value.category == Category.RATE_LIMITED


def test_a_declined_card_is_a_clear_refusal_not_an_outage(fake, stripe_backend):
    fake.decline_next()
    with pytest.raises(PaymentFailed) as failed:
        stripe_backend.open_deposit(botox())
    assert failed.value.category == Category.INVALID and "declined" in str(failed.value)


def test_a_wrong_key_is_reported_as_unavailable(fake):
    wrong = StripeCheckout("sk_test_wrong", fake.url, "https://glow.test/paid", "https://x/")
    with pytest.raises(PaymentFailed) as failed:
        wrong.open_deposit(botox())
    assert failed.value.category == Category.UNAVAILABLE


def test_a_repeated_refund_refunds_once(fake, stripe_backend):
    opened = stripe_backend.open_deposit(botox())
    fake.pay(opened.external_id)
    request = RefundRequest(1, 7, 5000, "cancelled early", opened.external_id)
    first = stripe_backend.refund(request)
    assert stripe_backend.refund(request) == first
    assert len(fake.refunds) == 1 and first.status == "succeeded"
    assert fake.refunds[first.external_id]["amount"] == 5000


def test_a_partial_refund_by_policy_refunds_that_amount(fake, stripe_backend):
    opened = stripe_backend.open_deposit(botox())
    fake.pay(opened.external_id)
    done = stripe_backend.refund(RefundRequest(1, 7, 2500, "half by policy", opened.external_id))
    assert fake.refunds[done.external_id]["amount"] == 2500


def test_an_unpaid_deposit_cannot_be_refunded(fake, stripe_backend):
    opened = stripe_backend.open_deposit(botox())
    with pytest.raises(PaymentFailed) as failed:
        stripe_backend.refund(RefundRequest(1, 7, 5000, "x", opened.external_id))
    assert failed.value.category == Category.INVALID and fake.refunds == {}


def test_a_card_deposit_without_a_hold_deadline_is_refused_before_stripe(fake, stripe_backend):
    with pytest.raises(ValueError, match="hold"):
        stripe_backend.open_deposit(DepositRequest(1, 42, 5000, "usd"))
    assert fake.requests == []
