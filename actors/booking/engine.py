"""The booking state machine: every checkpoint (docs/ARCHITECTURE.md, "Booking"), then one write.

A request passes ``BOOKING_CHECKPOINTS`` top to bottom; the first that fails answers with its
own code and a friendly message (and, for time problems, the nearest alternatives). The final
write happens in one immediate transaction that re-reads the calendar and re-checks the slot,
so of N concurrent attempts at one slot exactly one wins and the others get alternatives. Every
change writes an audit row and a dashboard event in the same transaction; a retried request
with the same idempotency key returns the first result and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from actors.booking import policy
from actors.booking.calendar_view import load_calendar
from actors.booking.catalog import find_provider, find_service
from actors.booking.reasons import why_not
from actors.calendar.sync import queue_sync
from actors.messages import tool_error, tool_ok
from actors.payments import PaymentFailed
from actors.reminder_plan import cancel_pending_reminders, plan_no_show, plan_reminders
from actors.scheduling.availability import Availability, Slot
from actors.scheduling.offers import back_to_back, first_offers, offers_around, spread
from actors.wording import booking as words
from store.clinic_reads import CLINIC, PROVIDER
from store.customers import save_customer
from store.db import is_sqlite, write
from store.events import record_event
from store.fields import utcnow
from store.models import (
    Appointment,
    AuditLog,
    Clinic,
    Customer,
    Provider,
    ProviderService,
    Service,
)
from store.phones import e164
from store.waitlist import slot_freed

log = logging.getLogger("vrai.booking")


class BookingError(Exception):
    """A checkpoint failed: ``code`` is stable, ``message`` is fit to tell the customer."""

    def __init__(self, code: str, message: str, alternatives=(), options=()):
        super().__init__(message)
        self.code, self.message = code, message
        self.alternatives = list(alternatives)
        self.options = list(options)

    def as_result(self) -> dict:
        extra = {}
        if self.alternatives:
            extra["alternatives"] = self.alternatives
        if self.options:
            extra["options"] = self.options
        return tool_error(self.code, self.message, **extra)


@dataclass
class BookingRequest:
    clinic_id: int
    service: str | int
    start: datetime | str
    customer_phone: str
    customer_name: str | None = None
    provider: str | int | None = None
    source: str = "staff"
    actor: str = "staff"
    idempotency_key: str | None = None
    notes: str = ""
    # resolved by the checkpoints
    clinic: Clinic | None = None
    service_row: object = None
    provider_row: object = None
    start_at: datetime | None = None
    customer: Customer | None = None
    exclude_appointment: int | None = None
    context: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------- checkpoints


def _clinic(req: BookingRequest, now: datetime) -> None:
    req.clinic = CLINIC.first(id=req.clinic_id)
    if req.clinic is None:
        raise BookingError("not_found", words.UNKNOWN_CLINIC)


def _service_known(req: BookingRequest, now: datetime) -> None:
    matches = find_service(req.clinic, req.service)
    if not matches:
        offered = Service.select().where((Service.clinic == req.clinic) & Service.active)
        raise BookingError("service_unknown", words.service_unknown(s.name for s in offered))
    if len(matches) > 1:
        raise BookingError(
            "service_ambiguous",
            words.which_service(s.name for s in matches),
            options=[s.name for s in matches],
        )
    req.service_row = matches[0]


def _provider_offers(req: BookingRequest, now: datetime) -> None:
    if req.provider in (None, "", "any"):
        return
    provider = find_provider(req.clinic, req.provider)
    if provider is None:
        ours = Provider.select().where(Provider.clinic == req.clinic)
        raise BookingError("provider_unknown", words.provider_unknown(p.name for p in ours))
    offers = ProviderService.select().where(
        (ProviderService.provider == provider) & (ProviderService.service == req.service_row)
    )
    if not offers.exists():
        raise BookingError(
            "provider_does_not_offer_service",
            words.provider_does_not_do(provider.name, req.service_row.name),
        )
    req.provider_row = provider


def resolve_wish(clinic_id: int, service: str | int, provider: str | int | None) -> BookingRequest:
    """The service and provider a customer named, checked as a booking checks them (raises
    ``BookingError``): for a wish with no time yet, such as joining the waitlist."""
    req = BookingRequest(clinic_id, service, "", "", provider=provider)
    for checkpoint in (_clinic, _service_known, _provider_offers):
        checkpoint(req, utcnow())
    return req


def _time_understood(req: BookingRequest, now: datetime) -> None:
    start = req.start
    if isinstance(start, str):
        try:
            start = datetime.fromisoformat(start)
        except ValueError:
            raise BookingError("invalid_time", words.UNREADABLE_TIME) from None
    if start.tzinfo is None:  # a wall-clock time is read in the clinic's zone
        start = start.replace(tzinfo=ZoneInfo(req.clinic.timezone))
    req.start_at = start


def _slot_bookable(req: BookingRequest, now: datetime) -> None:
    """In the past, too soon, beyond the horizon, closed, out of hours, taken, capped."""
    fresh = req.context.get("fresh", False)  # a booking's last look before its write
    calendar = load_calendar(
        req.clinic, now, req.exclude_appointment, fresh, req.context.get("offer_id")
    )
    availability = Availability(calendar)
    provider_id = req.provider_row.id if req.provider_row else None
    check = availability.check_slot(
        req.service_row.id, req.start_at, now=now, provider_id=provider_id
    )
    if not check.ok:
        start = req.start_at.astimezone(ZoneInfo(req.clinic.timezone))
        nearest = offers_around(
            availability, req.service_row.id, start, 3, now=now, provider_id=provider_id
        )
        raise BookingError(
            check.reason.value,
            _why_not(req, availability, check.reason, start),
            alternatives=[slot_dict(s, req.clinic) for s in nearest],
        )
    req.context["slot"] = check.slot


def _phone_valid(req: BookingRequest, now: datetime) -> None:
    if e164(req.customer_phone) is None or not req.customer_phone.startswith("+"):
        raise BookingError("phone_invalid", words.BAD_PHONE)


def _customer_known(req: BookingRequest, now: datetime) -> None:
    """A returning customer is recognised by phone; a new one must give a name."""
    req.customer = Customer.get_or_none(
        (Customer.clinic == req.clinic) & (Customer.phone == req.customer_phone)
    )
    known_name = req.customer.name if req.customer else None
    if not (req.customer_name or known_name):
        raise BookingError("name_required", words.NAME_NEEDED)


def _no_overlap(req: BookingRequest, now: datetime) -> None:
    if req.customer is None:
        return
    slot = req.context["slot"]
    clash = Appointment.select().where(
        (Appointment.customer == req.customer)
        & (Appointment.status.in_(("booked", "pending_deposit")))
        & (Appointment.start_at < slot.end_utc)
        & (Appointment.end_at > slot.start_utc)
    )
    if req.exclude_appointment is not None:
        clash = clash.where(Appointment.id != req.exclude_appointment)
    if clash.exists():
        raise BookingError("customer_overlap", words.OVERLAP)


BOOKING_CHECKPOINTS: list[tuple[str, Callable[[BookingRequest, datetime], None]]] = [
    ("clinic exists", _clinic),
    ("service known and offered", _service_known),
    ("provider, if asked for, offers it", _provider_offers),
    ("date and time understood in the clinic's time zone", _time_understood),
    ("phone valid (E.164)", _phone_valid),
    ("not past, notice, horizon, open, in hours, fits, free, capped", _slot_bookable),
    ("returning customer recognised, name captured", _customer_known),
    ("customer has no overlapping appointment", _no_overlap),
]


def run_checkpoints(req: BookingRequest, now: datetime) -> None:
    for _name, check in BOOKING_CHECKPOINTS:
        check(req, now)


# ---------------------------------------------------------------------------- operations


def book(req: BookingRequest, now: datetime | None = None) -> dict:
    """Run every checkpoint, then write atomically. Returns the tool-shaped result."""
    now = now or utcnow()
    if req.idempotency_key:
        done = Appointment.get_or_none(Appointment.idempotency_key == req.idempotency_key)
        if done is not None:
            return booked_result(done)
    req.context["fresh"] = True  # providers' own calendars asked anew, outside the lock
    run_checkpoints(req, now)  # cheap, outside the lock: most failures end here
    req.context["fresh"] = False  # inside it, the answer just fetched
    with write():
        _lock_clinic(req.clinic_id)
        if req.idempotency_key:
            done = Appointment.get_or_none(Appointment.idempotency_key == req.idempotency_key)
            if done is not None:
                return booked_result(done)
        _slot_bookable(req, now)  # again, inside the write lock: the race is decided here
        _no_overlap(req, now)
        customer, _ = save_customer(
            req.clinic.id, req.customer_phone, req.customer_name, None, req.actor
        )
        slot: Slot = req.context["slot"]
        deposit_cents = req.service_row.deposit_cents
        appointment = Appointment.create(
            clinic=req.clinic,
            customer=customer,
            service=req.service_row,
            provider=slot.provider_id,
            resource=slot.resource_id,
            start_at=slot.start_utc,
            end_at=slot.end_utc,
            status="booked",
            source=req.source,
            idempotency_key=req.idempotency_key,
            notes=req.notes,
        )
        deposit = None
        if deposit_cents:
            deposit = policy.record_deposit(appointment, deposit_cents, req.clinic.currency, now)
        plan_reminders(appointment, now, new_booking=True)
        queue_sync(appointment, now)
        _audit(appointment, req.actor, "appointment.book", {"start": slot.start.isoformat()})
        record_event(req.clinic.id, "appointment.booked", {"appointment_id": appointment.id})
    if deposit is not None and deposit.status == "pending":
        try:
            policy.open_held_deposit(deposit.id, text_link=req.source != "sms")
        except PaymentFailed as failed:  # the hold is dropped: nothing was booked
            raise BookingError(
                "deposit_unavailable" if failed.category.retryable else "deposit_refused",
                words.DEPOSIT_UNAVAILABLE if failed.category.retryable else str(failed),
            ) from failed
    return booked_result(appointment)


def reschedule(
    clinic_id: int,
    appointment_id: int,
    new_start: datetime | str,
    actor: str,
    provider: str | int | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> dict:
    now = now or utcnow()
    appointment = _appointment(clinic_id, appointment_id)
    if appointment.status not in ("booked", "pending_deposit"):
        raise BookingError("not_found", words.NOT_ACTIVE)
    if idempotency_key and _already_done(idempotency_key):
        return booked_result(Appointment.get_by_id(appointment_id))
    req = BookingRequest(
        clinic_id=clinic_id,
        service=appointment.service_id,
        start=new_start,
        customer_phone=appointment.customer.phone,
        customer_name=appointment.customer.name,
        provider=provider if provider is not None else appointment.provider_id,
        actor=actor,
        exclude_appointment=appointment.id,
    )
    run_checkpoints(req, now)
    with write():
        _lock_clinic(clinic_id)
        _slot_bookable(req, now)
        _no_overlap(req, now)
        slot: Slot = req.context["slot"]
        old = appointment.start_at
        freed = (appointment.provider_id, appointment.start_at, appointment.end_at)
        appointment.start_at, appointment.end_at = slot.start_utc, slot.end_utc
        appointment.provider = slot.provider_id
        appointment.resource = slot.resource_id
        appointment.updated_at = utcnow()
        appointment.version += 1
        appointment.save()
        cancel_pending_reminders(appointment)
        plan_reminders(appointment, now, new_booking=False)
        _audit(
            appointment,
            actor,
            "appointment.reschedule",
            {"from": old.isoformat(), "to": slot.start_utc.isoformat()},
        )
        if idempotency_key:
            _mark_done(idempotency_key, clinic_id, appointment.id)
        queue_sync(appointment, now)
        slot_freed(clinic_id, *freed, now)  # the old time may suit someone on the waitlist
        record_event(clinic_id, "appointment.moved", {"appointment_id": appointment.id})
    return booked_result(appointment)


def cancel(
    clinic_id: int,
    appointment_id: int,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
) -> dict:
    """Soft cancel with reason and actor; the deposit is refunded or kept by policy."""
    now = now or utcnow()
    with write():
        appointment = _appointment(clinic_id, appointment_id)
        if appointment.status == "cancelled":  # a retried cancel changes nothing
            return cancelled_result(appointment, policy.deposit_outcome(appointment))
        if appointment.status not in ("booked", "pending_deposit"):
            raise BookingError("not_found", words.NOT_ACTIVE)
        policy.mark_cancelled(appointment, reason, actor, now)
        try:
            outcome = policy.settle_deposit_on_cancel(appointment, now)
        except PaymentFailed as failed:  # not cancelled either: no refund is half-made
            raise BookingError(
                "deposit_unavailable" if failed.category.retryable else "deposit_refused",
                words.REFUND_UNAVAILABLE if failed.category.retryable else str(failed),
            ) from failed
        _audit(appointment, actor, "appointment.cancel", {"reason": reason, "deposit": outcome})
        record_event(
            clinic_id,
            "appointment.cancelled",
            {"appointment_id": appointment.id, "deposit": outcome},
        )
    return cancelled_result(appointment, outcome)


def upcoming_for(clinic_id: int, phone: str, now: datetime | None = None) -> list[Appointment]:
    now = now or utcnow()
    return list(
        Appointment.select()
        .join(Customer)
        .where(
            (Appointment.clinic == clinic_id)
            & (Customer.phone == phone)
            & (Appointment.status.in_(("booked", "pending_deposit")))
            & (Appointment.end_at > now)
        )
        .order_by(Appointment.start_at)
    )


def availability(
    clinic_id: int,
    service: str | int,
    now: datetime | None = None,
    provider: str | int | None = None,
    day=None,
    part_of_day=None,
    near: datetime | None = None,
    limit: int = 3,
    party: int = 1,
) -> dict:
    now = now or utcnow()
    req = BookingRequest(clinic_id, service, now, "+10000000000", provider=provider)
    _clinic(req, now)
    _service_known(req, now)
    _provider_offers(req, now)
    calendar = Availability(load_calendar(req.clinic, now))
    provider_id = req.provider_row.id if req.provider_row else None
    service_id, extra = req.service_row.id, {}
    if near is not None:
        near = near.astimezone(ZoneInfo(req.clinic.timezone))
    if party > 1:
        return _party_availability(req, calendar, party, now, day, part_of_day, near, limit)
    if near is not None:
        check = calendar.check_slot(service_id, near, now=now, provider_id=provider_id)
        slots = offers_around(
            calendar,
            service_id,
            near,
            limit,
            now=now,
            provider_id=provider_id,
            part_of_day=part_of_day,
        )
        if check.ok:  # the asked-for time leads, the nearest others follow
            slots = [check.slot, *(s for s in slots if s.start != near)][:limit]
            extra["exact"] = True
        else:
            extra.update(
                exact=False,
                reason=check.reason.value,
                message=_why_not(req, calendar, check.reason, near),
            )
    else:
        slots = first_offers(
            calendar,
            service_id,
            limit,
            now=now,
            provider_id=provider_id,
            day=day,
            part_of_day=part_of_day,
        )
    slots_out = [slot_dict(s, req.clinic) for s in slots]
    return tool_ok(service=req.service_row.name, slots=slots_out, **extra)


def _party_availability(req, calendar, people, now, day, part_of_day, near, limit) -> dict:
    """Back-to-back times for several people on the asked day (or the nearest day after it
    that has any), each a list of slots; ``exact`` when the first starts at ``near``."""
    provider_id = req.provider_row.id if req.provider_row else None
    target = near.date() if near is not None else day
    days = [target + timedelta(days=k) for k in range(15)] if target else [None]
    groups: list[list[Slot]] = []
    for local_day in days:
        firsts = calendar.next_slots(
            req.service_row.id,
            now=now,
            provider_id=provider_id,
            day=local_day,
            part_of_day=part_of_day if local_day == target else None,
            limit=None if local_day else 60,
        )
        found = back_to_back(calendar, firsts, people, now=now, provider_id=provider_id)
        if found:
            keyed = {(g[0].start_utc, g[0].provider_id): g for g in found}
            picked = spread(
                [g[0] for g in found], limit, near=near if local_day == target else None
            )
            groups = [keyed[(f.start_utc, f.provider_id)] for f in picked]
            break
    exact = near is not None and any(g[0].start == near for g in groups)
    if exact:
        groups.sort(key=lambda g: g[0].start != near)
    slots = []
    for group in groups:
        first = slot_dict(group[0], req.clinic)
        slots.append({**first, "group": [slot_dict(s, req.clinic) for s in group]})
    extra = {"exact": exact} if near is not None else {}
    if near is not None and not exact:
        check = calendar.check_slot(req.service_row.id, near, now=now, provider_id=provider_id)
        if not check.ok:
            extra.update(
                reason=check.reason.value, message=_why_not(req, calendar, check.reason, near)
            )
    return tool_ok(service=req.service_row.name, slots=slots, **extra)


def provider_hours(
    clinic_id: int, provider: str | int, now: datetime | None = None, day=None, days: int = 7
) -> dict:
    """When a provider is in: on ``day``, or over the next ``days`` days (time off and clinic
    closures taken out), as {"provider", "days": [{"date", "weekday", "hours": [[a, b]]}]}."""
    now = now or utcnow()
    req = BookingRequest(clinic_id, "", now, "+10000000000", provider=provider)
    _clinic(req, now)
    found = find_provider(req.clinic, provider)
    if found is None:
        ours = Provider.select().where(Provider.clinic == req.clinic)
        raise BookingError("provider_unknown", words.provider_unknown(p.name for p in ours))
    calendar = Availability(load_calendar(req.clinic, now))
    today = now.astimezone(ZoneInfo(req.clinic.timezone)).date()
    wanted = [day] if day is not None else [today + timedelta(days=k) for k in range(days)]
    listed = []
    for local_day in wanted:
        hours = calendar.working_on(local_day, found.id)
        listed.append(
            {
                "date": local_day.isoformat(),
                "weekday": f"{local_day:%A}",
                "hours": [[words.hhmm(a), words.hhmm(b)] for a, b in hours],
            }
        )
    return tool_ok(provider=found.name, days=listed)


# ---------------------------------------------------------------------------- helpers


def _why_not(req: BookingRequest, calendar: Availability, reason, start: datetime) -> str:
    provider = req.provider_row
    return why_not(
        calendar,
        reason,
        start.astimezone(ZoneInfo(req.clinic.timezone)),
        req.service_row.name,
        req.service_row.duration_min,
        provider.id if provider else None,
        provider.name if provider else None,
    )


def _lock_clinic(clinic_id: int) -> None:
    """SQLite's BEGIN IMMEDIATE already serialises writers; Postgres locks the clinic row."""
    if not is_sqlite():
        Clinic.select().where(Clinic.id == clinic_id).for_update().execute()


def _appointment(clinic_id: int, appointment_id: int) -> Appointment:
    appointment = Appointment.get_or_none(
        (Appointment.id == appointment_id) & (Appointment.clinic == clinic_id)
    )
    if appointment is None:
        raise BookingError("not_found", words.APPOINTMENT_NOT_FOUND)
    return appointment


def _already_done(key: str) -> bool:
    return (
        AuditLog.select()
        .where((AuditLog.action == "idempotency") & (AuditLog.entity_id == key))
        .exists()
    )


def _mark_done(key: str, clinic_id: int, appointment_id: int) -> None:
    AuditLog.create(
        clinic=clinic_id,
        actor="system",
        action="idempotency",
        entity="key",
        entity_id=key,
        data={"appointment_id": appointment_id},
    )


def _audit(appointment: Appointment, actor: str, action: str, data: dict) -> None:
    AuditLog.create(
        clinic=appointment.clinic_id,
        actor=actor,
        action=action,
        entity="appointment",
        entity_id=str(appointment.id),
        data=data,
    )


def label(start: datetime, provider_name: str, tz: str) -> str:
    local = start.astimezone(ZoneInfo(tz))
    return (
        f"{local:%a %b} {local.day}, {local:%I:%M %p}".replace(" 0", " ") + f" with {provider_name}"
    )


def slot_dict(slot: Slot, clinic: Clinic) -> dict:
    provider = PROVIDER.first(id=slot.provider_id)
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "provider": provider.name,
        "label": label(slot.start, provider.name, clinic.timezone),
    }


def appointment_dict(appointment: Appointment) -> dict:
    tz = ZoneInfo(appointment.clinic.timezone)
    return {
        "id": appointment.id,
        "service": appointment.service.name,
        "provider": appointment.provider.name,
        "start": appointment.start_at.astimezone(tz).isoformat(),
        "end": appointment.end_at.astimezone(tz).isoformat(),
        "status": appointment.status,
        "label": label(
            appointment.start_at, appointment.provider.name, appointment.clinic.timezone
        ),
        "customer": {"name": appointment.customer.name, "phone": appointment.customer.phone},
    }


def mark_no_show(clinic_id: int, appointment_id: int, actor: str, now=None) -> dict:
    """A booked visit the customer missed: a no-show, its paid deposit kept by policy."""
    now = now or utcnow()
    with write():
        appointment = _appointment(clinic_id, appointment_id)
        if appointment.status != "no_show":
            if appointment.status != "booked":
                raise BookingError("invalid", words.NOT_ACTIVE)
            appointment.status = "no_show"
            appointment.updated_at = now
            appointment.version += 1
            appointment.save()
            policy.keep_deposit(appointment)
            plan_no_show(appointment, now)
            queue_sync(appointment, now)
            _audit(appointment, actor, "appointment.no_show", {})
            record_event(clinic_id, "appointment.no_show", {"appointment_id": appointment.id})
    return booked_result(appointment)


def refund_by_hand(
    clinic_id: int, appointment_id: int, actor: str, amount_cents: int | None = None
) -> dict:
    """Staff refund a paid (or kept) deposit: what is left of it, or a part."""
    with write():
        appointment = _appointment(clinic_id, appointment_id)
        try:
            refunded = policy.refund_by_hand(appointment, amount_cents)
        except PaymentFailed as failed:
            code = "deposit_unavailable" if failed.category.retryable else "deposit_refused"
            raise BookingError(code, str(failed)) from failed
        except ValueError as error:
            raise BookingError("invalid", str(error)) from None
        _audit(appointment, actor, "deposit.refund", {"amount_cents": refunded})
        record_event(
            clinic_id, "deposit.refunded", {"appointment_id": appointment.id, "amount": refunded}
        )
    return booked_result(appointment)


def booked_result(appointment: Appointment) -> dict:
    appointment = Appointment.get_by_id(appointment.id)
    return tool_ok(
        appointment=appointment_dict(appointment), deposit=policy.deposit_summary(appointment)
    )


def cancelled_result(appointment: Appointment, outcome: str) -> dict:
    return tool_ok(appointment=appointment_dict(appointment), deposit=outcome)
