"""The desk's own work: texting a customer as staff (which silences the AI until handed back),
finding a customer and reading their whole history, and the audit trail of both."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from gateway.auth import make_token
from store.accounts import add_user
from store.db import write
from store.models import AuditLog, Message, SmsThread, StaffUser
from store.sms import set_opt_out, thread_for
from tests.helpers import http
from tests.sms_helpers import GLOW, conversation, text

pytestmark = pytest.mark.multiproc

ANA = "+15555550123"


def staff_token(gateway, clinic=GLOW, role="staff"):
    """A real staff member's login token (``sub`` names them, as /api/auth/login's do)."""
    email = f"{role}@{clinic[1:]}.test"
    user = StaffUser.get_or_none(StaffUser.email == email)
    if user is None:
        user = add_user(gateway.clinics[clinic], email, role.title(), role, "a long passphrase")
    return make_token(gateway.settings.jwt_secret, gateway.clinics[clinic], role, 600, user.id)


def staff_id(gateway, role="staff") -> str:
    return f"staff:{StaffUser.get(StaffUser.email == f'{role}@{GLOW[1:]}.test').id}"


def thread_id(phone: str) -> int:
    return SmsThread.get(SmsThread.customer_phone == phone).id


def test_a_staff_reply_is_sent_and_the_ai_stays_silent_until_handed_back(gateway):
    conversation(gateway, "hi, what are your hours?")
    tid = thread_id(ANA)
    token = staff_token(gateway)
    status, _, sent = http(
        "POST", f"{gateway.url}/api/threads/{tid}/messages", {"text": "Hi Ana, it's Mia"}, token
    )
    assert status == 201, sent
    assert sent["ai_paused"] is True
    stored = Message.get_by_id(sent["message_id"])
    assert (stored.direction, stored.text) == ("out", "Hi Ana, it's Mia")

    _, _, listed = http("GET", f"{gateway.url}/api/threads?ai_paused=true", token=token)
    assert [t["id"] for t in listed["items"]] == [tid]
    assert listed["items"][0]["ai_paused_by"] == staff_id(gateway)

    assert text(gateway, "can I book a facial tomorrow?") == []  # staff have it

    status, _, back = http("POST", f"{gateway.url}/api/threads/{tid}/handback", None, token)
    assert status == 200 and back == {"ai_paused": False}
    assert text(gateway, "what are your hours?") != []  # the AI answers again

    actions = [
        (e.actor, e.action)
        for e in AuditLog.select().where(AuditLog.entity == "sms_thread").order_by(AuditLog.id)
    ]
    me = staff_id(gateway)
    assert (me, "thread.reply") in actions
    assert (me, "thread.pause_ai") in actions
    assert (me, "thread.resume_ai") in actions


def test_an_opted_out_customer_cannot_be_texted_by_staff_either(gateway):
    with write():
        tid = thread_for(gateway.clinics[GLOW], ANA).id
        set_opt_out(gateway.clinics[GLOW], ANA, active=True, keyword="STOP")
    before = Message.select().count()
    status, _, body = http(
        "POST",
        f"{gateway.url}/api/threads/{tid}/messages",
        {"text": "are you there?"},
        staff_token(gateway),
    )
    assert status == 409 and "opted out" in body["error"]["message"]
    assert Message.select().count() == before
    assert SmsThread.get_by_id(tid).ai_paused_by is None
    _, _, listed = http("GET", f"{gateway.url}/api/threads", token=staff_token(gateway))
    assert listed["items"][0]["opted_out"] is True


def test_reply_refusals(shared_gateway):
    gateway = shared_gateway
    with write():
        tid = thread_for(gateway.clinics[GLOW], "+15555550999").id
    url = f"{gateway.url}/api/threads/{tid}/messages"
    cases = [
        ({"text": ""}, 400),
        ({"text": "  "}, 400),
        ({"text": 5}, 400),
        ({"text": "x" * 1601}, 400),
        ({"text": "hi", "pause": False}, 400),
        ([], 400),
    ]
    for body, expected in cases:
        status, _, answer = http("POST", url, body, staff_token(gateway))
        assert status == expected, (body, answer)
        assert set(answer["error"]) == {"code", "message"}
    other = staff_token(gateway, clinic="+15550100002")
    assert http("POST", url, {"text": "hi"}, other)[0] == 404  # another clinic's thread
    assert http("POST", url, {"text": "hi"}, staff_token(gateway, role="ops"))[0] == 403
    assert (
        http(
            "POST", f"{gateway.url}/api/threads/x1/messages", {"text": "hi"}, staff_token(gateway)
        )[0]
        == 404
    )
    assert Message.select().where(Message.thread == tid).count() == 0


def test_customers_are_found_by_name_or_number_and_their_reads_are_audited(gateway):
    conversation(gateway, "book a hydrafacial next tuesday at 10am", "Ana Lopez", "yes")
    token = staff_token(gateway)
    for query in ("ana", "LOPEZ", "555-0123", "(555) 555 0123"):
        _, _, found = http("GET", f"{gateway.url}/api/customers?q={quote(query)}", token=token)
        assert [c["phone"] for c in found["items"]] == [ANA], query
    _, _, none = http("GET", f"{gateway.url}/api/customers?q=zzz", token=token)
    assert none["items"] == []

    customer_id = found["items"][0]["id"]
    _, _, threads = http("GET", f"{gateway.url}/api/threads", token=token)
    assert threads["items"][0]["customer_name"] == "Ana Lopez"  # named once they booked
    status, _, record = http("GET", f"{gateway.url}/api/customers/{customer_id}", token=token)
    assert status == 200
    assert record["name"] == "Ana Lopez" and record["opted_out"] is False
    assert [a["service"] for a in record["appointments"]] == ["HydraFacial"]
    texts = [m["text"] for m in record["thread"]["messages"]]
    assert texts[0] == "book a hydrafacial next tuesday at 10am" and "Ana Lopez" in texts

    status, _, changed = http(
        "PATCH", f"{gateway.url}/api/customers/{customer_id}", {"notes": "prefers mornings"}, token
    )
    assert status == 200 and changed["notes"] == "prefers mornings"
    reads = AuditLog.select().where(
        (AuditLog.entity == "customer") & (AuditLog.entity_id == str(customer_id))
    )
    assert {(e.actor, e.action) for e in reads} == {
        ("sms", "customer.create"),  # the texted booking made them
        (staff_id(gateway), "customer.read"),
        (staff_id(gateway), "customer.update"),
    }

    other = staff_token(gateway, clinic="+15550100002")
    assert http("GET", f"{gateway.url}/api/customers/{customer_id}", token=other)[0] == 404
    assert (
        http("PATCH", f"{gateway.url}/api/customers/{customer_id}", {"notes": "x"}, other)[0] == 404
    )
    _, _, theirs = http("GET", f"{gateway.url}/api/customers?q=ana", token=other)
    assert theirs["items"] == []
    for bad in ({"phone": "+1"}, {"notes": 3}, {}, {"email": "not an email"}):
        assert http("PATCH", f"{gateway.url}/api/customers/{customer_id}", bad, token)[0] == 400


def test_a_deactivated_login_stops_working_at_once(shared_gateway):
    gateway = shared_gateway
    token = staff_token(gateway)
    assert http("GET", gateway.url + "/api/threads", token=token)[0] == 200
    StaffUser.update(active=False).where(StaffUser.email == f"staff@{GLOW[1:]}.test").execute()
    try:
        status, _, body = http("GET", gateway.url + "/api/threads", token=token)
        assert status == 401 and "deactivated" in body["error"]["message"]
    finally:
        StaffUser.delete().where(StaffUser.email == f"staff@{GLOW[1:]}.test").execute()
    forged = make_token(gateway.settings.jwt_secret, gateway.clinics[GLOW], "admin", 600, 10**6)
    assert http("GET", gateway.url + "/api/threads", token=forged)[0] == 401  # no such user


def test_the_audit_log_is_the_owners(shared_gateway):
    gateway = shared_gateway
    url = gateway.url + "/api/audit"
    assert http("GET", url, token=staff_token(gateway))[0] == 403
    assert http("GET", url, token=staff_token(gateway, role="ops"))[0] == 403
    status, _, body = http("GET", url, token=staff_token(gateway, role="admin"))
    assert status == 200 and isinstance(body["items"], list)
    assert http("GET", url + "?from=yesterday", token=staff_token(gateway, role="admin"))[0] == 400
