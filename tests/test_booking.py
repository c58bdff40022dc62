"""The booking state machine, checkpoint by checkpoint, with a fixed clock."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actors.booking import engine
from actors.booking.engine import BOOKING_CHECKPOINTS, BookingError, BookingRequest
from store.db import write
from store.models import Appointment, AuditLog, Deposit, Refund, Reminder

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=LA)  # Tuesday 8 AM, before opening
GLOW = "+15550100001"
ANA = "+15555550123"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=LA)


def request(database, **changes) -> BookingRequest:
    fields = dict(
        clinic_id=database[GLOW],
        service="HydraFacial",
        start=at(2, 14),
        customer_phone=ANA,
        customer_name="Ana Lopez",
        source="sms",
        actor="sms",
    )
    fields.update(changes)
    return BookingRequest(**fields)


def fails_with(database, code: str, **changes) -> BookingError:
    with pytest.raises(BookingError) as error:
        engine.book(request(database, **changes), now=NOW)
    assert error.value.code == code, error.value.message
    assert not Appointment.select().where(Appointment.status == "booked").exists() or code in (
        "slot_taken",
        "customer_overlap",
    )
    return error.value


def test_checkpoints_are_declared_in_order():
    names = [name for name, _ in BOOKING_CHECKPOINTS]
    assert names.index("service known and offered") < names.index(
        "not past, notice, horizon, open, in hours, fits, free, capped"
    )
    assert names[-1] == "customer has no overlapping appointment"


def test_a_valid_request_books_with_audit_reminder_and_event(database):
    result = engine.book(request(database), now=NOW)
    appointment = result["appointment"]
    assert result["ok"] and appointment["status"] == "booked"
    assert appointment["start"] == "2026-12-02T14:00:00-08:00"
    assert appointment["label"].startswith("Wed Dec 2, 2:00 PM with ")
    assert result["deposit"] == {"required": False, "amount": None, "status": "none", "link": None}
    assert AuditLog.select().where(AuditLog.action == "appointment.book").count() == 1
    assert Reminder.select().where(Reminder.kind == "reminder_24h").count() == 1


def test_service_with_deposit_records_it_by_policy(database):
    result = engine.book(request(database, service="botox"), now=NOW)
    assert result["deposit"]["required"] and result["deposit"]["amount"] == "$50"
    assert Deposit.get().status == "waived"  # embedded mode: no card flow


def test_unknown_service_lists_what_is_offered(database):
    error = fails_with(database, "service_unknown", service="tattoo removal")
    assert "HydraFacial" in error.message


def test_typo_in_service_name_still_books(database):
    assert engine.book(request(database, service="hydra facial"), now=NOW)["ok"]


def test_provider_who_does_not_offer_the_service_is_refused(database):
    fails_with(database, "provider_does_not_offer_service", service="Botox", provider="Jess Kim")


def test_unknown_provider_is_refused(database):
    fails_with(database, "provider_unknown", provider="Dr. Who")


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (at(1, 7), "in_past"),
        (at(1, 9), "too_soon"),  # 2 h minimum notice
        (at(1, 8) + timedelta(days=61), "beyond_horizon"),
        (at(7, 11), "clinic_closed"),  # Monday
        (at(2, 19), "outside_hours"),
        (at(2, 17, 45), "outside_hours"),  # a 60-minute facial would end after 18:00
        (at(2, 14, 5), "off_grid"),
    ],
)
def test_time_checkpoints_each_have_their_own_code_and_alternatives(database, start, code):
    error = fails_with(database, code, start=start)
    if code != "beyond_horizon":
        assert error.alternatives, "a refused time offers the nearest alternatives"


def test_unparseable_time_is_refused(database):
    fails_with(database, "invalid_time", start="next blue moon")


def test_taken_slot_offers_the_nearest_alternatives(database):
    engine.book(request(database, provider="Jess Kim"), now=NOW)
    error = fails_with(
        database,
        "slot_taken",
        provider="Jess Kim",
        customer_phone="+15555550124",
        customer_name="Bo",
    )
    starts = [alt["start"] for alt in error.alternatives]
    assert "2026-12-02T14:00:00-08:00" not in starts
    assert len(starts) == 3


def test_any_provider_takes_the_other_provider_when_one_is_booked(database):
    first = engine.book(request(database, provider="Jess Kim"), now=NOW)
    second = engine.book(
        request(database, customer_phone="+15555550124", customer_name="Bo"), now=NOW
    )
    assert first["appointment"]["provider"] != second["appointment"]["provider"]


def test_customer_cannot_overlap_their_own_appointment(database):
    engine.book(request(database, provider="Jess Kim"), now=NOW)  # Dr. Patel stays free
    fails_with(database, "customer_overlap", service="Consultation", start=at(2, 14, 30))


def test_new_customer_must_give_a_name(database):
    fails_with(database, "name_required", customer_name=None)


def test_returning_customer_is_recognised_without_a_name(database):
    engine.book(request(database), now=NOW)
    again = engine.book(request(database, customer_name=None, start=at(3, 10)), now=NOW)
    assert again["appointment"]["customer"]["name"] == "Ana Lopez"


def test_invalid_phone_is_refused(database):
    fails_with(database, "phone_invalid", customer_phone="555-0123")


def test_retried_booking_with_the_same_idempotency_key_books_once(database):
    first = engine.book(request(database, idempotency_key="turn-1:0"), now=NOW)
    again = engine.book(request(database, idempotency_key="turn-1:0"), now=NOW)
    assert first["appointment"]["id"] == again["appointment"]["id"]
    assert Appointment.select().count() == 1


def test_reschedule_moves_the_same_appointment_and_its_reminder(database):
    booked = engine.book(request(database), now=NOW)["appointment"]
    moved = engine.reschedule(database[GLOW], booked["id"], at(4, 10), "sms", now=NOW)
    assert moved["appointment"]["id"] == booked["id"]
    assert moved["appointment"]["start"] == "2026-12-04T10:00:00-08:00"
    pending = Reminder.select().where(
        (Reminder.status == "pending") & (Reminder.kind != "calendar_sync")
    )
    utc = ZoneInfo("UTC")
    assert {r.kind: r.due_at for r in pending} == {
        "reminder_24h": at(3, 10).astimezone(utc),  # moved with the visit
        "reminder_2h": at(4, 8).astimezone(utc),
        "follow_up": datetime.fromisoformat(moved["appointment"]["end"]).astimezone(utc)
        + timedelta(hours=2),
    }


def test_reschedule_into_its_own_old_slot_neighbourhood_is_allowed(database):
    booked = engine.book(request(database), now=NOW)["appointment"]
    moved = engine.reschedule(database[GLOW], booked["id"], at(2, 14, 15), "sms", now=NOW)
    assert moved["appointment"]["start"].startswith("2026-12-02T14:15")


def _paid_botox(database, start: datetime) -> dict:
    booked = engine.book(request(database, service="Botox", start=start), now=NOW)
    with write():
        Deposit.update(status="paid").execute()
    return booked["appointment"]


def test_cancel_early_refunds_a_paid_deposit_and_keeps_the_row(database):
    appointment = _paid_botox(database, at(5, 10))
    result = engine.cancel(database[GLOW], appointment["id"], "sms", "feeling sick", now=NOW)
    assert result["deposit"] == "refunded"
    row = Appointment.get_by_id(appointment["id"])
    assert (row.status, row.cancel_reason, row.cancelled_by) == ("cancelled", "feeling sick", "sms")
    assert Refund.get().amount_cents == 5000


def test_late_cancel_keeps_the_deposit(database):
    appointment = _paid_botox(database, at(1, 15))  # 7 hours after NOW: inside 24 h
    assert engine.cancel(database[GLOW], appointment["id"], "sms", now=NOW)["deposit"] == "kept"
    assert not Refund.select().exists()


def test_cancelling_twice_changes_nothing_the_second_time(database):
    appointment = _paid_botox(database, at(5, 10))
    engine.cancel(database[GLOW], appointment["id"], "sms", now=NOW)
    again = engine.cancel(database[GLOW], appointment["id"], "sms", now=NOW)
    assert again["deposit"] == "refunded" and Refund.select().count() == 1


def test_another_clinics_appointment_cannot_be_cancelled(database):
    appointment = engine.book(request(database), now=NOW)["appointment"]
    with pytest.raises(BookingError) as error:
        engine.cancel(database["+15550100002"], appointment["id"], "sms", now=NOW)
    assert error.value.code == "not_found"


def _attempt(args) -> str:
    path, clinic_id, n = args
    from pathlib import Path

    from store.db import open_database

    open_database(Path(path))
    try:
        engine.book(
            BookingRequest(
                clinic_id=clinic_id,
                service="HydraFacial",
                provider="Jess Kim",
                start=at(2, 14),
                customer_phone=f"+1555555{n:04d}",
                customer_name=f"Customer {n}",
            ),
            now=NOW,
        )
    except BookingError as error:
        return error.code
    return "won"


@pytest.mark.slow
def test_of_50_concurrent_attempts_at_one_slot_exactly_one_wins(database, settings):
    ctx = multiprocessing.get_context("spawn")
    jobs = [(str(settings.database_path), database[GLOW], n) for n in range(50)]
    with ctx.Pool(8) as pool:
        outcomes = pool.map(_attempt, jobs)
    assert outcomes.count("won") == 1
    assert set(outcomes) == {"won", "slot_taken"}
    assert Appointment.select().count() == 1


def test_a_service_or_provider_named_in_superscript_digits_is_simply_not_found(database):
    """ "¹" passes str.isdigit but not int(): it crashed the calendar actor (the fuzz test's
    GET /api/availability?service=¹ waited 10 s for a 503)."""
    with pytest.raises(BookingError) as refused:
        engine.availability(database[GLOW], "¹", NOW, provider="²")
    assert refused.value.code != "internal"
