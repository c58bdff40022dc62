"""The local brain's dialogue, declared as data: what each stage listens for, what each flow
still needs, and what an intent does when no stage row matched.

Reading these tables tells what the brain can do in every stage; the code only carries them
out (``brain.Run.handle`` and ``flow.Flow.advance``). Signals are ``sig_<name>`` methods
(``signals.py``), actions ``do_<name>`` (``actions.py``), needs ``need_<name>`` (``flow.py``,
``slots.py``).

Memory lives in ``state`` (JSON only, checkpointed by the conversation actor after each turn):

============  ====================================================================
key           meaning
============  ====================================================================
stage         where the dialogue is (a key of ``TRANSITIONS``); "idle" between flows
flow          "book" | "reschedule" | "cancel" | "waitlist" | None: what ``commit`` will do
wish          the waitlist flow's days and reach: {"weekdays": ["tue", ...], "days_ahead"}
request       {"service", "service_options", "provider", "day", "at", "part_of_day",
              "week_of", "before"}: what the customer asked for so far (names, ISO dates,
              "HH:MM"; "before" is the first day that is too late)
slots         the options last offered: [{"start" (ISO), "provider"}]
slot          the option chosen, waiting for a name or a YES
appointments  the customer's appointments offered for picking [{"id", "service", ...}]
appointment   the appointment being rescheduled or cancelled
name          the name the customer gave in this conversation (returning customers:
              ``turn.customer.name`` is used and never asked for)
offer_service the service a just-answered question was about ("Would you like to book?")
prompt        the last question asked, repeated when a reply is not understood
misses        unusable answers in a row to ``prompt``: the second changes tack
said          what the customer asked for (service, provider, day, at, ...), kept across
              flow restarts until the booking is done or dropped (``forget``)
party         how many people one booking is for, when more than one ("me and my sister")
guests        the other people's names for a party booking, in the order of its slots
greeted       a returning customer has been greeted by name
opted_out     set when the customer asked not to be texted again (the caller acts on it)
============  ====================================================================
"""

from __future__ import annotations

MIN_INTENT_SCORE = 0.4  # below this the classifier's best guess counts as "other"
MAX_OFFER = 3  # slots offered at once
MAX_PARTY = 4  # people one booking request can be for

# Checked first in every stage: the customer can always leave or ask for a person.
INTERRUPTS: tuple[tuple[str, str], ...] = (("opt_out", "opt_out"), ("human", "transfer"))

# stage -> ordered (signal, action): the first signal present in the message runs its action.
# A message matching no row is routed by intent (``INTENT_ACTIONS``), so a question asked
# mid-flow is answered and the pending prompt repeated.
TRANSITIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "idle": (),
    "ask_service": (
        ("service_number", "set_service"),
        ("details", "update_request"),
        ("abort", "abort"),
        ("no", "abort"),
    ),
    "pick_service": (
        ("service_option", "set_service"),
        ("details", "update_request"),
        ("abort", "abort"),
        ("no", "abort"),
    ),
    "ask_time": (("details", "update_request"), ("abort", "abort"), ("no", "abort")),
    "offer_slots": (
        ("slot_choice", "take_slot"),
        ("details", "update_request"),
        ("abort", "abort"),
        ("yes", "take_only_slot"),
        ("no", "ask_other_time"),
    ),
    "ask_name": (("name", "set_name"), ("details", "update_request"), ("abort", "abort")),
    "ask_guests": (
        ("guest_names", "set_guests"),
        ("details", "update_request"),
        ("abort", "abort"),
    ),
    "confirm": (
        ("details", "update_request"),
        ("abort", "abort"),
        ("yes", "commit"),
        ("no", "decline"),
        ("new_name", "set_name"),
    ),
    "pick_appointment": (
        ("appointment_choice", "take_appointment"),
        ("abort", "abort"),
        ("no", "abort"),
    ),
    "offer_booking": (
        ("details", "start_booking"),
        ("yes", "start_booking"),
        ("no", "no_thanks"),
    ),
    "offer_desk": (("yes", "transfer"), ("no", "no_thanks"), ("details", "start_booking")),
}

# What each flow still needs, in order: the first one missing is asked for (``advance``).
NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "book": (
        ("clear_service", "pick_service"),
        ("service", "ask_service"),
        ("slot", "find_slots"),
        ("name", "ask_name"),
        ("guests", "ask_guests"),
        ("confirmation", "confirm"),
    ),
    "reschedule": (
        ("appointment", "pick_appointment"),
        ("when", "ask_new_time"),
        ("slot", "find_slots"),
        ("confirmation", "confirm"),
    ),
    "cancel": (("appointment", "pick_appointment"), ("confirmation", "confirm")),
    "waitlist": (
        ("clear_service", "pick_service"),
        ("service", "ask_service"),
        ("name", "ask_waitlist_name"),
        ("confirmation", "join_waitlist"),  # nothing to confirm: joining books nothing
    ),
}

# Top intent -> action, when no stage row matched.
INTENT_ACTIONS: dict[str, str] = {
    "book": "start_booking",
    "availability": "start_booking",
    "reschedule": "start_reschedule",
    "cancel": "start_cancel",
    "list_appointments": "list_appointments",
    "waitlist": "start_waitlist",
    "leave_waitlist": "leave_waitlist",
    "question": "answer_question",
    "provider_hours": "provider_hours",
    "service_length": "service_length",
    "help": "help",
    "greeting": "greet",
    "goodbye": "goodbye",
    "human": "transfer",
    "opt_out": "opt_out",
    "yes": "stray_yes",
    "no": "stray_no",
    "other": "fallback",
}

# A fresh ``state["request"]``.
EMPTY_REQUEST = {
    "service": None,
    "service_options": [],
    "provider": None,
    "day": None,
    "at": None,
    "part_of_day": None,
    "week_of": None,
    "before": None,  # "before my wedding on the 19th": the first day that is too late
}
# What of a request ``reset`` keeps in ``said`` until the flow is done (``forget``).
SAID_KEYS = ("service", "provider", "day", "at", "part_of_day", "week_of", "before")
# What ``reset`` forgets when a flow ends (name, greeted and opted_out outlive flows).
FLOW_KEYS = (
    "flow",
    "request",
    "slots",
    "slot",
    "appointments",
    "appointment",
    "offer_service",
    "wish",
    "guests",
)
