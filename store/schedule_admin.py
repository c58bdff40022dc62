"""When the clinic and its providers work: weekly hours, closures and time off, holidays.

The booking engine reads these rows on every availability check (actors/booking/
calendar_view.py), so an edit here changes what can be booked from the next request on.
A provider with no hours of their own works the clinic's opening hours.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from store.db import write
from store.edits import Conflict, Edited, note, owned, refuse_foreign
from store.models import Appointment, Clinic, ClinicHoliday, Closure, Provider, WorkingHours

HOLDING = ("booked", "pending_deposit")  # appointments a closure leaves standing


def _whose(clinic_id: int, provider_id: int | None):
    """The clinic's own rows (provider NULL) or one provider's."""
    mine = WorkingHours.clinic == clinic_id
    if provider_id is None:
        return mine & WorkingHours.provider.is_null()
    return mine & (WorkingHours.provider == provider_id)


def hours_of(clinic_id: int, provider_id: int | None = None) -> list[dict]:
    """The clinic's opening hours, or one of its providers' own (NotFound if not theirs)."""
    if provider_id is not None:
        owned(Provider, clinic_id, provider_id, "provider")
    rows = (
        WorkingHours.select()
        .where(_whose(clinic_id, provider_id))
        .order_by(WorkingHours.weekday, WorkingHours.start)
    )
    return [{"weekday": h.weekday, "start": h.start, "end": h.end} for h in rows]


def replace_hours(
    clinic_id: int, actor: str, provider_id: int | None, intervals: list[dict]
) -> Edited:
    """The whole week at once: intervals already checked (HH:MM, start < end, no overlap)."""
    entity, entity_id = ("clinic", clinic_id) if provider_id is None else ("provider", provider_id)
    with write():
        if provider_id is not None:
            owned(Provider, clinic_id, provider_id, "provider")
        WorkingHours.delete().where(_whose(clinic_id, provider_id)).execute()
        for interval in intervals:
            WorkingHours.create(clinic=clinic_id, provider=provider_id, **interval)
        event = note(
            clinic_id,
            actor,
            f"{entity}.hours",
            entity,
            entity_id,
            {"intervals": len(intervals)},
        )
    return Edited({"items": hours_of(clinic_id, provider_id)}, event)


# ---------------------------------------------------------------------------- closures


def _zone(clinic_id: int) -> ZoneInfo:
    return ZoneInfo(Clinic.get_by_id(clinic_id).timezone)


def closure_dict(closure: Closure, tz: ZoneInfo) -> dict:
    return {
        "id": closure.id,
        "provider_id": closure.provider_id,
        "starts_at": closure.starts_at.astimezone(tz).isoformat(),
        "ends_at": closure.ends_at.astimezone(tz).isoformat(),
        "reason": closure.reason,
    }


def list_closures(
    clinic_id: int, start: datetime | None, end: datetime | None, limit: int, offset: int
) -> list[dict]:
    """Closures overlapping ``[start, end)`` (either side open), in start order."""
    query = Closure.select().where(Closure.clinic == clinic_id)
    if start is not None:
        query = query.where(Closure.ends_at > start)
    if end is not None:
        query = query.where(Closure.starts_at < end)
    rows = query.order_by(Closure.starts_at, Closure.id).limit(limit).offset(offset)
    tz = _zone(clinic_id)
    return [closure_dict(c, tz) for c in rows]


def _standing(clinic_id: int, closure: Closure) -> list[int]:
    """Appointments the closure covers: it blocks new bookings, it cancels none."""
    query = Appointment.select(Appointment.id).where(
        (Appointment.clinic == clinic_id)
        & Appointment.status.in_(HOLDING)
        & (Appointment.start_at < closure.ends_at)
        & (Appointment.end_at > closure.starts_at)
    )
    if closure.provider_id is not None:
        query = query.where(Appointment.provider == closure.provider_id)
    return [a.id for a in query.order_by(Appointment.start_at)]


def add_closure(
    clinic_id: int,
    actor: str,
    starts_at: datetime,
    ends_at: datetime,
    provider_id: int | None,
    reason: str,
) -> Edited:
    with write():
        if provider_id is not None:
            refuse_foreign(Provider, clinic_id, [provider_id], "provider")
        closure = Closure.create(
            clinic=clinic_id,
            provider=provider_id,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
        )
        standing = _standing(clinic_id, closure)
        event = note(
            clinic_id,
            actor,
            "closure.create",
            "closure",
            closure.id,
            {
                "provider_id": provider_id,
                "hours": round((ends_at - starts_at).total_seconds() / 3600, 2),
            },
        )
    view = closure_dict(Closure.get_by_id(closure.id), _zone(clinic_id))
    return Edited({**view, "standing_appointment_ids": standing}, event)


def remove_closure(clinic_id: int, actor: str, closure_id: int) -> Edited:
    with write():
        closure = owned(Closure, clinic_id, closure_id, "closure")
        view = closure_dict(closure, _zone(clinic_id))
        closure.delete_instance()
        event = note(clinic_id, actor, "closure.delete", "closure", closure_id, {})
    return Edited(view, event)


# ---------------------------------------------------------------------------- holidays


def holiday_dict(holiday: ClinicHoliday) -> dict:
    return {"id": holiday.id, "day": holiday.day.isoformat(), "name": holiday.name}


def list_holidays(clinic_id: int, limit: int, offset: int) -> list[dict]:
    rows = (
        ClinicHoliday.select()
        .where(ClinicHoliday.clinic == clinic_id)
        .order_by(ClinicHoliday.day)
        .limit(limit)
        .offset(offset)
    )
    return [holiday_dict(h) for h in rows]


def add_holiday(clinic_id: int, actor: str, day: date, name: str) -> Edited:
    with write():
        taken = ClinicHoliday.get_or_none(
            (ClinicHoliday.clinic == clinic_id) & (ClinicHoliday.day == day)
        )
        if taken is not None:
            raise Conflict(f"{day.isoformat()} is already a holiday ({taken.name or 'unnamed'})")
        holiday = ClinicHoliday.create(clinic=clinic_id, day=day, name=name)
        event = note(
            clinic_id, actor, "holiday.create", "holiday", holiday.id, {"day": day.isoformat()}
        )
    return Edited(holiday_dict(holiday), event)


def remove_holiday(clinic_id: int, actor: str, holiday_id: int) -> Edited:
    with write():
        holiday = owned(ClinicHoliday, clinic_id, holiday_id, "holiday")
        view = holiday_dict(holiday)
        holiday.delete_instance()
        event = note(
            clinic_id, actor, "holiday.delete", "holiday", holiday_id, {"day": view["day"]}
        )
    return Edited(view, event)
