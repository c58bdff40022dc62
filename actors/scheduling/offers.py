"""Which few openings to offer, the way a good receptionist picks them.

Three adjacent 15-minute starts are one choice said three times. Offers are spread out (at
least ``gap`` apart), the asked-for day comes first (nearest to the asked time), then the
nearest other days, one opening each, near the same time of day. Pure: it only asks an
``Availability`` and never reads the clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from actors.scheduling.availability import Availability
from actors.scheduling.calendar_model import PartOfDay, Slot

GAP = timedelta(minutes=60)  # offers closer than this feel like the same offer
OTHER_DAYS = 14  # how far either side of the asked day to look when that day is full


def spread(slots: list[Slot], n: int, gap: timedelta = GAP, near: datetime | None = None):
    """Up to ``n`` of ``slots``, each at least ``gap`` from the others: nearest to ``near``
    first (earliest first without one), returned in start order."""
    order = (
        sorted(slots, key=lambda s: (abs(s.start_utc - near), s.start_utc))
        if near is not None
        else sorted(slots, key=lambda s: s.start_utc)
    )
    picked: list[Slot] = []
    for slot in order:
        if len(picked) == n:
            break
        if all(abs(slot.start_utc - p.start_utc) >= gap for p in picked):
            picked.append(slot)
    return sorted(picked, key=lambda s: s.start_utc)


def offers_around(
    availability: Availability,
    service_id: int,
    near: datetime,
    n: int,
    *,
    now: datetime,
    provider_id: int | None = None,
    part_of_day: PartOfDay | None = None,
    gap: timedelta = GAP,
) -> list[Slot]:
    """The openings to offer for a wished-for start: that day's nearest, spread out, then one
    each from the nearest other days (earlier day first on a tie), near the same wall time;
    each group in start order."""
    day = near.date()
    same_day = availability.next_slots(
        service_id,
        now=now,
        provider_id=provider_id,
        day=day,
        part_of_day=part_of_day,
        limit=None,
    )
    offers = spread(same_day, n, gap, near)
    today = now.astimezone(near.tzinfo).date()
    others: list[Slot] = []
    for distance in range(1, OTHER_DAYS + 1):
        if len(offers) + len(others) >= n:
            break
        for other in (day - timedelta(days=distance), day + timedelta(days=distance)):
            if other < today or len(offers) + len(others) >= n:
                continue
            slot = _nearest_on(availability, service_id, other, near, now, provider_id, part_of_day)
            if slot is not None:
                others.append(slot)
    return offers + sorted(others, key=lambda s: s.start_utc)


def first_offers(
    availability: Availability,
    service_id: int,
    n: int,
    *,
    now: datetime,
    provider_id: int | None = None,
    day: date | None = None,
    part_of_day: PartOfDay | None = None,
    gap: timedelta = GAP,
) -> list[Slot]:
    """The earliest openings (on ``day`` if given), spread out rather than back to back."""
    found = availability.next_slots(
        service_id,
        now=now,
        provider_id=provider_id,
        day=day,
        part_of_day=part_of_day,
        limit=None if day is not None else 60,
    )
    return spread(found, n, gap)


def _nearest_on(availability, service_id, day, near, now, provider_id, part_of_day):
    slots = availability.next_slots(
        service_id,
        now=now,
        provider_id=provider_id,
        day=day,
        part_of_day=part_of_day,
        limit=None,
    )
    if not slots:
        return None
    wall = near.hour * 60 + near.minute
    return min(slots, key=lambda s: (abs(s.start.hour * 60 + s.start.minute - wall), s.start))


def back_to_back(
    availability: Availability,
    firsts: list[Slot],
    people: int,
    *,
    now: datetime,
    provider_id: int | None = None,
    within: timedelta = timedelta(minutes=30),
) -> list[list[Slot]]:
    """For a party ("me and my sister"): each first slot followed by one for every other
    person, each starting once the one before has ended (and its buffers cleared, so one
    provider can take them all) and within ``within`` of that; firsts with no such chain drop."""
    groups = []
    for first in firsts:
        chain = [first]
        for _ in range(people - 1):
            following = _next_after(availability, chain[-1], now, provider_id, within)
            if following is None:
                break
            chain.append(following)
        if len(chain) == people:
            groups.append(chain)
    return groups


def _next_after(availability, slot: Slot, now, provider_id, within) -> Slot | None:
    service = availability.calendar_service(slot.service_id)
    free_from = slot.end + timedelta(minutes=service.buffer_after_min + service.buffer_before_min)
    for candidate in availability.next_slots(
        slot.service_id,
        now=now,
        provider_id=provider_id,
        day=slot.start.date(),
        after=free_from,
        limit=8,
    ):
        if candidate.start_utc - free_from.astimezone(candidate.start_utc.tzinfo) > within:
            return None
        return candidate
    return None
