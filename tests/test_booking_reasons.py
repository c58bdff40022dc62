"""Each failed checkpoint says its own reason with the facts behind it and offers a way
forward (issue 17 item 3): the engine's answer for a wished-for start, with a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actors.booking import engine
from actors.booking.engine import BookingError, BookingRequest
from store.db import write
from store.models import Closure, Provider, ProviderService, Resource, Service, WorkingHours

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LA)  # Wednesday morning; Glow: Tue-Sat 9-6
GLOW = "+15550100001"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LA)


def wish(database, service: str, start: datetime, provider: str | None = None) -> dict:
    result = engine.availability(database[GLOW], service, NOW, provider, near=start)
    assert result["ok"] and result["exact"] is False, result
    return result


def patel(database) -> Provider:
    return Provider.get((Provider.clinic == database[GLOW]) & (Provider.name == "Dr. Maya Patel"))


NOTICE = "That's less than 2 hours away; we need 2 hours' notice."
PAST_CLOSE = "HydraFacial at 5:30 PM would run past our 6:00 PM close on Tuesdays."
HORIZON = "We only book up to 60 days ahead."
JESS_HOURS = "Jess Kim works 9:00 AM-12:00 PM and 1:00 PM-6:00 PM on Tuesdays."
CHECKPOINTS = [
    ("Botox", at(11, 24, 10), None, "in_past", "That time has already passed."),
    ("Botox", at(11, 25, 11), None, "too_soon", NOTICE),
    ("Botox", at(1, 30, 10).replace(year=2027), None, "beyond_horizon", HORIZON),
    ("Botox", at(12, 1, 10, 7), None, "off_grid", "Appointments start on the quarter hour."),
    ("Botox", at(11, 30, 10), None, "clinic_closed", "We're closed on Mondays."),
    ("Botox", at(12, 1, 7), None, "outside_hours", "We open at 9:00 AM on Tuesdays."),
    ("Botox", at(12, 1, 18), None, "outside_hours", "We close at 6:00 PM on Tuesdays."),
    ("HydraFacial", at(12, 1, 17, 30), None, "outside_hours", PAST_CLOSE),
    ("Chemical Peel", at(12, 1, 12, 15), "Jess Kim", "outside_hours", JESS_HOURS),
]  # fmt: skip


@pytest.mark.parametrize(("service", "start", "provider", "reason", "message"), CHECKPOINTS)
def test_a_time_that_fails_a_checkpoint_says_why_with_its_facts(
    database, service, start, provider, reason, message
):
    result = wish(database, service, start, provider)
    assert (result["reason"], result["message"]) == (reason, message)
    assert result["slots"], "a way forward: the nearest openings"


def test_a_one_off_closure_names_the_day_not_the_weekday(database):
    with write():
        Closure.create(clinic=database[GLOW], starts_at=at(12, 2, 0), ends_at=at(12, 3, 0))
    result = wish(database, "Botox", at(12, 2, 10))
    assert result["message"] == "We're closed on Wed Dec 2."


def test_a_provider_away_says_so_by_name(database):
    with write():
        Closure.create(
            clinic=database[GLOW],
            provider=patel(database),
            starts_at=at(12, 2, 0),
            ends_at=at(12, 3, 0),
        )
    result = wish(database, "Botox", at(12, 2, 10), "Dr. Maya Patel")
    assert result["message"] == "Dr. Maya Patel is away then."
    assert all(not s["start"].startswith("2026-12-02") for s in result["slots"])


def test_a_provider_fully_booked_that_day_says_so(database):
    with write():
        Provider.update(daily_cap=1).where(Provider.id == patel(database).id).execute()
    engine.book(
        BookingRequest(database[GLOW], "Botox", at(12, 2, 9), "+15555550999", "Kim Taken"), NOW
    )
    result = wish(database, "Botox", at(12, 2, 15), "Dr. Maya Patel")
    assert result["message"] == "Dr. Maya Patel is fully booked that day."


def test_a_taken_time_names_the_time_and_day(database):
    engine.book(
        BookingRequest(database[GLOW], "Botox", at(12, 2, 14), "+15555550999", "Kim Taken"), NOW
    )
    result = wish(database, "Botox", at(12, 2, 14))
    assert result["message"] == "2:00 PM on Wed Dec 2 is already booked."
    offered = [datetime.fromisoformat(s["start"]) for s in result["slots"]]
    assert all(o.date() == at(12, 2, 0).date() for o in offered)  # that day first
    gaps = [abs(a - b) for i, a in enumerate(offered) for b in offered[i + 1 :]]
    assert min(gaps) >= timedelta(minutes=60)  # spread out, not back to back


def test_a_busy_room_says_the_room_is_booked(database):
    clinic = database[GLOW]
    laser = Service.get((Service.clinic == clinic) & (Service.name == "Laser Hair Removal"))
    with write():
        second = Provider.create(clinic=clinic, name="Dr. Lee Second")
        ProviderService.create(clinic=clinic, provider=second, service=laser)
        for row in WorkingHours.select().where(WorkingHours.provider == patel(database)):
            WorkingHours.create(
                clinic=clinic, provider=second, weekday=row.weekday, start=row.start, end=row.end
            )
    assert Resource.select().where(Resource.clinic == clinic).count() == 1
    engine.book(
        BookingRequest(
            clinic,
            "Laser Hair Removal",
            at(12, 2, 10),
            "+15555550999",
            "Kim Taken",
            provider="Dr. Maya Patel",
        ),
        NOW,
    )
    result = wish(database, "Laser Hair Removal", at(12, 2, 10), "Dr. Lee Second")
    assert result["message"] == "The room for that service is booked then."


def test_booking_a_failing_time_gives_the_same_reason_and_alternatives(database):
    with pytest.raises(BookingError) as failed:
        engine.book(
            BookingRequest(database[GLOW], "Botox", at(11, 30, 10), "+15555550999", "Kim"), NOW
        )
    assert failed.value.message == "We're closed on Mondays."
    assert failed.value.alternatives
