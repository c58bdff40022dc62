"""Staff REST: the calendar with the same rules as a texted booking, and the read views."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import http

pytestmark = pytest.mark.multiproc

LA = ZoneInfo("America/Los_Angeles")


def next_tuesday(hour: int) -> str:
    today = datetime.now(LA).date()
    day = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LA).isoformat()


def book(gateway, **changes):
    body = {
        "service": "HydraFacial",
        "start": next_tuesday(10),
        "customer_phone": "+15555550123",
        "customer_name": "Ana Lopez",
        "provider": "Jess Kim",
    }
    body.update(changes)
    return http("POST", gateway.url + "/api/appointments", body, gateway.token(role="staff"))


def test_staff_books_moves_and_cancels_through_the_api(gateway):
    status, _, created = book(gateway)
    assert status == 201 and created["appointment"]["status"] == "booked"
    appointment_id = created["appointment"]["id"]
    token = gateway.token(role="staff")
    url = f"{gateway.url}/api/appointments/{appointment_id}"

    status, _, moved = http("PATCH", url, {"start": next_tuesday(11)}, token)
    assert status == 200 and moved["appointment"]["start"] == next_tuesday(11)

    status, _, cancelled = http("POST", url + "/cancel", {"reason": "sick"}, token)
    assert status == 200 and cancelled["appointment"]["status"] == "cancelled"
    items = http("GET", gateway.url + "/api/appointments", token=token)[2]["items"]
    assert [(a["id"], a["status"]) for a in items] == [(appointment_id, "cancelled")]
    assert items[0]["customer"]["name"] == "Ana Lopez"
    assert items[0]["customer"]["phone"] == "+15555550123"


def test_a_taken_slot_is_a_409_and_nothing_is_written(gateway):
    assert book(gateway)[0] == 201
    status, _, body = book(gateway, customer_phone="+15555550124", customer_name="Bo")
    assert status == 409 and body["error"]["code"] == "conflict"
    token = gateway.token(role="staff")
    assert len(http("GET", gateway.url + "/api/appointments", token=token)[2]["items"]) == 1


@pytest.mark.parametrize(
    "changes",
    [{"service": ""}, {"start": 5}, {"customer_phone": None}, {"service": "Tattoo"}],
)
def test_bad_booking_requests_are_400(shared_gateway, changes):
    status, _, body = book(shared_gateway, **changes)
    assert status == 400 and "error" in body
    token = shared_gateway.token(role="staff")
    assert http("GET", shared_gateway.url + "/api/appointments", token=token)[2]["items"] == []


def test_availability_lists_free_slots_and_rejects_bad_input(gateway):
    token = gateway.token(role="staff")
    status, _, body = http(
        "GET", gateway.url + "/api/availability?service=botox&part_of_day=morning", token=token
    )
    assert status == 200 and body["service"] == "Botox" and body["slots"]
    assert all(datetime.fromisoformat(s["start"]).hour < 12 for s in body["slots"])
    assert http("GET", gateway.url + "/api/availability", token=token)[0] == 400
    bad = "/api/availability?service=botox&part_of_day=night"
    assert http("GET", gateway.url + bad, token=token)[0] == 400


def test_other_clinics_appointment_cannot_be_touched(gateway):
    appointment_id = book(gateway)[2]["appointment"]["id"]
    other = gateway.token("+15550100002", role="staff")
    url = f"{gateway.url}/api/appointments/{appointment_id}/cancel"
    assert http("POST", url, {}, other)[0] == 404


def test_unknown_thread_is_404(shared_gateway):
    token = shared_gateway.token(role="staff")
    assert http("GET", shared_gateway.url + "/api/threads/999/messages", token=token)[0] == 404


def test_threads_of_one_customer_are_found_past_the_newest_page(gateway):
    """The filter ran over the newest `limit` threads, so an older customer's came back empty."""
    from datetime import timedelta

    from store.db import write
    from store.fields import utcnow
    from store.models import SmsThread

    clinic = gateway.clinics["+15550100001"]
    with write():
        for n in range(5):
            SmsThread.create(
                clinic=clinic,
                customer_phone=f"+1555555{n:04d}",
                last_message_at=utcnow() - timedelta(minutes=n),
            )
    token = gateway.token(role="staff")
    url = gateway.url + "/api/threads?limit=2&customer_phone=%2B15555550004"
    (thread,) = http("GET", url, token=token)[2]["items"]
    assert thread["customer_phone"] == "+15555550004"
