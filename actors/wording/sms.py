"""Every sentence an SMS customer can receive, in one place.

A reply is one text of at most ``SMS_LIMIT`` characters (Telnyx joins up to ten segments into one
message); ``fit`` keeps one thought, such as a quoted answer, under ``THOUGHT_LIMIT``. Texts are
friendly and a reply that expects an answer ends with a clear question, so a customer is never
left guessing. Times are shown in
the clinic's zone as "Tue Dec 1 at 2:00 PM". The local brain's replies come first (the bulk),
then the texts other parts of the system send: safety screen, carrier keywords, reminders and
the OpenAI brain's fallbacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from actors.brain.base import money
from store.texts import MESSAGE_LIMIT

SMS_LIMIT = MESSAGE_LIMIT  # one message: what Telnyx delivers as one concatenated text
THOUGHT_LIMIT = 480  # one part of a reply (an answer quoted from the clinic's documents)
SUITS_YOU = "a day and time that suits you"  # the invitation every offer ends with


def fit(text: str, limit: int = THOUGHT_LIMIT) -> str:
    """Trim to ``limit`` characters at a sentence or word boundary (an answer quoted from the
    clinic's documents can be long; an SMS should not be)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    sentence_end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if sentence_end >= limit // 2:
        return cut[: sentence_end + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…"


def day_label(day: date) -> str:
    return f"{day:%a} {day:%b} {day.day}"


def time_label(at: datetime) -> str:
    return f"{at.hour % 12 or 12}:{at:%M} {'AM' if at.hour < 12 else 'PM'}"


def when_label(start: datetime) -> str:
    """ "Tue Dec 1 at 2:00 PM" (``start`` already in the clinic's zone)."""
    return f"{day_label(start.date())} at {time_label(start)}"


def join_or(items: Sequence[str], word: str = "or") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{i}) {item}" for i, item in enumerate(items, 1))


def reply_numbers(count: int) -> str:
    return join_or([str(i) for i in range(1, count + 1)])


def with_provider(provider: str | None) -> str:
    return f" with {provider}" if provider else ""


def first_name(name: str | None) -> str:
    return name.split()[0] if name else ""


# --------------------------------------------------------------------------- openers and exits


def hello(name: str | None) -> str:
    """ "Hi Maria!": also put in front of a returning customer's first reply."""
    return f"Hi {first_name(name)}!" if name else "Hi!"


def greeting(clinic: str, name: str | None) -> str:
    return (
        f"{hello(name)} This is {clinic}'s virtual assistant. I can book, reschedule or cancel "
        "appointments and answer questions. How can I help?"
    )


def fallback(clinic: str) -> str:
    return (
        "Sorry, I didn't quite get that. I can book, reschedule or cancel an appointment, "
        f"check openings, or answer questions about {clinic}. What would you like to do?"
    )


def help_menu(clinic: str) -> str:
    return (
        f"I'm {clinic}'s virtual assistant. I can book, reschedule or cancel appointments, "
        'check openings and answer questions, or say "talk to a person" to reach the team. '
        "What can I do for you?"
    )


def not_understood(prompt: str) -> str:
    return fit(f"Sorry, I didn't catch that. {prompt}")


def first_option_yes_no(label: str) -> str:
    """The second unclear reply to an offer: one plain yes/no question instead of a list."""
    return f"Let's keep it simple: would {label} work for you (YES or NO)?"


def offer_front_desk(clinic_phone: str) -> str:
    """The second unclear reply to anything else: a person, rather than the same question."""
    return (
        f"I'm sorry, I'm not getting this right. You can call us at {clinic_phone}, or I can ask "
        "the front desk to text you back: shall I (YES or NO)?"
    )


def hi_again(prompt: str) -> str:
    """A greeting mid-flow: say hi back and repeat the pending question."""
    return f"Hi! {prompt}"


def goodbye(name: str | None) -> str:
    who = f", {first_name(name)}" if name else ""
    return f"You're welcome{who}! Have a great day, and text us anytime."


def idle_yes() -> str:
    return "Great! I can book, reschedule or cancel an appointment. What can I help with?"


def idle_no() -> str:
    return "No problem! Text me anytime if you need to book or have a question."


def transferred() -> str:
    return "I've asked the team to text or call you back shortly. Thanks for your patience!"


def transfer_failed(clinic_phone: str) -> str:
    return (
        "I couldn't reach the team just now, so I've left them a message to get back to you. "
        f"You can also call us at {clinic_phone}."
    )


def opted_out(clinic: str, clinic_phone: str) -> str:
    return (
        f"Understood, {clinic} won't text you again. If you ever need us, just call {clinic_phone}."
    )


def aborted() -> str:
    return "No problem, I've stopped there. Is there anything else I can help with?"


def tool_trouble(message: str | None) -> str:
    lead = message or "Sorry, I'm having trouble with our system right now."
    return fit(
        f'{lead} Please try again in a few minutes, or reply "talk to a person" and I\'ll have '
        "the team contact you."
    )


# --------------------------------------------------------------------------- booking


def ask_service(services: Sequence[str]) -> str:
    options = join_or([f"{i}) {name}" for i, name in enumerate(services, 1)])
    return fit(f"Sure! Which service would you like (reply with the number or name): {options}?")


def pick_service(options: Sequence[str]) -> str:
    listed = join_or([f"{i}) {name}" for i, name in enumerate(options, 1)])
    return f"Just to check, which did you mean: {listed}?"


def ask_other_time() -> str:
    return "No problem. What other day or time would work for you?"


def offer_slots(intro: str, labels: Sequence[str]) -> str:
    count = len(labels)
    pick = (
        f"Shall I book it (reply YES), or is there {SUITS_YOU} better?"
        if count == 1
        else f"Which works best (reply {reply_numbers(count)}), or is there {SUITS_YOU} better?"
    )
    return fit(f"{intro}\n{numbered(labels)}\n{pick}")


def when_asked(
    day: date | None, week_of: date | None, part_of_day: str | None, before: date | None = None
) -> str | None:
    """The asked-for day or week and part of day in words ("on Tue Dec 1 in the afternoon",
    "before Sat Dec 19")."""
    parts = []
    if day:
        parts.append(f"on {day_label(day)}")
    elif week_of:
        parts.append(f"the week of {day_label(week_of)}")
    elif before:
        parts.append(f"before {day_label(before)}")
    if part_of_day:
        parts.append(f"in the {part_of_day}")
    return " ".join(parts) or None


def open_times_intro(service: str) -> str:
    """Heads the offered times when they are repeated after an unclear reply."""
    return f"The open times for {service} are:"


def openings_intro(service: str, when: str | None) -> str:
    return f"Here's what's open for {service}{' ' + when if when else ''}:"


def nearest_intro(service: str, when: str | None) -> str:
    return f"I don't see any {service} openings{' ' + when if when else ''}. The nearest are:"


def exact_taken_intro(label: str) -> str:
    return f"Sorry, {label} isn't available. The closest openings are:"


def reason_then_nearest(reason: str) -> str:
    """Why the asked-for time fails, heading the nearest openings offered instead."""
    return f"{reason} The nearest openings:"


def slot_taken_intro(label: str) -> str:
    return f"Sorry, {label} was just taken. How about one of these?"


def just_taken(label: str) -> str:
    return f"Sorry, {label} was just taken."


def time_not_available() -> str:
    """When the calendar gave no reason of its own."""
    return "That time doesn't work."


def could_not_book(label: str) -> str:
    """When the booking tool gave no reason of its own."""
    return f"Sorry, I couldn't book {label}."


def reason_and_alternatives(reason: str) -> str:
    """The tool's reason a time failed, before the alternatives it offered."""
    return f"{reason} How about one of these?"


def reason_and_ask_time(reason: str) -> str:
    """The tool's reason a time failed, when it offered no alternatives."""
    return f"{reason} What other day or time would work for you?"


def no_openings(service: str, when: str | None) -> str:
    return (
        f"I couldn't find any {service} openings{' ' + when if when else ''}. "
        "Reply WAITLIST and I'll text you if one opens up. What other day or time would work "
        "for you?"
    )


def which_slot(count: int) -> str:
    return f"Which one works best ({reply_numbers(count)})?"


def slot_open(label: str, service: str, provider: str | None) -> str:
    return f"Good news, {label} is open for {service}{with_provider(provider)}!"


def time_open() -> str:
    """Said before the next question when the exact time asked for is free."""
    return "Good news, that time is open!"


def ask_name() -> str:
    return "What's your full name for the booking?"


def ask_waitlist_name() -> str:
    return "What's your full name, for the waitlist?"


def ask_name_for(slot_label: str) -> str:
    """``ask_name`` as repeated after an unclear reply: it says which slot it is for."""
    return f"What's your full name for the booking on {slot_label}?"


def confirm_booking(
    service: str, provider: str | None, label: str, deposit_cents: int, name: str | None = None
) -> str:
    deposit = f" A {money(deposit_cents)} deposit holds the spot." if deposit_cents else ""
    who = f" for {name}" if name else ""
    return fit(
        f"Book {service}{with_provider(provider)} on {label}{who}?{deposit} "
        "Shall I go ahead (YES or NO)?"
    )


def deposit_note(deposit: dict | None) -> str:
    """The deposit part of a booking confirmation: the link to pay, or what was done instead."""
    if not deposit or not deposit.get("required"):
        return "No deposit needed."
    amount = deposit.get("amount")
    shown = money(amount) if isinstance(amount, int) else str(amount or "").strip()
    what = f"the {shown} deposit" if shown else "the deposit"
    link = deposit.get("link")
    if link:  # the link is its own word: nothing glued to it, so a phone can open it
        return f"To hold your spot, please pay {what} here: {link} "
    if deposit.get("status") == "waived":
        return (
            f"No card is taken by text: {what} is waived, or the team may ask for it at the desk."
        )
    return f"We'll text you a link to pay {what} to hold your spot."


def party_label(starts: Sequence[datetime], providers: Sequence[str | None]) -> str:
    """A party's back-to-back times as one option: "Fri Dec 4 at 1:00 PM and 1:45 PM with
    Dr. Maya Patel" (or each time with its own provider when they differ)."""
    times = [time_label(s) for s in starts]
    head = f"{day_label(starts[0].date())} at "
    if len(set(providers)) == 1:
        return head + join_or(times, "and") + with_provider(providers[0])
    return head + join_or(
        [t + with_provider(p) for t, p in zip(times, providers, strict=False)], "and"
    )


def ask_guest_names(others: int) -> str:
    if others == 1:
        return "And what's the full name of the other person?"
    return f"And the full names of the other {others} people (for example: Jo Lee and Sam Park)?"


def confirm_party(
    service: str, entries: Sequence[tuple[str, str, str | None]], deposit: int
) -> str:
    """Book several people back to back: who, when and with whom, then one question."""
    said = join_or([f"{who} on {when}{with_provider(p)}" for who, when, p in entries], "and")
    held = f" A {money(deposit)} deposit each holds the spots." if deposit else ""
    return f"Book {service} for {said}?{held} Shall I go ahead (YES or NO)?"


def party_booked(service: str, done: Sequence[tuple[str, str, str | None, dict | None]]) -> str:
    said = join_or([f"{who} on {when}{with_provider(p)}" for who, when, p, _ in done], "and")
    held = [(who, deposit_note(d).strip()) for who, _, _, d in done if d and d.get("required")]
    if len({note for _, note in held}) == 1 and not any(d.get("link") for *_, d in done if d):
        notes = held[0][1]  # the same for everyone (waived, or taken at the desk): say it once
    else:
        notes = " ".join(f"For {who}: {note}" for who, note in held)
    return f"You're booked! {service} for {said}. {notes} Anything else I can help with?".replace(
        "  ", " "
    )


def party_partly_booked(
    done: Sequence[tuple[str, str, str | None, dict | None]],
    who: str,
    when: str,
    reason: str | None,
) -> str:
    said = join_or([f"{w} on {t}{with_provider(p)}" for w, t, p, _ in done], "and")
    why = f" {reason}" if reason else ""
    return (
        f"I booked {said}, but couldn't book {who} on {when}.{why} What other day or time would "
        f"work for {who}?"
    )


def provider_switched(taken: str, other: str | None) -> str:
    """The offered provider's time went at the last moment; another one free then took it."""
    return (
        f"{taken} was just booked at that time, so I've put you with {other or 'another provider'}."
    )


def booked(service: str, provider: str | None, label: str, deposit: dict | None) -> str:
    if deposit and deposit.get("status") == "pending":  # not trimmed: the link must survive
        return (
            f"{service}{with_provider(provider)} on {label} is held for you. "
            f"{deposit_note(deposit)}Your visit is booked once it's paid."
        )
    return fit(
        f"You're booked! {service}{with_provider(provider)} on {label}. {deposit_note(deposit)} "
        "Anything else I can help with?"
    )


def deposit_link(clinic: str, service: str, label: str, deposit) -> str:
    """Not trimmed: the link must arrive whole, as its own word."""
    return (
        f"{clinic}: {service} on {label} is held for you. To hold your spot, please pay the "
        f"{money(deposit.amount_cents)} deposit here: {deposit.checkout_url} "
        "Your visit is booked once it's paid."
    )


def deposit_paid(clinic: str, service: str, label: str) -> str:
    return fit(
        f"{clinic}: thank you, your deposit is paid. You're booked for {service} on {label}."
    )


def deposit_paid_too_late(clinic: str, service: str, label: str) -> str:
    return fit(
        f"{clinic}: your deposit arrived after the hold on {service} on {label} ended and the "
        "time was taken, so we've refunded it in full. Text us to pick another time."
    )


def deposit_expired(clinic: str, service: str, label: str) -> str:
    return fit(
        f"{clinic}: the hold on {service} on {label} ended because the deposit wasn't paid, so "
        "the time is free again. Nothing was charged. Text us to book again."
    )


# --------------------------------------------------------------------------- existing appointments


def appointment_label(service: str, label: str, provider: str | None) -> str:
    return f"{service} on {label}{with_provider(provider)}"


def no_appointments() -> str:
    return "I don't see any upcoming appointments for this number. Would you like to book one?"


def pick_appointment(action: str, labels: Sequence[str]) -> str:
    return fit(
        f"Which appointment would you like to {action}?\n{numbered(labels)}\n"
        f"Which one ({reply_numbers(len(labels))})?"
    )


def your_appointments(labels: Sequence[str]) -> str:
    if len(labels) == 1:
        return fit(
            f"You're booked for {labels[0]}. Need to reschedule or cancel? Just let me know."
        )
    return fit(
        f"Here's what you have booked:\n{numbered(labels)}\n"
        "Need to reschedule or cancel? Just let me know."
    )


def ask_new_time(appointment: str) -> str:
    return fit(f"Sure! What day and time would you like to move your {appointment} to?")


def confirm_reschedule(service: str, old: str, new: str, provider: str | None) -> str:
    return fit(
        f"Move your {service} from {old} to {new}{with_provider(provider)}? "
        "Shall I go ahead (YES, or NO to keep your current time)?"
    )


def rescheduled(service: str, label: str, provider: str | None) -> str:
    return fit(
        f"Done! Your {service} is now on {label}{with_provider(provider)}. "
        "Anything else I can help with?"
    )


def confirm_cancel(appointment: str) -> str:
    return fit(f"Cancel your {appointment}? Shall I go ahead (YES, or NO to keep it)?")


def cancelled(appointment: str, deposit: str, deposit_cents: int, message: str | None) -> str:
    amount = f"{money(deposit_cents)} " if deposit_cents else ""
    if deposit == "refunded":
        note = f" Your {amount}deposit will be refunded."
    elif deposit == "kept":
        note = " " + (
            message
            or f"Because it's a late cancellation, your {amount}deposit is kept per our policy."
        )
    else:
        note = ""
    return fit(f"Your {appointment} is cancelled.{note} Text me anytime to book again.")


def kept_appointment() -> str:
    return "Okay, I've left your appointment as it is. Anything else I can help with?"


# --------------------------------------------------------------------------- questions


def _hours_words(hours: Sequence[Sequence[str]]) -> str:
    return " and ".join(f"{_clock_hhmm(a)} to {_clock_hhmm(b)}" for a, b in hours)


def _clock_hhmm(hhmm: str) -> str:
    hour, minute = (int(x) for x in hhmm.split(":"))
    hour %= 24
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def provider_in_on(provider: str, day: date, hours: Sequence[Sequence[str]]) -> str:
    """Answers "is Dr. Patel in on Saturday?" for that day."""
    return f"Yes, {provider} is in on {day_label(day)}, {_hours_words(hours)}."


def provider_not_in(provider: str, day: date, next_day: date | None, hours) -> str:
    if next_day is None:
        return f"{provider} isn't in on {day_label(day)}, nor in the week after."
    return (
        f"{provider} isn't in on {day_label(day)}. The next day they're in is "
        f"{day_label(next_day)}, {_hours_words(hours)}."
    )


def provider_week(provider: str, days: Sequence[tuple[date, Sequence[Sequence[str]]]]) -> str:
    """Answers "when does Jess work?": the coming week's days in, grouped by their hours."""
    if not days:
        return f"{provider} isn't in over the next week."
    groups: dict[str, list[date]] = {}
    for day, hours in days:
        groups.setdefault(_hours_words(hours), []).append(day)
    said = "; ".join(
        f"{join_or([day_label(d) for d in group], 'and')}, {hours}"
        for hours, group in groups.items()
    )
    return f"Over the next week, {provider} is in {said}."


def offer_booking_with(provider: str, day: date | None) -> str:
    when = f" on {day_label(day)}" if day else ""
    return f"Would you like to book with {provider}{when}? If so, which service?"


def service_length(service: str, minutes: int) -> str:
    """Answers "how long is a peel?" from the clinic's own service list."""
    if minutes >= 60 and minutes % 30 == 0:
        hours = minutes / 60
        amount = f"{hours:g} hour{'s' if hours != 1 else ''}"
    else:
        amount = f"{minutes} minutes"
    return f"{service} takes about {amount}."


def offer_booking(service: str | None) -> str:
    if service:
        return f"Would you like to book {service}? If so, which day suits you?"
    return "Would you like to book an appointment? If so, what would you like?"


def question_forwarded(mid_flow: bool = False) -> str:
    more = "" if mid_flow else " Anything else I can help with?"
    return (
        "Good question! I don't have that answer handy, so I've passed it to the team and "
        f"they'll get back to you soon.{more}"
    )


def question_not_forwarded(clinic_phone: str) -> str:
    return (
        "Good question! I don't have that answer handy and couldn't reach the team just now. "
        f"Please call us at {clinic_phone} and we'll help."
    )


# --------------------------------------------------------------------------- safety screen

EMERGENCY_REPLY = (
    "This sounds like it could be an emergency. Please call 911 or go to the nearest emergency "
    "room right now. We're letting our staff know as well."
)
MEDICAL_ADVICE_REPLY = (
    "I'm not able to give medical advice by text, but I've passed your question to our team "
    "and a clinician will follow up with you. If it feels urgent, please call 911."
)


# --------------------------------------------------------------------------- carrier keywords


def unsubscribed(clinic_name: str) -> str:
    """The reply to STOP (or a clear opt-out in free text)."""
    return (
        f"You're unsubscribed from {clinic_name} texts and won't get more messages. "
        "Reply START to resubscribe."
    )


def unsubscribed_with_visit(clinic_name: str, visit: str, phone: str) -> str:
    """The reply to a bare CANCEL from someone with a visit booked: CANCEL is a carrier opt-out
    word, so they are unsubscribed, but they may have meant the appointment."""
    return (
        f"You're unsubscribed from {clinic_name} texts. Your appointment ({visit}) is still "
        f'booked: to cancel it, call {phone}, or reply START and then "cancel my appointment".'
    )


def resubscribed(clinic_name: str) -> str:
    """The reply to START."""
    return f"You're resubscribed to {clinic_name} texts. Reply HELP for help, STOP to stop."


def help_reply(clinic_name: str, contact: str) -> str:
    """The reply to HELP; ``contact`` is the staff phone, else the clinic's."""
    return (
        f"{clinic_name}: text us to book, move or cancel a visit or ask a question. "
        f"Call {contact} to reach the team. Reply STOP to unsubscribe."
    )


# --------------------------------------------------------------------------- reminders


def reminder(clinic_name: str, service: str, provider: str, start: datetime) -> str:
    """An appointment reminder; ``start`` already in the clinic's zone."""
    clock = f"{start:%I:%M %p}".lstrip("0")
    return (
        f"Reminder from {clinic_name}: your {service} with "
        f"{provider} is on {start:%a %b} {start.day} at {clock}. "
        "Reply here to reschedule or cancel."
    )


def _when(start: datetime) -> str:
    return f"{start:%a %b} {start.day} at {start:%I:%M %p}".replace(" 0", " ")


def confirmation(clinic_name: str, service: str, provider: str, start: datetime) -> str:
    """A booking made for the customer by staff or on a call; ``start`` in the clinic's zone."""
    return (
        f"{clinic_name}: you're booked for {service} with {provider} on {_when(start)}. "
        "Reply here to reschedule or cancel."
    )


def reminder_soon(clinic_name: str, service: str, provider: str, start: datetime) -> str:
    """The second reminder, a few hours ahead: a bare C or R in reply means that."""
    return (
        f"Reminder from {clinic_name}: your {service} with {provider} is at "
        f"{start:%I:%M %p}".replace(" 0", " ")
        + f" on {start:%a %b} {start.day}. "
        "Reply C to confirm or R to reschedule."
    )


def confirmed(clinic_name: str, start: datetime) -> str:
    return f"Thanks, you're confirmed for {_when(start)}. See you then! - {clinic_name}"


def follow_up(clinic_name: str, review_url: str | None) -> str:
    """After the visit: thanks, and the clinic's review link when it has one."""
    ask = f" If you have a moment, we'd love a review: {review_url}" if review_url else ""
    return f"Thanks for visiting {clinic_name} today!{ask} Reply here to book your next visit."


def no_show(clinic_name: str, kept_cents: int | None) -> str:
    """Staff marked the visit missed; a kept deposit is said plainly."""
    kept = f" As per our policy, your {money(kept_cents)} deposit was kept." if kept_cents else ""
    return (
        f"{clinic_name}: we missed you at your appointment today.{kept} "
        "Reply here to book another time."
    )


def deposit_due(clinic_name: str, service: str, start: datetime, url: str, until: datetime) -> str:
    """Before an unpaid hold lapses; ``start`` and ``until`` in the clinic's zone."""
    return (
        f"{clinic_name}: your {service} on {_when(start)} is held until {until:%I:%M %p}".replace(
            " 0", " "
        )
        + f". Pay the deposit to keep it: {url}"
    )


def missed_call(clinic_name: str) -> str:
    """Texted to a caller who hung up before they were helped."""
    return (
        f"Sorry we missed you at {clinic_name}! Reply here to book, move or cancel a visit, "
        "or ask us anything."
    )


# --------------------------------------------------------------------------- OpenAI brain fallbacks

ASSISTANT_TROUBLE = (
    "Sorry, I'm having trouble; I've passed your message to the team and someone will get "
    "back to you soon."
)
ASSISTANT_UNREACHABLE = "Sorry, I'm having trouble right now. Please call the clinic at {phone}."


def assistant_trouble() -> str:
    """The model could not finish the turn; the message was left for the staff."""
    return ASSISTANT_TROUBLE


def assistant_unreachable(clinic_phone: str) -> str:
    """The model could not finish the turn and the message could not be left either."""
    return ASSISTANT_UNREACHABLE.format(phone=clinic_phone)


# ---------------------------------------------------------------------------- waitlist


def waitlist_offer(
    clinic_name: str,
    service: str | None,
    provider: str,
    start: datetime,
    hold_min: int,
    deposit: int,
) -> str:
    """An opening offered to the next customer on the waitlist; ``start`` in the clinic's zone;
    no ``service`` for a clinic that keeps treatments out of its texts."""
    secures = f" (a {money(deposit)} deposit secures it)" if deposit else ""
    what = f"an opening for {service}" if service else "an opening"
    return (
        f"{clinic_name}: good news, {what} came up on {_when(start)} with "
        f"{provider}{secures}. It's held for you for {hold_min} minutes: reply YES to book it "
        "or NO to pass."
    )


def waitlist_passed(service: str) -> str:
    return (
        f"No problem, I've passed that time on. You're still on the waitlist for {service}; "
        "I'll text you if another opening comes up."
    )


def waitlist_offer_gone(service: str, still_waiting: bool) -> str:
    tail = (
        f" You're still on the waitlist for {service}, and I'll text you about the next one."
        if still_waiting
        else ""
    )
    return f"Sorry, that opening is no longer held for you: it went to the next person.{tail}"


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def waitlist_window(
    weekdays: Sequence[int], part_of_day: str | None, provider: str | None, until: date
) -> str:
    """A waitlist wish in words: "on Tuesdays or Thursdays, afternoons, until Dec 17"
    (``weekdays`` 0 = Monday)."""
    parts = []
    if weekdays:
        names = [f"{DAY_NAMES[d]}s" for d in weekdays]
        parts.append("on " + (" or ".join(names) if len(names) < 3 else ", ".join(names)))
    if part_of_day:
        parts.append(f"{part_of_day}s")
    if provider:
        parts.append(f"with {provider}")
    parts.append(f"until {until:%b} {until.day}")
    return ", ".join(parts)


def waitlist_joined(service: str, window: str) -> str:
    return fit(
        f"You're on the waitlist for {service} {window}. If an opening comes up I'll text you "
        "and hold it for a few minutes so you can reply YES. Reply STOP to stop texts."
    )


def waitlist_left(services: list[str]) -> str:
    if not services:
        return "You're not on our waitlist, so there's nothing to remove. Anything else?"
    return (
        f"Done: you're off the waitlist for {' and '.join(services)}. You'll still get texts "
        "about your appointments. Anything else I can help with?"
    )
