"""The waitlist's rows: joining, leaving, reading, and who is next in line for an opening.

An entry is a wish (a service, a provider or any, a window of days and part of day); the
offers of freed slots made to it are ``actors/waitlist.py``'s. Every change audits and records
its dashboard event in the same transaction as itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from store.audit import audit
from store.customers import save_customer
from store.db import write
from store.edits import Conflict, Edited, Invalid, NotFound
from store.events import record_event
from store.fields import utcnow
from store.models import (
    PARTS_OF_DAY,
    Clinic,
    Customer,
    Provider,
    ProviderService,
    Reminder,
    Service,
    WaitlistEntry,
    WaitlistOffer,
)
from store.phones import e164

SLOT_FREED = "slot_freed"  # the reminder-table job that offers a freed slot (actors/waitlist.py)
DEFAULT_WINDOW_DAYS = 14  # "put me on the waitlist" with no window: the next two weeks
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Local hours each part of day covers, for matching an opening's start.
PART_HOURS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}


def join(
    clinic_id: int,
    phone: str,
    service_id: int,
    *,
    name: str | None = None,
    provider_id: int | None = None,
    weekdays: list[int] | tuple[int, ...] = (),
    part_of_day: str | None = None,
    from_day: date | None = None,
    until_day: date | None = None,
    source: str = "staff",
    actor: str = "staff",
    now: datetime | None = None,
) -> WaitlistEntry:
    """Add a customer to the waitlist; raises ``Invalid`` (nothing written) on a bad wish.
    A customer already waiting for the same service has that entry widened, not a second."""
    now = now or utcnow()
    clinic = Clinic.get_by_id(clinic_id)
    today = now.astimezone(ZoneInfo(clinic.timezone)).date()
    number = e164(phone)
    if number is None:
        raise Invalid("phone must be an E.164 number such as +15555550123")
    service = Service.get_or_none((Service.id == service_id) & (Service.clinic == clinic_id))
    if service is None or not service.active:
        raise Invalid(f"no service {service_id} at this clinic")
    if provider_id is not None:
        offers = (
            ProviderService.select()
            .join(Provider)
            .where(
                (ProviderService.provider == provider_id)
                & (ProviderService.service == service_id)
                & (Provider.clinic == clinic_id)
            )
        )
        if not offers.exists():
            raise Invalid(f"provider {provider_id} does not offer {service.name} here")
    days = sorted(set(weekdays))
    if any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in days):
        raise Invalid("weekdays are 0 (Monday) to 6 (Sunday)")
    if part_of_day is not None and part_of_day not in PARTS_OF_DAY:
        raise Invalid(f"part_of_day is one of {', '.join(PARTS_OF_DAY)}")
    first = max(from_day or today, today)
    last = until_day or first + timedelta(days=DEFAULT_WINDOW_DAYS)
    if last < first:
        raise Invalid("until_day is before the window starts")
    if last > today + timedelta(days=clinic.horizon_days):
        raise Invalid(f"the clinic books only {clinic.horizon_days} days ahead")
    with write():
        customer, _ = save_customer(clinic_id, number, name, None, actor)
        if not customer.name:
            raise Invalid("a new customer needs a name to join the waitlist")
        entry = WaitlistEntry.get_or_none(
            (WaitlistEntry.clinic == clinic_id)
            & (WaitlistEntry.customer == customer)
            & (WaitlistEntry.service == service)
            & WaitlistEntry.status.in_(("waiting", "offered"))
        )
        fields = dict(
            provider=provider_id,
            weekdays=days,
            part_of_day=part_of_day,
            from_day=first,
            until_day=last,
            updated_at=now,
        )
        if entry is None:
            entry = WaitlistEntry.create(
                clinic=clinic_id, customer=customer, service=service, source=source, **fields
            )
        else:
            WaitlistEntry.update(**fields).where(WaitlistEntry.id == entry.id).execute()
            entry = WaitlistEntry.get_by_id(entry.id)
        audit(clinic_id, actor, "waitlist.join", "waitlist_entry", entry.id)
        entry.joined_event = record_event(clinic_id, "waitlist.joined", {"entry_id": entry.id})
    return entry


def add_entry(clinic_id: int, actor: str, fields: dict) -> Edited:
    """Staff put a customer on the list (``POST /api/waitlist``)."""
    wish = dict(fields)
    entry = join(
        clinic_id,
        wish.pop("phone"),
        wish.pop("service_id"),
        weekdays=[WEEKDAYS.index(d) for d in wish.pop("weekdays", [])],
        source="staff",
        actor=actor,
        **wish,
    )
    return Edited(entry_view(entry), entry.joined_event)


def remove_entry(clinic_id: int, actor: str, entry_id: int) -> Edited:
    """Staff take a customer off the list (``DELETE /api/waitlist/{id}``)."""
    view, event = _remove(clinic_id, entry_id, actor, utcnow())
    if event is None:
        raise Conflict(f"that entry is already {view['status']}")
    return Edited(view, event)


def remove(clinic_id: int, entry_id: int, actor: str, now: datetime | None = None) -> dict:
    """Take an entry off the list; an offer it holds is withdrawn and its slot passed on."""
    return _remove(clinic_id, entry_id, actor, now or utcnow())[0]


def leave(clinic_id: int, phone: str, actor: str, now: datetime) -> list[tuple[str, object]]:
    """The customer asked off the list: every entry of theirs still waiting (or offered) is
    removed; returns (service name, event) for each."""
    number = e164(phone)
    mine = (
        WaitlistEntry.select()
        .join(Customer)
        .where(
            (WaitlistEntry.clinic == clinic_id)
            & (Customer.phone == number)
            & WaitlistEntry.status.in_(("waiting", "offered"))
        )
    )
    left = []
    for entry in list(mine):
        view, event = _remove(clinic_id, entry.id, actor, now)
        if event is not None:
            left.append((view["service"]["name"], event))
    return left


def _remove(clinic_id: int, entry_id: int, actor: str, now: datetime):
    event = None
    with write():
        entry = WaitlistEntry.get_or_none(
            (WaitlistEntry.id == entry_id) & (WaitlistEntry.clinic == clinic_id)
        )
        if entry is None:
            raise NotFound("no such waitlist entry")
        if entry.status in ("waiting", "offered"):
            withdraw_offers(entry, now)
            entry.status, entry.updated_at = "removed", now
            entry.save()
            audit(clinic_id, actor, "waitlist.remove", "waitlist_entry", entry.id)
            event = record_event(clinic_id, "waitlist.removed", {"entry_id": entry.id})
    return entry_view(WaitlistEntry.get_by_id(entry_id)), event


def entries(
    clinic_id: int, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[dict], int]:
    """The clinic's entries in the order they are offered openings (oldest first)."""
    query = WaitlistEntry.select().where(WaitlistEntry.clinic == clinic_id)
    if status is not None:
        query = query.where(WaitlistEntry.status == status)
    total = query.count()
    rows = query.order_by(WaitlistEntry.created_at, WaitlistEntry.id).limit(limit).offset(offset)
    return [entry_view(e) for e in rows], total


def entry(clinic_id: int, entry_id: int) -> dict:
    row = WaitlistEntry.get_or_none(
        (WaitlistEntry.id == entry_id) & (WaitlistEntry.clinic == clinic_id)
    )
    if row is None:
        raise NotFound("no such waitlist entry")
    return entry_view(row)


def entry_view(entry: WaitlistEntry) -> dict:
    customer: Customer = entry.customer
    tz = ZoneInfo(entry.clinic.timezone)
    offers = entry.offers.order_by(WaitlistOffer.id)
    return {
        "id": entry.id,
        "status": entry.status,
        "customer": {"id": customer.id, "name": customer.name, "phone": customer.phone},
        "service": {"id": entry.service_id, "name": entry.service.name},
        "provider": (
            {"id": entry.provider_id, "name": entry.provider.name} if entry.provider_id else None
        ),
        "weekdays": [WEEKDAYS[d] for d in entry.weekdays or []],
        "part_of_day": entry.part_of_day,
        "from_day": entry.from_day.isoformat(),
        "until_day": entry.until_day.isoformat(),
        "source": entry.source,
        "appointment_id": entry.appointment_id,
        "created_at": entry.created_at.isoformat(),
        "offers": [
            {
                "id": o.id,
                "status": o.status,
                "start": o.start_at.astimezone(tz).isoformat(),
                "provider": o.provider.name,
                "hold_until": o.hold_until.astimezone(tz).isoformat(),
                "appointment_id": o.appointment_id,
            }
            for o in offers
        ],
    }


def fits(entry: WaitlistEntry, provider_id: int, start: datetime, tz: ZoneInfo) -> bool:
    """Whether an opening at ``start`` with that provider is one the entry asked for (its
    window, days, part of day and provider; the calendar decides whether it is bookable)."""
    local = start.astimezone(tz)
    if not entry.from_day <= local.date() <= entry.until_day:
        return False
    if entry.weekdays and local.weekday() not in entry.weekdays:
        return False
    if entry.part_of_day:
        low, high = PART_HOURS[entry.part_of_day]
        if not low <= local.hour < high:
            return False
    return entry.provider_id in (None, provider_id)


def in_line(clinic_id: int, passed: list[int]) -> list[WaitlistEntry]:
    """Waiting entries, first come first served, leaving out those this opening passed."""
    query = WaitlistEntry.select().where(
        (WaitlistEntry.clinic == clinic_id) & (WaitlistEntry.status == "waiting")
    )
    if passed:
        query = query.where(WaitlistEntry.id.not_in(passed))
    return list(query.order_by(WaitlistEntry.created_at, WaitlistEntry.id))


def anyone_waiting(clinic_id: int) -> bool:
    return (
        WaitlistEntry.select()
        .where((WaitlistEntry.clinic == clinic_id) & (WaitlistEntry.status == "waiting"))
        .exists()
    )


def slot_freed(
    clinic_id: int, provider_id: int, start: datetime, end: datetime, now: datetime
) -> None:
    """Inside the transaction that freed the slot: queue its offer, if anyone is waiting."""
    if start <= now or not anyone_waiting(clinic_id):
        return
    Reminder.create(
        clinic=clinic_id,
        kind=SLOT_FREED,
        due_at=now,
        payload={"provider_id": provider_id, "start": start.isoformat(), "end": end.isoformat()},
    )


def close_offer(offer: WaitlistOffer, status: str, now: datetime, pass_on: bool) -> None:
    """Inside a transaction: the offer ends; its entry waits again; the slot goes to the next."""
    offer.status, offer.slot_key, offer.answered_at = status, None, now
    offer.save()
    entry = offer.entry
    if entry.status == "offered":
        entry.status, entry.updated_at = "waiting", now
        entry.save()
    record_event(
        offer.clinic_id, f"waitlist.{status}", {"entry_id": entry.id, "offer_id": offer.id}
    )
    if pass_on:
        slot_freed(offer.clinic_id, offer.provider_id, offer.start_at, offer.end_at, now)


def withdraw_offers(entry: WaitlistEntry, now: datetime) -> None:
    """Inside a transaction: the entry leaves the list; what it holds goes to the next."""
    for offer in entry.offers.where(WaitlistOffer.status == "holding"):
        close_offer(offer, "withdrawn", now, pass_on=True)
