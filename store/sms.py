"""SMS threads and messages: the durable record of every text in and out."""

from __future__ import annotations

from datetime import timedelta

from store.fields import utcnow
from store.models import Clinic, Message, OptOut, SmsThread
from store.prepared import Insert, Param, Select, Write

# Every inbound and outbound text runs these (see store/prepared.py).
_CLINIC_ID = Select(lambda: Clinic.select(Clinic.id).where(Clinic.phone == Param("phone")))
_THREAD = Select(
    lambda: (
        SmsThread.select()
        .where((SmsThread.clinic == Param("clinic")) & (SmsThread.customer_phone == Param("phone")))
        .limit(1)
    )
)
_NEW_THREAD = Insert(SmsThread)
_NEW_MESSAGE = Insert(Message)
_TOUCH_THREAD = Write(
    lambda: SmsThread.update(last_message_at=Param("at")).where(SmsThread.id == Param("id"))
)
_OPTED_OUT = Select(
    lambda: (
        OptOut.select(OptOut.id)
        .where(
            (OptOut.clinic == Param("clinic")) & (OptOut.phone == Param("phone")) & OptOut.active
        )
        .limit(1)
    )
)
_MESSAGE_STATUS = Write(
    lambda: Message.update(status=Param("status")).where(Message.id == Param("id"))
)


def clinic_by_number(phone: str) -> Clinic | None:
    return Clinic.get_or_none(Clinic.phone == phone)


def clinic_id_by_number(phone: str) -> int | None:
    """Just the id: building SQL for every column of a clinic cost three times as much, on
    every inbound text."""
    return _CLINIC_ID.scalar(phone=phone)


def thread_for(clinic_id: int, customer_phone: str) -> SmsThread:
    """The thread of (clinic, customer); call inside ``write()``."""
    thread = _THREAD.first(clinic=clinic_id, phone=customer_phone)
    if thread is None:
        thread = _NEW_THREAD.create(clinic=clinic_id, customer_phone=customer_phone)
    return thread


def record_message(thread: SmsThread, direction: str, text: str, status: str, external_id=None):
    """Store one message and touch its thread; call inside ``write()``."""
    message = _NEW_MESSAGE.create(
        clinic=thread.clinic_id,
        thread=thread,
        direction=direction,
        text=text,
        status=status,
        external_id=external_id,
    )
    _TOUCH_THREAD.run(at=utcnow(), id=thread.id)
    return message


def set_message_status(message_id: int, status: str) -> bool:
    """e.g. an inbound text is "handled" once its turn commits; call inside ``write()``."""
    return _MESSAGE_STATUS.run(status=status, id=message_id) == 1


def opted_out(clinic_id: int, phone: str) -> bool:
    return _OPTED_OUT.scalar(clinic=clinic_id, phone=phone) is not None


def opted_out_among(clinic_id: int, phones: list[str]) -> set[str]:
    """Which of ``phones`` are opted out here, in one query (for lists of threads or people)."""
    query = OptOut.select(OptOut.phone).where(
        (OptOut.clinic == clinic_id) & OptOut.active & OptOut.phone.in_(phones)
    )
    return {row.phone for row in query}


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
