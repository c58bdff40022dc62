"""The availability engine's inputs and answers: one clinic's calendar as plain frozen
dataclasses (no ORM objects, no I/O), and the slots and checks the engine gives back.

Kept apart from the engine (``availability.py``) so callers that only describe a calendar
(the database loader, tests, benchmarks) read the model without the interval arithmetic. The
rules these describe are in ``availability.py``'s docstring.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from actors.scheduling import intervals as iv

DAY_S = 86_400
_NOON_S = 12 * 3600
_FIVE_PM_S = 17 * 3600


class AppointmentStatus(enum.StrEnum):
    """Mirrors ``store.models.APPOINTMENT_STATUSES``."""

    PENDING_DEPOSIT = "pending_deposit"
    BOOKED = "booked"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


BLOCKING_STATUSES = frozenset(
    {AppointmentStatus.BOOKED, AppointmentStatus.PENDING_DEPOSIT, AppointmentStatus.COMPLETED}
)


class PartOfDay(enum.StrEnum):
    """Local start-time bands callers ask for ("something in the afternoon")."""

    MORNING = "morning"  # before 12:00
    AFTERNOON = "afternoon"  # 12:00 to 17:00
    EVENING = "evening"  # 17:00 and later

    @property
    def bounds(self) -> tuple[int, int]:
        """Seconds after local midnight, half-open."""
        return {
            PartOfDay.MORNING: (0, _NOON_S),
            PartOfDay.AFTERNOON: (_NOON_S, _FIVE_PM_S),
            PartOfDay.EVENING: (_FIVE_PM_S, DAY_S),
        }[self]


class Reason(enum.StrEnum):
    """Why a requested start cannot be booked, in the order the checks run.

    With "any provider" the reported reason is the one of the provider that got furthest
    down this list, i.e. the most specific obstacle.
    """

    IN_PAST = "in_past"
    TOO_SOON = "too_soon"
    BEYOND_HORIZON = "beyond_horizon"
    OFF_GRID = "off_grid"
    PROVIDER_DOES_NOT_OFFER_SERVICE = "provider_does_not_offer_service"
    CLINIC_CLOSED = "clinic_closed"
    OUTSIDE_HOURS = "outside_hours"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    DAILY_CAP_REACHED = "daily_cap_reached"
    SLOT_TAKEN = "slot_taken"
    NO_RESOURCE = "no_resource"


_REASON_RANK = {reason: i for i, reason in enumerate(Reason)}


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def _ts(value: datetime, name: str) -> int:
    """Epoch seconds, rounded down (a start)."""
    _require_aware(value, name)
    return math.floor(value.timestamp())


def _ts_end(value: datetime, name: str) -> int:
    """Epoch seconds, rounded up: a blocked span never shrinks below what the caller gave."""
    _require_aware(value, name)
    return math.ceil(value.timestamp())


def _parse_time(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    return time(0) if (hour, minute) == (24, 0) else time(hour, minute)


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class WorkInterval:
    """A wall-clock interval on a weekday (0 = Monday); ``end == 00:00`` means midnight."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("WorkInterval times are local wall-clock times, not aware")
        if self.start_s >= self.end_s:
            raise ValueError(f"WorkInterval must start before it ends: {self.start}-{self.end}")

    @property
    def start_s(self) -> int:
        return _seconds(self.start)

    @property
    def end_s(self) -> int:
        return DAY_S if self.end == time(0) else _seconds(self.end)

    @classmethod
    def parse(cls, weekday: int, start: str, end: str) -> WorkInterval:
        """Build from the ``"09:00"`` / ``"24:00"`` strings the database stores."""
        return cls(weekday, _parse_time(start), _parse_time(end))


def weekly_hours(weekdays: Iterable[int], *ranges: str) -> tuple[WorkInterval, ...]:
    """``weekly_hours(range(5), "09:00-12:00", "13:00-18:00")``: the same hours on several days."""
    out = []
    for weekday in weekdays:
        for text in ranges:
            start, end = text.split("-")
            out.append(WorkInterval.parse(weekday, start.strip(), end.strip()))
    return tuple(out)


@dataclass(frozen=True)
class ProviderSchedule:
    provider_id: int
    hours: tuple[WorkInterval, ...]
    service_ids: frozenset[int]
    daily_cap: int | None = None


@dataclass(frozen=True)
class ServiceSpec:
    """Buffers are per service; a loader may fill them from the clinic-wide defaults."""

    service_id: int
    duration_min: int
    buffer_before_min: int = 0
    buffer_after_min: int = 0
    resource_kind: str | None = None

    def __post_init__(self) -> None:
        if self.duration_min <= 0:
            raise ValueError("duration_min must be positive")
        if self.buffer_before_min < 0 or self.buffer_after_min < 0:
            raise ValueError("buffers cannot be negative")


@dataclass(frozen=True)
class Appointment:
    """An existing appointment: the service time plus the buffers it holds around it."""

    start: datetime
    end: datetime
    provider_id: int
    status: AppointmentStatus = AppointmentStatus.BOOKED
    resource_id: int | None = None
    buffer_before_min: int = 0
    buffer_after_min: int = 0

    def __post_init__(self) -> None:
        _require_aware(self.start, "Appointment.start")
        _require_aware(self.end, "Appointment.end")
        if self.end <= self.start:
            raise ValueError("Appointment must end after it starts")
        # Accept the plain strings the database stores.
        object.__setattr__(self, "status", AppointmentStatus(self.status))

    @property
    def blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES

    @property
    def occupied(self) -> iv.Interval:
        return (
            _ts(self.start, "start") - self.buffer_before_min * 60,
            _ts_end(self.end, "end") + self.buffer_after_min * 60,
        )


@dataclass(frozen=True)
class Closure:
    """Aware range; ``provider_id=None`` closes the whole clinic, otherwise it is time off."""

    start: datetime
    end: datetime
    provider_id: int | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, "Closure.start")
        _require_aware(self.end, "Closure.end")
        if self.end <= self.start:
            raise ValueError("Closure must end after it starts")


@dataclass(frozen=True)
class Resource:
    """A room or device (e.g. kind ``"laser"``) that serves one booking at a time."""

    resource_id: int
    kind: str


@dataclass(frozen=True)
class ClinicCalendar:
    """Everything the engine needs to know about one clinic (defaults mirror the DB)."""

    tz: str
    opening_hours: tuple[WorkInterval, ...]
    providers: tuple[ProviderSchedule, ...]
    services: tuple[ServiceSpec, ...]
    resources: tuple[Resource, ...] = ()
    closures: tuple[Closure, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    holidays: frozenset[date] = frozenset()
    min_notice_min: int = 60
    horizon_days: int = 30
    grid_min: int = 15

    def __post_init__(self) -> None:
        ZoneInfo(self.tz)  # fail early on an unknown zone
        if self.grid_min <= 0:
            raise ValueError("grid_min must be positive")
        if self.min_notice_min < 0 or self.horizon_days < 0:
            raise ValueError("min_notice_min and horizon_days cannot be negative")
        for name, ids in (
            ("provider", [p.provider_id for p in self.providers]),
            ("service", [s.service_id for s in self.services]),
            ("resource", [r.resource_id for r in self.resources]),
        ):
            if len(ids) != len(set(ids)):
                raise ValueError(f"duplicate {name} ids")


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable start.  ``start``/``end`` are in the clinic's zone; ``end`` excludes buffers.

    Subtracting two datetimes that share a tzinfo gives wall-clock difference, so compare
    ``start_utc``/``end_utc`` to get elapsed time across a DST change.
    """

    start: datetime
    end: datetime
    provider_id: int
    resource_id: int | None
    service_id: int

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class SlotCheck:
    """Answer of ``check_slot``: either ``slot`` (ok) or the ``reason`` it is not bookable."""

    ok: bool
    reason: Reason | None = None
    slot: Slot | None = None

    def __bool__(self) -> bool:
        return self.ok
