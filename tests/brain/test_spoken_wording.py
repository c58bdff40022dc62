"""``for_the_ear``: the local brain's SMS replies as a caller should hear them.

Every text is built by the real ``actors.wording`` functions with realistic arguments (the Glow
demo clinic, its services and providers, Los Angeles times), so a change to the SMS wording is
checked here too. The assertions are about what a listener notices: no "reply 1", options said
as a list, a question at the end when the customer has to answer, times and money in words.
"""

from __future__ import annotations

import inspect
import re
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from actors.scheduling.availability import Reason
from actors.wording import booking, sms
from actors.wording.spoken import for_the_ear

LA = ZoneInfo("America/Los_Angeles")
TUE_2PM = datetime(2026, 12, 1, 14, 0, tzinfo=LA)
TUE_330PM = datetime(2026, 12, 1, 15, 30, tzinfo=LA)
WED_9AM = datetime(2026, 12, 2, 9, 0, tzinfo=LA)
CLINIC, PHONE, STAFF_PHONE = "Glow Med Spa", "+15550100001", "+15550100091"
SERVICES = ["Botox", "HydraFacial", "Chemical Peel", "Laser Hair Removal", "Consultation"]
DOCTOR, ESTHETICIAN = "Dr. Maya Patel", "Jess Kim"
LABELS = [sms.when_label(t) for t in (TUE_2PM, TUE_330PM, WED_9AM)]
APPOINTMENT = sms.appointment_label("Botox", sms.when_label(TUE_2PM), DOCTOR)
OTHER_APPOINTMENT = sms.appointment_label("HydraFacial", sms.when_label(WED_9AM), ESTHETICIAN)
PENDING_DEPOSIT = {
    "required": True,
    "amount": 5000,
    "status": "pending",
    "link": "https://pay.example/c/cs_test_a1b2",
}
KEPT_CAPS = {"AM", "PM"}
ABBREVIATIONS = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\bDr\."
)


def slot_labels(*starts: datetime, provider: str | None = None) -> list[str]:
    """Offered slots labelled as ``TurnContext.slot_label`` does."""
    return [sms.when_label(s) + sms.with_provider(provider) for s in starts]


def assert_reads_well(spoken: str) -> None:
    """What no caller should hear, whatever the SMS said."""
    assert spoken, "nothing to say"
    assert re.search(r"[.!?][\"”]?$", spoken), f"no closing punctuation: {spoken!r}"
    assert not re.search(r"\d\)", spoken), f"list marker left: {spoken!r}"
    assert "reply" not in spoken.lower(), f"SMS instruction left: {spoken!r}"
    assert not re.search(r"https?://|www\.", spoken), f"link read aloud: {spoken!r}"
    shouted = set(re.findall(r"\b[A-Z]{2,}\b", spoken)) - KEPT_CAPS
    assert not shouted, f"capitals left: {shouted} in {spoken!r}"
    assert not ABBREVIATIONS.search(spoken), f"abbreviation left: {spoken!r}"
    assert "$" not in spoken and "&" not in spoken, spoken
    assert "\n" not in spoken and "  " not in spoken, spoken
    assert for_the_ear(spoken) == spoken, "not idempotent"


# ---------------------------------------------------------------------------- option lists


def test_offered_times_are_one_spoken_list_ending_in_a_question():
    text = sms.offer_slots(sms.openings_intro("Botox", None), LABELS)
    spoken = for_the_ear(text)
    assert spoken == (
        "Here's what's open for Botox: Tuesday, December 1 at 2 PM, 3:30 PM, or Wednesday, "
        "December 2 at 9 AM. Which works best, or is there a day and time that suits you better?"
    )
    assert_reads_well(spoken)


def test_times_on_the_same_day_say_the_day_once():
    spoken = for_the_ear(sms.offer_slots("Here you go:", slot_labels(TUE_2PM, TUE_330PM)))
    assert "Tuesday, December 1 at 2 PM or 3:30 PM." in spoken
    assert spoken.count("Tuesday") == 1


def test_a_provider_shared_by_every_offered_time_is_said_once():
    labels = slot_labels(TUE_2PM, TUE_330PM, WED_9AM, provider=DOCTOR)
    spoken = for_the_ear(sms.offer_slots(sms.nearest_intro("Botox", "on Tue Dec 1"), labels))
    assert spoken.count("Doctor Maya Patel") == 1
    assert "Wednesday, December 2 at 9 AM with Doctor Maya Patel." in spoken


def test_different_providers_stay_with_their_times():
    labels = [*slot_labels(TUE_2PM, provider=DOCTOR), *slot_labels(TUE_330PM, provider=ESTHETICIAN)]
    spoken = for_the_ear(sms.offer_slots(sms.openings_intro("HydraFacial", None), labels))
    assert "2 PM with Doctor Maya Patel or 3:30 PM with Jess Kim" in spoken


def test_a_single_offered_time_asks_whether_it_works():
    spoken = for_the_ear(sms.offer_slots(sms.exact_taken_intro(LABELS[0]), LABELS[2:]))
    assert spoken == (
        "Sorry, Tuesday, December 1 at 2 PM isn't available. The closest openings are: "
        "Wednesday, December 2 at 9 AM. Shall I book it, or is there a day and time that suits "
        "you better?"
    )


def test_how_about_one_of_these_names_the_times():
    spoken = for_the_ear(sms.offer_slots(sms.slot_taken_intro(LABELS[0]), LABELS[1:]))
    assert spoken == (
        "Sorry, Tuesday, December 1 at 2 PM was just taken. How about Tuesday, December 1 at "
        "3:30 PM or Wednesday, December 2 at 9 AM? Which works best, or is there a day and time "
        "that suits you better?"
    )


def test_the_service_menu_is_a_question_with_the_names_only():
    spoken = for_the_ear(sms.ask_service(SERVICES))
    assert spoken == (
        "Sure! Which service would you like: Botox, HydraFacial, Chemical Peel, "
        "Laser Hair Removal, or Consultation?"
    )


def test_which_did_you_mean_drops_the_numbers_to_reply():
    spoken = for_the_ear(sms.pick_service(["Botox", "Botox Touch-up"]))
    assert spoken == "Just to check, which did you mean: Botox or Botox Touch-up?"


def test_which_slot_keeps_only_the_question():
    assert for_the_ear(sms.which_slot(3)) == "Which one works best?"


def test_picking_an_appointment_is_one_question():
    spoken = for_the_ear(sms.pick_appointment("cancel", [APPOINTMENT, OTHER_APPOINTMENT]))
    assert spoken.startswith("Which appointment would you like to cancel: Botox on Tuesday,")
    assert " or HydraFacial on Wednesday, December 2 at 9 AM with Jess Kim?" in spoken
    assert spoken.endswith("?") and spoken.count("?") == 1


def test_booked_appointments_are_listed_with_and_not_or():
    spoken = for_the_ear(sms.your_appointments([APPOINTMENT, OTHER_APPOINTMENT]))
    assert "Doctor Maya Patel and HydraFacial on Wednesday" in spoken
    assert spoken.endswith("Need to reschedule or cancel? Just let me know.")


# ---------------------------------------------------------------------------- reply instructions


def test_confirming_a_booking_asks_shall_i_go_ahead():
    text = sms.confirm_booking("Botox", DOCTOR, LABELS[0], 5000, "Jane Doe")
    assert for_the_ear(text) == (
        "I can book Botox with Doctor Maya Patel on Tuesday, December 1 at 2 PM for Jane Doe. "
        "A deposit of 50 dollars holds the spot. Shall I go ahead?"
    )


def test_confirming_a_move_or_a_cancellation_ends_in_the_choice():
    move = for_the_ear(sms.confirm_reschedule("Botox", LABELS[0], LABELS[2], DOCTOR))
    assert move.startswith("I can move your Botox from Tuesday, December 1 at 2 PM to Wednesday")
    assert move.endswith("Shall I go ahead, or would you rather keep your current time?")
    cancel = for_the_ear(sms.confirm_cancel(APPOINTMENT))
    assert cancel.endswith("Shall I go ahead, or would you rather keep it?")
    assert "cancel your Botox on Tuesday, December 1 at 2 PM" in cancel


def test_reminder_letters_become_a_question():
    spoken = for_the_ear(sms.reminder_soon(CLINIC, "Botox", DOCTOR, WED_9AM))
    assert spoken.endswith(
        "is at 9 AM on Wednesday, December 2. Would you like to confirm, or reschedule?"
    )


def test_waitlist_keyword_becomes_an_offer_to_join():
    spoken = for_the_ear(sms.no_openings("Botox", sms.when_asked(date(2026, 12, 1), None, None)))
    assert spoken.endswith(
        "Would you like to join the waitlist, so I can text you if one opens up? What other day "
        "or time would work for you?"
    )


def test_waitlist_offer_keeps_the_hold_and_asks():
    spoken = for_the_ear(sms.waitlist_offer(CLINIC, "Botox", DOCTOR, TUE_2PM, 15, 5000))
    assert "A deposit of 50 dollars secures it. It's held for you for 15 minutes." in spoken
    assert spoken.endswith("Shall I go ahead and book it, or would you rather pass?")


def test_yes_or_tell_me_follows_the_question_it_answers():
    spoken = for_the_ear(sms.offer_booking("Botox"))
    assert spoken == "Would you like to book Botox? If so, which day suits you?"


def test_reply_here_becomes_just_let_me_know():
    spoken = for_the_ear(sms.reminder(CLINIC, "Botox", DOCTOR, WED_9AM))
    assert spoken.endswith("If you'd like to reschedule or cancel, just let me know.")


def test_carrier_keywords_are_said_as_plain_words():
    assert for_the_ear(sms.resubscribed(CLINIC)) == (
        "You're resubscribed to Glow Med Spa texts. Just say help for help, or say stop to stop."
    )
    assert for_the_ear(sms.unsubscribed(CLINIC)).endswith("Just say start to resubscribe.")


def test_a_quoted_phrase_to_reply_is_a_phrase_to_say():
    spoken = for_the_ear(sms.tool_trouble(None))
    assert 'or say "talk to a person" and I\'ll have the team contact you.' in spoken


def test_text_us_becomes_call_us_on_a_call():
    assert for_the_ear(sms.goodbye("Maria Lopez")).endswith(
        "Have a great day, and call us anytime."
    )
    assert "medical advice over the phone" in for_the_ear(sms.MEDICAL_ADVICE_REPLY)
    assert "I'll text you if another opening" in for_the_ear(sms.waitlist_passed("Botox"))


def test_the_slot_in_brackets_moves_into_the_question():
    spoken = for_the_ear(sms.ask_name_for(slot_labels(TUE_2PM, provider=ESTHETICIAN)[0]))
    assert spoken == (
        "What's your full name for the booking on Tuesday, December 1 at 2 PM with Jess Kim?"
    )


# ---------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (TUE_2PM, "2 PM"),
        (TUE_330PM, "3:30 PM"),
        (WED_9AM, "9 AM"),
        (datetime(2026, 12, 1, 12, 0, tzinfo=LA), "12 PM"),
        (datetime(2026, 12, 1, 0, 15, tzinfo=LA), "12:15 AM"),
    ],
)
def test_whole_hours_drop_the_zero_minutes(at, said):
    assert for_the_ear(sms.time_label(at)) == f"{said}."


def test_times_in_other_formats_are_said_the_same_way():
    assert for_the_ear("Open 9am-6pm, last visit 05:30 p.m. Thanks") == (
        "Open 9 AM to 6 PM, last visit 5:30 PM. Thanks."
    )


def test_days_and_months_are_spelled_out():
    assert for_the_ear(sms.when_label(WED_9AM)) == "Wednesday, December 2 at 9 AM."
    window = sms.waitlist_window([1, 3], "afternoon", DOCTOR, date(2026, 12, 17))
    assert for_the_ear(window).endswith("with Doctor Maya Patel, until December 17.")
    assert for_the_ear("We're open Tue-Sat, closed Sun/Mon.") == (
        "We're open Tuesday to Saturday, closed Sunday and Monday."
    )
    assert for_the_ear("Also open on Sat. Sun protection matters.") == (
        "Also open on Saturday. Sun protection matters."
    )


@pytest.mark.parametrize(
    ("cents", "said"),
    [
        (5000, "50 dollars"),
        (4950, "49 dollars 50"),
        (100, "1 dollar"),
        (125000, "1,250 dollars"),
    ],
)
def test_money_is_said_in_dollars(cents, said):
    spoken = for_the_ear(f"Botox starts at {sms.money(cents)} per area.")
    assert spoken == f"Botox starts at {said} per area."


def test_a_deposit_amount_follows_the_word_deposit():
    spoken = for_the_ear(sms.cancelled(APPOINTMENT, "refunded", 4950, None))
    assert "Your deposit of 49 dollars 50 will be refunded." in spoken
    assert "Call us anytime to book again." in spoken


def test_a_removed_link_is_promised_by_text_once():
    spoken = for_the_ear(sms.booked("Botox", DOCTOR, LABELS[0], PENDING_DEPOSIT))
    assert spoken == (
        "Botox with Doctor Maya Patel on Tuesday, December 1 at 2 PM is held for you. To hold "
        "your spot, please pay the deposit of 50 dollars. I'll text you a link. Your visit is "
        "booked once it's paid."
    )
    review = for_the_ear(sms.follow_up(CLINIC, "https://g.page/r/glow-med-spa/review"))
    assert review.count("I'll text you a link.") == 1


def test_a_link_the_text_already_promises_is_just_dropped():
    spoken = for_the_ear("We'll text you a link to pay: https://pay.example/c/1 Thanks!")
    assert spoken == "We'll text you a link to pay. Thanks!"
    inline = for_the_ear("See https://glow.example/faq for our aftercare tips.")
    assert inline == "See the link I'll text you for our aftercare tips."


def test_symbols_emoji_and_shorthand_are_said_as_words():
    spoken = for_the_ear("Your appt w/ Dr Patel is set ✅ Botox & filler 20% off :)")
    assert spoken == "Your appointment with Doctor Patel is set. Botox and filler 20 percent off."


def test_shouting_is_lowered_but_acronyms_and_state_codes_stay():
    spoken = for_the_ear("FREE consult with our MD at 1200 Ocean Park Blvd, Santa Monica, CA 90405")
    assert spoken == (
        "Free consult with our MD at 1200 Ocean Park Boulevard, Santa Monica, CA 90405."
    )


def test_phone_numbers_are_grouped_for_reading():
    assert for_the_ear(sms.transfer_failed(PHONE)).endswith("You can also call us at 555-010-0001.")


def test_a_text_signature_is_not_read_out():
    spoken = for_the_ear(sms.confirmed(CLINIC, WED_9AM))
    assert spoken == "Thanks, you're confirmed for Wednesday, December 2 at 9 AM. See you then!"


def test_a_trimmed_text_ends_as_a_sentence():
    answer = "Botox softens lines for three to four months, and results start " * 10
    spoken = for_the_ear(sms.fit(answer))
    assert spoken.endswith(".") and not spoken.endswith("….")


def test_plain_sentences_pass_through_untouched():
    for text in (sms.ask_other_time(), sms.greeting(CLINIC, "Maria Lopez"), booking.NAME_NEEDED):
        assert for_the_ear(text) == text
    assert for_the_ear("") == ""


# ---------------------------------------------------------------------------- every text


def sms_texts() -> dict[str, str]:
    """One realistic call of every public ``sms`` function that returns text (and its constant
    replies), as the brain, the notifier and the reminders make them."""
    deposit = SimpleNamespace(amount_cents=5000, checkout_url="https://pay.example/c/cs_test_9")
    window = sms.waitlist_window([1, 3], "afternoon", DOCTOR, date(2026, 12, 17))
    return {
        "fit": sms.fit("Our Botox visits take 30 minutes. " * 20),
        "day_label": sms.day_label(TUE_2PM.date()),
        "time_label": sms.time_label(TUE_330PM),
        "when_label": sms.when_label(TUE_2PM),
        "join_or": sms.join_or(SERVICES[:3]),
        "numbered": sms.numbered(LABELS),
        "reply_numbers": sms.reply_numbers(3),
        "with_provider": sms.with_provider(DOCTOR),
        "first_name": sms.first_name("Maria Lopez"),
        "hello": sms.hello("Maria Lopez"),
        "greeting": sms.greeting(CLINIC, None),
        "fallback": sms.fallback(CLINIC),
        "help_menu": sms.help_menu(CLINIC),
        "not_understood": sms.not_understood(
            sms.offer_slots(sms.open_times_intro("Botox"), LABELS)
        ),
        "hi_again": sms.hi_again(sms.confirm_booking("Botox", DOCTOR, LABELS[0], 5000)),
        "goodbye": sms.goodbye("Maria Lopez"),
        "idle_yes": sms.idle_yes(),
        "idle_no": sms.idle_no(),
        "transferred": sms.transferred(),
        "transfer_failed": sms.transfer_failed(PHONE),
        "opted_out": sms.opted_out(CLINIC, PHONE),
        "aborted": sms.aborted(),
        "tool_trouble": sms.tool_trouble("Sorry, the calendar isn't answering."),
        "ask_service": sms.ask_service(SERVICES),
        "pick_service": sms.pick_service(["Botox", "Botox Touch-up"]),
        "ask_other_time": sms.ask_other_time(),
        "offer_slots": sms.offer_slots(
            sms.openings_intro("Botox", sms.when_asked(date(2026, 12, 1), None, "afternoon")),
            slot_labels(TUE_2PM, TUE_330PM, WED_9AM, provider=DOCTOR),
        ),
        "when_asked": sms.when_asked(None, date(2026, 11, 30), "morning") or "",
        "open_times_intro": sms.open_times_intro("HydraFacial"),
        "openings_intro": sms.openings_intro("HydraFacial", "on Tue Dec 1"),
        "nearest_intro": sms.nearest_intro("HydraFacial", None),
        "exact_taken_intro": sms.exact_taken_intro(LABELS[0]),
        "slot_taken_intro": sms.slot_taken_intro(LABELS[0]),
        "just_taken": sms.just_taken(LABELS[0]),
        "time_not_available": sms.time_not_available(),
        "could_not_book": sms.could_not_book(LABELS[1]),
        "reason_and_alternatives": sms.offer_slots(
            sms.reason_and_alternatives(booking.reason(Reason.OUTSIDE_HOURS)), LABELS[:1]
        ),
        "reason_and_ask_time": sms.reason_and_ask_time(booking.reason(Reason.CLINIC_CLOSED)),
        "no_openings": sms.no_openings("Botox", sms.when_asked(None, None, "evening")),
        "which_slot": sms.which_slot(2),
        "slot_open": sms.slot_open(LABELS[0], "Botox", DOCTOR),
        "time_open": sms.time_open(),
        "ask_name": sms.ask_name(),
        "ask_waitlist_name": sms.ask_waitlist_name(),
        "ask_name_for": sms.ask_name_for(LABELS[0]),
        "confirm_booking": sms.confirm_booking("HydraFacial", ESTHETICIAN, LABELS[1], 4950, "Jane"),
        "deposit_note": sms.deposit_note({"required": True, "amount": 5000, "status": "waived"}),
        "booked": sms.booked("HydraFacial", None, LABELS[1], {"required": False}),
        "deposit_link": sms.deposit_link(CLINIC, "Botox", LABELS[0], deposit),
        "deposit_paid": sms.deposit_paid(CLINIC, "Botox", LABELS[0]),
        "deposit_paid_too_late": sms.deposit_paid_too_late(CLINIC, "Botox", LABELS[0]),
        "deposit_expired": sms.deposit_expired(CLINIC, "Botox", LABELS[0]),
        "appointment_label": sms.appointment_label("Botox", LABELS[0], DOCTOR),
        "no_appointments": sms.no_appointments(),
        "pick_appointment": sms.pick_appointment("move", [APPOINTMENT, OTHER_APPOINTMENT]),
        "your_appointments": sms.your_appointments([APPOINTMENT]),
        "ask_new_time": sms.ask_new_time(APPOINTMENT),
        "confirm_reschedule": sms.confirm_reschedule("Botox", LABELS[0], LABELS[2], None),
        "rescheduled": sms.rescheduled("Botox", LABELS[2], DOCTOR),
        "confirm_cancel": sms.confirm_cancel(OTHER_APPOINTMENT),
        "cancelled": sms.cancelled(APPOINTMENT, "kept", 5000, None),
        "kept_appointment": sms.kept_appointment(),
        "offer_booking": sms.offer_booking(None),
        "question_forwarded": sms.question_forwarded(mid_flow=False),
        "question_not_forwarded": sms.question_not_forwarded(PHONE),
        "EMERGENCY_REPLY": sms.EMERGENCY_REPLY,
        "MEDICAL_ADVICE_REPLY": sms.MEDICAL_ADVICE_REPLY,
        "unsubscribed": sms.unsubscribed(CLINIC),
        "unsubscribed_with_visit": sms.unsubscribed_with_visit(CLINIC, APPOINTMENT, PHONE),
        "resubscribed": sms.resubscribed(CLINIC),
        "help_reply": sms.help_reply(CLINIC, STAFF_PHONE),
        "reminder": sms.reminder(CLINIC, "Botox", DOCTOR, WED_9AM),
        "confirmation": sms.confirmation(CLINIC, "Botox", DOCTOR, WED_9AM),
        "reminder_soon": sms.reminder_soon(CLINIC, "Botox", DOCTOR, WED_9AM),
        "confirmed": sms.confirmed(CLINIC, TUE_330PM),
        "follow_up": sms.follow_up(CLINIC, "https://g.page/r/glow-med-spa/review"),
        "no_show": sms.no_show(CLINIC, 5000),
        "deposit_due": sms.deposit_due(
            CLINIC, "Botox", TUE_2PM, "https://pay.example/c/2", datetime(2026, 11, 30, 9, 5)
        ),
        "missed_call": sms.missed_call(CLINIC),
        "assistant_trouble": sms.assistant_trouble(),
        "assistant_unreachable": sms.assistant_unreachable(PHONE),
        "waitlist_offer": sms.waitlist_offer(CLINIC, None, DOCTOR, TUE_2PM, 10, 0),
        "waitlist_passed": sms.waitlist_passed("Botox"),
        "waitlist_offer_gone": sms.waitlist_offer_gone("Botox", still_waiting=True),
        "waitlist_window": window,
        "waitlist_joined": sms.waitlist_joined("Botox", window),
        "waitlist_left": sms.waitlist_left(["Botox", "HydraFacial"]),
        "reason_then_nearest": sms.reason_then_nearest("We open at 9:00 AM on Tuesdays."),
        "first_option_yes_no": sms.first_option_yes_no(LABELS[0]),
        "offer_front_desk": sms.offer_front_desk("+13105550100"),
        "provider_switched": sms.provider_switched(DOCTOR, ESTHETICIAN),
        "provider_in_on": sms.provider_in_on(DOCTOR, date(2026, 12, 5), [["09:00", "18:00"]]),
        "provider_not_in": sms.provider_not_in(
            ESTHETICIAN,
            date(2026, 12, 7),
            date(2026, 12, 8),
            [["09:00", "12:00"], ["13:00", "18:00"]],
        ),
        "provider_week": sms.provider_week(
            DOCTOR,
            [(date(2026, 12, 4), [["09:00", "18:00"]]), (date(2026, 12, 5), [["09:00", "18:00"]])],
        ),
        "offer_booking_with": sms.offer_booking_with(DOCTOR, date(2026, 12, 5)),
        "service_length": sms.service_length("Chemical Peel", 45),
        "party_label": sms.party_label([TUE_2PM, TUE_330PM], [DOCTOR, DOCTOR]),
        "ask_guest_names": sms.ask_guest_names(1),
        "confirm_party": sms.confirm_party(
            "Botox", [("Jane Doe", LABELS[0], DOCTOR), ("Jo Doe", LABELS[1], DOCTOR)], 5000
        ),
        "party_booked": sms.party_booked(
            "Botox", [("Jane Doe", LABELS[0], DOCTOR, None), ("Jo Doe", LABELS[1], DOCTOR, None)]
        ),
        "party_partly_booked": sms.party_partly_booked(
            [("Jane Doe", LABELS[0], DOCTOR, None)], "Jo Doe", LABELS[1], "That time is taken."
        ),
    }


SMS_TEXTS = sms_texts()


@pytest.mark.parametrize("name", sorted(SMS_TEXTS))
def test_every_sms_text_reads_well_aloud(name):
    assert_reads_well(for_the_ear(SMS_TEXTS[name]))


def test_every_public_sms_text_function_is_checked_above():
    """A new SMS sentence must be heard here before a caller hears it."""
    returns_text = {
        name
        for name, fn in inspect.getmembers(sms, inspect.isfunction)
        if fn.__module__ == sms.__name__
        and not name.startswith("_")
        and fn.__annotations__.get("return") in ("str", "str | None")
    }
    assert returns_text - set(SMS_TEXTS) == set()


@pytest.mark.parametrize(
    "text",
    [
        *(booking.reason(r) for r in Reason),
        booking.service_unknown(SERVICES),
        booking.which_service(["Botox", "Botox Touch-up"]),
        booking.provider_unknown([DOCTOR, ESTHETICIAN]),
        booking.provider_does_not_do(ESTHETICIAN, "Botox"),
        booking.WHICH_APPOINTMENT,
        booking.REFUND_UNAVAILABLE,
        booking.DEPOSIT_UNAVAILABLE,
    ],
)
def test_every_booking_text_reads_well_aloud(text):
    assert_reads_well(for_the_ear(text))


def test_a_list_of_names_gets_an_and_before_the_last():
    assert for_the_ear(booking.service_unknown(SERVICES[:3])) == (
        "We don't offer that. We offer: Botox, HydraFacial, and Chemical Peel."
    )
    assert for_the_ear(booking.provider_unknown([DOCTOR, ESTHETICIAN])) == (
        "We don't have that provider. Ours: Doctor Maya Patel and Jess Kim."
    )
