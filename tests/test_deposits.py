"""Card deposits end to end in one process: the hold, Stripe's events, the lapse sweep, refunds.

The real stripe SDK against a local stateful Stripe; events are stored as the webhook stores
them and applied as the payments actor applies them, with the clock passed in."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actors import payments
from actors.booking import engine
from actors.booking.engine import BookingError, BookingRequest
from actors.payments.events import (
    apply_stored_events,
    open_unopened_deposits,
    release_lapsed_holds,
)
from actors.wording import sms as wording
from store.models import Appointment, DashboardEvent, Deposit, Refund, Reminder, WebhookEvent
from store.settings import Backends
from store.webhooks import store_event
from tests.fakes.stripe_server import API_KEY, FakeStripe

LA = ZoneInfo("America/Los_Angeles")
GLOW = "+15550100001"
ANA, BO = "+15555550123", "+15555550124"


@pytest.fixture
def stripe(settings, database):
    with FakeStripe() as fake:
        configured = settings.replace(
            backends=Backends(payments="stripe"),
            stripe_api_key=API_KEY,
            stripe_webhook_secret="whsec_test",
            stripe_api_base=fake.url,
        )
        payments.use(configured)
        try:
            yield fake
        finally:
            payments.use(settings)


@pytest.fixture
def now():
    return datetime.now(LA).replace(microsecond=0)


def botox_slot(database, now: datetime) -> datetime:
    """A free Botox time two days or more ahead: well outside notice and refund windows."""
    near = now + timedelta(days=2)
    slots = engine.availability(database[GLOW], "Botox", now=now, near=near, limit=1)["slots"]
    return datetime.fromisoformat(slots[0]["start"])


def book(database, start: datetime, now: datetime, customer: str = ANA, name: str = "Ana"):
    request = BookingRequest(
        clinic_id=database[GLOW],
        service="Botox",
        start=start,
        customer_phone=customer,
        customer_name=name,
        provider="Dr. Maya Patel",
        source="sms",  # the reply carries the link: no separate text
    )
    return engine.book(request, now=now)


def deliver(fake: FakeStripe, event_type: str, session_id: str, event_id: str | None = None):
    """Store a Stripe event as the webhook does (the id decides whether it is new)."""
    session = fake.sessions[session_id]
    event = {
        "id": event_id or f"evt_{event_type}_{session_id}",
        "object": "event",
        "type": event_type,
        "data": {"object": {k: v for k, v in session.items() if not k.startswith("payment_")}},
    }
    return store_event("stripe", event["id"], event_type, event)


def held(database, fake, now):
    start = botox_slot(database, now)
    result = book(database, start, now)
    appointment = Appointment.get_by_id(result["appointment"]["id"])
    return start, appointment, Deposit.get(Deposit.appointment == appointment)


def texts_to(phone: str) -> list[str]:
    rows = Reminder.select().where(Reminder.kind == "customer_text").order_by(Reminder.id)
    return [r.payload["text"] for r in rows if r.payload["phone"] == phone]


def test_a_botox_booking_is_held_and_the_reply_carries_the_link(database, stripe, now):
    start = botox_slot(database, now)
    result = book(database, start, now)
    appointment = Appointment.get_by_id(result["appointment"]["id"])
    deposit = Deposit.get(Deposit.appointment == appointment)
    session = stripe.sessions[deposit.external_id]
    assert appointment.status == "pending_deposit" and deposit.status == "pending"
    assert session["metadata"]["appointment_id"] == str(appointment.id)
    assert session["amount_total"] == 5000
    assert deposit.hold_until == now + timedelta(minutes=31)  # Stripe's 30 and a minute
    assert (deposit.refund_window_h, deposit.refund_percent) == (24, 100)  # the policy copied
    reply = wording.booked("Botox", "Dr. Maya Patel", "Tue", result["deposit"])
    assert session["url"] in reply.split()  # verbatim, as its own word


def test_the_held_time_is_taken_for_everyone_else(database, stripe, now):
    start, _, _ = held(database, stripe, now)
    with pytest.raises(BookingError) as taken:
        book(database, start, now, customer=BO, name="Bo")
    assert taken.value.code == "slot_taken"


def test_stripe_down_at_booking_books_nothing(database, stripe, now):
    stripe.fail_next(5, status=503)
    with pytest.raises(BookingError) as failed:
        book(database, botox_slot(database, now), now)
    assert failed.value.code == "deposit_unavailable"
    holding = Appointment.select().where(Appointment.status.in_(("booked", "pending_deposit")))
    assert not holding.exists()  # the hold made before Stripe was asked is gone again
    assert Appointment.get().cancel_reason == "deposit_unavailable"
    stripe.recover()
    assert book(database, botox_slot(database, now), now, customer=BO, name="Bo")["ok"]


def test_a_hold_whose_link_was_never_made_gets_it_by_the_sweep(database, stripe, now):
    """As if the process died after the booking committed and before Stripe answered."""
    _, _, deposit = held(database, stripe, now)
    Deposit.update(external_id=None, checkout_url=None).where(Deposit.id == deposit.id).execute()
    assert open_unopened_deposits(now + timedelta(seconds=30)) == 0  # maybe still on its way
    assert open_unopened_deposits(now + timedelta(minutes=2)) == 1
    reopened = Deposit.get_by_id(deposit.id)
    assert reopened.external_id == deposit.external_id  # the same session: one per deposit
    assert len(stripe.sessions) == 1
    assert reopened.checkout_url in texts_to(ANA)[-1].split()


@pytest.mark.parametrize("source", ["staff", "call"])
def test_a_staff_or_phone_booking_texts_the_customer_the_link(database, stripe, now, source):
    """A caller cannot click a spoken link: it reaches them by text."""
    request = BookingRequest(
        clinic_id=database[GLOW],
        service="Botox",
        start=botox_slot(database, now),
        customer_phone=ANA,
        customer_name="Ana",
        source=source,
        actor=source,
    )
    engine.book(request, now=now)
    (session,) = stripe.sessions.values()
    assert session["url"] in texts_to(ANA)[-1].split()


def test_the_paid_event_books_it_once_though_delivered_three_times(database, stripe, now):
    _, appointment, deposit = held(database, stripe, now)
    stripe.pay(deposit.external_id)
    stored = [deliver(stripe, "checkout.session.completed", deposit.external_id) for _ in range(3)]
    assert stored == [True, False, False]
    assert apply_stored_events(now) == 1
    assert apply_stored_events(now) == 0
    assert Appointment.get_by_id(appointment.id).status == "booked"
    assert Deposit.get_by_id(deposit.id).status == "paid"
    assert len(texts_to(ANA)) == 1 and "paid" in texts_to(ANA)[0]
    paid = DashboardEvent.select().where(DashboardEvent.type == "deposit.paid")
    assert paid.count() == 1


def test_a_forged_paid_event_for_an_unpaid_session_books_nothing(database, stripe, now):
    """The event's copy is not trusted: the session is asked again."""
    _, appointment, deposit = held(database, stripe, now)
    deliver(stripe, "checkout.session.completed", deposit.external_id)
    apply_stored_events(now)
    assert Appointment.get_by_id(appointment.id).status == "pending_deposit"


def test_an_expired_event_after_the_payment_undoes_nothing(database, stripe, now):
    _, appointment, deposit = held(database, stripe, now)
    stripe.pay(deposit.external_id)
    deliver(stripe, "checkout.session.completed", deposit.external_id)
    deliver(stripe, "checkout.session.expired", deposit.external_id)
    apply_stored_events(now)
    assert Appointment.get_by_id(appointment.id).status == "booked"
    assert Deposit.get_by_id(deposit.id).status == "paid"


def test_an_unpaid_hold_lapses_by_the_clock_and_frees_the_time(database, stripe, now):
    start, appointment, deposit = held(database, stripe, now)
    assert release_lapsed_holds(now + timedelta(minutes=30)) == 0
    assert release_lapsed_holds(now + timedelta(minutes=32)) == 1
    gone = Appointment.get_by_id(appointment.id)
    assert (gone.status, gone.cancel_reason) == ("cancelled", "deposit_expired")
    assert Deposit.get_by_id(deposit.id).status == "expired"
    assert stripe.sessions[deposit.external_id]["status"] == "expired"  # the link is dead
    assert "Nothing was charged" in texts_to(ANA)[-1]
    later = now + timedelta(minutes=33)
    assert book(database, start, later, customer=BO, name="Bo")["ok"]  # free again


def test_the_expired_event_releases_the_hold_too(database, stripe, now):
    _, appointment, deposit = held(database, stripe, now)
    deliver(stripe, "checkout.session.expired", deposit.external_id)
    apply_stored_events(now)
    assert Appointment.get_by_id(appointment.id).cancel_reason == "deposit_expired"


def test_paid_after_the_release_books_the_time_if_nobody_took_it(database, stripe, now):
    _, appointment, deposit = held(database, stripe, now)
    release_lapsed_holds(now + timedelta(minutes=32))
    stripe.sessions[deposit.external_id]["status"] = "open"  # paid in the last second
    stripe.pay(deposit.external_id)
    deliver(stripe, "checkout.session.completed", deposit.external_id)
    apply_stored_events(now + timedelta(minutes=33))
    assert Appointment.get_by_id(appointment.id).status == "booked"
    assert Refund.select().count() == 0


def test_paid_after_someone_else_took_the_time_is_refunded_and_explained(database, stripe, now):
    start, appointment, deposit = held(database, stripe, now)
    release_lapsed_holds(now + timedelta(minutes=32))
    book(database, start, now + timedelta(minutes=33), customer=BO, name="Bo")
    stripe.sessions[deposit.external_id]["status"] = "open"
    stripe.pay(deposit.external_id)
    deliver(stripe, "checkout.session.completed", deposit.external_id)
    apply_stored_events(now + timedelta(minutes=34))
    assert Appointment.get_by_id(appointment.id).status == "cancelled"
    assert [r["amount"] for r in stripe.refunds.values()] == [5000]
    assert "refunded" in texts_to(ANA)[-1]


def paid(database, stripe, now):
    _start, appointment, deposit = held(database, stripe, now)
    stripe.pay(deposit.external_id)
    deliver(stripe, "checkout.session.completed", deposit.external_id)
    apply_stored_events(now)
    return appointment, deposit


def test_a_cancel_days_ahead_refunds_exactly_once(database, stripe, now):
    appointment, _deposit = paid(database, stripe, now)
    first = engine.cancel(database[GLOW], appointment.id, "sms", "change of plans", now=now)
    again = engine.cancel(database[GLOW], appointment.id, "sms", "change of plans", now=now)
    assert first["deposit"] == again["deposit"] == "refunded"
    assert [r["amount"] for r in stripe.refunds.values()] == [5000]
    assert Refund.get().external_id in stripe.refunds


@pytest.mark.parametrize("event_type", ["refund.updated", "charge.refunded"])
def test_stripe_telling_of_a_refund_updates_it(database, stripe, now, event_type):
    appointment, _ = paid(database, stripe, now)
    engine.cancel(database[GLOW], appointment.id, "sms", "", now=now)
    refund = Refund.get()
    Refund.update(status="pending").execute()
    data = {"id": refund.external_id, "object": "refund", "status": "succeeded"}
    if event_type == "charge.refunded":
        data = {"id": "ch_1", "object": "charge", "refunds": {"data": [data]}}
    event = {"id": f"evt_{event_type}", "type": event_type, "data": {"object": data}}
    store_event("stripe", event["id"], event_type, event)
    apply_stored_events(now)
    assert Refund.get_by_id(refund.id).status == "succeeded"


def test_a_late_cancel_keeps_the_deposit(database, stripe, now):
    appointment, _deposit = paid(database, stripe, now)
    late = appointment.start_at - timedelta(hours=2)
    assert engine.cancel(database[GLOW], appointment.id, "sms", "", now=late)["deposit"] == "kept"
    assert stripe.refunds == {}


def test_a_policy_change_after_booking_does_not_rewrite_the_refund(database, stripe, now):
    from store.models import Clinic

    appointment, _deposit = paid(database, stripe, now)
    Clinic.update(refund_percent=0, refund_window_h=9999).where(
        Clinic.id == database[GLOW]
    ).execute()
    assert (
        engine.cancel(database[GLOW], appointment.id, "sms", "", now=now)["deposit"] == "refunded"
    )


def test_stripe_down_at_cancel_leaves_the_visit_booked(database, stripe, now):
    appointment, deposit = paid(database, stripe, now)
    stripe.fail_next(10, status=503)
    with pytest.raises(BookingError) as failed:
        engine.cancel(database[GLOW], appointment.id, "sms", "", now=now)
    assert failed.value.code == "deposit_unavailable"
    assert Appointment.get_by_id(appointment.id).status == "booked"
    assert Deposit.get_by_id(deposit.id).status == "paid" and Refund.select().count() == 0


def test_an_event_stored_while_stripe_is_down_is_applied_when_it_is_back(database, stripe, now):
    _, appointment, deposit = held(database, stripe, now)
    stripe.pay(deposit.external_id)
    deliver(stripe, "checkout.session.completed", deposit.external_id)
    stripe.fail_next(10, status=503)
    assert apply_stored_events(now) == 0
    assert WebhookEvent.get(WebhookEvent.provider == "stripe").processed_at is None
    stripe.recover()
    assert apply_stored_events(now) == 1
    assert Appointment.get_by_id(appointment.id).status == "booked"


def _race(args) -> str:
    from pathlib import Path

    from store.db import open_database

    path, clinic_id, start, n = args
    open_database(Path(path))
    try:
        engine.book(
            BookingRequest(
                clinic_id=clinic_id,
                service="Botox",
                start=datetime.fromisoformat(start),
                customer_phone=f"+1555555{n:04d}",
                customer_name=f"Customer {n}",
                provider="Dr. Maya Patel",
            ),
        )
    except BookingError as error:
        return error.code
    return "won"


@pytest.mark.slow
def test_50_attempts_at_a_held_time_all_lose_while_the_hold_is_pending(
    database, settings, stripe, now
):
    start, _appointment, _ = held(database, stripe, now)
    ctx = multiprocessing.get_context("spawn")
    jobs = [(str(settings.database_path), database[GLOW], start.isoformat(), n) for n in range(50)]
    with ctx.Pool(8) as pool:
        outcomes = pool.map(_race, jobs)
    assert set(outcomes) == {"slot_taken"}
    assert Appointment.select().count() == 1


def test_a_lapsed_hold_goes_to_the_waitlist_whose_yes_is_held_for_its_own_deposit(
    database, stripe, now
):
    """The freed time is offered to the first on the waitlist; their YES books through the
    same checkpoints, so it too waits for a deposit, with its own Stripe link."""
    from actors.reminders import send_due_reminders
    from actors.waitlist import answer_offer
    from store.db import write
    from store.models import Clinic, Message, Service
    from store.sms import record_message, thread_for
    from store.waitlist import join

    clinic = database[GLOW]
    botox = Service.get((Service.clinic == clinic) & (Service.name == "Botox"))
    away = [f"{(now + timedelta(hours=h)):%H}:00" for h in (6, 7)]  # the real clock: not quiet
    Clinic.update(quiet_hours_start=away[0], quiet_hours_end=away[1]).execute()
    start, _, _ = held(database, stripe, now)
    join(clinic, BO, botox.id, name="Bo", now=now)
    release_lapsed_holds(now + timedelta(minutes=32))
    later = now + timedelta(minutes=33)
    texted = [Message.get_by_id(m) for m in send_due_reminders("outbox", now=later)]
    (offer,) = [m for m in texted if m.thread.customer_phone == BO]
    assert "Botox" in offer.text and "reply YES" in offer.text
    with write():
        record_message(thread_for(clinic, BO), "in", "yes", "received")
    (reply,) = answer_offer(Clinic.get_by_id(clinic), BO, "yes", later + timedelta(minutes=1))
    mine = Appointment.get((Appointment.start_at == start) & (Appointment.status != "cancelled"))
    deposit = Deposit.get(Deposit.appointment == mine)
    assert mine.status == "pending_deposit" and mine.customer.phone == BO
    assert stripe.sessions[deposit.external_id]["url"] in reply.split()
