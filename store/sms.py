"""SMS threads and messages: the durable record of every text in and out."""

from __future__ import annotations

from datetime import timedelta

from store.fields import utcnow
from store.models import Clinic, Message, OptOut, SmsThread


def clinic_by_number(phone: str) -> Clinic | None:
    return Clinic.get_or_none(Clinic.phone == phone)


def clinic_id_by_number(phone: str) -> int | None:
    """Just the id: building SQL for every column of a clinic cost three times as much, on
    every inbound text."""
    return Clinic.select(Clinic.id).where(Clinic.phone == phone).scalar()


def thread_for(clinic_id: int, customer_phone: str) -> SmsThread:
    """The thread of (clinic, customer); call inside ``write()``."""
    thread = SmsThread.get_or_none(
        (SmsThread.clinic == clinic_id) & (SmsThread.customer_phone == customer_phone)
    )
    if thread is None:
        thread = SmsThread.create(clinic=clinic_id, customer_phone=customer_phone)
    return thread


def record_message(thread: SmsThread, direction: str, text: str, status: str, external_id=None):
    """Store one message and touch its thread; call inside ``write()``."""
    message = Message.create(
        clinic=thread.clinic_id,
        thread=thread,
        direction=direction,
        text=text,
        status=status,
        external_id=external_id,
    )
    SmsThread.update(last_message_at=utcnow()).where(SmsThread.id == thread.id).execute()
    return message


def opted_out(clinic_id: int, phone: str) -> bool:
    return (
        OptOut.select()
        .where((OptOut.clinic == clinic_id) & (OptOut.phone == phone) & OptOut.active)
        .exists()
    )


def set_opt_out(clinic_id: int, phone: str, active: bool, keyword: str) -> None:
    """Record an opt-out or opt-in in the one ledger every channel reads; inside ``write()``."""
    updated = (
        OptOut.update(active=active, keyword=keyword, updated_at=utcnow())
        .where((OptOut.clinic == clinic_id) & (OptOut.phone == phone))
        .execute()
    )
    if not updated:
        OptOut.create(clinic=clinic_id, phone=phone, active=active, keyword=keyword)


def unhandled_inbound(older_than_s: float, limit: int = 100) -> list[Message]:
    """Inbound texts acknowledged but not handled for a while (for the recovery sweep)."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    return list(
        Message.select()
        .where(
            (Message.direction == "in")
            & (Message.status == "received")
            & (Message.created_at < cutoff)
        )
        .order_by(Message.id)
        .limit(limit)
    )


def message_dict(message: Message) -> dict:
    return {
        "id": message.id,
        "direction": message.direction,
        "text": message.text,
        "status": message.status,
        "created_at": message.created_at.isoformat(),
    }
