"""Load one clinic from the database as the availability engine's plain calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

from actors import calendar
from actors.scheduling.availability import (
    Appointment as BusyAppointment,
)
from actors.scheduling.availability import (
    ClinicCalendar,
    Closure,
    ProviderSchedule,
    Resource,
    ServiceSpec,
    WorkInterval,
)
from store.clinic_reads import ACTIVE_PROVIDERS, ACTIVE_SERVICES, OFFERS, WORKING_HOURS
from store.models import Clinic, ClinicHoliday, WaitlistOffer
from store.models import Closure as ClosureRow
from store.models import Resource as ResourceRow
from store.prepared import Param, Select

# Every availability check and booking reads the clinic's calendar: prepared statements (see
# store/prepared.py; the clinic's own rows in store/clinic_reads.py), so their SQL is built
# once, not eight times per check. Busy times come from the calendar backend.

_CLOSURES = Select(
    lambda: ClosureRow.select().where(
        (ClosureRow.clinic == Param("clinic"))
        & (ClosureRow.ends_at > Param("start"))
        & (ClosureRow.starts_at < Param("end"))
    )
)
_RESOURCES = Select(lambda: ResourceRow.select().where(ResourceRow.clinic == Param("clinic")))
# Slots held for a waitlist customer who was just offered them (actors/waitlist.py).
_HOLDS = Select(
    lambda: WaitlistOffer.select().where(
        (WaitlistOffer.clinic == Param("clinic"))
        & (WaitlistOffer.status == "holding")
        & (WaitlistOffer.hold_until > Param("now"))
    )
)
_HOLIDAYS = Select(
    lambda: ClinicHoliday.select(ClinicHoliday.day).where(ClinicHoliday.clinic == Param("clinic"))
)


def _intervals(rows) -> tuple[WorkInterval, ...]:
    return tuple(WorkInterval.parse(h.weekday, h.start, h.end) for h in rows)


def load_calendar(
    clinic: Clinic,
    now: datetime,
    exclude_appointment: int | None = None,
    fresh: bool = False,
    exclude_offer: int | None = None,
):
    """The clinic's calendar from a day before ``now`` to the end of its booking horizon.

    ``exclude_appointment`` leaves one appointment out (the one being rescheduled); a slot a
    waitlist offer holds is busy, except to ``exclude_offer`` (the offer being taken up).
    """
    start = now - timedelta(days=1)
    end = now + timedelta(days=clinic.horizon_days + 1)
    hours = WORKING_HOURS.rows(clinic=clinic)
    opening = _intervals(h for h in hours if h.provider_id is None)
    offers: dict[int, set[int]] = {}
    for link in OFFERS.rows(clinic=clinic):
        offers.setdefault(link.provider_id, set()).add(link.service_id)
    providers = tuple(
        ProviderSchedule(
            provider_id=p.id,
            hours=tuple(
                WorkInterval.parse(h.weekday, h.start, h.end)
                for h in hours
                if h.provider_id == p.id
            )
            or opening,
            service_ids=frozenset(offers.get(p.id, ())),
            daily_cap=p.daily_cap,
        )
        for p in ACTIVE_PROVIDERS.rows(clinic=clinic)
    )
    services = tuple(
        ServiceSpec(
            service_id=s.id,
            duration_min=s.duration_min,
            buffer_before_min=clinic.buffer_before_min,
            buffer_after_min=clinic.buffer_after_min,
            resource_kind=s.resource_kind,
        )
        for s in ACTIVE_SERVICES.rows(clinic=clinic)
    )
    blocks = calendar.current().busy(clinic.id, start, end, exclude_appointment, fresh)
    held = tuple(  # a waitlist offer's hold blocks like an appointment awaiting its deposit
        (h.start_at, h.end_at, h.provider_id, "pending_deposit", h.resource_id)
        for h in _HOLDS.rows(clinic=clinic, now=now)
        if h.id != exclude_offer
    )
    booked = tuple(
        (b.start, b.end, b.provider_id, b.status, b.resource_id)
        for b in blocks
        if b.status not in calendar.TIME_OFF
    )
    busy = tuple(
        BusyAppointment(
            start=start_at,
            end=end_at,
            provider_id=provider_id,
            status=status,
            resource_id=resource_id,
            buffer_before_min=clinic.buffer_before_min,
            buffer_after_min=clinic.buffer_after_min,
        )
        for start_at, end_at, provider_id, status, resource_id in booked + held
    )
    # A provider's own calendar (a sick day, a lunch) is time off, not an appointment: it
    # counts toward no daily cap and takes no room.
    closures = tuple(
        Closure(c.starts_at, c.ends_at, c.provider_id)
        for c in _CLOSURES.rows(clinic=clinic, start=start, end=end)
    ) + tuple(
        Closure(b.start, b.end, b.provider_id) for b in blocks if b.status in calendar.TIME_OFF
    )
    return ClinicCalendar(
        tz=clinic.timezone,
        opening_hours=opening,
        providers=providers,
        services=services,
        resources=tuple(Resource(r.id, r.kind) for r in _RESOURCES.rows(clinic=clinic)),
        closures=closures,
        appointments=busy,
        holidays=frozenset(h.day for h in _HOLIDAYS.rows(clinic=clinic)),
        min_notice_min=clinic.min_notice_min,
        horizon_days=clinic.horizon_days,
        grid_min=clinic.slot_step_min,
    )
