"""A bare CANCEL is a carrier opt-out word; from someone with a visit booked it may mean the
visit. They are unsubscribed (carriers require it), told how to cancel the visit, and the
thread is flagged for staff."""

from __future__ import annotations

import pytest

from store.models import Appointment, AuditLog, DashboardEvent, SmsThread
from store.sms import opted_out
from tests.helpers import http
from tests.sms_helpers import GLOW, conversation, text

pytestmark = pytest.mark.multiproc

ANA = "+15555550123"


def test_cancel_from_someone_with_a_visit_unsubscribes_and_says_how_to_cancel_it(gateway):
    conversation(gateway, "book a hydrafacial next tuesday at 10am", "Ana Lopez", "yes")
    visit = Appointment.get()
    assert visit.status == "booked"

    (reply,) = text(gateway, "Cancel")
    assert "unsubscribed" in reply and "still booked" in reply
    assert "HydraFacial" in reply and "cancel my appointment" in reply
    assert "call +15550100091" in reply  # the front desk's number
    assert Appointment.get_by_id(visit.id).status == "booked"  # an opt-out cancels nothing
    assert opted_out(gateway.clinics[GLOW], ANA)

    thread = SmsThread.get(SmsThread.customer_phone == ANA)
    assert thread.flag == "cancel_with_visit"
    flagged = DashboardEvent.get(DashboardEvent.type == "thread.flagged")
    assert flagged.data == {
        "thread_id": thread.id,
        "reason": "cancel_with_visit",
        "appointment_id": visit.id,
    }
    token = gateway.token(role="staff")
    _, _, listed = http("GET", gateway.url + "/api/threads", token=token)
    assert listed["items"][0]["flag"] == "cancel_with_visit"

    assert http("DELETE", f"{gateway.url}/api/threads/{thread.id}/flag", None, token)[0] == 204
    assert SmsThread.get_by_id(thread.id).flag is None
    assert AuditLog.get(AuditLog.action == "thread.clear_flag").entity_id == str(thread.id)

    text(gateway, "START")
    replies = conversation(gateway, "cancel my appointment", "yes")
    assert Appointment.get_by_id(visit.id).status == "cancelled", replies


def test_cancel_or_stop_without_that_ambiguity_is_a_plain_opt_out(gateway):
    (reply,) = text(gateway, "CANCEL", customer="+15555550991")  # no visit booked
    assert reply.startswith("You're unsubscribed") and "appointment" not in reply
    conversation(gateway, "book a hydrafacial next tuesday at 10am", "Ana Lopez", "yes")
    (reply,) = text(gateway, "STOP")  # STOP is unambiguous, visit or not
    assert "appointment" not in reply
    assert SmsThread.get(SmsThread.customer_phone == ANA).flag is None
