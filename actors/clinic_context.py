"""What a brain is told about a clinic and a customer, built from the database."""

from __future__ import annotations

from actors.brain.base import ClinicInfo, CustomerInfo, ProviderInfo, ServiceInfo
from store.clinic_reads import ACTIVE_PROVIDERS, ACTIVE_SERVICES, OFFERS, OPENING_HOURS
from store.customers import find_customer
from store.models import (
    Clinic,
)
from store.providers import nickname_list

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clock(hhmm: str) -> str:
    hour, minute = (int(x) for x in hhmm.split(":"))
    suffix = "AM" if hour < 12 else "PM"
    hour = hour % 12 or 12
    return f"{hour}:{minute:02d} {suffix}" if minute else f"{hour} {suffix}"


def hours_text(clinic: Clinic) -> str:
    """e.g. "Tue-Sat 9 AM-6 PM; closed Sun, Mon" from the clinic's opening hours."""
    by_day: dict[int, list[str]] = {}
    for h in OPENING_HOURS.rows(clinic=clinic):
        by_day.setdefault(h.weekday, []).append(f"{_clock(h.start)}-{_clock(h.end)}")
    groups: list[tuple[int, int, str]] = []
    for day in range(7):
        if day not in by_day:
            continue
        span = ", ".join(by_day[day])
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == span:
            groups[-1] = (groups[-1][0], day, span)
        else:
            groups.append((day, day, span))
    parts = [
        f"{DAYS[a]}-{DAYS[b]} {span}" if a != b else f"{DAYS[a]} {span}" for a, b, span in groups
    ]
    closed = [DAYS[d] for d in range(7) if d not in by_day]
    return "; ".join(parts) + (f"; closed {', '.join(closed)}" if closed else "")


def clinic_info(clinic: Clinic) -> ClinicInfo:
    offers: dict[int, list[int]] = {}
    for link in OFFERS.rows(clinic=clinic):
        offers.setdefault(link.provider_id, []).append(link.service_id)
    return ClinicInfo(
        id=clinic.id,
        name=clinic.name,
        phone=clinic.phone,
        timezone=clinic.timezone,
        staff_phone=clinic.staff_phone,
        address=clinic.address,
        services=tuple(
            ServiceInfo(
                id=s.id,
                name=s.name,
                duration_min=s.duration_min,
                price_cents=s.price_cents,
                deposit_cents=s.deposit_cents,
                synonyms=tuple(x.strip() for x in s.synonyms.split(",") if x.strip()),
                description=s.description,
            )
            for s in ACTIVE_SERVICES.rows(clinic=clinic)
        ),
        providers=tuple(
            ProviderInfo(
                id=p.id,
                name=p.name,
                service_ids=tuple(sorted(offers.get(p.id, ()))),
                nicknames=tuple(nickname_list(p.nicknames)),
            )
            for p in ACTIVE_PROVIDERS.rows(clinic=clinic)
        ),
        hours_text=hours_text(clinic),
        instructions=clinic.instructions,
    )


def customer_info(clinic_id: int, phone: str) -> CustomerInfo:
    customer = find_customer(clinic_id, phone)
    return CustomerInfo(
        phone=phone,
        name=customer.name if customer else None,
        returning=customer is not None,
    )


def open_now(clinic: Clinic, now) -> bool:
    """Whether the clinic is open at ``now`` (aware): its opening hours that weekday, and no
    clinic-wide closure (a holiday) covering the moment."""
    from zoneinfo import ZoneInfo

    from store.models import Closure

    local = now.astimezone(ZoneInfo(clinic.timezone))
    clock = local.strftime("%H:%M")
    hours = [h for h in OPENING_HOURS.rows(clinic=clinic) if h.weekday == local.weekday()]
    if not any(h.start <= clock < (h.end if h.end != "00:00" else "24:00") for h in hours):
        return False
    closed = Closure.select().where(
        (Closure.clinic == clinic.id),
        Closure.provider.is_null(),
        Closure.starts_at <= now,
        Closure.ends_at > now,
    )
    return not closed.exists()
