"""The local brain: a rule-based receptionist that needs no LLM and answers deterministically.

One turn = read the message (``_Message``: deterministic extraction from ``nlu`` plus, only when
needed, one call to the intent classifier), then run the first matching row of the tables
below, calling the shared tools (``actors/tools.py``) for every fact and change. The tools own
the booking rules; this module owns the dialogue. Memory lives in ``state`` (JSON only):

============  ====================================================================
key           meaning
============  ====================================================================
stage         where the dialogue is (a key of ``TRANSITIONS``); "idle" between flows
flow          "book" | "reschedule" | "cancel" | None: what ``commit`` will do
request       {"service", "service_options", "provider", "day", "at", "part_of_day",
              "week_of"}: what the customer asked for so far (names, ISO dates, "HH:MM")
slots         the options last offered: [{"start" (ISO), "provider"}]
slot          the option chosen, waiting for a name or a YES
appointments  the customer's appointments offered for picking [{"id", "service", ...}]
appointment   the appointment being rescheduled or cancelled
name          the name the customer gave in this conversation (returning customers:
              ``turn.customer.name`` is used and never asked for)
offer_service the service a just-answered question was about ("Would you like to book?")
prompt        the last question asked, repeated when a reply is not understood
greeted       a returning customer has been greeted by name
opted_out     set when the customer asked not to be texted again (the caller acts on it)
============  ====================================================================
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from actors.brain import nlu, replies, safety
from actors.brain.base import BrainReply, IntentClassifier, ServiceInfo, ToolRunner, Turn

MIN_INTENT_SCORE = 0.4  # below this the classifier's best guess counts as "other"
MAX_OFFER = 3
_WANTS_SOMETHING = re.compile(r"\b(book|appointment|schedule|get an?|do you (do|offer))\b", re.I)

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
    "confirm": (
        ("details", "update_request"),
        ("abort", "abort"),
        ("yes", "commit"),
        ("no", "decline"),
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
}

# What each flow still needs, in order: the first one missing is asked for (``advance``).
NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "book": (
        ("clear_service", "pick_service"),
        ("service", "ask_service"),
        ("slot", "find_slots"),
        ("name", "ask_name"),
        ("confirmation", "confirm"),
    ),
    "reschedule": (
        ("appointment", "pick_appointment"),
        ("when", "ask_new_time"),
        ("slot", "find_slots"),
        ("confirmation", "confirm"),
    ),
    "cancel": (("appointment", "pick_appointment"), ("confirmation", "confirm")),
}

# Top intent -> action, when no stage row matched.
INTENT_ACTIONS: dict[str, str] = {
    "book": "start_booking",
    "availability": "start_booking",
    "reschedule": "start_reschedule",
    "cancel": "start_cancel",
    "list_appointments": "list_appointments",
    "question": "answer_question",
    "help": "help",
    "greeting": "greet",
    "goodbye": "goodbye",
    "human": "transfer",
    "opt_out": "opt_out",
    "yes": "stray_yes",
    "no": "stray_no",
    "other": "fallback",
}

_EMPTY_REQUEST = {
    "service": None,
    "service_options": [],
    "provider": None,
    "day": None,
    "at": None,
    "part_of_day": None,
    "week_of": None,
}
_FLOW_KEYS = ("flow", "request", "slots", "slot", "appointments", "appointment", "offer_service")
_GREETING = re.compile(r"^(hi|hello|hey|hiya|howdy|yo|good (morning|afternoon|evening))\b")
# Words pointing at an appointment the customer already has. "my" alone does, except where
# the customer is telling us about themselves ("my name is Sam", "my number is ...").
_EXISTING = re.compile(
    r"\b(my(?!\s+(?:name|number|phone|cell|email|e-mail)\b)|mine|it|appointment|appt|"
    r"booking|booked|reschedul\w*|cancel\w*|move|change|switch|"
    r"push|instead|another day|different day|different time|can'?t make|won'?t make)\b"
)
_ASKING = ("what ", "what's", "how ", "does ", "is ", "are ", "why ", "who ", "which ", "will ")
_QUESTION_START = (
    "what",
    "what's",
    "whats",
    "how",
    "does",
    "do you",
    "is",
    "are",
    "where",
    "why",
    "who",
    "which",
    "will",
    "should",
    "can you tell",
)


class _Tools:
    """Runs tools and logs each call for ``BrainReply.tool_calls``; a crash is a failure."""

    def __init__(self, runner: ToolRunner) -> None:
        self.runner = runner
        self.log: list[dict] = []

    def call(self, name: str, args: dict) -> dict:
        try:
            result = self.runner.call(name, args)
        except Exception as exc:  # a broken runner must not take the conversation down
            result = {"ok": False, "error": "unavailable", "message": None, "detail": str(exc)}
        self.log.append({"name": name, "args": args, "result": result})
        return result


class _Message:
    """One inbound text, parsed lazily: each feature is computed once, only if asked for."""

    def __init__(self, turn: Turn, classifier: IntentClassifier, min_score: float) -> None:
        self.turn = turn
        self.text = turn.text.strip()
        self.tz = ZoneInfo(turn.clinic.timezone)
        self._classifier = classifier
        self._min_score = min_score

    @cached_property
    def clean(self) -> str:
        return nlu.normalise(self.text)

    @cached_property
    def when(self) -> nlu.When:
        return nlu.parse_when(self.text, self.turn.now, self.tz)

    @cached_property
    def target_when(self) -> nlu.When:
        """The new time of a move ("move my Tuesday appointment to Friday" -> Friday)."""
        return nlu.parse_target_when(self.text, self.turn.now, self.tz)

    @cached_property
    def services(self) -> list[ServiceInfo]:
        return nlu.match_services(self.text, self.turn.clinic.services)

    @cached_property
    def providers(self) -> list[str]:
        return [p.name for p in nlu.match_providers(self.text, self.turn.clinic.providers)]

    @cached_property
    def any_provider(self) -> bool:
        return nlu.wants_any_provider(self.text)

    @cached_property
    def answer(self) -> str | None:
        """ "yes" / "no" from plain words, else from the classifier for short replies."""
        found = nlu.yes_no(self.text)
        if found is None and 0 < len(self.clean.split()) <= 6:
            intent, score = self.ranked[0] if self.ranked else ("other", 0.0)
            if intent in ("yes", "no") and score >= 0.6:
                return intent
        return found

    @cached_property
    def keyword(self) -> str | None:
        return nlu.keyword_intent(self.text)

    @cached_property
    def ranked(self) -> list[tuple[str, float]]:
        try:
            return list(self._classifier.classify(self.text))
        except Exception:  # the classifier lives in another actor: degrade, never crash
            return []

    @cached_property
    def is_question(self) -> bool:
        clean = self.clean.strip()
        if len(clean.split()) < 3 or clean.startswith(("can i ", "could i ", "may i ", "can we ")):
            return False  # "what?" is confusion, not a question for the team
        return clean.endswith("?") or clean.startswith(_QUESTION_START)

    @cached_property
    def asks_question(self) -> bool:
        """Worded as a question about something, not a request ("does the peel hurt?")."""
        clean = self.clean
        return (
            clean.startswith(_ASKING)
            and not clean.startswith(("what about", "how about"))
            and not self.when
        )

    @cached_property
    def intent(self) -> str:
        """The intent to route by: plain keywords first, then the classifier, then details."""
        if self.keyword:
            return self.keyword
        ranked = self.ranked or [("other", 0.0)]
        top, score = ranked[0]
        has_details = bool(self.services or self.when)
        if score < self._min_score:  # unsure: let the wording and the details decide
            if self.asks_question:
                return "question"
            top = "book" if has_details else "question" if self.is_question else "other"
        if top == "other" and (_GREETING.match(self.clean) or nlu.extract_name(self.text)):
            return "greeting"  # "hi, this is Jane Doe"
        if top in ("reschedule", "cancel") and not _EXISTING.search(self.clean):
            # these act on an existing appointment: without a word pointing at one, take the
            # next best reading ("can I book a facial on Friday?" is a booking)
            top = next((i for i, _ in ranked if i not in ("reschedule", "cancel")), "other")
        if top in ("book", "reschedule", "cancel") and self.asks_question:
            return "question"  # "does the peel hurt?", "is there a fee if I cancel?" ask
        if top in ("greeting", "yes", "no") and has_details:
            return "book"  # "hi, botox tomorrow?"
        return top


class LocalBrain:
    """A deterministic receptionist brain; ``classifier`` is only asked for intents."""

    def __init__(self, classifier: IntentClassifier, *, min_intent_score: float = MIN_INTENT_SCORE):
        self.classifier = classifier
        self.min_intent_score = min_intent_score

    def respond(self, turn: Turn, tools: ToolRunner) -> BrainReply:
        run = _Run(turn, _Tools(tools), _Message(turn, self.classifier, self.min_intent_score))
        run.handle()
        return run.reply()


class _Run:
    """One turn of the dialogue: signals read the message, actions talk and change state."""

    def __init__(self, turn: Turn, tools: _Tools, message: _Message) -> None:
        self.turn = turn
        self.clinic = turn.clinic
        self.tools = tools
        self.msg = message
        self.tz = message.tz
        # A private copy (the turn's state is the checkpointed one); it is JSON by contract,
        # and a JSON round trip copies it several times faster than deepcopy.
        self.state: dict = json.loads(json.dumps(turn.state)) if turn.state else {}
        self.state.setdefault("stage", "idle")
        self.out: list[str] = []
        self.end = False
        self.prefix = ""  # said in the same text as the next question ("Good news: ...")
        self._signals: dict[str, object] = {}

    # ------------------------------------------------------------------ driving

    def handle(self) -> None:
        if not self.msg.text:
            self.do_fallback()
            return
        found = safety.screen(self.msg.text)
        if found is not None:
            self.do_safety(found)
            return
        for signal, action in INTERRUPTS + TRANSITIONS.get(self.state["stage"], ()):
            if self.present(signal):
                getattr(self, f"do_{action}")()
                return
        getattr(self, f"do_{INTENT_ACTIONS.get(self.msg.intent, 'fallback')}")()

    def reply(self) -> BrainReply:
        name = self.turn.customer.name
        if name and not self.state.get("greeted") and not self.end and self.out:
            hello = f"Hi {replies.first_name(name)}!"
            if not self.out[0].startswith("Hi"):
                if len(hello) + 1 + len(self.out[0]) <= replies.SMS_LIMIT:
                    self.out[0] = f"{hello} {self.out[0]}"
                else:
                    self.out.insert(0, hello)
        self.state["greeted"] = True
        messages = tuple(replies.fit(m) for m in self.out if m) or (
            replies.fallback(self.clinic.name),
        )
        return BrainReply(
            messages=messages, state=self.state, end=self.end, tool_calls=tuple(self.tools.log)
        )

    def say(self, *texts: str) -> None:
        self.out.extend(t for t in texts if t)

    def ask(self, stage: str, text: str) -> None:
        """Say ``text`` and wait in ``stage``; ``text`` is repeated if the reply is unclear."""
        self.say(f"{self.prefix} {text}" if self.prefix else text)
        self.prefix = ""
        self.state["stage"] = stage
        self.state["prompt"] = text

    def reset(self) -> None:
        for key in _FLOW_KEYS:
            self.state.pop(key, None)
        self.state["stage"] = "idle"
        self.state.pop("prompt", None)

    # ------------------------------------------------------------------ signals

    def signal(self, name: str) -> object:
        """The value of a signal (a choice index, a name, a flag), computed once per turn."""
        if name not in self._signals:
            self._signals[name] = getattr(self, f"sig_{name}")()
        return self._signals[name]

    def present(self, name: str) -> bool:
        """Whether the message carries the signal (option 0 counts: only None/False do not)."""
        value = self.signal(name)
        return value is not None and value is not False and value != ""

    def sig_opt_out(self) -> bool:
        return self.msg.keyword == "opt_out"

    def sig_human(self) -> bool:
        return self.msg.keyword == "human"

    def sig_abort(self) -> bool:
        return nlu.is_abort(self.msg.text)

    def sig_yes(self) -> bool:
        return self.msg.answer == "yes"

    def sig_no(self) -> bool:
        return self.msg.answer == "no"

    def sig_details(self) -> bool:
        """The message changes what is asked for: a service, a time, a provider."""
        flow = self.state.get("flow")
        if flow == "cancel" or self.msg.keyword in ("cancel", "reschedule"):
            return False
        if self.msg.asks_question:
            return False  # "how long does a facial take?" mid-booking is a question
        r = self.request
        providers = [p for p in self.msg.providers if p != r.get("provider")]
        new_provider = bool(providers) or (self.msg.any_provider and r.get("provider"))
        if flow == "reschedule":
            return bool(self.msg.target_when or new_provider)
        services = [s for s in self.msg.services if s.name != r.get("service")]
        return bool(services or self.msg.when or new_provider)

    def sig_service_number(self) -> str | None:
        names = [s.name for s in self.clinic.services]
        index = nlu.choose_option(self.msg.text, [None] * len(names))
        return names[index] if index is not None else None

    def sig_service_option(self) -> str | None:
        options = self.request.get("service_options") or []
        index = nlu.choose_option(self.msg.text, [None] * len(options))
        if index is not None:
            return options[index]
        named = [s.name for s in self.msg.services if s.name in options]
        return named[0] if len(named) == 1 else None

    def sig_slot_choice(self) -> int | None:
        slots = self.state.get("slots") or []
        return nlu.choose_option(
            self.msg.text,
            [self.local(s["start"]) for s in slots],
            [s.get("provider") for s in slots],
            self.turn.now,
            self.tz,
        )

    def sig_appointment_choice(self) -> int | None:
        options = self.state.get("appointments") or []
        index = nlu.choose_option(
            self.msg.text,
            [self.local(a["start"]) for a in options],
            [a.get("provider") for a in options],
            self.turn.now,
            self.tz,
        )
        if index is not None:
            return index
        named = {s.name for s in self.msg.services}
        fits = [i for i, a in enumerate(options) if a.get("service") in named]
        return fits[0] if len(fits) == 1 else None

    def sig_name(self) -> str | None:
        if self.msg.services or self.msg.when:
            return None  # "Massage Therapy" or "Friday" is not a name, whatever the clinic
        return nlu.extract_name(self.msg.text, expecting=True)

    # ------------------------------------------------------------------ helpers

    @property
    def request(self) -> dict:
        return self.state.setdefault("request", dict(_EMPTY_REQUEST))

    def local(self, iso: str) -> datetime:
        return datetime.fromisoformat(iso).astimezone(self.tz)

    def slot_label(self, slot: dict) -> str:
        return replies.when_label(self.local(slot["start"])) + replies.with_provider(
            slot.get("provider")
        )

    def customer_name(self) -> str | None:
        return self.turn.customer.name or self.state.get("name")

    def service_info(self, name: str | None) -> ServiceInfo | None:
        return nlu.service_named(name, self.clinic.services) if name else None

    def appointment_text(self, appointment: dict) -> str:
        return replies.appointment_label(
            appointment.get("service", "appointment"),
            replies.when_label(self.local(appointment["start"])),
            appointment.get("provider"),
        )

    def when_text(self) -> str | None:
        """The asked-for day/part of day in words ("on Tue Dec 1 in the afternoon")."""
        r = self.request
        parts = []
        if r.get("day"):
            parts.append(f"on {replies.day_label(date.fromisoformat(r['day']))}")
        elif r.get("week_of"):
            parts.append(f"the week of {replies.day_label(date.fromisoformat(r['week_of']))}")
        if r.get("part_of_day"):
            parts.append(f"in the {r['part_of_day']}")
        return " ".join(parts) or None

    def merge_details(self) -> None:
        """Fold this message's service, provider and time into the request (change of mind
        included: a new day keeps an asked-for time unless the message gives a new one)."""
        r, msg = self.request, self.msg
        if self.state.get("flow") != "reschedule" and msg.services:
            names = [s.name for s in msg.services]
            r["service"], r["service_options"] = (
                (names[0], []) if len(names) == 1 else (None, names)
            )
        if msg.any_provider:
            r["provider"] = None
        elif len(msg.providers) == 1:
            r["provider"] = msg.providers[0]
        when = msg.target_when if self.state.get("flow") == "reschedule" else msg.when
        if when.day or when.week_of:
            r["day"] = when.day.isoformat() if when.day else None
            r["week_of"] = when.week_of.isoformat() if when.week_of else None
        if when.at:
            r["at"], r["part_of_day"] = when.at.strftime("%H:%M"), None
        elif when.part_of_day:
            r["at"], r["part_of_day"] = None, when.part_of_day
        if not self.turn.customer.name and not self.state.get("name"):
            name = nlu.extract_name(msg.text)
            if name:
                self.state["name"] = name
        self.state.pop("slot", None)
        self.state.pop("slots", None)

    def exact_start(self) -> datetime | None:
        """The exact start asked for; a time without a day means the next such time (for a
        reschedule: that time on the appointment's own day)."""
        r = self.request
        if not r.get("at"):
            return None
        at = time.fromisoformat(r["at"])
        if r.get("day"):
            return datetime.combine(date.fromisoformat(r["day"]), at, tzinfo=self.tz)
        appointment = self.state.get("appointment")
        if self.state.get("flow") == "reschedule" and appointment:
            day = self.local(appointment["start"]).date()
        else:
            now = self.turn.now.astimezone(self.tz)
            day = now.date() if at > now.time() else now.date() + timedelta(days=1)
        r["day"] = day.isoformat()
        return datetime.combine(day, at, tzinfo=self.tz)

    # ------------------------------------------------------------------ flow engine

    def have(self, need: str) -> bool:
        r = self.request
        return {
            "clear_service": lambda: not r.get("service_options"),
            "service": lambda: bool(r.get("service")),
            "slot": lambda: bool(self.state.get("slot")),
            "name": lambda: bool(self.customer_name()),
            "appointment": lambda: bool(self.state.get("appointment")),
            "when": lambda: any(r.get(k) for k in ("day", "at", "part_of_day", "week_of")),
            "confirmation": lambda: False,
        }[need]()

    def advance(self) -> None:
        """Ask for the first thing the current flow still needs."""
        for need, action in NEEDS[self.state["flow"]]:
            if not self.have(need):
                getattr(self, f"need_{action}")()
                return

    def need_pick_service(self) -> None:
        self.ask("pick_service", replies.pick_service(self.request["service_options"]))

    def need_ask_service(self) -> None:
        self.ask("ask_service", replies.ask_service([s.name for s in self.clinic.services]))

    def need_ask_name(self) -> None:
        slot = self.state["slot"]
        self.ask("ask_name", replies.ask_name())
        self.state["prompt"] = f"{replies.ask_name()} (for {self.slot_label(slot)})"

    def need_pick_appointment(self) -> None:
        options = self.state.get("appointments") or []
        action = "reschedule" if self.state["flow"] == "reschedule" else "cancel"
        labels = [self.appointment_text(a) for a in options]
        self.ask("pick_appointment", replies.pick_appointment(action, labels))

    def need_ask_new_time(self) -> None:
        self.ask("ask_time", replies.ask_new_time(self.appointment_text(self.state["appointment"])))

    def need_confirm(self) -> None:
        flow = self.state["flow"]
        if flow == "cancel":
            text = replies.confirm_cancel(self.appointment_text(self.state["appointment"]))
        elif flow == "reschedule":
            appointment, slot = self.state["appointment"], self.state["slot"]
            text = replies.confirm_reschedule(
                appointment.get("service", "appointment"),
                replies.when_label(self.local(appointment["start"])),
                replies.when_label(self.local(slot["start"])),
                slot.get("provider"),
            )
        else:
            slot, service = self.state["slot"], self.request["service"]
            info = self.service_info(service)
            text = replies.confirm_booking(
                service,
                slot.get("provider"),
                replies.when_label(self.local(slot["start"])),
                info.deposit_cents if info else 0,
                None if self.turn.customer.name else self.customer_name(),
            )
        self.ask("confirm", text)

    def flow_service(self) -> str:
        if self.state.get("flow") == "reschedule":
            return self.state["appointment"].get("service", "")
        return self.request["service"]

    def need_find_slots(self) -> None:
        """Check availability for the request; propose an exact hit, else offer options."""
        r = self.request
        service = self.flow_service()
        exact = self.exact_start()
        args: dict = {"service": service}
        if r.get("provider"):
            args["provider"] = r["provider"]
        if r.get("day"):
            args["date"] = r["day"]
        if r.get("part_of_day"):
            args["part_of_day"] = r["part_of_day"]
        if exact is not None:
            args["near"] = exact.isoformat()
        if exact is None and not r.get("day") and r.get("week_of"):
            self.offer_week(service, args)
            return
        result = self.tools.call("check_availability", args)
        if not result.get("ok"):
            self.availability_failed(result)
            return
        slots = list(result.get("slots") or [])
        if exact is not None:
            hit = next((s for s in slots if self.local(s["start"]) == exact), None)
            if hit is not None:
                self.prefix = (
                    replies.slot_open(replies.when_label(exact), service, hit.get("provider"))
                    if self.state["flow"] == "book" and not self.customer_name()
                    else "Good news, that time is open!"
                )
                self.state["slot"] = _slot(hit)
                self.advance()
                return
            slots.sort(key=lambda s: abs((self.local(s["start"]) - exact).total_seconds()))
            slots = sorted(slots[:MAX_OFFER], key=lambda s: s["start"])
            intro = replies.exact_taken_intro(replies.when_label(exact))
            if slots:
                self.offer(slots, intro)
                return
        if slots:
            self.offer(slots, replies.openings_intro(service, self.when_text()))
            return
        self.find_nearest(service, exact)

    def offer_week(self, service: str, args: dict) -> None:
        """ "Next week": the first opening of each day, until there are enough to offer."""
        monday = date.fromisoformat(self.request["week_of"])
        found: list[dict] = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            result = self.tools.call("check_availability", {**args, "date": day.isoformat()})
            found += (result.get("slots") or [])[:1] if result.get("ok") else []
            if len(found) == MAX_OFFER:
                break
        if found:
            self.offer(found, replies.openings_intro(service, self.when_text()))
        else:
            self.ask("ask_time", replies.no_openings(service, self.when_text()))

    def find_nearest(self, service: str, exact: datetime | None) -> None:
        """Nothing on the asked day or part of day: look around it instead."""
        r = self.request
        when = self.when_text() or (replies.when_label(exact) if exact else None)
        if r.get("day") or r.get("part_of_day"):
            today = self.turn.now.astimezone(self.tz).date()
            day = date.fromisoformat(r["day"]) if r.get("day") else today
            near = exact or datetime.combine(day, time(12), tzinfo=self.tz)
            args = {"service": service, "near": near.isoformat()}
            if r.get("provider"):
                args["provider"] = r["provider"]
            result = self.tools.call("check_availability", args)
            slots = (result.get("slots") or []) if result.get("ok") else []
            if slots:
                self.offer(slots, replies.nearest_intro(service, when))
                return
        self.ask("ask_time", replies.no_openings(service, when))

    def availability_failed(self, result: dict) -> None:
        """Relay the tool's reason; offer its alternatives, or ask for another time."""
        error = result.get("error")
        r = self.request
        if error in ("provider_does_not_offer_service", "provider_unknown") and r.get("provider"):
            self.say(result.get("message") or "")
            r["provider"] = None
            self.need_find_slots()
            return
        if error == "service_ambiguous" and result.get("options"):
            r["service"], r["service_options"] = None, list(result["options"])
            self.advance()
            return
        if error == "service_unknown":
            r["service"] = None
            self.say(result.get("message") or "")
            self.advance()
            return
        if error == "unavailable":
            self.say(replies.tool_trouble(result.get("message")))
            return
        alternatives = result.get("alternatives") or []
        message = result.get("message") or "That time doesn't work."
        if alternatives:
            self.offer(alternatives, f"{message} How about one of these?")
        else:
            self.ask("ask_time", f"{message} What other day or time would work for you?")

    def offer(self, slots: list[dict], intro: str) -> None:
        offered = [_slot(s) for s in slots[:MAX_OFFER]]
        labels = [self.slot_label(s) for s in offered]
        self.state["slots"] = offered
        self.state.pop("slot", None)
        self.ask("offer_slots", replies.offer_slots(intro, labels))
        self.state["prompt"] = replies.offer_slots(
            f"The open times for {self.flow_service()} are:", labels
        )

    def relay_failure(self, result: dict, chosen: dict) -> None:
        """A booking or move failed: say why and offer the tool's alternatives if any."""
        error = result.get("error")
        self.state.pop("slot", None)
        if error == "name_required":
            self.state.pop("name", None)
            self.state["slot"] = chosen
            self.say(result.get("message") or "")
            self.advance()
            return
        if error == "unavailable":
            self.ask("confirm", replies.tool_trouble(result.get("message")))
            self.state["slot"] = chosen
            return
        alternatives = result.get("alternatives") or []
        label = replies.when_label(self.local(chosen["start"]))
        if error == "slot_taken":
            intro = replies.slot_taken_intro(label)
            if alternatives:
                self.offer(alternatives, intro)
                return
            self.request["day"] = self.local(chosen["start"]).date().isoformat()
            self.request["at"] = self.local(chosen["start"]).strftime("%H:%M")
            self.say(f"Sorry, {label} was just taken.")
            self.need_find_slots()
            return
        message = result.get("message") or f"Sorry, I couldn't book {label}."
        if alternatives:
            self.offer(alternatives, f"{message} How about one of these?")
        else:
            self.ask("ask_time", f"{message} What other day or time would work for you?")

    def load_appointments(self) -> list[dict] | None:
        result = self.tools.call("list_my_appointments", {})
        if not result.get("ok"):
            self.say(replies.tool_trouble(result.get("message")))
            return None
        return [
            a
            for a in result.get("appointments") or []
            if a.get("status") not in ("cancelled", "no_show", "completed")
        ]

    def start_existing(self, flow: str) -> None:
        """Begin a reschedule or cancel: find which appointment, then follow ``NEEDS``."""
        self.reset()
        appointments = self.load_appointments()
        if appointments is None:
            return
        if not appointments:
            self.ask("offer_booking", replies.no_appointments())
            return
        self.state["flow"] = flow
        self.state["appointments"] = [_appointment(a) for a in appointments]
        if len(appointments) == 1:
            self.state["appointment"] = self.state["appointments"][0]
        else:
            index = self.sig_appointment_choice()
            if index is not None and (self.msg.services or self.msg.when.day):
                self.state["appointment"] = self.state["appointments"][index]
        if flow == "reschedule" and self.state.get("appointment"):
            self.merge_new_time()
        self.advance()

    def merge_new_time(self) -> None:
        """Only a time that is not the old appointment's own counts as the new time."""
        when = self.msg.target_when
        appointment_day = self.local(self.state["appointment"]["start"]).date()
        if when and not (when.day == appointment_day and when.at is None):
            self.merge_details()

    # ------------------------------------------------------------------ actions

    def do_safety(self, found: safety.Screen) -> None:
        urgent = found.kind == "emergency"
        self.tools.call(
            "take_message",
            {"message": f"Safety screen ({found.kind}): {self.msg.text}", "urgent": urgent},
        )
        self.say(found.reply)

    def do_opt_out(self) -> None:
        self.reset()
        self.state["opted_out"] = True
        self.say(replies.opted_out(self.clinic.name, self.clinic.phone))
        self.end = True

    def do_transfer(self) -> None:
        result = self.tools.call("transfer_to_staff", {"reason": self.msg.text[:500]})
        self.reset()
        if result.get("ok"):
            self.say(replies.transferred())
        else:
            self.tools.call("take_message", {"message": f"Please contact me: {self.msg.text}"})
            self.say(replies.transfer_failed(self.clinic.phone))
        self.end = True

    def do_abort(self) -> None:
        flow = self.state.get("flow")
        self.reset()
        self.say(
            replies.kept_appointment() if flow in ("cancel", "reschedule") else replies.aborted()
        )

    def do_set_service(self) -> None:
        name = self.signal("service_number") or self.signal("service_option")
        self.merge_details()
        self.request["service"], self.request["service_options"] = name, []
        self.advance()

    def do_update_request(self) -> None:
        self.state.setdefault("flow", "book")
        self.merge_details()
        self.advance()

    def do_take_slot(self) -> None:
        index = int(self.signal("slot_choice"))  # type: ignore[call-overload]
        self.state["slot"] = self.state["slots"][index]
        self.advance()

    def do_take_only_slot(self) -> None:
        slots = self.state.get("slots") or []
        if len(slots) == 1:
            self.state["slot"] = slots[0]
            self.advance()
        else:
            self.say(replies.which_slot(len(slots)))

    def do_ask_other_time(self) -> None:
        self.state.pop("slots", None)
        self.ask("ask_time", replies.ask_other_time())

    def do_set_name(self) -> None:
        self.state["name"] = self.signal("name")
        self.advance()

    def do_decline(self) -> None:
        flow = self.state.get("flow")
        if flow == "cancel":
            self.reset()
            self.say(replies.kept_appointment())
            return
        self.state.pop("slot", None)
        self.ask("ask_time", replies.ask_other_time())

    def do_commit(self) -> None:
        getattr(self, f"commit_{self.state['flow']}")()

    def commit_book(self) -> None:
        slot, service = self.state["slot"], self.request["service"]
        args = {"service": service, "start": slot["start"], "customer_name": self.customer_name()}
        if slot.get("provider"):
            args["provider"] = slot["provider"]
        result = self.tools.call("book_appointment", args)
        if not result.get("ok"):
            self.relay_failure(result, slot)
            return
        appointment = result.get("appointment") or {}
        start = appointment.get("start") or slot["start"]
        self.reset()
        self.say(
            replies.booked(
                appointment.get("service") or service,
                appointment.get("provider") or slot.get("provider"),
                replies.when_label(self.local(start)),
                result.get("deposit"),
            )
        )

    def commit_reschedule(self) -> None:
        slot, appointment = self.state["slot"], self.state["appointment"]
        args: dict = {"appointment_id": appointment["id"], "new_start": slot["start"]}
        if slot.get("provider"):
            args["provider"] = slot["provider"]
        result = self.tools.call("reschedule_appointment", args)
        if not result.get("ok"):
            self.relay_failure(result, slot)
            return
        moved = result.get("appointment") or {}
        self.reset()
        self.say(
            replies.rescheduled(
                moved.get("service") or appointment.get("service", "appointment"),
                replies.when_label(self.local(moved.get("start") or slot["start"])),
                moved.get("provider") or slot.get("provider"),
            )
        )

    def commit_cancel(self) -> None:
        appointment = self.state["appointment"]
        result = self.tools.call("cancel_appointment", {"appointment_id": appointment["id"]})
        error = result.get("error")
        if not result.get("ok") and error != "too_late_to_cancel":
            self.reset()
            message = result.get("message")
            self.say(
                replies.tool_trouble(message) if error == "unavailable" or not message else message
            )
            return
        info = self.service_info(appointment.get("service"))
        deposit = result.get("deposit") or ("none" if result.get("ok") else "kept")
        if isinstance(deposit, dict):
            deposit = str(deposit.get("status") or "none")
        self.reset()
        self.say(
            replies.cancelled(
                self.appointment_text(appointment),
                deposit,
                info.deposit_cents if info else 0,
                result.get("message") if deposit == "kept" else None,
            )
        )

    def do_take_appointment(self) -> None:
        index = int(self.signal("appointment_choice"))  # type: ignore[call-overload]
        self.state["appointment"] = self.state["appointments"][index]
        if self.state["flow"] == "reschedule":
            self.merge_new_time()
        self.advance()

    def do_start_booking(self) -> None:
        offered = self.state.get("offer_service")
        self.reset()
        self.state["flow"] = "book"
        self.merge_details()
        if offered and not self.request.get("service") and not self.request.get("service_options"):
            self.request["service"] = offered
        self.advance()

    def do_start_reschedule(self) -> None:
        self.start_existing("reschedule")

    def do_start_cancel(self) -> None:
        self.start_existing("cancel")

    def do_no_thanks(self) -> None:
        self.reset()
        self.say(replies.idle_no())

    def do_list_appointments(self) -> None:
        appointments = self.load_appointments()
        if appointments is None:
            return
        if not appointments:
            self.reset()
            self.ask("offer_booking", replies.no_appointments())
            return
        self.say(replies.your_appointments([self.appointment_text(a) for a in appointments]))
        self.repeat_prompt()

    def do_answer_question(self) -> None:
        result = self.tools.call("answer_question", {"question": self.msg.text[:1000]})
        if result.get("ok") and result.get("found") and result.get("answer"):
            self.say(replies.fit(str(result["answer"])))
            if self.state["stage"] not in ("idle", "offer_booking"):
                self.repeat_prompt()
                return
            service = self.msg.services[0].name if len(self.msg.services) == 1 else None
            self.reset()
            if service:
                self.state["offer_service"] = service
            self.ask("offer_booking", replies.offer_booking(service))
            return
        sent = self.tools.call(
            "take_message", {"message": f"Customer question: {self.msg.text[:1000]}"}
        )
        if sent.get("ok"):
            self.say(replies.question_forwarded(mid_flow=self.state["stage"] != "idle"))
        else:
            self.say(replies.question_not_forwarded(self.clinic.phone))
        self.repeat_prompt()

    def repeat_prompt(self) -> None:
        """Mid-flow, remind the customer what we were waiting for."""
        if self.state["stage"] not in ("idle", "offer_booking") and self.state.get("prompt"):
            self.say(self.state["prompt"])

    def do_greet(self) -> None:
        if self.state["stage"] != "idle" and self.state.get("prompt"):
            self.say(f"Hi! {self.state['prompt']}")
            return
        if not self.customer_name():
            given = nlu.extract_name(self.msg.text)  # "Hi, this is Jane Doe"
            if given:
                self.state["name"] = given
        self.say(replies.greeting(self.clinic.name, self.customer_name()))

    def do_goodbye(self) -> None:
        self.reset()
        self.say(replies.goodbye(self.customer_name()))
        if self.turn.channel == "call":
            self.tools.call("end_conversation", {})
        self.end = True

    def do_stray_yes(self) -> None:
        self.reprompt_or(replies.idle_yes())

    def do_stray_no(self) -> None:
        self.reprompt_or(replies.idle_no())

    def do_help(self) -> None:
        self.say(replies.help_menu(self.clinic.name))
        self.repeat_prompt()

    def do_fallback(self) -> None:
        if _WANTS_SOMETHING.search(self.msg.text) and not self.msg.services:
            # "Can I book a tattoo removal?": say what we do offer rather than "didn't get that"
            self.reprompt_or(replies.ask_service([s.name for s in self.clinic.services]))
            return
        self.reprompt_or(replies.fallback(self.clinic.name))

    def reprompt_or(self, idle_text: str) -> None:
        """Not understood: repeat the pending question, or (between flows) say ``idle_text``."""
        if self.state["stage"] != "idle" and self.state.get("prompt"):
            self.say(replies.not_understood(self.state["prompt"]))
        else:
            self.say(idle_text)


def _slot(slot: dict) -> dict:
    """What the brain keeps of an offered slot (JSON only)."""
    return {"start": slot["start"], "provider": slot.get("provider")}


def _appointment(appointment: dict) -> dict:
    return {
        "id": appointment.get("id"),
        "service": appointment.get("service"),
        "provider": appointment.get("provider"),
        "start": appointment["start"],
    }
