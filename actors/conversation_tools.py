"""The conversation tools, run for one customer of one clinic (``ToolRunner`` of the brains).

Arguments come from a model or the local brain, so each is checked here; business failures come
back as ``{"ok": False, "error", "message"}``, never as exceptions. Anything else a tool raises
is a bug and propagates: the actor exits and its supervisor restarts it from its checkpoint,
instead of a bug being told to the customer as "the system is busy". Booking tools carry an
idempotency key made from the turn's correlation id, so a turn that is re-delivered after a
crash books nothing twice.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from datetime import date, datetime

from actors.booking import engine
from actors.booking.engine import BookingError, BookingRequest
from actors.messages import tool_error, tool_ok
from actors.scheduling.availability import PartOfDay
from actors.tools import argument_problem
from actors.wording import booking as words
from actors.wording import sms
from store.db import write
from store.edits import Invalid
from store.events import record_event
from store.models import AuditLog, Clinic
from store.waitlist import WEEKDAYS, join, leave

log = logging.getLogger("vrai.tools")
MAX_PARTY = 4  # people one conversation books at once ("me and my sister")


def _bad(message: str) -> dict:
    return tool_error("invalid_arguments", message)


class ConversationTools:
    def __init__(
        self,
        clinic: Clinic,
        customer_phone: str,
        channel: str,
        turn_key: str,
        now: datetime,
        knowledge: Callable[[str], dict],
        actor: str | None = None,
    ):
        self.clinic = clinic
        self.phone = customer_phone
        self.channel = channel
        self.turn_key = turn_key
        self.now = now
        self.knowledge = knowledge
        self.actor = actor or channel
        self.calls = 0
        self.events: list = []  # dashboard events committed by tools (pushed by the actor)
        self.actions: list[dict] = []  # end_call / transfer requested

    def call(self, name: str, args: dict) -> dict:
        self.calls += 1
        handler = getattr(self, f"_tool_{name}", None)
        if handler is None:
            return tool_error("unknown_tool", f"no tool {name!r}")
        if not isinstance(args, dict):
            return _bad("arguments must be an object")
        try:
            inspect.signature(handler).bind(**args)
        except TypeError as error:  # the caller's arguments, checked before anything runs
            return _bad(f"bad arguments for {name}: {error}")
        problem = argument_problem(name, args)
        if problem is not None:
            return _bad(f"bad arguments for {name}: {problem}")
        try:
            return handler(**args)
        except BookingError as error:  # an expected failure; anything else is a bug and raises
            return error.as_result()

    # ------------------------------------------------------------------ tools

    def _tool_check_availability(
        self,
        service: str,
        provider=None,
        date: str | None = None,
        part_of_day=None,
        near=None,
        party: int = 1,
    ) -> dict:
        if not 1 <= party <= MAX_PARTY:
            return _bad(f"party must be between 1 and {MAX_PARTY}")
        day = _day(date)
        part = (
            PartOfDay(part_of_day) if part_of_day in ("morning", "afternoon", "evening") else None
        )
        near_at = _instant(near, self.clinic) if near else None
        return engine.availability(
            self.clinic.id, service, self.now, provider, day, part, near_at, limit=3, party=party
        )

    def _tool_provider_hours(self, provider: str, date: str | None = None) -> dict:
        return engine.provider_hours(self.clinic.id, provider, self.now, _day(date))

    def _tool_book_appointment(
        self, service: str, start: str, customer_name: str, provider=None, notes: str = ""
    ) -> dict:
        request = BookingRequest(
            clinic_id=self.clinic.id,
            service=service,
            start=start,
            provider=provider,
            customer_phone=self.phone,
            customer_name=(customer_name or "").strip() or None,
            source=self.channel,
            actor=self.actor,
            idempotency_key=self._key(),
            notes=notes,
        )
        return engine.book(request, self.now)

    def _tool_reschedule_appointment(
        self, new_start: str, appointment_id: int | None = None, provider=None
    ) -> dict:
        target = self._appointment(appointment_id)
        if isinstance(target, dict):
            return target
        return engine.reschedule(
            self.clinic.id, target, new_start, self.actor, provider, self._key(), self.now
        )

    def _tool_cancel_appointment(self, appointment_id: int | None = None, reason: str = "") -> dict:
        target = self._appointment(appointment_id)
        if isinstance(target, dict):
            return target
        return engine.cancel(self.clinic.id, target, self.actor, reason, self.now)

    def _tool_list_my_appointments(self) -> dict:
        upcoming = engine.upcoming_for(self.clinic.id, self.phone, self.now)
        return tool_ok(appointments=[engine.appointment_dict(a) for a in upcoming])

    def _tool_join_waitlist(
        self,
        service: str,
        customer_name: str | None = None,
        provider=None,
        weekdays: list | None = None,
        part_of_day=None,
        from_date: str | None = None,
        until_date: str | None = None,
    ) -> dict:
        wish = engine.resolve_wish(self.clinic.id, service, provider)
        try:
            entry = join(
                self.clinic.id,
                self.phone,
                wish.service_row.id,
                name=(customer_name or "").strip() or None,
                provider_id=wish.provider_row.id if wish.provider_row else None,
                weekdays=[WEEKDAYS.index(d) for d in weekdays or []],
                part_of_day=part_of_day,
                from_day=_day(from_date),
                until_day=_day(until_date),
                source=self.channel,
                actor=self.actor,
                now=self.now,
            )
        except Invalid as refused:
            return tool_error("waitlist_refused", str(refused))
        self.events.append(entry.joined_event)
        window = sms.waitlist_window(
            entry.weekdays,
            entry.part_of_day,
            entry.provider.name if entry.provider_id else None,
            entry.until_day,
        )
        return tool_ok(entry_id=entry.id, service=wish.service_row.name, window=window)

    def _tool_leave_waitlist(self) -> dict:
        left = leave(self.clinic.id, self.phone, self.actor, self.now)
        self.events.extend(event for _, event in left)
        return tool_ok(services=[name for name, _ in left])

    def _tool_answer_question(self, question: str) -> dict:
        if not isinstance(question, str) or not question.strip():
            return _bad("question must be a non-empty string")
        return self.knowledge(question)

    def _tool_take_message(self, message: str, urgent: bool = False) -> dict:
        self._record("message.taken", {"message": message, "urgent": bool(urgent)})
        return tool_ok(message=words.MESSAGE_TAKEN)

    def _tool_transfer_to_staff(self, reason: str = "") -> dict:
        self._record("conversation.transfer_requested", {"reason": reason})
        self.actions.append({"action": "transfer", "to": self.clinic.staff_phone})
        return tool_ok(action="transfer", staff_phone=self.clinic.staff_phone)

    def _tool_end_conversation(self) -> dict:
        self.actions.append({"action": "end_call"})
        return tool_ok(action="end_call")

    # ------------------------------------------------------------------ helpers

    def _key(self) -> str:
        return f"{self.turn_key}:{self.calls}"

    def _appointment(self, appointment_id: int | None) -> int | dict:
        upcoming = engine.upcoming_for(self.clinic.id, self.phone, self.now)
        if appointment_id is not None:
            if any(a.id == appointment_id for a in upcoming):
                return appointment_id
            return tool_error("not_found", words.NOT_ONE_OF_YOURS)
        if not upcoming:
            return tool_error("not_found", words.NO_UPCOMING)
        if len(upcoming) > 1:
            return tool_error(
                "which_appointment",
                words.WHICH_APPOINTMENT,
                options=[engine.appointment_dict(a) for a in upcoming],
            )
        return upcoming[0].id

    def _record(self, type_: str, data: dict) -> None:
        data = {"channel": self.channel, "customer_phone": self.phone, **data}
        with write():
            self.events.append(record_event(self.clinic.id, type_, data))
            AuditLog.create(
                clinic=self.clinic.id,
                actor=self.actor,
                action=type_,
                entity="conversation",
                entity_id=self.turn_key,
                data={"channel": self.channel},
            )


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BookingError("invalid_time", words.UNREADABLE_DATE) from None


def _instant(value: str, clinic: Clinic) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BookingError("invalid_time", words.UNREADABLE_TIME) from None
    if parsed.tzinfo is None:
        from zoneinfo import ZoneInfo

        parsed = parsed.replace(tzinfo=ZoneInfo(clinic.timezone))
    return parsed
