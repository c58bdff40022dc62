"""Where busy times come from and where bookings are mirrored: one interface,
``CalendarBackend``, one file per backend, chosen once (``Settings.backends.calendar``,
named in supervisor.py) and built per process when an actor sets itself up (``use``).

The local database stays the source of truth for bookings whatever the backend. Today there
is one backend:
- ``local`` (``local.py``): the clinic's calendar is the database: busy times are the
  appointments that block a provider, and a booking needs no mirror anywhere else.
A provider calendar backend (Google) adds its busy times and mirrors each booking as an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from store.settings import Settings

# Busy statuses that are a provider's own time, not one of our appointments: ``external``
# (busy on the provider's calendar), ``unknown`` (their calendar could not be read, so none
# of their time may be offered).
TIME_OFF = frozenset({"external", "unknown"})


class CalendarUnavailable(Exception):
    """A provider calendar could not be reached or refused; the sync job tries again later."""


@dataclass(frozen=True)
class Busy:
    """One busy block of one provider (UTC instants)."""

    provider_id: int
    start: datetime
    end: datetime
    status: str = "booked"
    resource_id: int | None = None


class CalendarBackend(Protocol):
    name: ClassVar[str]

    def busy(
        self,
        clinic_id: int,
        start: datetime,
        end: datetime,
        exclude_appointment: int | None,
        fresh: bool = False,
    ) -> list[Busy]:
        """Every block in [start, end) that makes a provider unavailable; ``fresh`` asks past
        any cache (a booking's own check, just before its write)."""
        ...

    def mirror(self, appointment_id: int) -> None:
        """Bring the provider's calendar in line with the appointment (booked, moved,
        cancelled); durable and idempotent, never a reason for a booking to fail."""
        ...


CALENDARS = ("local", "google")
_current: CalendarBackend | None = None


def make_calendar(settings: Settings) -> CalendarBackend:
    name = settings.backends.calendar
    if name == "local":
        from actors.calendar.local import LocalCalendar

        return LocalCalendar()
    if name == "google":
        from actors.calendar.google import GoogleCalendar

        return GoogleCalendar(settings.google_service_account_file, settings.google_api_base)
    raise ValueError(f"no calendar backend {name!r}")


def use(settings: Settings) -> None:
    """Build this process's backend (an actor's setup calls this once)."""
    global _current
    _current = make_calendar(settings)


def current() -> CalendarBackend:
    """This process's backend; the local one where no actor set one up (scripts, tests)."""
    if _current is None:
        from actors.calendar.local import LocalCalendar

        return LocalCalendar()
    return _current
