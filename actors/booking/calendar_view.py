"""Load one clinic from the database as the availability engine's plain calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

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
from store.models import (
    Appointment,
    Clinic,
    ClinicHoliday,
    ProviderService,
    WorkingHours,
)
from store.models import Closure as ClosureRow
from store.models import Provider as ProviderRow
from store.models import Resource as ResourceRow
from store.models import Service as ServiceRow

BLOCKING = ("booked", "pending_deposit", "completed")


def _intervals(rows) -> tuple[WorkInterval, ...]:
    return tuple(WorkInterval.parse(h.weekday, h.start, h.end) for h in rows)


def load_calendar(clinic: Clinic, now: datetime, exclude_appointment: int | None = None):
    """The clinic's calendar from a day before ``now`` to the end of its booking horizon.

    ``exclude_appointment`` leaves one appointment out (the one being rescheduled).
    """
    start = now - timedelta(days=1)
    end = now + timedelta(days=clinic.horizon_days + 1)
    hours = list(WorkingHours.select().where(WorkingHours.clinic == clinic))
    opening = _intervals(h for h in hours if h.provider_id is None)
    offers: dict[int, set[int]] = {}
    for link in ProviderService.select().where(ProviderService.clinic == clinic):
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
        for p in ProviderRow.select().where((ProviderRow.clinic == clinic) & ProviderRow.active)
    )
    services = tuple(
        ServiceSpec(
            service_id=s.id,
            duration_min=s.duration_min,
            buffer_before_min=clinic.buffer_before_min,
            buffer_after_min=clinic.buffer_after_min,
            resource_kind=s.resource_kind,
        )
        for s in ServiceRow.select().where((ServiceRow.clinic == clinic) & ServiceRow.active)
    )
    query = Appointment.select().where(
        (Appointment.clinic == clinic)
        & (Appointment.status.in_(BLOCKING))
        & (Appointment.end_at > start)
        & (Appointment.start_at < end)
    )
    if exclude_appointment is not None:
        query = query.where(Appointment.id != exclude_appointment)
    busy = tuple(
        BusyAppointment(
            start=a.start_at,
            end=a.end_at,
            provider_id=a.provider_id,
            status=a.status,
            resource_id=a.resource_id,
            buffer_before_min=clinic.buffer_before_min,
            buffer_after_min=clinic.buffer_after_min,
        )
        for a in query
    )
    closures = tuple(
        Closure(c.starts_at, c.ends_at, c.provider_id)
        for c in ClosureRow.select().where(
            (ClosureRow.clinic == clinic)
            & (ClosureRow.ends_at > start)
            & (ClosureRow.starts_at < end)
        )
    )
    return ClinicCalendar(
        tz=clinic.timezone,
        opening_hours=opening,
        providers=providers,
        services=services,
        resources=tuple(
            Resource(r.id, r.kind) for r in ResourceRow.select().where(ResourceRow.clinic == clinic)
        ),
        closures=closures,
        appointments=busy,
        holidays=frozenset(
            h.day for h in ClinicHoliday.select().where(ClinicHoliday.clinic == clinic)
        ),
        min_notice_min=clinic.min_notice_min,
        horizon_days=clinic.horizon_days,
        grid_min=clinic.slot_step_min,
    )
