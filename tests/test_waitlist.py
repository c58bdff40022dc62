"""A cancelled slot fills from the waitlist: the first customer it suits is texted an offer and
the slot is held for them; YES books it through every checkpoint, NO or silence passes it on.
A controllable clock throughout: each call says what time it is."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from actors.booking import engine
from actors.booking.engine import BookingError, BookingRequest
from actors.reminders import send_due_reminders
from actors.waitlist import answer_offer, lapse_offers
from store.db import write
from store.edits import Invalid
from store.models import (
    Appointment,
    Clinic,
    Deposit,
    Message,
    Provider,
    Reminder,
    Service,
    WaitlistEntry,
    WaitlistOffer,
)
from store.sms import record_message, set_opt_out, thread_for
from store.waitlist import join, remove

LA = ZoneInfo("America/Los_Angeles")
ANA, BEA, DAN, CARA = "+15555550123", "+15555550124", "+15555550125", "+15555550126"
TUE, THU = 1, 3


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=LA)


def service_id(name: str) -> int:
    return Service.get((Service.clinic == 1) & (Service.name == name)).id


def provider_id(name: str) -> int:
    return Provider.get((Provider.clinic == 1) & (Provider.name == name)).id


def book(phone=ANA, name="Ana", service="HydraFacial", start=None, now=None, provider=None):
    request = BookingRequest(1, service, start or at(8, 14), phone, name, provider=provider)
    return engine.book(request, now=now or at(1, 9))["appointment"]


def wait(phone, name, service="HydraFacial", now=None, **wish):
    return join(1, phone, service_id(service), name=name, now=now or at(1, 9), **wish)


def offers_at(now: datetime) -> dict[str, str]:
    """Run the notifier's sweep; the offers it texted, by customer phone."""
    sent = {}
    for message_id in send_due_reminders("outbox", now=now):
        message = Message.get_by_id(message_id)
        sent[message.thread.customer_phone] = message.text
    return sent


def reply(phone: str, text: str, now: datetime) -> list[str] | None:
    """What the SMS thread does with a text before the brain: record it, then answer it."""
    with write():
        record_message(thread_for(1, phone), "in", text, "received")
    return answer_offer(Clinic.get_by_id(1), phone, text, now)


def cancel(appointment: dict, now: datetime) -> None:
    engine.cancel(1, appointment["id"], "staff", now=now)


def test_a_cancelled_slot_is_offered_held_and_booked_by_yes(database):
    visit = book()  # Tue Dec 8, 14:00, Ana
    wait(BEA, "Bea Ruiz", weekdays=[TUE, THU], part_of_day="afternoon")
    cancel(visit, at(2, 10))
    offered = offers_at(at(2, 10))
    assert set(offered) == {BEA}
    assert "HydraFacial" in offered[BEA] and "Tue Dec 8 at 2:00 PM" in offered[BEA]
    assert "held for you for 15 minutes" in offered[BEA] and "reply YES" in offered[BEA]

    # While it is held, no one else can book it
    with pytest.raises(BookingError):
        book(CARA, "Cara", start=at(8, 14), now=at(2, 10, 5), provider=visit["provider"])

    (booked,) = reply(BEA, "yes please", at(2, 10, 6))
    assert booked.startswith("You're booked! HydraFacial") and "Tue Dec 8 at 2:00 PM" in booked
    mine = Appointment.get(Appointment.customer.in_(_customers(BEA)))
    assert mine.start_at == at(8, 14) and mine.status == "booked"
    assert WaitlistEntry.get().status == "booked"
    assert WaitlistOffer.get().status == "accepted"
    assert offers_at(at(2, 11)) == {}  # nothing left to offer


def _customers(phone):
    from store.models import Customer

    return Customer.select(Customer.id).where(Customer.phone == phone)


def test_no_passes_the_slot_to_the_next_in_line(database):
    visit = book()
    wait(BEA, "Bea Ruiz", now=at(1, 9))
    wait(DAN, "Dan Cho", now=at(1, 9, 5))
    cancel(visit, at(2, 10))
    assert set(offers_at(at(2, 10))) == {BEA}  # first come, first offered
    (passed,) = reply(BEA, "no thanks", at(2, 10, 2))
    assert "still on the waitlist for HydraFacial" in passed
    assert set(offers_at(at(2, 10, 2))) == {DAN}
    assert reply(DAN, "Yes", at(2, 10, 4))[0].startswith("You're booked!")
    assert WaitlistEntry.get(WaitlistEntry.customer.in_(_customers(BEA))).status == "waiting"


def test_silence_lapses_the_hold_and_a_late_yes_is_told_it_went_on(database):
    visit = book()
    wait(BEA, "Bea Ruiz", now=at(1, 9))
    wait(DAN, "Dan Cho", now=at(1, 9, 5))
    cancel(visit, at(2, 10))
    assert set(offers_at(at(2, 10))) == {BEA}
    assert lapse_offers(at(2, 10, 14)) == 0  # still held
    assert lapse_offers(at(2, 10, 15)) == 1
    assert set(offers_at(at(2, 10, 15))) == {DAN}
    (gone,) = reply(BEA, "YES", at(2, 10, 16))
    assert "no longer held" in gone and "still on the waitlist" in gone
    assert reply(DAN, "yes", at(2, 10, 17))[0].startswith("You're booked!")
    assert Appointment.select().where(Appointment.status == "booked").count() == 1


def test_two_customers_answering_yes_only_the_holder_books(database):
    visit = book()
    wait(BEA, "Bea Ruiz", now=at(1, 9))
    wait(DAN, "Dan Cho", now=at(1, 9, 5))
    cancel(visit, at(2, 10))
    offers_at(at(2, 10))
    lapse_offers(at(2, 10, 15))
    offers_at(at(2, 10, 15))  # Dan holds it now
    moment = at(2, 10, 20)
    with ThreadPoolExecutor(2) as pool:
        bea, dan = pool.map(lambda p: reply(p, "yes", moment), (BEA, DAN))
    assert "no longer held" in bea[0]
    assert dan[0].startswith("You're booked!")
    assert Appointment.select().where(Appointment.status == "booked").count() == 1


def test_a_yes_after_the_hold_but_before_the_sweep_does_not_book(database):
    visit = book()
    wait(BEA, "Bea Ruiz")
    wait(DAN, "Dan Cho", now=at(1, 9, 5))
    cancel(visit, at(2, 10))
    offers_at(at(2, 10))
    (gone,) = reply(BEA, "yes", at(2, 10, 30))  # the housekeeping tick has not run yet
    assert "no longer held" in gone
    assert set(offers_at(at(2, 10, 30))) == {DAN}


def test_one_slot_is_never_held_for_two_customers(database):
    visit = book()
    wait(BEA, "Bea Ruiz")
    wait(DAN, "Dan Cho", now=at(1, 9, 5))
    cancel(visit, at(2, 10))
    with write():  # the same opening announced twice (a retry, a race)
        Reminder.create(clinic=1, kind="slot_freed", due_at=at(2, 10), payload=_payload(visit))
    assert set(offers_at(at(2, 10))) == {BEA}
    assert WaitlistOffer.select().where(WaitlistOffer.status == "holding").count() == 1


def _payload(visit):
    appointment = Appointment.get_by_id(visit["id"])
    return {
        "provider_id": appointment.provider_id,
        "start": appointment.start_at.isoformat(),
        "end": appointment.end_at.isoformat(),
    }


def test_an_opening_goes_only_to_wishes_it_fits(database):
    visit = book()  # a Tuesday afternoon with the provider the engine chose
    other = provider_id("Jess Kim")
    chosen = visit["provider"]
    wait(BEA, "Bea Ruiz", weekdays=[THU])  # wrong day
    wait(DAN, "Dan Cho", part_of_day="morning", now=at(1, 9, 1))  # wrong part of day
    wait(
        CARA,
        "Cara",
        provider_id=other if chosen != "Jess Kim" else provider_id("Dr. Maya Patel"),
        now=at(1, 9, 2),
    )  # wrong provider
    wait("+15555550127", "Eve", service="Botox", now=at(1, 9, 3))  # fits: a shorter visit
    cancel(visit, at(2, 10))
    offered = offers_at(at(2, 10))
    assert set(offered) == {"+15555550127"}
    assert "$50 deposit secures it" in offered["+15555550127"]


def test_a_waitlisted_yes_owes_the_services_deposit_like_any_booking(database):
    """The YES books through the engine, so the deposit checkpoint applies; with no card
    backend (the embedded default) the deposit is recorded as the clinic's policy says."""
    visit = book()
    wait(BEA, "Bea Ruiz", service="Botox")
    cancel(visit, at(2, 10))
    offers_at(at(2, 10))
    (booked,) = reply(BEA, "yes", at(2, 10, 3))
    assert "Botox" in booked and "$50 deposit" in booked
    mine = Appointment.get(Appointment.customer.in_(_customers(BEA)))
    assert Deposit.get(Deposit.appointment == mine).amount_cents == 5000


def test_offers_wait_out_quiet_hours_and_are_skipped_when_the_morning_is_too_late(database):
    late_visit = book(start=at(9, 15))
    early_visit = book(CARA, "Cara", start=at(8, 9, 30))
    wait(BEA, "Bea Ruiz")
    cancel(late_visit, at(7, 22))  # 22:00: quiet until 08:00
    cancel(early_visit, at(7, 22, 30))  # 09:30 less two hours' notice is 07:30: too late
    assert offers_at(at(7, 22, 31)) == {}
    statuses = sorted(r.status for r in Reminder.select().where(Reminder.kind == "slot_freed"))
    assert statuses == ["pending", "skipped"]
    assert offers_at(at(8, 7, 59)) == {}
    (offer,) = offers_at(at(8, 8)).values()
    assert "Wed Dec 9 at 3:00 PM" in offer


def test_an_opted_out_number_is_skipped_for_the_next(database):
    visit = book()
    wait(BEA, "Bea Ruiz")
    wait(DAN, "Dan Cho", now=at(1, 9, 5))
    with write():
        set_opt_out(1, BEA, True, "STOP")
    cancel(visit, at(2, 10))
    assert set(offers_at(at(2, 10))) == {DAN}


def test_moving_a_visit_offers_its_old_time(database):
    visit = book()
    wait(BEA, "Bea Ruiz", weekdays=[TUE])
    engine.reschedule(1, visit["id"], at(10, 10), "staff", now=at(2, 10))
    offered = offers_at(at(2, 10))
    assert "Tue Dec 8 at 2:00 PM" in offered[BEA]


def test_leaving_the_list_withdraws_a_held_offer_and_passes_it_on(database):
    visit = book()
    bea = wait(BEA, "Bea Ruiz")
    wait(DAN, "Dan Cho", now=at(1, 9, 5))
    cancel(visit, at(2, 10))
    offers_at(at(2, 10))
    shown = remove(1, bea.id, "staff", now=at(2, 10, 1))
    assert shown["status"] == "removed" and shown["offers"][0]["status"] == "withdrawn"
    assert set(offers_at(at(2, 10, 1))) == {DAN}


def test_a_wish_whose_window_has_passed_expires_instead_of_being_offered(database):
    visit = book(start=at(22, 14))
    wait(BEA, "Bea Ruiz", until_day=date(2026, 12, 10))
    cancel(visit, at(11, 10))
    assert offers_at(at(11, 10)) == {}
    assert WaitlistEntry.get().status == "expired"


def test_nothing_is_queued_when_no_one_waits(database):
    cancel(book(), at(2, 10))
    assert not Reminder.select().where(Reminder.kind == "slot_freed").exists()


def test_joining_twice_widens_the_wish_instead_of_queueing_again(database):
    first = wait(BEA, "Bea Ruiz", weekdays=[TUE])
    again = wait(BEA, "Bea Ruiz", weekdays=[TUE, THU], now=at(1, 10))
    assert first.id == again.id and again.weekdays == [TUE, THU]
    assert WaitlistEntry.select().count() == 1


@pytest.mark.parametrize(
    "wish, problem",
    [
        ({"phone": "not a number"}, "E.164"),
        ({"service_id": 999}, "no service"),
        ({"provider": "Jess Kim", "service": "Botox"}, "does not offer"),
        ({"weekdays": [7]}, "weekdays"),
        ({"part_of_day": "night"}, "part_of_day"),
        ({"until_day": date(2026, 11, 30)}, "before the window"),
        ({"until_day": date(2027, 6, 1)}, "books only 60 days"),
        ({"name": None, "phone": "+15555550199"}, "needs a name"),
    ],
)
def test_a_bad_wish_is_refused_and_writes_nothing(database, wish, problem):
    service = wish.pop("service", "HydraFacial")
    provider = wish.pop("provider", None)
    args = {
        "phone": wish.pop("phone", BEA),
        "service_id": wish.pop("service_id", service_id(service)),
        "name": wish.pop("name", "Bea Ruiz"),
        "provider_id": provider_id(provider) if provider else None,
        **wish,
    }
    with pytest.raises(Invalid, match=problem):
        join(1, args.pop("phone"), args.pop("service_id"), now=at(1, 9), **args)
    assert WaitlistEntry.select().count() == 0


def test_an_ordinary_yes_is_not_taken_for_an_offer(database):
    """A YES answers an offer only while the offer is the last thing the clinic texted."""
    visit = book()
    wait(BEA, "Bea Ruiz")
    cancel(visit, at(2, 10))
    offers_at(at(2, 10))
    with write():
        record_message(thread_for(1, BEA), "out", "Anything else I can help with?", "sent")
    assert reply(BEA, "yes", at(2, 10, 3)) is None
    assert reply(CARA, "yes", at(2, 10, 3)) is None  # never offered anything
    assert WaitlistOffer.get().status == "holding"


def test_an_offer_too_close_to_the_visit_is_not_made(database):
    visit = book(start=at(8, 14))
    wait(BEA, "Bea Ruiz")
    cancel(visit, at(8, 11, 50))  # two hours' notice leaves ten minutes: offered, held 10
    (offer,) = offers_at(at(8, 11, 50)).values()
    assert "held for you for 10 minutes" in offer
    assert WaitlistOffer.get().hold_until == at(8, 12)
    assert lapse_offers(at(8, 12)) == 1
    assert offers_at(at(8, 12)) == {}  # nothing more: the notice has run out
