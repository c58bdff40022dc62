"""Filling a freed slot from the waitlist: offer it to the first customer it suits, hold it
for them a few minutes, book it on their YES, pass it on after NO or silence.

Every step is a row, so a restart loses nothing: the cancel (or move, or lapsed deposit hold)
that frees a slot writes a ``slot_freed`` job in its own transaction; the notifier's sweep
claims it (``actors/reminders.py``) and makes at most one offer; the offer's hold makes the
slot busy to every other booking (``actors/booking/calendar_view.py``) and its ``slot_key``
is unique while it holds, so one slot is never offered to two customers at once. The
housekeeping tick lapses offers past their hold and passes the slot to the next in line; a
YES books through the booking engine's normal checkpoints (deposit included), with an
idempotency key made from the offer's id.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from actors.booking import engine
from actors.booking.calendar_view import load_calendar
from actors.brain import nlu
from actors.scheduling.availability import Availability
from actors.wording import sms as wording
from store.clinic_reads import PROVIDER
from store.db import write
from store.events import record_event
from store.fields import utcnow
from store.models import (
    Appointment,
    Clinic,
    Customer,
    Message,
    Reminder,
    WaitlistEntry,
    WaitlistOffer,
)
from store.sms import opted_out, record_message, thread_for
from store.waitlist import close_offer, fits, in_line

log = logging.getLogger("vrai.waitlist")

ANSWER_WITHIN = timedelta(days=1)  # a YES later than this is not about an old offer


def offer_key(offer_id: int) -> str:
    """The idempotency key of the booking an offer's YES makes."""
    return f"waitlist-offer-{offer_id}"


def offer_deadline(job: Reminder) -> datetime:
    """An offer made after this could not be taken up in time: the slot's start, less the
    clinic's notice."""
    start = datetime.fromisoformat(job.payload["start"])
    return start - timedelta(minutes=job.clinic.min_notice_min)


def offer_opening(job: Reminder, outbound_status: str, now: datetime) -> int | None:
    """Inside a transaction: offer the freed slot to the first waiting customer it suits;
    returns the offer text's message id. Sets the job's status."""
    clinic: Clinic = job.clinic
    provider_id = int(job.payload["provider_id"])
    start = datetime.fromisoformat(job.payload["start"])
    hold_until = min(now + timedelta(minutes=clinic.waitlist_hold_min), offer_deadline(job))
    if hold_until <= now:
        job.status = "skipped"  # too close to the visit to offer it
        return None
    tz = ZoneInfo(clinic.timezone)
    today = now.astimezone(tz).date()
    calendar = Availability(load_calendar(clinic, now))
    for entry in in_line(clinic.id, _offered_already(clinic.id, provider_id, start)):
        if entry.until_day < today:
            _lapse_entry(entry, now)
            continue
        phone = entry.customer.phone
        if not fits(entry, provider_id, start, tz) or opted_out(clinic.id, phone):
            continue
        check = calendar.check_slot(entry.service_id, start, now=now, provider_id=provider_id)
        if not check.ok or _busy_then(entry, check.slot):
            continue
        message_id = _make_offer(entry, check.slot, hold_until, outbound_status, now)
        job.status = "sent"
        job.payload = {**job.payload, "entry_id": entry.id, "message_id": message_id}
        return message_id
    job.status = "skipped"  # no one waiting wants it, or can have it
    return None


def _offered_already(clinic_id: int, provider_id: int, start: datetime) -> list[int]:
    """Entries this opening was offered to before: it passes on, never back."""
    return [
        o.entry_id
        for o in WaitlistOffer.select(WaitlistOffer.entry).where(
            (WaitlistOffer.clinic == clinic_id)
            & (WaitlistOffer.provider == provider_id)
            & (WaitlistOffer.start_at == start)
        )
    ]


def _busy_then(entry: WaitlistEntry, slot) -> bool:
    """The customer already has a visit overlapping the opening."""
    return (
        Appointment.select()
        .where(
            (Appointment.customer == entry.customer)
            & Appointment.status.in_(("booked", "pending_deposit"))
            & (Appointment.start_at < slot.end_utc)
            & (Appointment.end_at > slot.start_utc)
        )
        .exists()
    )


def _make_offer(
    entry: WaitlistEntry, slot, hold_until: datetime, outbound_status: str, now: datetime
) -> int:
    clinic = entry.clinic
    service = None if clinic.generic_reminders else entry.service.name
    provider = PROVIDER.first(id=slot.provider_id)
    body = wording.waitlist_offer(
        clinic.name,
        service,
        provider.name,
        slot.start,
        max(1, round((hold_until - now).total_seconds() / 60)),
        entry.service.deposit_cents,
    )
    message = record_message(
        thread_for(clinic.id, entry.customer.phone), "out", body, outbound_status
    )
    offer = WaitlistOffer.create(
        clinic=clinic.id,
        entry=entry,
        provider=slot.provider_id,
        resource=slot.resource_id,
        start_at=slot.start_utc,
        end_at=slot.end_utc,
        hold_until=hold_until,
        slot_key=f"{slot.provider_id}@{slot.start_utc.isoformat()}",
        message=message,
    )
    entry.status, entry.updated_at = "offered", now
    entry.save()
    record_event(
        clinic.id,
        "waitlist.offered",
        {"entry_id": entry.id, "offer_id": offer.id, "message_id": message.id},
    )
    return message.id


def _lapse_entry(entry: WaitlistEntry, now: datetime) -> None:
    entry.status, entry.updated_at = "expired", now
    entry.save()
    record_event(entry.clinic_id, "waitlist.expired", {"entry_id": entry.id})


def lapse_offers(now: datetime | None = None) -> int:
    """The housekeeping job: offers past their hold lapse and their slots pass on. An offer
    whose YES booked just before (the booking committed, the offer not yet marked) is
    recorded as taken, not passed on."""
    now = now or utcnow()
    lapsed = 0
    with write():
        due = WaitlistOffer.select().where(
            (WaitlistOffer.status == "holding") & (WaitlistOffer.hold_until <= now)
        )
        for offer in due:
            booked = Appointment.get_or_none(Appointment.idempotency_key == offer_key(offer.id))
            if booked is not None:
                _accepted(offer, booked, now)
                continue
            close_offer(offer, "expired", now, pass_on=True)
            lapsed += 1
    return lapsed


def _accepted(offer: WaitlistOffer, appointment: Appointment, now: datetime) -> None:
    offer.status, offer.slot_key, offer.answered_at = "accepted", None, now
    offer.appointment = appointment
    offer.save()
    entry = offer.entry
    entry.status, entry.appointment, entry.updated_at = "booked", appointment, now
    entry.save()
    record_event(
        offer.clinic_id,
        "waitlist.accepted",
        {"entry_id": entry.id, "offer_id": offer.id, "appointment_id": appointment.id},
    )


# ---------------------------------------------------------------------------- the answer


def _latest_offer(clinic_id: int, phone: str, now: datetime) -> WaitlistOffer | None:
    return (
        WaitlistOffer.select()
        .join(WaitlistEntry)
        .join(Customer)
        .where(
            (WaitlistOffer.clinic == clinic_id)
            & (Customer.phone == phone)
            & (WaitlistOffer.created_at > now - ANSWER_WITHIN)
        )
        .order_by(WaitlistOffer.id.desc())
        .first()
    )


def _last_said(offer: WaitlistOffer) -> bool:
    """The offer is the last text the clinic sent on the thread: a YES now answers it."""
    if offer.message_id is None:
        return False
    thread_id = Message.get_by_id(offer.message_id).thread_id
    last = (
        Message.select(Message.id)
        .where((Message.thread == thread_id) & (Message.direction == "out"))
        .order_by(Message.id.desc())
        .first()
    )
    return last is not None and last.id == offer.message_id


def answer_offer(clinic: Clinic, phone: str, text: str, now: datetime) -> list[str] | None:
    """A YES or NO to the waitlist offer just texted: the replies, or None when the text is
    not an answer to one (the conversation goes on as usual)."""
    answer = nlu.yes_no(text)
    if answer is None:
        return None
    offer = _latest_offer(clinic.id, phone, now)
    if offer is None or not _last_said(offer):
        return None
    entry = offer.entry
    service = entry.service.name
    if offer.status == "holding" and offer.hold_until <= now:
        with write():
            close_offer(offer, "expired", now, pass_on=True)
        offer = WaitlistOffer.get_by_id(offer.id)
    if offer.status != "holding":
        if answer == "no" or offer.status == "accepted":
            return None
        still = WaitlistEntry.get_by_id(entry.id).status == "waiting"
        return [wording.waitlist_offer_gone(service, still)]
    if answer == "no":
        with write():
            close_offer(offer, "declined", now, pass_on=True)
        return [wording.waitlist_passed(service)]
    return [_book(offer, entry, now)]


def _book(offer: WaitlistOffer, entry: WaitlistEntry, now: datetime) -> str:
    """The YES: book the held slot through every checkpoint; a refusal says why and passes
    the slot on."""
    request = engine.BookingRequest(
        clinic_id=offer.clinic_id,
        service=entry.service_id,
        start=offer.start_at,
        customer_phone=entry.customer.phone,
        customer_name=entry.customer.name,
        provider=offer.provider_id,
        source="sms",
        actor="sms",
        idempotency_key=offer_key(offer.id),
    )
    request.context["offer_id"] = offer.id
    try:
        result = engine.book(request, now)
    except engine.BookingError as refused:
        with write():
            close_offer(WaitlistOffer.get_by_id(offer.id), "withdrawn", now, pass_on=True)
        return refused.message
    appointment = Appointment.get_by_id(result["appointment"]["id"])
    with write():
        _accepted(WaitlistOffer.get_by_id(offer.id), appointment, now)
    tz = ZoneInfo(offer.clinic.timezone)
    return wording.booked(
        entry.service.name,
        result["appointment"]["provider"],
        wording.when_label(appointment.start_at.astimezone(tz)),
        result.get("deposit"),
    )
