"""One contract, every PaymentsBackend: what the booking engine relies on. The Stripe backend
runs it with the real SDK against a local server speaking Stripe's wire format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actors.payments import (
    PAYMENTS,
    DepositRequest,
    RefundRequest,
    current,
    make_payments,
    use,
)
from actors.payments.stripe_checkout import StripeCheckout
from store.settings import Backends
from tests.fakes.stripe_server import API_KEY, FakeStripe

DEPOSIT_STATUSES = {"waived", "pending", "paid"}
REFUND_STATUSES = {"recorded", "pending", "succeeded"}


def hold() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=45)


class Harness:
    """A backend, and what the customer does between opening a deposit and a refund."""

    def __init__(self, backend, fake: FakeStripe | None = None):
        self.backend, self.fake = backend, fake

    def pay(self, opened) -> None:
        if self.fake is not None:
            self.fake.pay(opened.external_id)


@pytest.fixture(params=[*PAYMENTS, "stripe"])
def harness(request, settings):
    if request.param != "stripe":
        yield Harness(make_payments(settings.replace(backends=Backends(payments=request.param))))
        return
    with FakeStripe() as fake:
        backend = StripeCheckout(API_KEY, fake.url, "https://glow.test/paid", "https://glow.test/")
        yield Harness(backend, fake)


@pytest.fixture
def payments(harness):
    return harness.backend


def test_opening_a_deposit_says_how_it_stands(payments):
    opened = payments.open_deposit(DepositRequest(1, 42, 5000, "usd", hold()))
    assert opened.status in DEPOSIT_STATUSES
    assert (opened.checkout_url is None) == (opened.status != "pending")


def test_opening_the_same_deposit_twice_gives_the_same_answer(payments):
    request = DepositRequest(1, 42, 5000, "usd", hold())
    assert payments.open_deposit(request) == payments.open_deposit(request)


def test_a_refund_of_a_paid_deposit_says_how_it_stands(harness):
    opened = harness.backend.open_deposit(DepositRequest(1, 42, 5000, "usd", hold()))
    harness.pay(opened)
    done = harness.backend.refund(
        RefundRequest(1, 7, 5000, "cancelled inside the refund window", opened.external_id)
    )
    assert done.status in REFUND_STATUSES


@pytest.mark.parametrize("amount", [0, -100])
def test_a_deposit_or_refund_of_nothing_is_refused(payments, amount):
    with pytest.raises(ValueError):
        payments.open_deposit(DepositRequest(1, 42, amount, "usd", hold()))
    with pytest.raises(ValueError):
        payments.refund(RefundRequest(1, 7, amount, "x"))


def test_a_process_uses_the_backend_it_was_set_up_with(settings):
    use(settings)
    assert current().name == settings.backends.payments


def test_an_unknown_backend_is_refused_at_start(settings):
    with pytest.raises(ValueError, match="no payments backend"):
        make_payments(settings.replace(backends=Backends(payments="cash-drawer")))
