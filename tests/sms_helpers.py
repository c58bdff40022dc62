"""Texting the gateway as Telnyx would: signed webhooks, and reading the replies back."""

from __future__ import annotations

import json
import time

from cli.simulate import message_received
from gateway.telnyx_signature import sign
from store.models import Message, SmsThread
from store.secrets import load_signing_key
from tests.helpers import http, wait_until

GLOW = "+15550100001"
ALIGN = "+15550100002"


def post_event(gateway, event: dict, timestamp: int | None = None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(event).encode()
    headers = sign(body, load_signing_key(gateway.settings.dev_signing_key_path), timestamp)
    return http("POST", gateway.url + "/webhooks/telnyx/sms", body, headers=headers)


def replies(clinic: str, customer: str, after_id: int = 0) -> list[str]:
    thread = SmsThread.get_or_none(SmsThread.customer_phone == customer)
    if thread is None:
        return []
    rows = Message.select().where(
        (Message.thread == thread) & (Message.direction == "out") & (Message.id > after_id)
    )
    return [m.text for m in rows.order_by(Message.id)]


def last_message_id() -> int:
    row = Message.select(Message.id).order_by(Message.id.desc()).first()
    return row.id if row else 0


def text(gateway, body: str, customer: str = "+15555550123", clinic: str = GLOW) -> list[str]:
    """Send one text and wait until its turn is handled; returns the replies it produced."""
    before = last_message_id()
    status, _, answer = post_event(gateway, message_received(clinic, customer, body))
    assert status == 200, answer
    inbound = Message.select().where((Message.id > before) & (Message.direction == "in")).first()
    wait_until(lambda: Message.get_by_id(inbound.id).status == "handled", timeout_s=20)
    return replies(clinic, customer, inbound.id)


def conversation(gateway, *lines: str, customer: str = "+15555550123", clinic: str = GLOW):
    """A scripted conversation: each line's replies, in order."""
    return [text(gateway, line, customer, clinic) for line in lines]


__all__ = ["conversation", "post_event", "replies", "text", "time"]
