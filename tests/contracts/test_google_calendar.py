"""Providers' Google Calendars with the real google-api-python-client and google-auth, against
a local server answering the token endpoint, freeBusy and the events paths."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actors import calendar
from actors.booking import engine
from actors.booking.engine import BookingError, BookingRequest
from actors.calendar.google import GoogleCalendar, event_id
from actors.calendar.sync import run_due_syncs
from store.models import Provider, Reminder
from store.settings import Backends
from tests.fakes.google_calendar_server import FakeGoogleCalendar, write_service_account_key

LA = ZoneInfo("America/Los_Angeles")
GLOW = "+15550100001"
MAYA = "maya@glow.test"


@pytest.fixture
def google(settings, database, tmp_path):
    with FakeGoogleCalendar() as fake:
        key = tmp_path / "service-account.json"
        write_service_account_key(key, fake.url + "/token")
        Provider.update(google_calendar_id=MAYA).where(Provider.name == "Dr. Maya Patel").execute()
        configured = settings.replace(
            backends=Backends(calendar="google"),
            google_service_account_file=key,
            google_api_base=fake.url,
        )
        calendar.use(configured)
        try:
            yield fake
        finally:
            calendar.use(settings)


@pytest.fixture
def now():
    return datetime.now(LA).replace(microsecond=0)


def a_day_ahead(now: datetime, days: int = 3) -> datetime:
    """A day a few days out that Glow is open (Tuesday to Saturday)."""
    day = (now + timedelta(days=days)).date()
    while day.weekday() in (0, 6):  # Glow is closed on Mondays and Sundays
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=LA)


def maya_starts(database, now, day: datetime) -> list[datetime]:
    found = engine.availability(
        database[GLOW], "Botox", now=now, provider="Dr. Maya Patel", day=day.date(), limit=50
    )
    return [datetime.fromisoformat(s["start"]) for s in found["slots"]]


def book(database, start: datetime, now: datetime) -> int:
    request = BookingRequest(
        clinic_id=database[GLOW],
        service="HydraFacial",
        start=start,
        customer_phone="+15555550123",
        customer_name="Ana Lopez",
        provider="Dr. Maya Patel",
        source="staff",
    )
    return engine.book(request, now=now)["appointment"]["id"]


def test_a_busy_block_on_the_providers_calendar_removes_those_slots(database, google, now):
    day = a_day_ahead(now)
    free = maya_starts(database, now, day)
    lunch = (day.replace(hour=12), day.replace(hour=14))
    google.busy[MAYA] = [(lunch[0].isoformat(), lunch[1].isoformat())]
    calendar.current()._cache.clear()
    after = maya_starts(database, now, day)
    blocked = [s for s in free if s < lunch[1] and s + timedelta(minutes=30) > lunch[0]]
    assert blocked and not set(blocked) & set(after)
    assert set(after) == set(free) - set(blocked)  # nothing else lost
    assert google.tokens_issued == 1  # one token, reused


def test_a_calendar_freebusy_cannot_read_is_never_offered_as_free(database, google, now):
    google.broken.add(MAYA)
    assert maya_starts(database, now, a_day_ahead(now)) == []
    other = engine.availability(
        database[GLOW], "HydraFacial", now=now, day=a_day_ahead(now).date(), limit=50
    )
    offered_by = {slot["provider"] for slot in other["slots"]}
    assert offered_by and "Dr. Maya Patel" not in offered_by  # the others still are


def test_google_down_means_unknown_times_not_free_ones(database, google, now):
    google.fail_next(50, status=503)
    assert maya_starts(database, now, a_day_ahead(now)) == []


def test_freebusy_answers_are_cached_briefly(database, google, now):
    ticks = [0.0]
    backend = calendar.current()
    backend.clock = lambda: ticks[0]
    day = a_day_ahead(now)
    maya_starts(database, now, day)
    maya_starts(database, now + timedelta(seconds=7), day)  # each check has its own "now"
    asks = [r for r in google.requests if r[1].endswith("/freeBusy")]
    assert len(asks) == 1
    ticks[0] = backend.cache_s + 1
    maya_starts(database, now, day)
    assert len([r for r in google.requests if r[1].endswith("/freeBusy")]) == 2


def test_a_booking_asks_the_providers_calendar_anew_not_the_cache(database, google, now):
    day = a_day_ahead(now)
    start = day.replace(hour=10)
    assert start in maya_starts(database, now, day)  # cached: free
    google.busy[MAYA] = [(start.isoformat(), (start + timedelta(hours=1)).isoformat())]
    with pytest.raises(BookingError) as taken:  # a rep booked lunch a moment ago
        engine.book(
            BookingRequest(
                clinic_id=database[GLOW],
                service="Botox",
                start=start,
                customer_phone="+15555550123",
                customer_name="Ana Lopez",
                provider="Dr. Maya Patel",
            ),
            now=now,
        )
    assert taken.value.code != "deposit_unavailable"


def test_a_booking_creates_exactly_one_event_linked_back(database, google, now):
    start = a_day_ahead(now).replace(hour=10)
    appointment_id = book(database, start, now)
    assert run_due_syncs(now) == 1
    (event,) = google.events[MAYA].values()
    assert event["id"] == event_id(appointment_id)
    assert event["extendedProperties"]["private"]["appointment_id"] == str(appointment_id)
    assert datetime.fromisoformat(event["start"]["dateTime"]) == start
    assert run_due_syncs(now) == 0  # done once


def test_our_own_event_does_not_block_its_own_time(database, google, now):
    start = a_day_ahead(now).replace(hour=10)
    appointment_id = book(database, start, now)
    run_due_syncs(now)
    calendar.current()._cache.clear()
    new_start = start + timedelta(minutes=30)  # overlaps the old time: only a move allows it
    engine.reschedule(database[GLOW], appointment_id, new_start, "staff", now=now)
    run_due_syncs(now)
    (event,) = google.events[MAYA].values()
    assert datetime.fromisoformat(event["start"]["dateTime"]) == new_start


def test_google_down_at_booking_books_and_the_event_comes_once_it_is_back(database, google, now):
    start = a_day_ahead(now).replace(hour=10)
    maya_starts(database, now, a_day_ahead(now))  # freebusy read (and cached) while up
    google.fail_next(50, status=503)
    appointment_id = book(database, start, now)  # the booking does not wait for Google
    assert run_due_syncs(now) == 0
    job = Reminder.get(Reminder.kind == "calendar_sync")
    assert job.status == "pending" and job.due_at > now
    google.recover()
    assert run_due_syncs(job.due_at) == 1
    assert list(google.events[MAYA]) == [event_id(appointment_id)]


def test_a_retried_insert_answered_409_counts_as_done(database, google, now):
    appointment_id = book(database, a_day_ahead(now).replace(hour=10), now)
    backend: GoogleCalendar = calendar.current()
    backend.mirror(appointment_id)
    backend.mirror(appointment_id)  # as after a crash before the job was marked done
    assert list(google.events[MAYA]) == [event_id(appointment_id)]
    assert ("PATCH", f"/calendar/v3/calendars/{MAYA}/events/{event_id(appointment_id)}") in (
        google.requests
    )


def test_a_cancel_deletes_the_event_and_a_second_delete_is_done(database, google, now):
    appointment_id = book(database, a_day_ahead(now).replace(hour=10), now)
    run_due_syncs(now)
    engine.cancel(database[GLOW], appointment_id, "staff", "sick", now=now)
    assert run_due_syncs(now) == 1
    assert google.events[MAYA] == {}
    calendar.current().mirror(appointment_id)  # gone already: 410, and that is fine
    assert google.events[MAYA] == {}


def test_the_notifier_never_texts_a_calendar_job(database, google, now):
    from actors.reminders import send_due_reminders

    book(database, a_day_ahead(now).replace(hour=10), now)
    send_due_reminders("outbox", now)  # a staff booking's confirmation may go; nothing else
    sent = {r.kind for r in Reminder.select().where(Reminder.status == "sent")}
    assert sent <= {"confirmation"}
    assert Reminder.get(Reminder.kind == "calendar_sync").status == "pending"


def test_an_unbookable_time_stays_unbookable(database, google, now):
    day = a_day_ahead(now)
    google.busy[MAYA] = [(day.replace(hour=9).isoformat(), day.replace(hour=18).isoformat())]
    with pytest.raises(BookingError):
        book(database, day.replace(hour=10), now)


def test_a_released_deposit_hold_takes_its_event_off_the_calendar(database, google, now):
    """The release queued its calendar job and then cancelled the appointment's pending jobs,
    its own among them: the event stayed on the provider's calendar."""
    from actors.payments.events import release_hold
    from store.db import write
    from store.models import Appointment, Deposit

    appointment_id = book(database, a_day_ahead(now).replace(hour=10), now)
    run_due_syncs(now)
    with write():
        Appointment.update(status="pending_deposit").where(
            Appointment.id == appointment_id
        ).execute()
        deposit = Deposit.create(
            clinic=database[GLOW], appointment=appointment_id, amount_cents=5000, status="pending"
        )
        release_hold(deposit, now)
    assert run_due_syncs(now) == 1
    assert google.events[MAYA] == {}
