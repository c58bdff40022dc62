"""Payments: applies stored provider events to bookings and releases lapsed deposit holds.

Deposits are opened and refunded inside the booking engine's own transactions (through
``actors/payments``); what happens later, away from any conversation, happens here: a paid or
expired Checkout Session (events the gateway stored before answering Stripe) and holds whose
deadline passed with no event at all. Both run on the service's housekeeping tick
(``actors/housekeeping.py``) as well as on a nudge, so an event stored while this actor was
restarting is applied when it is back.
"""

from __future__ import annotations

from actors.messages import Housekeep, PaymentEventStored
from actors.payments.events import (
    apply_stored_events,
    open_unopened_deposits,
    release_lapsed_holds,
)
from actors.services.base import ServiceActor
from store.fields import utcnow


class PaymentsActor(ServiceActor):
    def receiveMsg_PaymentEventStored(self, message: PaymentEventStored, sender) -> None:
        if apply_stored_events(utcnow()):
            self.ring(None)

    def receiveMsg_Housekeep(self, message: Housekeep, sender) -> None:
        if message.job != "deposits":
            return
        now = utcnow()
        done = apply_stored_events(now) + open_unopened_deposits(now)
        if done + release_lapsed_holds(now):
            self.ring(None)
