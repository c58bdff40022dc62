"""Payments: applies stored provider events to bookings and releases lapsed deposit holds.

Deposits are opened and refunded inside the booking engine's own transactions (through
``actors/payments``); what happens later, away from any conversation, happens here: a paid or
expired Checkout Session (events the gateway stored before answering Stripe) and holds whose
deadline passed with no event at all. Both run on a timer as well as on a nudge, so an event
stored while this actor was restarting is applied when it is back.
"""

from __future__ import annotations

from thespian.actors import WakeupMessage

from actors.messages import PaymentEventStored
from actors.payments.events import (
    apply_stored_events,
    open_unopened_deposits,
    release_lapsed_holds,
)
from actors.services.base import ServiceActor
from store.fields import utcnow

SWEEP_S = 10.0


class PaymentsActor(ServiceActor):
    def on_start(self) -> None:
        self.wakeupAfter(SWEEP_S)

    def receiveMsg_PaymentEventStored(self, message: PaymentEventStored, sender) -> None:
        if apply_stored_events(utcnow()):
            self.ring(None)

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender) -> None:
        now = utcnow()
        done = apply_stored_events(now) + open_unopened_deposits(now)
        if done + release_lapsed_holds(now):
            self.ring(None)
        self.wakeupAfter(SWEEP_S)
