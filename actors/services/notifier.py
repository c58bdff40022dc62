"""Notifier: sends committed outbound texts through Telnyx's messaging API.

Texts are written as ``queued`` in the same transaction as the conversation turn that produced
them, so the table is the queue: ``SendQueued`` asks for some ids to go now, and a periodic
sweep sends whatever is still queued (after a restart, or a burst the actor could not keep up
with). Offline (no Telnyx key) texts are written as ``outbox`` and never reach this actor.

The same sweep texts due appointment reminders (``actors/reminders.py``).

Each send retries transient failures (network, 429, 5xx) with exponential backoff; a number
blocked by the carrier after STOP (Telnyx error 40300) is recorded in the opt-out ledger and
not retried. Telnyx's own id is stored so delivery-status webhooks can update the message.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from thespian.actors import WakeupMessage

from actors.messages import SendQueued
from actors.reminders import send_due_reminders
from actors.services.base import ServiceActor
from store.db import write
from store.models import Message
from store.sms import set_opt_out

log = logging.getLogger("vrai.notifier")

ATTEMPTS = 4
BACKOFF_S = 0.5
SWEEP_S = 5.0
BATCH = 50


class SendFailed(Exception):
    def __init__(self, reason: str, blocked: bool = False):
        super().__init__(reason)
        self.blocked = blocked


async def send_one(session: aiohttp.ClientSession, base: str, key: str, body: dict) -> str:
    """POST /v2/messages with retries; returns Telnyx's message id."""
    delay = BACKOFF_S
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with session.post(
                f"{base}/messages",
                json=body,
                headers={"Authorization": f"Bearer {key}"},
            ) as response:
                payload = await response.json(content_type=None)
                if response.status < 300:
                    return payload["data"]["id"]
                codes = {str(e.get("code")) for e in (payload or {}).get("errors", [])}
                if "40300" in codes:
                    raise SendFailed("blocked after STOP", blocked=True)
                if response.status != 429 and response.status < 500:
                    raise SendFailed(f"refused with HTTP {response.status}")
                reason = f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as error:
            reason = type(error).__name__
        if attempt < ATTEMPTS:
            await asyncio.sleep(delay)
            delay *= 2
    raise SendFailed(f"gave up after {ATTEMPTS} attempts ({reason})")


class NotifierActor(ServiceActor):
    def on_start(self) -> None:
        self.wakeupAfter(SWEEP_S)

    def receiveMsg_SendQueued(self, message: SendQueued, sender) -> None:
        self._send(list(message.message_ids))

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender) -> None:
        status = "outbox" if self.settings.embedded_telnyx else "queued"
        if send_due_reminders(status):
            self.ring(None)
        queued = (
            Message.select(Message.id)
            .where((Message.direction == "out") & (Message.status == "queued"))
            .order_by(Message.id)
            .limit(BATCH)
        )
        self._send([m.id for m in queued])
        self.wakeupAfter(SWEEP_S)

    def _send(self, ids: list[int]) -> None:
        if self.settings.embedded_telnyx or not ids:
            return
        messages = list(
            Message.select().where((Message.id.in_(ids)) & (Message.status == "queued"))
        )
        if messages:
            asyncio.run(self._send_all(messages))

    async def _send_all(self, messages: list[Message]) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            results = await asyncio.gather(
                *(self._deliver(session, m) for m in messages), return_exceptions=True
            )
        for message, result in zip(messages, results, strict=True):
            self._record(message, result)

    async def _deliver(self, session: aiohttp.ClientSession, message: Message) -> str:
        body = {
            "from": message.thread.clinic.phone,
            "to": message.thread.customer_phone,
            "text": message.text,
        }
        return await send_one(
            session, self.settings.telnyx_api_base, self.settings.telnyx_api_key, body
        )

    def _record(self, message: Message, result) -> None:
        with write():
            if isinstance(result, str):
                Message.update(status="sent", external_id=result).where(
                    Message.id == message.id
                ).execute()
                return
            reason = str(result) if isinstance(result, SendFailed) else "send error"
            Message.update(status="failed", error=reason).where(Message.id == message.id).execute()
            if isinstance(result, SendFailed) and result.blocked:
                set_opt_out(message.clinic_id, message.thread.customer_phone, True, "carrier")
        if not isinstance(result, str):
            log.warning("text %s not sent: %s", message.id, reason)
