"""Calendar: availability, the booking write path for staff (local DB is the source of truth),
and the job that mirrors bookings to providers' own calendars (actors/calendar/sync.py).

Conversations run the same booking engine in their own process (their tools are synchronous);
this actor serves the dashboard's requests. Both go through the same checkpoints and the same
atomic write, so a staff booking and a texted one can never both win a slot.
"""

from __future__ import annotations

from datetime import date

from actors import calendar
from actors.booking import engine
from actors.booking.engine import BookingError, BookingRequest
from actors.calendar.sync import run_due_syncs
from actors.messages import (
    Category,
    FindSlots,
    Housekeep,
    StaffBook,
    StaffCancel,
    StaffNoShow,
    StaffRefund,
    StaffReschedule,
)
from actors.scheduling.availability import PartOfDay
from actors.services.base import ServiceActor
from store.fields import utcnow

CONFLICT_CODES = {"slot_taken", "customer_overlap", "daily_cap_reached", "no_resource"}


class CalendarActor(ServiceActor):
    def receiveMsg_Housekeep(self, message: Housekeep, sender) -> None:
        # Bookings are mirrored to providers' calendars; the local calendar is the database.
        if message.job == "calendar_sync" and calendar.current().name != "local":
            run_due_syncs(utcnow())

    def _run(self, sender, request, operation) -> None:
        try:
            value = operation()
        except BookingError as error:
            category = (
                Category.NOT_FOUND
                if error.code == "not_found"
                else Category.CONFLICT
                if error.code in CONFLICT_CODES
                else Category.UNAVAILABLE
                if error.code == "deposit_unavailable"
                else Category.INVALID
            )
            self.fail(sender, request, category, error.message)
            return
        if not isinstance(request, FindSlots):
            self.ring(request.clinic_id)
        self.ok(sender, request, value)

    def receiveMsg_FindSlots(self, message: FindSlots, sender) -> None:
        def find():
            try:
                day = date.fromisoformat(message.date) if message.date else None
                part = PartOfDay(message.part_of_day) if message.part_of_day else None
            except ValueError:
                raise BookingError(
                    "invalid", "date must be YYYY-MM-DD; part_of_day morning, afternoon or evening"
                ) from None
            return engine.availability(
                message.clinic_id,
                message.service,
                None,
                message.provider,
                day,
                part,
                limit=message.limit,
            )

        self._run(sender, message, find)

    def receiveMsg_StaffBook(self, message: StaffBook, sender) -> None:
        request = BookingRequest(
            clinic_id=message.clinic_id,
            service=message.service,
            start=message.start,
            customer_phone=message.customer_phone,
            customer_name=message.customer_name,
            provider=message.provider,
            source="staff",
            actor=message.actor,
            idempotency_key=message.idempotency_key,
            notes=message.notes,
        )
        self._run(sender, message, lambda: engine.book(request))

    def receiveMsg_StaffReschedule(self, message: StaffReschedule, sender) -> None:
        self._run(
            sender,
            message,
            lambda: engine.reschedule(
                message.clinic_id,
                message.appointment_id,
                message.start,
                message.actor,
                message.provider,
            ),
        )

    def receiveMsg_StaffNoShow(self, message: StaffNoShow, sender) -> None:
        self._run(
            sender,
            message,
            lambda: engine.mark_no_show(message.clinic_id, message.appointment_id, message.actor),
        )

    def receiveMsg_StaffRefund(self, message: StaffRefund, sender) -> None:
        self._run(
            sender,
            message,
            lambda: engine.refund_by_hand(
                message.clinic_id, message.appointment_id, message.actor, message.amount_cents
            ),
        )

    def receiveMsg_StaffCancel(self, message: StaffCancel, sender) -> None:
        self._run(
            sender,
            message,
            lambda: engine.cancel(
                message.clinic_id, message.appointment_id, message.actor, message.reason
            ),
        )
