"""One actor per SMS thread (clinic number + customer number): it owns that conversation.

A turn: carrier keywords first (STOP/START/HELP, and clear opt-outs in free text, recorded in
the one opt-out ledger), then nothing at all for an opted-out number, then the safety screen
(emergencies and medical questions go to staff, never to the brain), then the brain with the
conversation tools. The replies, the inbound message's "handled" mark, the dashboard events and
the checkpoint commit in one transaction; only then are they pushed and sent.
"""

from __future__ import annotations

import logging
import os
import random
import time
from zoneinfo import ZoneInfo

from actors.booking.engine import label
from actors.brain import safety
from actors.brain.base import BrainReply, CustomerInfo, Turn
from actors.brain.local import LocalBrain
from actors.clinic_context import clinic_info, customer_info
from actors.conversation import ConversationActor, TurnError, save_checkpoint
from actors.conversation_tools import ConversationTools
from actors.messages import (
    Category,
    ClassifyIntent,
    Ok,
    SendQueued,
    StaffHandBack,
    StaffReply,
    TextReceived,
)
from actors.service_client import ServiceClient, knowledge_answerer
from actors.sms import keywords
from actors.sms.senders import sender_class
from actors.waitlist import answer_offer
from actors.wording import sms as wording
from store.audit import audit
from store.clinic_reads import CLINIC
from store.customer_reads import next_visit, reminded_visit
from store.db import write
from store.events import record_event
from store.fields import utcnow
from store.models import Clinic, SmsThread
from store.sms import opted_out, record_message, set_message_status, set_opt_out, thread_for
from store.texts import split_message

log = logging.getLogger("vrai.sms")

HISTORY_TURNS = 20
# How long a thread reuses what the brain knows of its clinic (services, providers, hours):
# reading it took four queries, a fifth of a question's turn. Staff edits reach a thread that
# is mid-conversation within this; bookings are checked against the database regardless.
CLINIC_INFO_TTL_S = 30.0


class RemoteIntents:
    """The local brain's intent classifier: the gateway's precomputed answer for this turn's
    text, else an ask of the knowledge actor (one model per host)."""

    def __init__(self, client: ServiceClient):
        self.client = client
        self.known: dict[str, list] = {}

    def classify(self, text: str) -> list[tuple[str, float]]:
        if text.strip() in self.known:
            return [tuple(x) for x in self.known[text.strip()]]
        from actors.messages import new_corr

        reply = self.client.ask("knowledge", ClassifyIntent(new_corr(), text), timeout_s=5.0)
        return [tuple(x) for x in reply.value] if isinstance(reply, Ok) else []


def make_brain(settings, client: ServiceClient):
    """The brain ``settings.backends.brain`` names (chosen once, in supervisor.py)."""
    name = settings.backends.brain
    if name == "openai":
        from actors.brain.openai_chat import OpenAIChatBrain

        return OpenAIChatBrain(settings.openai_api_key, settings.openai_base_url)
    if name == "local":
        return LocalBrain(RemoteIntents(client))
    raise ValueError(f"no brain {name!r}")


# This process's view of each clinic: (read at, row, what the brain knows of it). Per process,
# so the SMS supervisor's copy is inherited by every thread actor it forks (see prime_clinics).
_CLINICS: dict[int, tuple[float, Clinic, object]] = {}
_TTL: dict[int, float] = {}  # pid -> this process's own time to live of a view


def _view_ttl() -> float:
    """Between half and all of ``CLINIC_INFO_TTL_S``, drawn once per process. Threads forked
    together inherit views read at the same moment: with one TTL, hundreds of them re-read
    their clinic in the same second (a 0.8-1 s p99 spike every 30 s at 300 customers)."""
    pid = os.getpid()
    if pid not in _TTL:
        _TTL[pid] = CLINIC_INFO_TTL_S * random.Random(pid).uniform(0.5, 1.0)
    return _TTL[pid]


def clinic_view(clinic_id: int) -> tuple[Clinic, object]:
    """The clinic's row and ClinicInfo, read again once older than this process's TTL."""
    now = time.monotonic()
    cached = _CLINICS.get(clinic_id)
    if cached is None or now - cached[0] > _view_ttl():
        clinic = CLINIC.first(id=clinic_id)
        if clinic is None:
            raise Clinic.DoesNotExist(f"clinic {clinic_id}")
        cached = _CLINICS[clinic_id] = (now, clinic, clinic_info(clinic))
    return cached[1], cached[2]


def prime_clinics(max_age_s: float = CLINIC_INFO_TTL_S / 2) -> None:
    """Refresh every clinic's view older than ``max_age_s``; the SMS supervisor calls this at
    start and on its beat, so a thread forked from it starts with fresh views instead of
    reading and building them on its first turn (a burst of new texters each paid that)."""
    now = time.monotonic()
    for clinic in Clinic.select():
        cached = _CLINICS.get(clinic.id)
        if cached is None or now - cached[0] > max_age_s:
            _CLINICS[clinic.id] = (now, clinic, clinic_info(clinic))


def warm_up() -> None:
    """Load what every thread's first turn would otherwise load in its own process (the brain's
    modules, dateparser's language data), once, in the supervisor: children are forked from it
    and share those pages. Without this, a burst of new texters each paid ~1 s of CPU."""
    from datetime import UTC, datetime

    from actors.brain import nlu

    now, utc = datetime(2026, 1, 6, 12, tzinfo=UTC), ZoneInfo("UTC")
    # Each runs a different path, compiling its patterns here rather than in every child.
    for text in ("next tuesday at 3pm", "january 6", "the 14th"):
        nlu.parse_when(text, now, utc)
    nlu.tokens("warm up")


class _NoIntents:
    """The rehearsal's classifier: no model is asked (rules only)."""

    def classify(self, text: str):
        return []


class _Refusing:
    """The rehearsal's tools: every call refused, nothing read or written for a customer."""

    def call(self, name: str, args: dict) -> dict:
        return {"ok": False, "error": "unavailable", "message": "rehearsal"}


REHEARSAL = (
    "Hi, I'm Jane Doe. Can I book a facial next Tuesday at 2pm?",
    "is Dr. Patel in on Saturday?",
)


class _Rehearsed(Exception):
    """Rolls the rehearsal's writes back."""


def rehearse() -> None:
    """Walk a pooled thread through a turn before any customer needs it: a forked process
    pays for every page of its parent it writes to (reference counts), and a first turn
    touched hundreds. The brain's tools refuse every call, and what the turn writes (a
    thread, its messages, a checkpoint) is rolled back: nothing is stored."""
    phone = "+10000000000"
    for clinic_id in list(_CLINICS):
        info = clinic_view(clinic_id)[1]
        brain = LocalBrain(_NoIntents())
        customer = CustomerInfo(phone=phone, name=None, returning=False)
        for text in REHEARSAL:
            turn = Turn(text, utcnow(), info, customer, "sms", (), {})
            brain.respond(turn, _Refusing())
        customer_info(clinic_id, phone)
        opted_out(clinic_id, phone)
    try:
        with write():
            for clinic_id in list(_CLINICS)[:1]:
                thread = thread_for(clinic_id, phone)
                record_message(thread, "in", REHEARSAL[0], "handled")
                record_message(thread, "out", REHEARSAL[1], "queued")
                save_checkpoint(clinic_id, "sms", f"rehearsal:{phone}", {"turns": 0}, 1)
            raise _Rehearsed
    except _Rehearsed:
        pass


class SmsThreadActor(ConversationActor):
    """Keeps the thread's conversation state; one inbound text is one turn."""

    kind = "sms"

    def initial_state(self) -> dict:
        return {"turns": 0, "history": [], "brain": {}}

    def on_prestart(self) -> None:
        if self.settings.backends.brain == "local":
            rehearse()

    def on_start(self) -> None:
        self.client = ServiceClient(self.settings, self.directory)
        self.brain = None
        self.pending_send: list[int] = []
        # Read once and reused: a turn used to spend a third of its CPU building SQL for rows
        # that do not change between texts (the clinic, this thread, a known customer).
        self.thread: SmsThread | None = None  # set once a turn that used it has committed
        self.turn_thread: SmsThread | None = None
        self.known_customer = None  # CustomerInfo, once the customer exists
        self.flag: tuple[str, int] | None = None  # this turn's reason for staff to look
        self.confirmed: int | None = None  # the visit this turn's "C" confirmed

    def receiveMsg_Directory(self, message, sender) -> None:
        super().receiveMsg_Directory(message, sender)
        if getattr(self, "client", None) is not None:
            self.client.directory = self.directory

    def turn_TextReceived(self, message: TextReceived) -> dict:
        text, phone = message.text, message.customer_phone
        if not isinstance(text, str) or not isinstance(phone, str):
            raise TurnError("a text needs its text and the customer's phone", Category.INVALID)
        clinic, _ = clinic_view(self.clinic_id)
        self.state["turns"] += 1
        replies, opt = self._keywords(clinic, phone, text)
        if replies is None:
            silent = opted_out(clinic.id, phone) or self.state.get("paused_by")
            replies = [] if silent else answer_offer(clinic, phone, text, utcnow())
            if replies is None:
                replies, text = self._answer_to_reminder(clinic, phone, text)
            if replies is None:
                replies = self._converse(message, clinic, text)
        self._remember_lines(message.text, replies)
        flag, self.flag = self.flag, None
        confirmed, self.confirmed = self.confirmed, None
        self.effects = lambda: self._write(
            clinic, phone, message.message_id, replies, opt, flag, confirmed
        )
        return {"turn": self.state["turns"], "replies": replies}

    def turn_StaffReply(self, message: StaffReply) -> dict:
        """Staff take the thread over: their text goes out and the AI stays silent after."""
        text, phone = message.text, message.customer_phone
        if not isinstance(text, str) or not text.strip() or not isinstance(phone, str):
            raise TurnError("a staff reply needs its text", Category.INVALID)
        if opted_out(self.clinic_id, phone):
            raise TurnError("the customer opted out of texts (STOP)", Category.CONFLICT)
        self.state["paused_by"] = message.staff
        history = self.state["history"]
        history.append({"role": "staff", "text": text})
        del history[:-HISTORY_TURNS]
        stored: dict = {}  # the reply: filled in by the effects, which commit before it is sent
        self.effects = lambda: stored.update(self._write_staff_reply(message))
        return stored

    def turn_StaffHandBack(self, message: StaffHandBack) -> dict:
        self.state.pop("paused_by", None)
        self.state["brain"] = {}  # what the brain was asking may have been settled by staff
        self.effects = lambda: self._pause_thread(message.customer_phone, None, message.staff)
        return {"ai_paused": False}

    def _write_staff_reply(self, message: StaffReply) -> dict:
        thread = self._pause_thread(message.customer_phone, message.staff, message.staff)
        status = sender_class(self.settings).new_status
        sent = record_message(thread, "out", message.text, status)
        audit(self.clinic_id, message.staff, "thread.reply", "sms_thread", thread.id)
        self.pending_push.append(
            record_event(
                self.clinic_id, "message.sent", {"thread_id": thread.id, "message_ids": [sent.id]}
            )
        )
        self.pending_send = [sent.id] if status == "queued" else []
        return {"thread_id": thread.id, "message_id": sent.id, "status": status, "ai_paused": True}

    def _pause_thread(self, phone: str, paused_by: str | None, staff: str) -> SmsThread:
        """The thread's visible hold (what the dashboard shows), with its audit and event."""
        thread = self.thread or thread_for(self.clinic_id, phone)
        self.turn_thread = thread
        was = thread.ai_paused_by
        thread.ai_paused_by = paused_by
        thread.ai_paused_at = utcnow() if paused_by else None
        SmsThread.update(ai_paused_by=paused_by, ai_paused_at=thread.ai_paused_at).where(
            SmsThread.id == thread.id
        ).execute()
        if (was is None) != (paused_by is None):
            audit(
                self.clinic_id,
                staff,
                "thread.pause_ai" if paused_by else "thread.resume_ai",
                "sms_thread",
                thread.id,
            )
            self.pending_push.append(
                record_event(
                    self.clinic_id,
                    "thread.paused" if paused_by else "thread.resumed",
                    {"thread_id": thread.id},
                )
            )
        return thread

    # ------------------------------------------------------------------ the turn

    def _keywords(self, clinic: Clinic, phone: str, text: str):
        """Carrier keywords and opt-outs: (replies, opt-out change) or (None, None) to go on."""
        word = keywords.keyword(text)
        if word == "stop" or (word is None and keywords.asks_to_opt_out(text)):
            visit = next_visit(clinic.id, phone, utcnow()) if keywords.is_cancel(text) else None
            if visit is not None:  # CANCEL is a carrier word; they may mean the appointment
                self.flag = ("cancel_with_visit", visit.id)
                when = label(visit.start_at, visit.provider.name, clinic.timezone)
                reply = wording.unsubscribed_with_visit(
                    clinic.name, f"{visit.service.name}, {when}", clinic.staff_phone or clinic.phone
                )
                return [reply], (False, text.strip()[:20])
            return [wording.unsubscribed(clinic.name)], (False, text.strip()[:20])
        if word == "start":
            return [wording.resubscribed(clinic.name)], (True, "START")
        if word == "help":
            return [wording.help_reply(clinic.name, clinic.staff_phone or clinic.phone)], None
        return None, None

    def _answer_to_reminder(self, clinic: Clinic, phone: str, text: str):
        """A bare C or R in reply to a "reply C to confirm or R to reschedule" reminder:
        (replies, text) for C, (None, the request R stands for) for R, else (None, text)."""
        letter = keywords.bare_word(text)
        if letter not in ("C", "R"):
            return None, text
        visit = reminded_visit(clinic.id, phone, utcnow())
        if visit is None:
            return None, text  # not an answer to a reminder: whatever it means, the brain says
        if letter == "R":
            return None, "I'd like to reschedule my appointment"
        self.confirmed = visit.id
        start = visit.start_at.astimezone(ZoneInfo(clinic.timezone))
        return [wording.confirmed(clinic.name, start)], text

    def _converse(self, message: TextReceived, clinic: Clinic, text: str) -> list[str]:
        screened = safety.screen(text)
        understanding = message.understanding or {}
        precomputed = {text.strip(): understanding["answer"]} if understanding else {}
        tools = ConversationTools(
            clinic,
            message.customer_phone,
            "sms",
            f"sms:{message.corr}",
            utcnow(),
            knowledge_answerer(self.client, clinic.id, precomputed),
        )
        self.tools = tools
        if screened is not None:
            reply = (
                safety.EMERGENCY_REPLY
                if screened.kind == "emergency"
                else safety.MEDICAL_ADVICE_REPLY
            )
            tools.call("take_message", {"message": text, "urgent": screened.kind == "emergency"})
            return [reply]
        if self.brain is None:
            self.brain = make_brain(self.settings, self.client)
        classifier = getattr(self.brain, "classifier", None)
        if isinstance(classifier, RemoteIntents):
            classifier.known = {text.strip(): understanding["intents"]} if understanding else {}
        turn = Turn(
            text=text,
            now=tools.now,
            clinic=clinic_view(clinic.id)[1],
            customer=self._customer(clinic.id, message.customer_phone),
            channel="sms",
            history=tuple(self.state["history"]),
            state=self.state.get("brain", {}),
        )
        reply: BrainReply = self.brain.respond(turn, tools)
        self.state["brain"] = reply.state
        return list(reply.messages)

    def _customer(self, clinic_id: int, phone: str):
        """A customer, once known, stays known; an unknown one is looked up every turn (a
        booking creates them)."""
        if self.known_customer is not None:
            return self.known_customer
        info = customer_info(clinic_id, phone)
        if info.returning:
            self.known_customer = info
        return info

    def _remember_lines(self, text: str, replies: list[str]) -> None:
        history = self.state["history"]
        history.append({"role": "customer", "text": text})
        history.extend({"role": "assistant", "text": r} for r in replies)
        del history[:-HISTORY_TURNS]

    def _write(self, clinic, phone, inbound_id, replies, opt, flag, confirmed=None) -> None:
        """Runs inside the turn's transaction, with the checkpoint."""
        thread = self.thread or thread_for(clinic.id, phone)
        self.turn_thread = thread
        if inbound_id is not None:
            set_message_status(inbound_id, "handled")
        if opt is not None:
            set_opt_out(clinic.id, phone, active=not opt[0], keyword=opt[1])
        events = list(getattr(getattr(self, "tools", None), "events", []))
        if confirmed is not None:
            audit(clinic.id, "sms", "appointment.confirm", "appointment", confirmed)
            events.append(
                record_event(clinic.id, "appointment.confirmed", {"appointment_id": confirmed})
            )
        if flag is not None:  # shown on the thread until staff clear it
            reason, appointment_id = flag
            SmsThread.update(flag=reason).where(SmsThread.id == thread.id).execute()
            data = {"thread_id": thread.id, "reason": reason, "appointment_id": appointment_id}
            events.append(record_event(clinic.id, "thread.flagged", data))
        status = sender_class(self.settings).new_status
        sent = []
        for reply in replies:
            for part in split_message(reply):
                sent.append(record_message(thread, "out", part, status))
        self.pending_send = [m.id for m in sent] if status == "queued" else []
        if sent:
            events.append(
                record_event(
                    clinic.id,
                    "message.sent",
                    {"thread_id": thread.id, "message_ids": [m.id for m in sent]},
                )
            )
        self.pending_push = events
        self.tools = None

    def after_commit(self) -> None:
        self.thread = self.turn_thread  # durable now: later turns need not look it up
        if self.pending_send:
            self.relay("notifier", SendQueued(self.pending_send))
        self.pending_send = []
