"""Payments: show-up deposits (recorded locally, or Stripe) and refunds by policy."""

from __future__ import annotations

from actors.services.base import ServiceActor


class PaymentsActor(ServiceActor):
    """Deposit operations arrive with the booking engine."""
