"""Notifier: hands committed outbound texts to the SMS sender and records what became of them.

Texts are written as the sender's ``new_status`` in the same transaction as the conversation
turn that produced them, so the table is the queue: ``SendQueued`` asks for some ids to go
now, and a periodic sweep sends whatever is still ``queued`` (after a restart, or a burst the
actor could not keep up with). With the outbox sender nothing is ever queued.

The same sweep texts due reminders, call text-backs and waitlist offers
(``actors/reminders.py``). Its periodic jobs (that sweep, lapsed waitlist offers, lapsed send
attempts, retention) come from the service's housekeeping tick (``actors/housekeeping.py``).

A number the carrier blocks after STOP is recorded in the opt-out ledger. The carrier's own id
is stored so delivery-status webhooks can update the message.
"""

from __future__ import annotations

import logging

from actors.messages import Housekeep, SendQueued
from actors.reminders import send_due_reminders
from actors.services.base import ServiceActor
from actors.sms.senders import UNCERTAIN, Delivered, NotSent, OutboundText, make_sms_sender
from actors.waitlist import lapse_offers
from store.db import write
from store.events import record_event
from store.models import Message
from store.retention import apply_retention
from store.send_attempts import claim_sends, finish, give_up_on_unanswered, unclaimed_queued
from store.sms import set_opt_out

log = logging.getLogger("vrai.notifier")

BATCH = 50


class NotifierActor(ServiceActor):
    def on_start(self) -> None:
        self.sender = make_sms_sender(self.settings)
        self.jobs = {
            "due_texts": self._due_texts,
            "waitlist_offers": self._waitlist_offers,
            "unanswered_sends": self._unanswered,
            "retention": self._retention,
        }

    def receiveMsg_Housekeep(self, message: Housekeep, sender) -> None:
        job = self.jobs.get(message.job)
        if job is not None:
            job()

    def _waitlist_offers(self) -> None:
        if lapse_offers():
            self._due_texts()  # the lapsed slots' next offers go now, not a tick later

    def _unanswered(self) -> None:
        if give_up_on_unanswered():
            log.warning("texts whose send was cut off are marked uncertain, not resent")

    def _retention(self) -> None:
        changed = sum(apply_retention().values())
        if changed:
            log.info("retention: %d rows past their clinic's period redacted", changed)

    def receiveMsg_SendQueued(self, message: SendQueued, sender) -> None:
        self._send(list(message.message_ids))

    def _due_texts(self) -> None:
        if send_due_reminders(self.sender.new_status):
            self.ring(None)
        self._send(unclaimed_queued(BATCH))

    def _send(self, ids: list[int]) -> None:
        if not ids:
            return
        messages = claim_sends(ids)  # written before the request: never handed over twice
        if not messages:
            return
        texts = [
            OutboundText(m.id, m.thread.clinic.phone, m.thread.customer_phone, m.text)
            for m in messages
        ]
        for message, result in zip(messages, self.sender.send(texts), strict=True):
            self._record(message, result)

    def _record(self, message: Message, result: Delivered | NotSent) -> None:
        with write():
            if isinstance(result, Delivered):
                Message.update(status="sent", external_id=result.external_id).where(
                    Message.id == message.id
                ).execute()
                finish(message.id, "sent")
                return
            if result.final_status == UNCERTAIN:  # it may have gone: its webhook will say
                finish(message.id, UNCERTAIN)
                Message.update(error=result.reason).where(Message.id == message.id).execute()
                record_event(message.clinic_id, "message.uncertain", {"message_id": message.id})
                log.warning(
                    "text %s: the carrier's answer was lost (%s)", message.id, result.reason
                )
                return
            finish(message.id, result.final_status)
            Message.update(status=result.final_status, error=result.reason).where(
                Message.id == message.id
            ).execute()
            if result.blocked:
                set_opt_out(message.clinic_id, message.thread.customer_phone, True, "carrier")
        if result.final_status == "failed":
            log.warning("text %s not sent: %s", message.id, result.reason)
