"""Why a wished-for time cannot be booked, said with its facts ("We open at 9:00 AM on
Tuesdays", "that's less than 2 hours away") rather than a generic "that time isn't available",
so the customer knows what to ask for instead."""

from __future__ import annotations

from datetime import datetime

from actors.scheduling.availability import Availability, Reason
from actors.wording import booking as words


def why_not(
    availability: Availability,
    reason: Reason,
    start: datetime,
    service_name: str,
    duration_min: int,
    provider_id: int | None = None,
    provider_name: str | None = None,
) -> str:
    """The reason for ``reason`` at ``start`` (local to the clinic), with the facts behind it."""
    weekday = start.weekday()
    if reason is Reason.TOO_SOON:
        return words.notice(availability.notice_min)
    if reason is Reason.BEYOND_HORIZON:
        return words.horizon(availability.horizon_days)
    if reason is Reason.CLINIC_CLOSED:
        weekly = bool(availability.calendar_opening(weekday))
        return words.closed_on(None if weekly else weekday, f"{start:%a %b} {start.day}")
    if reason is Reason.OUTSIDE_HOURS:
        return _outside_hours(
            availability, start, service_name, duration_min, provider_id, provider_name
        )
    if reason is Reason.PROVIDER_UNAVAILABLE:
        return words.provider_away(provider_name)
    if reason is Reason.DAILY_CAP_REACHED:
        return words.provider_full(provider_name)
    if reason is Reason.SLOT_TAKEN:
        when = f"{_clock(start)} on {start:%a %b} {start.day}"
        return words.slot_booked(f"{provider_name}'s {when}" if provider_name else when)
    return words.reason(reason)


def _outside_hours(availability, start, service_name, duration_min, provider_id, name) -> str:
    day, weekday = start.date(), start.weekday()
    clinic_hours = availability.hours_on(day)
    at = start.hour * 3600 + start.minute * 60
    end = at + duration_min * 60
    if clinic_hours:
        opening, closing = clinic_hours[0][0], clinic_hours[-1][1]
        if at < opening:
            return words.opens_at(weekday, opening)
        if at >= closing or end > closing:
            return words.closes_at(weekday, closing, at < closing, service_name, at)
    if provider_id is not None and name:
        return words.provider_hours_then(name, weekday, availability.hours_on(day, provider_id))
    return words.between_hours(weekday, clinic_hours)


def _clock(start: datetime) -> str:
    return words.clock(start.hour * 3600 + start.minute * 60)
