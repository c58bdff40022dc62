"""Quiet hours: a reminder or text-back due in the clinic's night waits for its morning, and a
reminder whose morning would come after the visit began is skipped, not sent late."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from actors.booking import engine
from actors.booking.engine import BookingRequest
from actors.reminders import send_due_reminders
from store.db import write
from store.models import Clinic, Message, Reminder
from store.quiet_hours import quiet_until
from tests.helpers import http

LA = ZoneInfo("America/Los_Angeles")


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LA)


@pytest.mark.parametrize(
    ("now", "window", "until"),
    [
        (at(2, 22, 30), ("21:00", "08:00"), at(3, 8)),  # evening: the next morning
        (at(3, 6, 15), ("21:00", "08:00"), at(3, 8)),  # small hours: this morning
        (at(3, 8, 0), ("21:00", "08:00"), None),  # the window has ended
        (at(2, 20, 59), ("21:00", "08:00"), None),
        (at(2, 21, 0), ("21:00", "08:00"), at(3, 8)),
        (at(2, 12, 30), ("12:00", "13:00"), at(2, 13)),  # a window within the day
        (at(2, 13, 0), ("12:00", "13:00"), None),
        (at(7, 23, 0, month=3), ("21:00", "08:00"), at(8, 8, month=3)),  # clocks go forward
    ],
)
def test_quiet_until(now, window, until):
    found = quiet_until(*window, "America/Los_Angeles", now)
    assert found == (until.astimezone(UTC) if until else None)


def book(now, start):
    return engine.book(
        BookingRequest(1, "HydraFacial", start, "+15555550123", "Ana", source="sms"), now=now
    )["appointment"]


def test_a_reminder_due_at_night_waits_for_the_morning(database):
    Clinic.update(reminder_hours_before=15).where(Clinic.id == 1).execute()
    book(at(1, 9), at(3, 14))  # its reminder falls due at 23:00 the night before
    assert send_due_reminders("outbox", now=at(2, 23, 5)) == []
    reminder = Reminder.get(Reminder.kind == "reminder_24h")
    assert (reminder.status, reminder.due_at) == ("pending", at(3, 8).astimezone(UTC))
    assert send_due_reminders("outbox", now=at(3, 7, 59)) == []
    sent = send_due_reminders("outbox", now=at(3, 8))
    assert ["HydraFacial" in Message.get_by_id(m).text for m in sent] == [True]


def test_a_reminder_whose_morning_is_too_late_is_skipped_and_marked(database):
    Clinic.update(
        quiet_hours_start="13:00", quiet_hours_end="15:00", reminder_hours_before=1
    ).where(Clinic.id == 1).execute()
    book(at(1, 9), at(3, 14))  # due 13:00, quiet until 15:00: after the visit began
    assert send_due_reminders("outbox", now=at(3, 13, 1)) == []
    assert Reminder.get(Reminder.kind == "reminder_24h").status == "skipped"
    assert Message.select().count() == 0


def test_a_text_back_after_a_late_call_goes_in_the_morning(database):
    with write():
        Reminder.create(
            clinic=1,
            kind="missed_call_text",
            due_at=at(2, 22, 30),
            payload={"phone": "+15555550777"},
        )
    assert send_due_reminders("outbox", now=at(2, 22, 31)) == []
    (sent,) = send_due_reminders("outbox", now=at(3, 8, 1))
    assert Message.get_by_id(sent).text.startswith("Sorry we missed you")


@pytest.mark.multiproc
def test_the_admin_sets_quiet_hours_and_a_window_of_nothing_is_refused(gateway):
    url, token = gateway.url + "/api/clinic", gateway.token(role="admin")
    status, _, body = http("PATCH", url, {"quiet_hours_start": "22:00"}, token)
    assert status == 200 and (body["quiet_hours_start"], body["quiet_hours_end"]) == (
        "22:00",
        "08:00",
    )
    for bad in (
        {"quiet_hours_end": "22:00"},
        {"quiet_hours_start": "25:00"},
        {"quiet_hours_end": "8"},
    ):
        status, _, body = http("PATCH", url, bad, token)
        assert status == 400, bad
    clinic = Clinic.get_by_id(gateway.clinics["+15550100001"])
    assert (clinic.quiet_hours_start, clinic.quiet_hours_end) == ("22:00", "08:00")
    assert http("PATCH", url, {"quiet_hours_start": "23:00"}, gateway.token(role="staff"))[0] == 403


def test_a_text_waiting_out_the_night_the_clocks_go_forward_goes_at_eight_local(database):
    """US clocks went forward at 02:00 on 2027-03-14: 08:00 that morning is 15:00 UTC, not
    the 16:00 that adding the evening's offset would give."""
    evening = datetime(2027, 3, 13, 22, 30, tzinfo=LA)
    with write():
        Reminder.create(
            clinic=1, kind="missed_call_text", due_at=evening, payload={"phone": "+15555550777"}
        )
    assert send_due_reminders("outbox", now=evening) == []
    waiting = Reminder.get(Reminder.kind == "missed_call_text")
    assert waiting.due_at == datetime(2027, 3, 14, 15, 0, tzinfo=UTC)
    assert send_due_reminders("outbox", now=datetime(2027, 3, 14, 14, 59, tzinfo=UTC)) == []
    assert len(send_due_reminders("outbox", now=datetime(2027, 3, 14, 15, 0, tzinfo=UTC))) == 1
