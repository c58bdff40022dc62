"""The local calendar: the database. Busy times are the appointments that block a provider
(booked, waiting for a deposit, completed); a booking is already where it belongs.

The busy read is a prepared statement (store/prepared.py): every availability check and
booking runs it, so its SQL is built once, not per check.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from actors.calendar import Busy
from store.models import Appointment
from store.prepared import Param, Select

BLOCKING = ("booked", "pending_deposit", "completed")


def _busy_query():
    return Appointment.select().where(
        (Appointment.clinic == Param("clinic"))
        & (Appointment.status.in_(BLOCKING))
        & (Appointment.end_at > Param("start"))
        & (Appointment.start_at < Param("end"))
    )


_BUSY = Select(_busy_query)
_BUSY_EXCEPT = Select(lambda: _busy_query().where(Appointment.id != Param("exclude")))


class LocalCalendar:
    name: ClassVar[str] = "local"

    def busy(
        self,
        clinic_id: int,
        start: datetime,
        end: datetime,
        exclude_appointment: int | None,
        fresh: bool = False,
    ) -> list[Busy]:
        if exclude_appointment is None:
            rows = _BUSY.rows(clinic=clinic_id, start=start, end=end)
        else:
            rows = _BUSY_EXCEPT.rows(
                clinic=clinic_id, start=start, end=end, exclude=exclude_appointment
            )
        return [Busy(a.provider_id, a.start_at, a.end_at, a.status, a.resource_id) for a in rows]

    def mirror(self, appointment_id: int) -> None:
        """Nothing to do: the database is this calendar."""
