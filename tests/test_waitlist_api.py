"""The desk's waitlist through the running service: staff add, read and remove entries; a slot
staff cancel is offered to the list by text and booked by the customer's texted YES."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from store.demo import ALIGN_PHONE, GLOW_PHONE
from store.models import (
    Appointment,
    AuditLog,
    Clinic,
    DashboardEvent,
    Message,
    Service,
    SmsThread,
    WaitlistEntry,
)
from tests.helpers import http, wait_until
from tests.sms_helpers import conversation, text

pytestmark = pytest.mark.multiproc

LA = ZoneInfo("America/Los_Angeles")
ANA, BEA = "+15555550123", "+15555550124"


def call(gateway, method, path, body=None, role="staff", clinic=GLOW_PHONE):
    token = gateway.token(role=role, clinic=gateway.clinics[clinic])
    return http(method, gateway.url + path, body, token)


def hydrafacial(gateway) -> int:
    glow = gateway.clinics[GLOW_PHONE]
    return Service.get((Service.clinic == glow) & (Service.name == "HydraFacial")).id


def test_staff_add_read_and_remove_an_entry(gateway):
    wish = {
        "phone": BEA,
        "name": "Bea Ruiz",
        "service_id": hydrafacial(gateway),
        "weekdays": ["tue", "thu"],
        "part_of_day": "afternoon",
    }
    status, _, added = call(gateway, "POST", "/api/waitlist", wish)
    assert status == 201, added
    assert added["customer"]["phone"] == BEA and added["weekdays"] == ["tue", "thu"]
    assert added["status"] == "waiting" and added["source"] == "staff"
    today = datetime.now(LA).date()
    assert added["until_day"] == (today + timedelta(days=14)).isoformat()  # two weeks

    _, _, listed = call(gateway, "GET", "/api/waitlist?status=waiting")
    assert [e["id"] for e in listed["items"]] == [added["id"]] and listed["total"] == 1
    assert call(gateway, "GET", f"/api/waitlist/{added['id']}")[2] == added
    assert DashboardEvent.select().where(DashboardEvent.type == "waitlist.joined").exists()

    status, _, removed = call(gateway, "DELETE", f"/api/waitlist/{added['id']}")
    assert status == 200 and removed["status"] == "removed"
    assert call(gateway, "DELETE", f"/api/waitlist/{added['id']}")[0] == 409
    assert AuditLog.get(AuditLog.action == "waitlist.remove").entity_id == str(added["id"])
    assert call(gateway, "GET", "/api/waitlist?status=waiting")[2]["items"] == []

    # another clinic's staff cannot see it, nor remove it
    assert call(gateway, "GET", f"/api/waitlist/{added['id']}", clinic=ALIGN_PHONE)[0] == 404
    assert call(gateway, "GET", "/api/waitlist", clinic=ALIGN_PHONE)[2]["total"] == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"phone": "call me"}, "phone"),
        ({"service_id": 99999}, "service"),
        ({"weekdays": ["funday"]}, "weekdays"),
        ({"part_of_day": "night"}, "part_of_day"),
        ({"until_day": "2026-02-30"}, "until_day"),
        ({"from_day": "2030-01-10", "until_day": "2030-01-01"}, "until_day"),
        ({"colour": "blue"}, "colour"),
        ({"service_id": None}, "service_id"),
        ({"name": None, "phone": "+15555550188"}, "name"),
    ],
)
def test_a_bad_wish_is_400_and_writes_nothing(gateway, change, field):
    wish = {"phone": BEA, "name": "Bea", "service_id": hydrafacial(gateway), **change}
    status, _, refused = call(gateway, "POST", "/api/waitlist", wish)
    assert status == 400 and refused["error"]["code"] == "invalid", refused
    assert field in refused["error"]["message"]
    assert WaitlistEntry.select().count() == 0


def test_reading_needs_a_desk_role_and_a_real_id(gateway):
    assert call(gateway, "GET", "/api/waitlist", role="ops")[0] == 403
    assert call(gateway, "GET", "/api/waitlist/12345")[0] == 404
    assert call(gateway, "GET", "/api/waitlist?status=asleep")[0] == 400
    assert call(gateway, "PATCH", "/api/clinic", {"waitlist_hold_min": 1}, "admin")[0] == 400


def test_a_slot_staff_cancel_is_texted_to_the_list_and_booked_by_yes(gateway):
    now = datetime.now(LA)
    away = [f"{(now + timedelta(hours=h)):%H}:00" for h in (6, 7)]  # the real clock: not quiet
    Clinic.update(quiet_hours_start=away[0], quiet_hours_end=away[1]).execute()
    conversation(gateway, "book a hydrafacial next tuesday at 2pm", "Ana Lopez", "yes")
    visit = Appointment.get()
    wish = {"phone": BEA, "name": "Bea Ruiz", "service_id": hydrafacial(gateway)}
    assert call(gateway, "POST", "/api/waitlist", wish)[0] == 201
    status, _, cancelled = call(gateway, "POST", f"/api/appointments/{visit.id}/cancel", {})
    assert status == 200, cancelled

    to_bea = Message.select().join(SmsThread).where(SmsThread.customer_phone == BEA)
    wait_until(to_bea.exists, timeout_s=20)  # the notifier's own sweep (every 5 s)
    (offer,) = to_bea
    assert "reply YES" in offer.text
    assert DashboardEvent.select().where(DashboardEvent.type == "waitlist.offered").exists()

    (booked,) = text(gateway, "Yes!", customer=BEA)
    assert booked.startswith("You're booked! HydraFacial")
    hers = Appointment.get(Appointment.status == "booked")
    assert hers.customer.phone == BEA and hers.start_at == visit.start_at
    _, _, shown = call(gateway, "GET", "/api/waitlist")
    assert shown["items"][0]["status"] == "booked"
    assert shown["items"][0]["offers"][0]["status"] == "accepted"


def test_a_texter_joins_the_waitlist_in_their_own_words(gateway):
    first, second = conversation(
        gateway,
        "Is there a waitlist? Let me know if something opens up for a hydrafacial, "
        "any tuesday or thursday afternoon in the next two weeks",
        "Bea Ruiz",
        customer=BEA,
    )
    assert first == ["What's your full name, for the waitlist?"]  # nothing is being booked
    (joined,) = second
    assert joined.startswith("You're on the waitlist for HydraFacial on Tuesdays or Thursdays")
    entry = WaitlistEntry.get()
    assert entry.weekdays == [1, 3] and entry.part_of_day == "afternoon"
    assert entry.source == "sms" and entry.customer.name == "Bea Ruiz"
    assert (entry.until_day - entry.from_day).days == 14


def test_a_returning_customer_joins_for_a_provider_without_being_asked_their_name(gateway):
    conversation(gateway, "book a hydrafacial next tuesday at 2pm", "Ana Lopez", "yes")
    (joined,) = text(gateway, "can you put me on the cancellation list for botox with dr patel")
    assert "waitlist for Botox" in joined and "Dr. Maya Patel" in joined
    entry = WaitlistEntry.get()
    assert entry.provider.name == "Dr. Maya Patel" and entry.weekdays == []


def test_asking_off_the_waitlist_removes_the_wish_but_keeps_texts_coming(gateway):
    from store.sms import opted_out

    conversation(gateway, "put me on the waitlist for a chemical peel", "Bea Ruiz", customer=BEA)
    assert WaitlistEntry.get().status == "waiting"
    (left,) = text(gateway, "please take me off the waitlist", customer=BEA)
    assert "off the waitlist for Chemical Peel" in left
    assert WaitlistEntry.get().status == "removed"
    assert not opted_out(gateway.clinics[GLOW_PHONE], BEA)
