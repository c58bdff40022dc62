"""Whole dialogues with the local brain against the in-memory tools (``FakeTools``).

GLOW_NOW is Wednesday 2026-11-25 10:00 in Los Angeles; Glow needs 2 hours' notice, so the
first free slot is today at 12:00 PM.
"""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from thespian.actors import ActorSystemRequestTimeout, ActorSystemStartupFailure

from actors.brain.base import CustomerInfo
from actors.brain.local import TRANSITIONS, LocalBrain
from actors.brain.safety import MEDICAL_ADVICE_REPLY

LA = ZoneInfo("America/Los_Angeles")

JANE = CustomerInfo(phone="+15555550123", name=None, returning=False)
MARIA = CustomerInfo(phone="+15555550177", name="Maria Lopez", returning=True)

OFFER_END = "Which works best (reply 1, 2 or 3), or is there a day and time that suits you better?"


def la(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LA)


# ---------------------------------------------------------------------------- booking


def test_booking_in_one_message_proposes_the_exact_time_then_books_on_yes(chat):
    reply = chat.say("Can I book a HydraFacial with Jess next Tuesday at 2pm? I'm Jane Doe")
    assert chat.text() == (
        "Good news, that time is open! Book HydraFacial with Jess Kim on Tue Dec 1 at 2:00 PM "
        "for Jane Doe? Shall I go ahead (YES or NO)?"
    )
    assert [c["name"] for c in reply.tool_calls] == ["check_availability"]
    assert chat.tools.called("check_availability")[0] == {
        "service": "HydraFacial",
        "provider": "Jess Kim",
        "date": "2026-12-01",
        "near": "2026-12-01T14:00:00-08:00",
    }
    assert not chat.tools.called("book_appointment"), "never book before an explicit YES"

    reply = chat.say("yes")
    assert chat.tools.called("book_appointment") == [
        {
            "service": "HydraFacial",
            "start": "2026-12-01T14:00:00-08:00",
            "customer_name": "Jane Doe",
            "provider": "Jess Kim",
        }
    ]
    assert "You're booked! HydraFacial with Jess Kim on Tue Dec 1 at 2:00 PM" in chat.text()
    assert "No deposit needed." in chat.text()
    assert reply.state["stage"] == "idle" and not reply.end


def test_booking_across_turns_asks_for_the_service_offers_slots_and_asks_the_name(chat):
    chat.say("hi")
    assert "How can I help?" in chat.text()

    chat.say("I'd like to make an appointment")
    assert "Which service" in chat.text()
    for name in ("Botox", "HydraFacial", "Chemical Peel", "Laser Hair Removal", "Consultation"):
        assert name in chat.text()

    chat.say("2")
    assert chat.text().startswith("Here's what's open for HydraFacial:")
    assert "1) Wed Nov 25 at 12:00 PM" in chat.text()
    assert chat.text().endswith(OFFER_END)

    chat.say("tomorrow afternoon")
    assert "HydraFacial on Thu Nov 26 in the afternoon" in chat.text()
    assert chat.tools.called("check_availability")[-1] == {
        "service": "HydraFacial",
        "date": "2026-11-26",
        "part_of_day": "afternoon",
    }

    chat.say("the 12:30 one")
    assert chat.text() == (
        "What's your full name for the booking on Thu Nov 26 at 12:30 PM with Dr. Maya Patel?"
    )

    chat.say("Jane Doe")
    assert "Book HydraFacial with Dr. Maya Patel on Thu Nov 26 at 12:30 PM for Jane Doe?" in (
        chat.text()
    )
    chat.say("sounds good")
    assert chat.tools.called("book_appointment")[0]["start"] == "2026-11-26T12:30:00-08:00"
    assert chat.tools.appointments[0]["customer_name"] == "Jane Doe"


def test_an_ambiguous_service_is_asked_about_before_any_lookup(chat):
    reply = chat.say("can I get a peel or a facial on Friday?")
    assert chat.text() == ("Just to check, which did you mean: 1) HydraFacial or 2) Chemical Peel?")
    assert not reply.tool_calls
    chat.say("the peel")
    assert chat.text().startswith("Here's what's open for Chemical Peel on Fri Nov 27:")


def test_a_misspelt_service_is_understood(chat):
    chat.say("botx on saturday morning")
    assert chat.text().startswith("Here's what's open for Botox on Sat Nov 28 in the morning:")


def test_a_slot_taken_before_confirmation_is_replaced_by_alternatives(chat):
    chat.say("botox friday at 2, I'm Jane Doe")
    assert "Book Botox with Dr. Maya Patel on Fri Nov 27 at 2:00 PM for Jane Doe?" in chat.text()
    assert "A $50 deposit holds the spot." in chat.text()

    chat.tools.steal(la(11, 27, 14))
    reply = chat.say("yes")
    assert chat.text().startswith("Sorry, Fri Nov 27 at 2:00 PM was just taken. How about")
    assert reply.state["stage"] == "offer_slots"
    assert not chat.tools.appointments

    chat.say("2")
    assert "Book Botox with Dr. Maya Patel on Fri Nov 27 at 1:00 PM" in chat.text()
    chat.say("yes")
    # a deposit still to pay: the time is held, not booked, and the link is its own word
    assert "Botox with Dr. Maya Patel on Fri Nov 27 at 1:00 PM is held for you." in chat.text()
    assert "please pay the $50 deposit here: https://pay.example/d/1 " in chat.text()
    assert "https://pay.example/d/1" in chat.text().split()


def test_a_busy_exact_time_gets_the_closest_openings(chat):
    chat.tools.add_appointment("Botox", la(12, 1, 15))
    chat.say("botox next tuesday at 3")
    assert chat.text().startswith("Sorry, that time was just taken. The nearest openings:")
    assert "Tue Dec 1 at 2:30 PM" in chat.text() and "Tue Dec 1 at 3:30 PM" in chat.text()


def test_a_returning_customer_is_greeted_by_name_and_never_asked_for_it(make_chat):
    chat = make_chat(customer=MARIA)
    chat.say("Can I get botox?")
    assert chat.text().startswith("Hi Maria! Here's what's open for Botox:")
    chat.say("1")
    assert chat.text().startswith("Book Botox with Dr. Maya Patel on Wed Nov 25 at 12:00 PM?")
    assert "name" not in chat.text()
    chat.say("yes")
    assert chat.tools.called("book_appointment")[0]["customer_name"] == "Maria Lopez"
    assert not chat.text().startswith("Hi Maria"), "greeted once, not every turn"


def test_the_choice_of_an_offered_slot_can_be_by_time_or_order(chat):
    chat.say("laser hair removal on saturday")
    chat.say("the last one")
    assert chat.text() == (
        "What's your full name for the booking on Sat Nov 28 at 10:00 AM with Dr. Maya Patel?"
    )
    assert chat.state["slot"]["start"] == "2026-11-28T10:00:00-08:00"


def test_a_yes_to_several_offered_slots_asks_which(chat):
    chat.say("consultation tomorrow")
    chat.say("ok")
    assert chat.text() == "Which one works best (1, 2 or 3)?"


def test_no_to_the_offered_slots_asks_for_another_time(chat):
    chat.say("consultation tomorrow")
    chat.say("none of those work")
    assert chat.text() == "No problem. What other day or time would work for you?"
    chat.say("saturday at 4")
    assert "Sat Nov 28 at 4:00 PM is open for Consultation" in chat.text()


# ---------------------------------------------------------------------------- rules relayed


def test_a_closed_day_is_explained_with_alternatives(chat):
    chat.say("book botox on Sunday")
    assert chat.text().startswith("We're closed on Sundays. How about one of these?")
    assert "1) Sat Nov 28" in chat.text()
    chat.say("1")
    assert chat.text() == (
        "What's your full name for the booking on Sat Nov 28 at 3:30 PM with Dr. Maya Patel?"
    )


def test_a_past_date_is_explained_with_alternatives(chat):
    chat.say("botox yesterday at 3")
    assert chat.text().startswith("That date has already passed. How about one of these?")
    assert "1) Wed Nov 25 at 12:00 PM" in chat.text()


def test_a_provider_who_does_not_offer_the_service_is_explained(chat):
    chat.say("botox with Jess tomorrow")
    assert chat.text().startswith("Jess Kim doesn't offer Botox.")
    assert "Here's what's open for Botox on Thu Nov 26" in chat.text()


def test_a_booking_rule_broken_at_booking_time_is_relayed(chat, glow_tools):
    chat.say("botox tomorrow at 9")
    chat.say("Ann Lee")
    glow_tools.now = la(11, 26, 8)  # the customer confirms the next morning: too soon now
    chat.say("yes")
    assert chat.text().startswith("That's too soon; we need 2 hours' notice. How about")


# ---------------------------------------------------------------------------- change of mind


def test_a_new_day_mid_booking_keeps_the_asked_time_and_checks_again(chat):
    chat.say("book a chemical peel tuesday at 3")
    assert "Tue Dec 1 at 3:00 PM is open for Chemical Peel" in chat.text()
    chat.say("actually make it Thursday")
    assert "Thu Nov 26 at 3:00 PM is open for Chemical Peel" in chat.text()
    chat.say("Jo Park")
    chat.say("wait, make it 4pm")
    assert "Book Chemical Peel with Dr. Maya Patel on Thu Nov 26 at 4:00 PM for Jo Park?" in (
        chat.text()
    )


def test_never_mind_drops_the_booking(chat):
    chat.say("botox tomorrow at 10, I'm Jo Park")
    reply = chat.say("never mind")
    assert chat.text() == "No problem, I've stopped there. Is there anything else I can help with?"
    assert reply.state["stage"] == "idle" and "slot" not in reply.state
    assert not chat.tools.called("book_appointment")


def test_no_at_confirmation_asks_for_another_time(chat):
    chat.say("botox tomorrow at 10, I'm Jo Park")
    chat.say("no")
    assert chat.text() == "No problem. What other day or time would work for you?"
    chat.say("friday morning")
    assert chat.text().startswith("Here's what's open for Botox on Fri Nov 27 in the morning:")


def test_switching_service_mid_flow_checks_the_new_service(chat):
    chat.say("botox tomorrow")
    chat.say("actually a hydrafacial instead")
    assert chat.text().startswith("Here's what's open for HydraFacial on Thu Nov 26:")


# ---------------------------------------------------------------------------- existing bookings


def test_reschedule_of_the_only_appointment_asks_checks_confirms_and_moves(chat):
    chat.tools.add_appointment("Botox", la(12, 1, 14))
    chat.say("I need to reschedule")
    assert chat.text() == (
        "Sure! What day and time would you like to move your Botox on Tue Dec 1 at 2:00 PM "
        "with Dr. Maya Patel to?"
    )
    chat.say("Friday at 10am")
    assert "Move your Botox from Tue Dec 1 at 2:00 PM to Fri Nov 27 at 10:00 AM" in chat.text()
    assert chat.tools.appointments[0]["start"] == la(12, 1, 14).isoformat(), "not before YES"
    chat.say("yes")
    assert chat.tools.called("reschedule_appointment") == [
        {
            "appointment_id": 1,
            "new_start": "2026-11-27T10:00:00-08:00",
            "provider": "Dr. Maya Patel",
        }
    ]
    assert chat.text().startswith("Done! Your Botox is now on Fri Nov 27 at 10:00 AM")


def test_reschedule_with_the_new_time_in_the_first_message(chat):
    chat.tools.add_appointment("Botox", la(12, 1, 14))
    chat.say("can you move my tuesday appointment to thursday at 11?")
    assert "Move your Botox from Tue Dec 1 at 2:00 PM to Thu Nov 26 at 11:00 AM" in chat.text()


def test_reschedule_with_several_appointments_asks_which_one(chat):
    chat.tools.add_appointment("Botox", la(12, 1, 14))
    chat.tools.add_appointment("HydraFacial", la(12, 3, 11), "Jess Kim")
    chat.say("can I move my appointment")
    assert chat.text().startswith("Which appointment would you like to reschedule?")
    assert "2) HydraFacial on Thu Dec 3 at 11:00 AM with Jess Kim" in chat.text()
    chat.say("the facial")
    assert "move your HydraFacial on Thu Dec 3" in chat.text()
    chat.say("saturday morning")
    chat.say("2")
    chat.say("yes")
    assert chat.tools.called("reschedule_appointment")[0]["appointment_id"] == 2
    assert chat.tools.appointments[1]["start"] == "2026-11-28T09:30:00-08:00"


def test_reschedule_without_appointments_offers_to_book(chat):
    chat.say("I need to reschedule")
    assert chat.text() == (
        "I don't see any upcoming appointments for this number. Would you like to book one?"
    )
    chat.say("yes")
    assert "Which service" in chat.text()


def test_cancel_well_ahead_refunds_the_deposit(chat):
    chat.tools.add_appointment("Botox", la(12, 1, 14))
    chat.say("please cancel my botox")
    assert chat.text() == (
        "Cancel your Botox on Tue Dec 1 at 2:00 PM with Dr. Maya Patel? "
        "Shall I go ahead (YES, or NO to keep it)?"
    )
    chat.say("yes")
    assert chat.tools.called("cancel_appointment") == [{"appointment_id": 1}]
    assert "is cancelled. Your $50 deposit will be refunded." in chat.text()


def test_a_late_cancel_says_the_deposit_is_kept(chat):
    chat.tools.add_appointment("Botox", la(11, 26, 9))
    chat.say("I can't come tomorrow, I need to cancel my appointment")
    chat.say("yes")
    assert "late cancellation, your $50 deposit is kept" in chat.text()


def test_cancel_of_a_service_without_deposit_mentions_no_deposit(chat):
    chat.tools.add_appointment("HydraFacial", la(12, 1, 14))
    chat.say("cancel my appointment")
    chat.say("yes")
    assert chat.text() == (
        "Your HydraFacial on Tue Dec 1 at 2:00 PM with Dr. Maya Patel is cancelled. "
        "Text me anytime to book again."
    )


def test_no_to_a_cancel_keeps_the_appointment(chat):
    chat.tools.add_appointment("Botox", la(12, 1, 14))
    chat.say("cancel my appointment")
    reply = chat.say("no")
    assert (
        chat.text() == "Okay, I've left your appointment as it is. Anything else I can help with?"
    )
    assert not chat.tools.called("cancel_appointment")
    assert reply.state["stage"] == "idle"


def test_appointments_are_listed(chat):
    chat.tools.add_appointment("Botox", la(12, 1, 14))
    chat.say("when is my appointment?")
    assert chat.text() == (
        "You're booked for Botox on Tue Dec 1 at 2:00 PM with Dr. Maya Patel. "
        "Need to reschedule or cancel? Just let me know."
    )


# ---------------------------------------------------------------------------- questions


def test_a_question_is_answered_then_booking_is_offered_and_taken_up(chat):
    chat.say("How much is a HydraFacial?")
    assert chat.replies[-1].messages == (
        "A HydraFacial is $199 and takes about 60 minutes.\n\n"
        "Would you like to book HydraFacial? If so, which day suits you?",
    )
    chat.say("yes")
    assert chat.text().startswith("Here's what's open for HydraFacial:")


def test_an_answer_can_be_followed_by_a_day_instead_of_yes(chat):
    chat.say("where do I park?")
    chat.say("sure, botox tuesday at 10")
    assert "Tue Dec 1 at 10:00 AM is open for Botox" in chat.text()


def test_an_unanswerable_question_goes_to_the_team_without_guessing(chat):
    chat.say("do you offer microneedling?")
    assert chat.text().startswith("Good question! I don't have that answer handy")
    assert chat.tools.messages == [
        {"message": "Customer question: do you offer microneedling?", "urgent": False}
    ]


def test_a_question_mid_booking_is_answered_and_the_booking_resumes(chat):
    chat.say("botox tomorrow")
    chat.say("1")
    reply = chat.say("how much is botox?")
    answer, prompt = reply.messages[0].split("\n\n")
    assert answer == "Botox is $300 per area; a $50 deposit holds your appointment."
    assert prompt.startswith("What's your full name for the booking")
    chat.say("Jane Smith")
    assert "Book Botox with Dr. Maya Patel on Thu Nov 26 at 9:00 AM for Jane Smith?" in chat.text()


def test_a_medical_question_gets_no_advice_and_reaches_a_clinician(chat):
    reply = chat.say("how many units of botox should I get?")
    assert reply.messages == (MEDICAL_ADVICE_REPLY,)
    assert chat.tools.messages[0]["message"].endswith("how many units of botox should I get?")
    assert not chat.tools.called("answer_question")


# ---------------------------------------------------------------------------- leaving


def test_thanks_says_goodbye_and_ends(chat):
    reply = chat.say("thanks, bye!")
    assert reply.end and chat.text().startswith("You're welcome")


def test_a_call_ends_with_the_end_conversation_tool(make_chat, glow_tools):
    chat = make_chat(channel="call")
    assert chat.say("that's all, thank you").end
    assert glow_tools.called("end_conversation") == [{}]


def test_asking_for_a_person_transfers_to_staff(chat):
    reply = chat.say("can I talk to a real person please")
    assert reply.end
    assert chat.text() == (
        "I've asked the team to text or call you back shortly. Thanks for your patience!"
    )
    assert chat.tools.transfers == ["can I talk to a real person please"]


def test_a_free_text_opt_out_ends_and_is_flagged_in_state(chat):
    chat.say("botox tomorrow")
    reply = chat.say("please don't message me again")
    assert reply.end and reply.state["opted_out"] is True
    assert "won't text you again" in chat.text()


# ---------------------------------------------------------------------------- not understood


def test_unknown_input_gets_a_fallback_listing_what_the_brain_can_do(chat):
    reply = chat.say("blorp")
    assert chat.text() == (
        "Sorry, I didn't quite get that. I can book, reschedule or cancel an appointment, "
        "check openings, or answer questions about Glow Med Spa. What would you like to do?"
    )
    assert not reply.tool_calls


def test_unknown_input_mid_flow_repeats_the_pending_question(chat):
    chat.say("consultation tomorrow")
    chat.say("blorp")
    assert chat.text().startswith("Sorry, I didn't catch that. The open times for Consultation")
    assert chat.text().endswith(OFFER_END)


def test_a_failing_classifier_degrades_to_rules(make_chat):
    class Broken:
        def classify(self, text):
            raise ConnectionError("knowledge actor down")

    chat = make_chat(brain_=LocalBrain(Broken()))
    chat.say("botox tomorrow at 10")
    assert "is open for Botox" in chat.text()
    chat.say("what?")
    assert chat.text().startswith("Sorry, I didn't catch that.")


# ---------------------------------------------------------------------------- other clinic


def test_the_chiropractor_books_in_chicago_time_with_its_deposit(make_chat, align_tools):
    chat = make_chat(align_tools, JANE)
    chat.say("I'm a new patient, can I come in Monday at 8? My name is Sam Rivera")
    assert "Book New Patient Exam with Dr. Ben Ortiz on Mon Nov 30 at 8:00 AM for Sam Rivera?" in (
        chat.text()
    )
    assert "A $25 deposit holds the spot." in chat.text()
    chat.say("yes")
    assert align_tools.called("book_appointment")[0]["start"] == "2026-11-30T08:00:00-06:00"
    assert "pay the $25 deposit here" in chat.text()
    assert align_tools.appointments[0]["start"] == "2026-11-30T08:00:00-06:00"


def test_the_chiropractor_asks_which_of_two_services_a_chiropractic_exam_is(make_chat, align_tools):
    chat = make_chat(align_tools)
    chat.say("can I book a chiropractic exam?")
    assert "1) New Patient Exam or 2) Adjustment" in chat.text()


# ---------------------------------------------------------------------------- contract


def test_the_same_conversation_gives_the_same_replies_and_state(make_chat, new_glow_tools):
    script = ["hi", "botox", "friday afternoon", "2", "Jane Doe", "yes", "thanks"]

    def run() -> list[tuple]:
        chat = make_chat(new_glow_tools())
        return [(r.messages, r.state, r.end) for r in map(chat.say, script)]

    assert run() == run()


def test_the_turns_state_is_not_mutated(chat):
    chat.say("botox tomorrow")
    passed_in = chat.state
    snapshot = copy.deepcopy(passed_in)
    chat.say("1")
    assert passed_in == snapshot and chat.state is not passed_in


def test_every_stage_has_a_way_out(chat):
    stages = {stage for stage, rows in TRANSITIONS.items() if stage != "idle"}
    for stage in stages:
        actions = {action for _, action in TRANSITIONS[stage]}
        assert actions & {"abort", "no_thanks", "decline"}, stage


def test_tool_calls_are_logged_with_their_results(chat):
    reply = chat.say("botox tomorrow")
    (call,) = reply.tool_calls
    assert call["name"] == "check_availability" and call["result"]["ok"] is True


# ---------------------------------------------------------------------------- more edges


def test_next_week_offers_the_first_opening_of_each_day(chat):
    chat.say("any botox openings next week?")
    assert chat.text().startswith("Here's what's open for Botox the week of Mon Nov 30:")
    for label in ("1) Tue Dec 1 at 9:00 AM", "2) Wed Dec 2 at 9:00 AM", "3) Thu Dec 3 at 9:00 AM"):
        assert label in chat.text()


def test_before_a_day_offers_days_before_it_never_that_day(chat):
    """ "Before my wedding on the 5th" is a limit: the 5th itself is too late."""
    chat.say("Can I get Botox before my wedding on the 5th?")
    assert chat.text().startswith("Here's what's open for Botox before Sat Dec 5:")
    days = [s["start"][:10] for s in chat.state["slots"]]
    assert len(days) == 3 and len(set(days)) == 3  # spread over days
    assert all("2026-11-25" <= day < "2026-12-05" for day in days)


def test_a_deadline_a_day_or_two_away_offers_more_times_on_those_days(chat):
    chat.say("botox before friday please")  # today is Wednesday
    starts = [s["start"] for s in chat.state["slots"]]
    assert len(starts) == 3 and all(s[:10] in ("2026-11-25", "2026-11-26") for s in starts)


def test_a_question_about_cancelling_is_answered_not_acted_on(chat):
    chat.tools.add_appointment("Botox", la(12, 1, 14))
    chat.say("is there a fee if I cancel late?")
    assert chat.text().startswith("Cancelling with less than 24 hours' notice forfeits")
    assert not chat.tools.called("list_my_appointments")


def test_a_question_about_a_service_is_not_taken_for_a_booking(chat):
    chat.say("does the peel hurt?")
    assert chat.tools.called("answer_question") == [{"question": "does the peel hurt?"}]
    assert not chat.tools.called("check_availability")


def test_a_long_answer_is_trimmed_to_one_text(chat):
    chat.tools.faq["laser"] = "Laser hair removal works best over six sessions. " * 20
    reply = chat.say("what should I know about laser?")
    answer = reply.messages[0].split("\n\n")[0]
    assert len(answer) <= 480 and answer.endswith(".")


def test_a_calendar_outage_is_relayed_with_what_to_do(chat):
    chat.tools.down.add("check_availability")
    reply = chat.say("botox tomorrow")
    assert chat.text().startswith("Our calendar isn't responding right now. Please try again")
    assert "talk to a person" in chat.text()
    assert reply.state["stage"] == "idle"


def test_a_tool_that_raises_propagates_out_of_respond(chat):
    """An exception from the runner is a bug, not an outage (outages come back as
    ``{"ok": False, "error": "unavailable"}``): it must reach the actor, which crashes and is
    restarted from its checkpoint, instead of being told to the customer as "unavailable"."""

    def bug(**_args):
        raise ZeroDivisionError("a bug in the booking engine")

    chat.tools.check_availability = bug
    with pytest.raises(ZeroDivisionError):
        chat.say("botox tomorrow")
    assert chat.state == {} and chat.replies == []


def test_a_tool_that_raises_mid_flow_propagates_and_leaves_the_state_alone(chat):
    chat.say("botox tomorrow at 10, I'm Jane Doe")
    before = copy.deepcopy(chat.state)
    assert before["stage"] == "confirm"

    def bug(**_args):
        raise ZeroDivisionError("a bug in the booking engine")

    chat.tools.book_appointment = bug
    with pytest.raises(ZeroDivisionError):
        chat.say("yes")
    assert chat.state == before  # the checkpointed state is what the restarted actor resumes


def test_a_classifier_bug_propagates(make_chat):
    """Only the remote classifier's transport failures degrade to rules; a bug does not."""

    class Buggy:
        def classify(self, text):
            raise ZeroDivisionError("a bug in the classifier")

    chat = make_chat(brain_=LocalBrain(Buggy()))
    with pytest.raises(ZeroDivisionError):
        chat.say("what?")


@pytest.mark.parametrize(
    "error",
    [ActorSystemRequestTimeout("no answer"), ActorSystemStartupFailure("no admin"), OSError(5)],
)
def test_a_classifier_that_cannot_be_reached_degrades_to_rules(make_chat, error):
    class Unreachable:
        def classify(self, text):
            raise error

    chat = make_chat(brain_=LocalBrain(Unreachable()))
    chat.say("botox tomorrow at 10")
    assert "is open for Botox" in chat.text()


def test_help_lists_what_the_assistant_can_do_and_keeps_the_flow(chat):
    reply = chat.say("help")
    assert not reply.end
    assert chat.text().startswith("I'm Glow Med Spa's virtual assistant. I can book")
    chat.say("botox tomorrow")
    reply = chat.say("what can you do?")
    assert reply.messages[0].split("\n\n")[1].startswith("The open times for Botox are:")


def test_a_name_given_in_a_greeting_is_not_asked_for_again(chat):
    chat.say("Hi, this is Jane Doe")
    assert chat.text().startswith("Hi Jane! This is Glow Med Spa's virtual assistant.")
    chat.say("botox tomorrow at 10")
    assert "Book Botox with Dr. Maya Patel on Thu Nov 26 at 10:00 AM for Jane Doe?" in chat.text()


class _Ranked:
    """An intent classifier that answers a fixed ranking, for the routing rules alone."""

    def __init__(self, *ranked: tuple[str, float]) -> None:
        self.ranked = list(ranked)

    def classify(self, text: str) -> list[tuple[str, float]]:
        return self.ranked


def test_saying_your_name_does_not_make_a_new_booking_a_reschedule(make_chat, align_tools):
    """ "my name is ..." once counted as pointing at an existing appointment ("my"), so a near
    tie that put reschedule first sent a new patient to their (empty) list of appointments."""
    from actors.brain.local import LocalBrain

    tied = LocalBrain(_Ranked(("reschedule", 0.55), ("book", 0.54), ("list_appointments", 0.52)))
    chat = make_chat(align_tools, JANE, brain_=tied)
    chat.say("I'm a new patient, can I come in Monday at 8? My name is Sam Rivera")
    assert "Book New Patient Exam with Dr. Ben Ortiz on Mon Nov 30 at 8:00 AM" in chat.text()
    moving = make_chat(align_tools, JANE, brain_=tied)
    moving.say("can I move my Monday visit to 8? my name is Sam Rivera")
    assert "Book " not in moving.text()
