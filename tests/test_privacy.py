"""Privacy: ops see the machine and never the patients; what a clinic chose to keep is all it
keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.privacy import opaque_actor_id, redacted, visible_event
from store.db import write
from store.events import record_event
from store.fields import utcnow
from store.models import Call, CallEvent, Clinic, ConversationCheckpoint, DashboardEvent, Message
from store.retention import REMOVED, apply_retention
from store.sms import record_message, thread_for
from tests.test_sse import EventStream

GLOW, ALIGN = "+15550100001", "+15550100002"
SMS_ACTOR = "sms:+15550100001:+15555550123"


def test_a_conversation_actor_id_is_opaque_to_ops_and_stable():
    ref = opaque_actor_id(SMS_ACTOR)
    assert "555" not in ref and ref.startswith("sms:anon-")
    assert opaque_actor_id(SMS_ACTOR) == ref != opaque_actor_id("sms:+15550100001:+15555550124")
    assert opaque_actor_id("calendar") == "calendar"
    assert opaque_actor_id(ref) == ref


def test_patient_fields_are_dropped_at_any_depth():
    event = {"actor_id": SMS_ACTOR, "customer": {"name": "Ana", "phone": "+1555"}, "restarts": 2}
    assert redacted(event) == {"actor_id": opaque_actor_id(SMS_ACTOR), "restarts": 2}
    assert redacted([{"text": "my rash", "id": 3}]) == [{"id": 3}]


def test_ops_are_sent_only_actor_events():
    transcript = {"type": "call.transcript", "data": {"text": "my name is Ana"}}
    restart = {"type": "actor.restarted", "data": {"actor_id": SMS_ACTOR, "restarts": 1}}
    assert visible_event("ops", transcript) is None
    assert visible_event("ops", restart)["data"]["actor_id"] == opaque_actor_id(SMS_ACTOR)
    assert visible_event("staff", transcript) == transcript
    assert visible_event("admin", restart) == restart


@pytest.mark.multiproc
def test_an_ops_stream_carries_no_patient_details(gateway):
    """Over the real SSE stream, replaying from the start: staff see the clinic's events, ops
    only the actors', with the conversation's numbers gone; the other clinic sees neither."""
    clinic = gateway.clinics[GLOW]
    with write():
        record_event(clinic, "call.transcript", {"call_id": 1, "role": "caller", "text": "Ana"})
        record_event(clinic, "actor.restarted", {"actor_id": SMS_ACTOR, "restarts": 1})
        record_event(clinic, "message.received", {"thread_id": 1, "message_id": 1})
    last = DashboardEvent.select().order_by(DashboardEvent.id.desc()).first().id

    def replay(role, clinic_phone=GLOW):
        stream = EventStream(gateway.url, gateway.token(clinic_phone, role), last_event_id=0)
        try:
            seen = []
            while not seen or seen[-1]["id"] < last:
                seen.append(stream.next_event())
                if role == "ops" and seen[-1]["event"].startswith("actor."):
                    break
            return seen
        finally:
            stream.close()

    staff = replay("staff")
    assert [e["event"] for e in staff][-3:] == [
        "call.transcript",
        "actor.restarted",
        "message.received",
    ]
    ops = replay("ops")
    assert [e["event"] for e in ops] == ["actor.restarted"]
    assert "555" not in str(ops)
    assert ops[0]["data"]["actor_id"] == opaque_actor_id(SMS_ACTOR)


def _age(model, row_id: int, days: int) -> None:
    field = model.updated_at if model is ConversationCheckpoint else model.created_at
    model.update({field: utcnow() - timedelta(days=days)}).where(model.id == row_id).execute()


def test_retention_redacts_only_what_is_past_the_clinics_period(database):
    glow, align = database[GLOW], database[ALIGN]
    Clinic.update(retention_days=30).where(Clinic.id == glow).execute()
    with write():
        old = record_message(thread_for(glow, "+15555550123"), "in", "my rash is back", "handled")
        new = record_message(thread_for(glow, "+15555550123"), "in", "see you then", "handled")
        kept = record_message(thread_for(align, "+15555550123"), "in", "old but kept", "handled")
        call = Call.create(
            clinic=glow, call_control_id="cc-1", from_phone="+15555550123", to_phone=GLOW
        )
        line = CallEvent.create(clinic=glow, call=call, kind="transcript", text="I'm Ana")
        latency = CallEvent.create(clinic=glow, call=call, kind="latency", data={"ms": 400})
        shown = record_event(glow, "call.transcript", {"call_id": call.id, "text": "I'm Ana"})
        checkpoint = ConversationCheckpoint.create(
            clinic=glow, kind="sms", key="k", state={"history": ["my rash"]}
        )
    for model, row in (
        (Message, old),
        (Message, kept),
        (CallEvent, line),
        (CallEvent, latency),
        (DashboardEvent, shown),
        (ConversationCheckpoint, checkpoint),
    ):
        _age(model, row.id, 40)

    assert apply_retention()[glow] == 4
    assert Message.get_by_id(old.id).text == REMOVED
    assert Message.get_by_id(new.id).text == "see you then"
    assert Message.get_by_id(kept.id).text == "old but kept"  # that clinic keeps everything
    assert CallEvent.get_by_id(line.id).text == REMOVED
    assert CallEvent.get_by_id(latency.id).data == {"ms": 400}  # figures stay for analytics
    assert DashboardEvent.get_or_none(DashboardEvent.id == shown.id) is None
    assert ConversationCheckpoint.get_or_none(ConversationCheckpoint.id == checkpoint.id) is None
    assert apply_retention()[glow] == 0  # a second run changes nothing


@pytest.mark.multiproc
def test_ops_see_the_clinics_actors_without_its_customers_numbers(gateway):
    from tests.helpers import http
    from tests.sms_helpers import text

    text(gateway, "what are your hours?", customer="+15555550123")
    real = f"sms:{GLOW}:+15555550123"

    def actors(role, clinic=GLOW):
        status, _, body = http(
            "GET", gateway.url + "/api/ops/actors", token=gateway.token(clinic, role)
        )
        assert status == 200
        return body["items"]

    as_ops = actors("ops")
    assert "+1555555" not in str(as_ops)  # neither the customer's number nor the clinic's
    assert opaque_actor_id(real) in {a["id"] for a in as_ops}
    assert {"service:calendar", "service:notifier"} <= {a["id"] for a in as_ops}  # all the machine
    assert real in {a["id"] for a in actors("admin")}
    assert opaque_actor_id(real) not in {a["id"] for a in actors("ops", ALIGN)}

    url = f"{gateway.url}/api/ops/actors/{opaque_actor_id(real)}/restart"
    status, _, body = http("POST", url, None, gateway.token(GLOW, "ops"))
    assert status == 202 and body["restarted"]["id"] == opaque_actor_id(real)
    assert http("POST", url, None, gateway.token(ALIGN, "ops"))[0] == 404
    raw = f"{gateway.url}/api/ops/actors/{real}/restart"
    assert http("POST", raw, None, gateway.token(GLOW, "ops"))[0] == 404  # ops use the reference
