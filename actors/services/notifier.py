"""Notifier: hands committed outbound texts to the SMS sender and records what became of them.

Texts are written as the sender's ``new_status`` in the same transaction as the conversation
turn that produced them, so the table is the queue: ``SendQueued`` asks for some ids to go
now, and a periodic sweep sends whatever is still ``queued`` (after a restart, or a burst the
actor could not keep up with). With the outbox sender nothing is ever queued.

The same sweep texts due reminders and call text-backs (``actors/reminders.py``), and runs
the slower housekeeping declared with ``schedule`` (retention, hourly).

A number the carrier blocks after STOP is recorded in the opt-out ledger. The carrier's own id
is stored so delivery-status webhooks can update the message.
"""

from __future__ import annotations

import logging

import schedule
from thespian.actors import WakeupMessage

from actors.messages import SendQueued
from actors.reminders import send_due_reminders
from actors.services.base import ServiceActor
from actors.sms.senders import Delivered, NotSent, OutboundText, make_sms_sender
from store.db import write
from store.models import Message
from store.retention import apply_retention
from store.sms import set_opt_out

log = logging.getLogger("vrai.notifier")

SWEEP_S = 5.0
BATCH = 50
RETENTION_EVERY_H = 1


class NotifierActor(ServiceActor):
    def on_start(self) -> None:
        self.sender = make_sms_sender(self.settings)
        self.housekeeping = schedule.Scheduler()
        self.housekeeping.every(RETENTION_EVERY_H).hours.do(self._retention)
        self._retention()  # a restart does not wait an hour for it
        self.wakeupAfter(SWEEP_S)

    def _retention(self) -> None:
        changed = sum(apply_retention().values())
        if changed:
            log.info("retention: %d rows past their clinic's period redacted", changed)

    def receiveMsg_SendQueued(self, message: SendQueued, sender) -> None:
        self._send(list(message.message_ids))

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender) -> None:
        if send_due_reminders(self.sender.new_status):
            self.ring(None)
        queued = (
            Message.select(Message.id)
            .where((Message.direction == "out") & (Message.status == "queued"))
            .order_by(Message.id)
            .limit(BATCH)
        )
        self._send([m.id for m in queued])
        self.housekeeping.run_pending()
        self.wakeupAfter(SWEEP_S)

    def _send(self, ids: list[int]) -> None:
        if not ids:
            return
        messages = list(
            Message.select().where((Message.id.in_(ids)) & (Message.status == "queued"))
        )
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
                return
            Message.update(status=result.final_status, error=result.reason).where(
                Message.id == message.id
            ).execute()
            if result.blocked:
                set_opt_out(message.clinic_id, message.thread.customer_phone, True, "carrier")
        if result.final_status == "failed":
            log.warning("text %s not sent: %s", message.id, result.reason)
