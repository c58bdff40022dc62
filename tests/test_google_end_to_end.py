"""Providers' Google Calendars through the running service: linked by the API, busy blocks
kept out of availability, each booking mirrored as exactly one event."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import make_settings, running_gateway
from tests.fakes.google_calendar_server import FakeGoogleCalendar, write_service_account_key
from tests.helpers import http, wait_until

pytestmark = pytest.mark.multiproc

LA = ZoneInfo("America/Los_Angeles")
MAYA_CALENDAR = "maya.patel@glow.test"


@pytest.fixture
def clinic(tmp_path, monkeypatch):
    monkeypatch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")
    with FakeGoogleCalendar() as google:
        key = tmp_path / "service-account.json"
        write_service_account_key(key, google.url + "/token")
        settings = make_settings(
            tmp_path, GOOGLE_SERVICE_ACCOUNT_FILE=str(key), GOOGLE_API_BASE=google.url
        )
        assert settings.backends.calendar == "google"
        with running_gateway(settings, workers=2) as gateway:
            yield gateway, google


def a_day_ahead() -> datetime:
    day = (datetime.now(LA) + timedelta(days=3)).date()
    while day.weekday() in (0, 6):  # Glow is closed on Mondays and Sundays
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=LA)


def test_a_linked_calendar_removes_slots_and_a_booking_makes_one_event(clinic):
    gateway, google = clinic
    staff, admin = gateway.token(role="staff"), gateway.token()
    providers = http("GET", gateway.url + "/api/providers", token=staff)[2]["items"]
    maya = next(p for p in providers if p["name"] == "Dr. Maya Patel")
    assert maya["google_calendar_id"] is None
    url = f"{gateway.url}/api/providers/{maya['id']}"
    assert http("PATCH", url, {"google_calendar_id": MAYA_CALENDAR}, staff)[0] == 403
    for bad in ({"google_calendar_id": 5}, {"google_calendar_id": " "}, {"nickname": "x"}, {}):
        assert http("PATCH", url, bad, admin)[0] == 400
    assert (
        http("PATCH", gateway.url + "/api/providers/999", {"google_calendar_id": "x"}, admin)[0]
        == 404
    )
    status, _, linked = http("PATCH", url, {"google_calendar_id": MAYA_CALENDAR}, admin)
    assert status == 200 and linked["google_calendar_id"] == MAYA_CALENDAR

    day = a_day_ahead()
    google.busy[MAYA_CALENDAR] = [
        (day.replace(hour=9).isoformat(), day.replace(hour=13).isoformat())
    ]
    query = f"/api/availability?service=botox&date={day.date().isoformat()}&limit=50"
    slots = http("GET", gateway.url + query, token=staff)[2]["slots"]
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert starts and all(s >= day.replace(hour=13) for s in starts)

    body = {
        "service": "Botox",
        "start": starts[0].isoformat(),
        "customer_phone": "+15555550123",
        "customer_name": "Ana Lopez",
        "provider": "Dr. Maya Patel",
    }
    status, _, booked = http("POST", gateway.url + "/api/appointments", body, staff)
    assert status == 201, booked
    wait_until(lambda: google.events.get(MAYA_CALENDAR), timeout_s=30)
    (event,) = google.events[MAYA_CALENDAR].values()
    appointment_id = booked["appointment"]["id"]
    assert event["extendedProperties"]["private"]["appointment_id"] == str(appointment_id)

    cancel = f"{gateway.url}/api/appointments/{appointment_id}/cancel"
    assert http("POST", cancel, {"reason": "sick"}, staff)[0] == 200
    wait_until(lambda: google.events[MAYA_CALENDAR] == {}, timeout_s=30)
