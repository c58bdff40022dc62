"""Exactly once to the carrier: a text is claimed, by writing its attempt, before the request.

A crash (kill -9) between the request and recording its answer leaves the attempt without an
outcome, and a text with an attempt is never handed over again, so a restart cannot text a
customer twice. What the carrier did with it is then learned from its delivery webhook, which
names the number and the words (``reconcile``), or left for staff as ``uncertain``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from peewee import JOIN

from store.db import write
from store.fields import utcnow
from store.models import Message, SendAttempt, SmsThread

UNANSWERED_AFTER = timedelta(minutes=2)  # an attempt still open then: its process died


def claim_sends(ids: list[int]) -> list[Message]:
    """The queued texts among ``ids`` that no one has handed over yet, each claimed now."""
    with write():
        messages = list(
            Message.select()
            .join(SendAttempt, join_type=JOIN.LEFT_OUTER, on=(SendAttempt.message == Message.id))
            .where(Message.id.in_(ids) & (Message.status == "queued") & SendAttempt.id.is_null())
        )
        for message in messages:
            SendAttempt.create(clinic=message.clinic_id, message=message)
    return messages


def unclaimed_queued(limit: int) -> list[int]:
    """Queued texts never handed over (the sweep sends these, and only these)."""
    rows = (
        Message.select(Message.id)
        .join(SendAttempt, join_type=JOIN.LEFT_OUTER, on=(SendAttempt.message == Message.id))
        .where(
            (Message.direction == "out") & (Message.status == "queued") & SendAttempt.id.is_null()
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return [m.id for m in rows]


def finish(message_id: int, outcome: str) -> None:
    """Inside the transaction that records the carrier's answer."""
    SendAttempt.update(outcome=outcome).where(SendAttempt.message == message_id).execute()


def give_up_on_unanswered(now: datetime | None = None) -> int:
    """Attempts whose process died mid-request are ``uncertain``: shown to staff, not resent."""
    cutoff = (now or utcnow()) - UNANSWERED_AFTER
    with write():
        return (
            SendAttempt.update(outcome="uncertain")
            .where(SendAttempt.outcome.is_null() & (SendAttempt.started_at < cutoff))
            .execute()
        )


def uncertain_ids(message_ids: list[int]) -> set[int]:
    rows = SendAttempt.select(SendAttempt.message).where(
        SendAttempt.message.in_(message_ids)
        & (SendAttempt.outcome.is_null() | (SendAttempt.outcome == "uncertain"))
    )
    return {row.message_id for row in rows}


def reconcile(
    clinic_phone: str, customer_phone: str, text: str, external_id: str, status: str
) -> bool:
    """Inside a transaction: a delivery webhook for a text we never heard back about (its id
    unknown to us) settles the oldest such text to that number with those words."""
    from store.models import Clinic

    match = (
        Message.select()
        .join(SmsThread)
        .switch(Message)
        .join(SendAttempt, on=(SendAttempt.message == Message.id))
        .join(Clinic, on=(Clinic.id == Message.clinic))
        .where(
            (Clinic.phone == clinic_phone)
            & (SmsThread.customer_phone == customer_phone)
            & (Message.text == text)
            & (Message.status == "queued")
            & (SendAttempt.outcome.is_null() | (SendAttempt.outcome == "uncertain"))
        )
        .order_by(Message.id)
        .first()
    )
    if match is None:
        return False
    Message.update(status=status, external_id=external_id).where(Message.id == match.id).execute()
    finish(match.id, "reconciled")
    return True
