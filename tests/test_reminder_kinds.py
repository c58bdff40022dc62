"""Every kind of appointment text fires once, on time, and is checked again when it is due:
the visit must still be as planned, the number not opted out, the text not past its point.
A controllable clock throughout: each call says what time it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actors.booking import engine
from actors.booking.engine import BookingRequest
from actors.reminder_plan import plan_reminders
from actors.reminders import send_due_reminders
from store.db import write
from store.models import Appointment, AuditLog, Clinic, Deposit, Message, Reminder
from store.sms import set_opt_out
from tests.helpers import http
from tests.sms_helpers import conversation, text

LA = ZoneInfo("America/Los_Angeles")
ANA = "+15555550123"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=LA)


def book(source="sms", service="HydraFacial", start=None, now=None):
    request = BookingRequest(1, service, start or at(3, 14), ANA, "Ana", source=source)
    return engine.book(request, now=now or at(1, 9))["appointment"]


def texts_at(now: datetime) -> list[str]:
    return [Message.get_by_id(m).text for m in send_due_reminders("outbox", now=now)]


def jobs() -> dict[str, str]:
    query = Reminder.select().where(Reminder.kind != "calendar_sync")
    return {r.kind: r.status for r in query}


def test_a_texted_booking_is_reminded_a_day_and_two_hours_ahead_and_thanked_after(database):
    Clinic.update(review_url="https://g.page/glow/review").where(Clinic.id == 1).execute()
    book()  # Thu Dec 3, 14:00-15:00
    assert texts_at(at(1, 9, 1)) == []  # a texted booking's reply was its confirmation
    assert texts_at(at(2, 13, 59)) == []
    (day_ahead,) = texts_at(at(2, 14))
    assert "Thu Dec 3 at 2:00 PM" in day_ahead and "HydraFacial" in day_ahead
    (soon,) = texts_at(at(3, 12))
    assert "Reply C to confirm or R to reschedule" in soon
    assert texts_at(at(3, 16, 59)) == []
    (thanks,) = texts_at(at(3, 17))
    assert "https://g.page/glow/review" in thanks
    assert texts_at(at(4, 12)) == []  # each once
    assert jobs() == {"reminder_24h": "sent", "reminder_2h": "sent", "follow_up": "sent"}


def test_a_staff_booking_is_confirmed_by_text(database):
    book(source="staff")
    (confirmed,) = texts_at(at(1, 9, 1))
    assert confirmed.startswith("Glow Med Spa: you're booked for HydraFacial")


def test_a_clinic_can_keep_treatments_out_of_reminders(database):
    Clinic.update(generic_reminders=True).where(Clinic.id == 1).execute()
    book()
    (day_ahead,) = texts_at(at(2, 14))
    assert "HydraFacial" not in day_ahead and "appointment" in day_ahead


def test_a_clinic_words_its_own_reminders_and_the_others_keep_the_default(database):
    own = "Hi from {clinic}! See you {when} for your {service} with {provider}."
    Clinic.update(reminder_texts={"reminder_24h": own}).where(Clinic.id == 1).execute()
    book()
    (day_ahead,) = texts_at(at(2, 14))
    assert day_ahead == (
        "Hi from Glow Med Spa! See you Thu Dec 3 at 2:00 PM for your HydraFacial with "
        "Dr. Maya Patel."
    )
    (soon,) = texts_at(at(3, 12))
    assert "Reply C to confirm or R to reschedule" in soon  # not set: the default


def test_clinic_settings_turn_the_second_reminder_and_the_thank_you_off(database):
    Clinic.update(second_reminder_hours=None, follow_up_hours=None).where(Clinic.id == 1).execute()
    book()
    assert set(jobs()) == {"reminder_24h"}


def test_a_moved_visit_is_reminded_at_its_new_time_only(database):
    booked = book()
    engine.reschedule(1, booked["id"], at(4, 10), "sms", now=at(1, 10))
    assert texts_at(at(2, 14)) == []  # the old day-ahead reminder is gone
    (day_ahead,) = texts_at(at(3, 10))
    assert "Fri Dec 4 at 10:00 AM" in day_ahead


def test_a_job_for_a_visit_moved_behind_its_back_is_not_sent(database):
    """A job remembers the start it was planned for: a visit that moved without re-planning
    (a calendar edit, a bug) gets no reminder with the wrong time."""
    booked = book()
    Appointment.update(start_at=at(5, 10).astimezone(UTC), end_at=at(5, 11).astimezone(UTC)).where(
        Appointment.id == booked["id"]
    ).execute()
    assert texts_at(at(2, 14)) == []
    assert jobs()["reminder_24h"] == "cancelled"


def test_cancel_drops_them_and_an_opt_out_before_sending_stops_them(database):
    first = book()
    engine.cancel(1, first["id"], "staff", now=at(1, 10))
    assert texts_at(at(4, 0)) == []
    book(start=at(4, 14), now=at(1, 10))
    with write():
        set_opt_out(1, ANA, True, "STOP")
    assert texts_at(at(3, 14)) == []
    assert Message.select().count() == 0


def test_after_downtime_a_reminder_past_its_visit_is_skipped_and_marked(database):
    book()
    assert texts_at(at(3, 14, 30)) == []  # the service was down until after the visit began
    statuses = jobs()
    assert statuses["reminder_24h"] == "skipped" and statuses["reminder_2h"] == "skipped"
    assert statuses["follow_up"] == "pending"  # still to come, and still worth sending


def test_a_no_show_is_told_their_deposit_was_kept(database):
    booked = book(service="Botox", start=at(3, 11))
    with write():
        Deposit.delete().where(Deposit.appointment == booked["id"]).execute()
        Deposit.create(clinic=1, appointment=booked["id"], amount_cents=5000, status="paid")
    engine.mark_no_show(1, booked["id"], "staff", now=at(3, 12))
    (missed,) = texts_at(at(3, 12, 1))
    assert "we missed you" in missed and "$50" in missed and "kept" in missed
    assert jobs()["follow_up"] == "cancelled"  # no thank-you for a visit that did not happen


def test_an_unpaid_hold_gets_one_nudge_before_it_lapses(database):
    booked = book(service="Botox", start=at(3, 11))
    appointment = Appointment.get_by_id(booked["id"])
    with write():
        Deposit.delete().where(Deposit.appointment == appointment).execute()
        Deposit.create(
            clinic=1,
            appointment=appointment,
            amount_cents=5000,
            status="pending",
            checkout_url="https://checkout.stripe.com/c/pay/cs_test_1",
            hold_until=at(1, 9, 45).astimezone(UTC),
        )
        Appointment.update(status="pending_deposit").where(
            Appointment.id == appointment.id
        ).execute()
        Reminder.delete().where(Reminder.appointment == appointment).execute()
        plan_reminders(Appointment.get_by_id(appointment.id), at(1, 9), new_booking=False)
    assert texts_at(at(1, 9, 34)) == []
    (nudge,) = texts_at(at(1, 9, 35))
    assert "held until 9:45 AM" in nudge and "cs_test_1" in nudge


@pytest.mark.multiproc
def test_c_confirms_and_r_reschedules_in_reply_to_the_two_hour_reminder(gateway):
    conversation(gateway, "book a hydrafacial next tuesday at 2pm", "Ana Lopez", "yes")
    visit = Appointment.get()
    assert text(gateway, "C")  # before any reminder, C is just a letter to the brain
    assert not AuditLog.select().where(AuditLog.action == "appointment.confirm").exists()

    send_due_reminders("outbox", now=visit.start_at - timedelta(hours=2))
    (confirmed,) = text(gateway, "C")
    assert confirmed.startswith("Thanks, you're confirmed for")
    assert AuditLog.get(AuditLog.action == "appointment.confirm").entity_id == str(visit.id)

    (asked,) = text(gateway, "r")  # R: the reschedule flow, about this visit
    assert "would you like to move your HydraFacial" in asked

    token = gateway.token(role="staff")
    _, _, shown = http("GET", f"{gateway.url}/api/appointments/{visit.id}", token=token)
    kinds = {r["kind"]: r for r in shown["reminders"]}
    assert kinds["reminder_2h"]["status"] == "sent" and kinds["reminder_2h"]["message_id"]
    assert kinds["follow_up"]["status"] == "scheduled"
    assert kinds["follow_up"]["due_at"].endswith(("-08:00", "-07:00"))


def test_a_claim_cut_off_by_a_crash_is_taken_again_once_and_sent_once(database):
    """kill -9 after claiming a job and before recording it: the claim lapses and the job is
    sent by the next tick, once. The text and the job's "sent" commit together, so there is no
    moment in which one exists without the other."""
    from actors.reminders import CLAIM_S
    from store.jobs import claim_due

    book()
    due = at(2, 14)
    (_claimed,) = claim_due(Reminder.kind == "reminder_24h", due, CLAIM_S, 50)  # then it died
    assert texts_at(due) == []  # another notifier, meanwhile: the claim holds
    later = due + timedelta(seconds=CLAIM_S + 1)
    assert len(texts_at(later)) == 1
    assert texts_at(later + timedelta(minutes=5)) == []
    assert Message.select().count() == 1


def test_two_notifiers_ticking_at_once_send_each_job_once(database):
    from concurrent.futures import ThreadPoolExecutor

    for day in (3, 4, 8, 9):
        book(start=at(day, 14), now=at(1, 9))
    moment = at(8, 13)  # due: Dec 8's two reminders; Dec 3 and 4's are past their point
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: send_due_reminders("outbox", now=moment), range(2))
    assert not set(first) & set(second)
    assert len(first) + len(second) == Message.select().count() == 2


@pytest.mark.multiproc
def test_a_reminder_whose_carrier_answer_was_lost_shows_as_uncertain(gateway):
    """The notifier hands the text over; the answer never comes back (the attempt is
    ``uncertain``): staff see the reminder as uncertain, not as sent."""
    from store.models import SendAttempt

    conversation(gateway, "book a hydrafacial next tuesday at 2pm", "Ana Lopez", "yes")
    visit = Appointment.get()
    (sent,) = send_due_reminders("outbox", now=visit.start_at - timedelta(hours=24))
    with write():  # what the notifier records when the carrier's answer is lost
        SendAttempt.create(clinic=visit.clinic_id, message=sent, outcome="uncertain")
    token = gateway.token(role="staff")
    _, _, shown = http("GET", f"{gateway.url}/api/appointments/{visit.id}", token=token)
    kinds = {r["kind"]: r["status"] for r in shown["reminders"]}
    assert kinds["reminder_24h"] == "uncertain" and kinds["reminder_2h"] == "scheduled"


@pytest.mark.multiproc
@pytest.mark.parametrize(
    "texts, problem",
    [
        ({"reminder_24h": "See you {whenever}"}, "not a blank"),
        ({"reminder_24h": "See you {when.year}"}, "not a blank"),
        ({"reminder_24h": "See you {when!r}"}, "not a blank"),
        ({"reminder_24h": "See you {"}, "brace"),
        ({"deposit_reminder": "Please pay soon"}, "{link}"),
        ({"birthday": "Happy birthday"}, "no text kind"),
        ({"reminder_24h": 5}, "string or null"),
        ({"reminder_24h": "x" * 481}, "longer than"),
    ],
)
def test_a_wording_that_could_not_be_filled_is_refused(gateway, texts, problem):
    token = gateway.token(role="admin")
    status, _, refused = http(
        "PATCH", f"{gateway.url}/api/clinic", {"reminder_texts": texts}, token
    )
    assert status == 400 and problem in refused["error"]["message"], refused


@pytest.mark.multiproc
def test_wording_is_merged_by_kind_and_null_restores_the_default(gateway):
    token = gateway.token(role="admin")
    url = f"{gateway.url}/api/clinic"
    first = {"reminder_24h": "See you {when}", "follow_up": "Thanks! {review_link}"}
    assert http("PATCH", url, {"reminder_texts": first}, token)[0] == 200
    change = {"reminder_texts": {"follow_up": None, "confirmation": "Booked: {when}"}}
    _, _, shown = http("PATCH", url, change, token)
    assert shown["reminder_texts"] == {
        "reminder_24h": "See you {when}",
        "confirmation": "Booked: {when}",
    }
