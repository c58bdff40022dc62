"""One contract, every CalendarBackend: what availability and booking rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from peewee import fn

from actors.booking import engine
from actors.booking.engine import BookingRequest
from actors.calendar import CALENDARS, make_calendar
from store.models import Appointment, Provider
from store.settings import Backends
from tests.fakes.google_calendar_server import FakeGoogleCalendar, write_service_account_key

GLOW = "+15550100001"
NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # a Tuesday morning in Los Angeles


@pytest.fixture(params=CALENDARS)
def calendar(request, settings, database, tmp_path):
    if request.param != "google":
        yield make_calendar(settings.replace(backends=Backends(calendar=request.param)))
        return
    with FakeGoogleCalendar() as google:  # every Glow provider linked to an empty calendar
        key = tmp_path / "service-account.json"
        write_service_account_key(key, google.url + "/token")
        Provider.update(google_calendar_id=fn.LOWER(Provider.name) + "@glow.test").execute()
        yield make_calendar(
            settings.replace(
                backends=Backends(calendar="google"),
                google_service_account_file=key,
                google_api_base=google.url,
            )
        )


def book(database, start: str) -> Appointment:
    result = engine.book(
        BookingRequest(
            clinic_id=database[GLOW],
            service="HydraFacial",
            start=start,
            customer_phone="+15555550123",
            customer_name="Ana Lopez",
            source="staff",
        ),
        NOW,
    )
    assert result["ok"], result
    return Appointment.get_by_id(result["appointment"]["id"])


def test_a_booking_is_busy_for_its_provider(calendar, database):
    booked = book(database, "2026-12-02T10:00:00-08:00")
    blocks = calendar.busy(database[GLOW], NOW, NOW + timedelta(days=7), None)
    assert [(b.provider_id, b.start, b.end) for b in blocks] == [
        (booked.provider_id, booked.start_at, booked.end_at)
    ]


def test_the_appointment_being_moved_is_left_out(calendar, database):
    booked = book(database, "2026-12-02T10:00:00-08:00")
    assert calendar.busy(database[GLOW], NOW, NOW + timedelta(days=7), booked.id) == []


def test_a_cancelled_booking_is_free_again(calendar, database):
    booked = book(database, "2026-12-02T10:00:00-08:00")
    engine.cancel(database[GLOW], booked.id, "staff", "test", NOW)
    calendar.mirror(booked.id)  # idempotent, whatever the backend
    calendar.mirror(booked.id)
    assert calendar.busy(database[GLOW], NOW, NOW + timedelta(days=7), None) == []


def test_busy_times_outside_the_range_are_not_returned(calendar, database):
    book(database, "2026-12-02T10:00:00-08:00")
    later = NOW + timedelta(days=3)
    assert calendar.busy(database[GLOW], later, later + timedelta(days=1), None) == []
