"""The local brain listens (issue 17): what was said is kept across a detour, an unclear
answer is asked once more and then asked differently, and a party's bookings are made one
by one with a partial failure said plainly. In process, with the fake tools and a fixed clock
(GLOW_NOW, a Wednesday morning)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from actors.brain.base import CustomerInfo

LA = ZoneInfo("America/Los_Angeles")
MARIA = CustomerInfo(phone="+15555550177", name="Maria Lopez", returning=True)


def test_what_was_asked_for_survives_a_question_and_a_restart(chat):
    chat.say("can I come in next tuesday at 2pm?")
    assert "which service" in chat.text().lower()
    chat.say("is there parking?")  # a detour: answered, then the question again
    chat.say("a consultation please")
    assert "Tue Dec 1 at 2:00 PM" in chat.text()


def test_a_goodbye_forgets_what_was_asked_for(chat):
    chat.say("can I come in next tuesday at 2pm?")
    chat.say("never mind")
    chat.say("I'd like a consultation")
    assert "2:00 PM" not in chat.text().split("\n")[0]
    assert "said" not in chat.state


def test_two_unclear_answers_to_the_service_question_offer_the_front_desk(chat):
    chat.say("I want to book")
    asked = chat.text()
    chat.say("blorp")
    assert chat.text().startswith("Sorry, I didn't catch that.")
    chat.say("qqq zzz")
    assert asked not in chat.text() and "front desk" in chat.text()
    reply = chat.say("yes")
    assert chat.tools.transfers and reply.end


def test_two_unclear_answers_to_an_offer_ask_about_the_first_time_only(chat):
    chat.say("consultation tomorrow")
    first = chat.state["slots"][0]
    chat.say("blorp")
    chat.say("qqq")
    assert chat.text().endswith("(YES or NO)?") and chat.state["slots"] == [first]
    chat.say("yes")
    assert chat.state["slot"]["start"] == first["start"]


def test_a_returning_customer_books_for_a_guest_with_only_the_guests_name_asked(make_chat):
    chat = make_chat(customer=MARIA)
    chat.say("consultation for me and my daughter tomorrow morning")
    assert chat.state["party"] == 2
    chat.say("1")
    assert "other person" in chat.text()
    chat.say("Sofia Lopez")
    assert "Maria Lopez" in chat.text() and "Sofia Lopez" in chat.text()
    chat.say("yes")
    names = [c["notes"] for c in chat.tools.called("book_appointment") if c.get("notes")]
    assert len(chat.tools.called("book_appointment")) == 2 and names == [
        "For Sofia Lopez (booked with Maria Lopez)"
    ]
    assert "You're booked!" in chat.text()


def test_a_provider_not_in_that_day_gets_the_next_day_they_are(chat):
    chat.say("is dr patel in on monday?")
    assert chat.text().startswith("Dr. Maya Patel isn't in on Mon Nov 30.")
    assert "Tue Dec 1" in chat.text()
    assert chat.tools.called("provider_hours")[0] == {
        "provider": "Dr. Maya Patel",
        "date": "2026-11-30",
    }


def test_anytime_that_day_takes_the_first_offered_time_instead_of_saying_goodbye(chat):
    chat.say("consultation tomorrow")
    first = chat.state["slots"][0]
    reply = chat.say("anytime that day")
    assert not reply.end and chat.state["slot"]["start"] == first["start"]


def test_a_word_like_first_is_not_taken_as_a_name(chat):
    chat.say("consultation tomorrow at 2pm")
    chat.say("first")
    assert chat.state["stage"] == "ask_name" and "name" not in chat.state


def test_a_bare_name_at_the_confirmation_corrects_the_name(chat):
    chat.say("consultation tomorrow at 2pm")
    chat.say("Ray Dias")
    chat.say("Ray Diaz")
    assert "for Ray Diaz?" in chat.text() and chat.state["stage"] == "confirm"


def test_a_move_keeps_the_appointments_provider(chat):
    chat.tools.add_appointment("HydraFacial", datetime(2026, 12, 1, 14, 0, tzinfo=LA), "Jess Kim")
    chat.say("can I move my hydrafacial to thursday at 10am")
    assert chat.tools.called("check_availability")[-1]["provider"] == "Jess Kim"
    assert "with Jess Kim" in chat.text()
