"""One contract, every PaymentsBackend: what the booking engine relies on."""

from __future__ import annotations

import pytest

from actors.payments import (
    PAYMENTS,
    DepositRequest,
    RefundRequest,
    current,
    make_payments,
    use,
)
from store.settings import Backends

DEPOSIT_STATUSES = {"waived", "pending", "paid"}
REFUND_STATUSES = {"recorded", "pending", "succeeded"}


@pytest.fixture(params=PAYMENTS)
def payments(request, settings):
    return make_payments(settings.replace(backends=Backends(payments=request.param)))


def test_opening_a_deposit_says_how_it_stands(payments):
    opened = payments.open_deposit(DepositRequest(1, 42, 5000, "usd"))
    assert opened.status in DEPOSIT_STATUSES
    assert (opened.checkout_url is None) == (opened.status != "pending")


def test_opening_the_same_deposit_twice_gives_the_same_answer(payments):
    request = DepositRequest(1, 42, 5000, "usd")
    assert payments.open_deposit(request) == payments.open_deposit(request)


def test_a_refund_says_how_it_stands(payments):
    done = payments.refund(RefundRequest(1, 7, 5000, "cancelled inside the refund window"))
    assert done.status in REFUND_STATUSES


@pytest.mark.parametrize("amount", [0, -100])
def test_a_deposit_or_refund_of_nothing_is_refused(payments, amount):
    with pytest.raises(ValueError):
        payments.open_deposit(DepositRequest(1, 42, amount, "usd"))
    with pytest.raises(ValueError):
        payments.refund(RefundRequest(1, 7, amount, "x"))


def test_a_process_uses_the_backend_it_was_set_up_with(settings):
    use(settings)
    assert current().name == settings.backends.payments


def test_an_unknown_backend_is_refused_at_start(settings):
    with pytest.raises(ValueError, match="no payments backend"):
        make_payments(settings.replace(backends=Backends(payments="cash-drawer")))
