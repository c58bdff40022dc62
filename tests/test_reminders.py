"""Reminders are texted once when due, never to opted-out numbers or cancelled visits."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from actors.booking import engine
from actors.booking.engine import BookingRequest
from actors.reminders import send_due_reminders
from store.db import write
from store.models import Message, Reminder
from store.sms import set_opt_out

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=LA)


def book(phone="+15555550123"):
    return engine.book(
        BookingRequest(
            1, "HydraFacial", datetime(2026, 12, 3, 14, tzinfo=LA), phone, "Ana", source="sms"
        ),
        now=NOW,
    )["appointment"]


def test_due_reminder_is_texted_once(database):
    book()
    due = NOW + timedelta(days=2)
    assert send_due_reminders("outbox", now=NOW) == []  # not yet due
    sent = send_due_reminders("outbox", now=due)
    assert len(sent) == 1
    text = Message.get_by_id(sent[0]).text
    assert "Glow Med Spa" in text and "HydraFacial" in text and "Thu Dec 3 at 2:00 PM" in text
    assert send_due_reminders("outbox", now=due + timedelta(minutes=5)) == []
    assert Reminder.get().status == "sent"


def test_opted_out_customer_gets_no_reminder(database):
    book()
    with write():
        set_opt_out(1, "+15555550123", True, "STOP")
    assert send_due_reminders("outbox", now=NOW + timedelta(days=2)) == []
    assert Reminder.get().status == "cancelled"


def test_cancelled_appointment_cancels_its_reminder(database):
    appointment = book()
    engine.cancel(1, appointment["id"], "staff", now=NOW)
    assert send_due_reminders("outbox", now=NOW + timedelta(days=2)) == []


def test_caller_who_hung_up_unhelped_gets_one_text_back(database):
    from store.models import Reminder

    with write():
        Reminder.create(
            clinic=1,
            kind="missed_call_text",
            due_at=NOW,
            payload={"phone": "+15555550777", "call_id": 1},
        )
    (message_id,) = send_due_reminders("outbox", now=NOW + timedelta(seconds=5))
    message = Message.get_by_id(message_id)
    assert message.thread.customer_phone == "+15555550777"
    assert message.text.startswith("Sorry we missed you at Glow Med Spa")
    assert send_due_reminders("outbox", now=NOW + timedelta(minutes=1)) == []


def test_no_text_back_to_an_opted_out_caller(database):
    from store.models import Reminder

    with write():
        set_opt_out(1, "+15555550777", True, "STOP")
        Reminder.create(
            clinic=1, kind="missed_call_text", due_at=NOW, payload={"phone": "+15555550777"}
        )
    assert send_due_reminders("outbox", now=NOW + timedelta(seconds=5)) == []
