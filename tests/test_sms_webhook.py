"""The SMS webhook: signed, idempotent, persisted before 200; carrier keywords and opt-outs."""

from __future__ import annotations

import json
import time

import pytest

from cli.simulate import message_received
from store.models import Message, OptOut, SmsThread, WebhookEvent
from tests.helpers import http
from tests.sms_helpers import GLOW, post_event, text

pytestmark = pytest.mark.multiproc


def test_unsigned_webhook_is_401_and_stores_nothing(shared_gateway):
    body = json.dumps(message_received(GLOW, "+15555550123", "hi")).encode()
    status, _, answer = http("POST", shared_gateway.url + "/webhooks/telnyx/sms", body)
    assert status == 401 and answer["error"]["code"] == "invalid_signature"
    assert not Message.select().exists() and not WebhookEvent.select().exists()


def test_tampered_body_is_401(shared_gateway):
    event = message_received(GLOW, "+15555550123", "hi")
    good = json.dumps(event).encode()
    from gateway.telnyx_signature import sign
    from store.secrets import load_signing_key

    headers = sign(good, load_signing_key(shared_gateway.settings.dev_signing_key_path))
    tampered = good.replace(b"hi", b"yo")
    status, _, _ = http(
        "POST", shared_gateway.url + "/webhooks/telnyx/sms", tampered, headers=headers
    )
    assert status == 401


def test_stale_timestamp_is_refused_as_a_replay(shared_gateway):
    event = message_received(GLOW, "+15555550123", "hi")
    status, _, answer = post_event(shared_gateway, event, timestamp=int(time.time()) - 301)
    assert status == 401 and answer["error"]["message"] == "stale timestamp"


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b'{"data": {"id": "x", "event_type": "message.received"}}',
        b'{"data": {"id": "x", "event_type": "message.received", "payload": {"text": "hi"}}}',
    ],
)
def test_malformed_events_are_400(shared_gateway, raw):
    status, _, answer = post_event(shared_gateway, {}, raw=raw)
    assert status == 400 and "error" in answer
    assert not Message.select().exists()


def test_bad_sender_number_is_400(shared_gateway):
    status, _, _ = post_event(shared_gateway, message_received(GLOW, "555-0123", "hi"))
    assert status == 400


def test_unknown_clinic_number_is_404_and_stored_nowhere(shared_gateway):
    status, _, answer = post_event(
        shared_gateway, message_received("+15550109999", "+15555550123", "hi")
    )
    assert status == 404 and answer["error"]["code"] == "unknown_number"
    assert not WebhookEvent.select().exists() and not SmsThread.select().exists()


def test_redelivered_event_changes_nothing(gateway):
    event = message_received(GLOW, "+15555550123", "HELP")
    assert post_event(gateway, event)[2]["status"] == "accepted"
    assert post_event(gateway, event)[2]["status"] == "duplicate"
    assert Message.select().where(Message.direction == "in").count() == 1


def test_inbound_text_is_stored_before_the_acknowledgement(gateway):
    post_event(gateway, message_received(GLOW, "+15555550123", "HELP"))
    stored = Message.get(Message.direction == "in")  # no waiting: the 200 came after the commit
    assert stored.text == "HELP" and stored.thread.customer_phone == "+15555550123"


def test_help_answers_with_the_clinic_name_and_a_contact(gateway):
    (reply,) = text(gateway, "help")
    assert "Glow Med Spa" in reply and "+15550100091" in reply and "STOP" in reply


@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe", "QUIT", "stop all", "End"])
def test_stop_keywords_opt_out_with_one_confirmation(gateway, word):
    (confirmation,) = text(gateway, word)
    assert "unsubscribed" in confirmation
    assert OptOut.get(OptOut.phone == "+15555550123").active
    assert text(gateway, "hi, can I book a facial?") == []  # nothing more is sent


def test_free_text_opt_out_is_honoured(gateway):
    (confirmation,) = text(gateway, "please stop texting me")
    assert "unsubscribed" in confirmation
    assert text(gateway, "HELP") != []  # HELP still answers (carrier rules)
    assert text(gateway, "what are your hours") == []


def test_start_opts_back_in(gateway):
    text(gateway, "STOP")
    (welcome,) = text(gateway, "START")
    assert "resubscribed" in welcome
    assert not OptOut.get(OptOut.phone == "+15555550123").active


def test_delivery_status_webhook_updates_the_outbound_message(gateway):
    text(gateway, "HELP")
    out = Message.get(Message.direction == "out")
    Message.update(external_id="msg-1").where(Message.id == out.id).execute()
    event = {
        "data": {
            "id": "evt-status-1",
            "event_type": "message.finalized",
            "payload": {
                "id": "msg-1",
                "to": [{"phone_number": "+15555550123", "status": "delivered"}],
            },
        }
    }
    assert post_event(gateway, event)[0] == 200
    assert Message.get_by_id(out.id).status == "delivered"


def test_a_text_with_no_words_still_gets_an_answer(gateway):
    """A picture message carries an empty text: the knowledge base refuses to understand it,
    and the turn must still reach the conversation (and the customer hear back)."""
    (reply,) = text(gateway, "")
    assert reply.strip()
    (reply,) = text(gateway, "What are your hours?")
    assert "9" in reply or "am" in reply.lower()


@pytest.mark.env(VRAI_KNOWLEDGE_ACTORS="2")
def test_texts_are_understood_by_the_knowledge_actor_their_thread_hashes_to(gateway):
    """Embedding a text costs ~6 ms of CPU, so understanding is spread over
    ``VRAI_KNOWLEDGE_ACTORS``; the second one answers from what was written through the first."""
    from actors.messages import KbAnswer, KbIngest, knowledge_actor_for, new_corr

    policy = "Parking: free parking is in the garage behind the clinic, level 2."
    ingest = KbIngest(new_corr(), 1, "Parking", policy)
    # Generous bounds: both actors load the model at start, and ingesting embeds.
    assert gateway.system.ask(ingest, gateway.system.address("knowledge"), timeout_s=60).value
    question = KbAnswer(new_corr(), 1, "Where can I park?")
    answer = gateway.system.ask(question, gateway.system.address("knowledge-1"), timeout_s=60)
    assert answer.value["found"] and "garage" in answer.value["text"]
    customer = next(
        f"+1555555{n:04d}"
        for n in range(100)
        if knowledge_actor_for(f"{GLOW}:+1555555{n:04d}", 2) == "knowledge-1"
    )
    replies = text(gateway, "Where can I park?", customer=customer)
    assert "garage" in " ".join(replies)


@pytest.mark.env(VRAI_SMS_SUPERVISORS="2")
def test_threads_are_spread_over_the_sms_supervisors_each_owning_its_own(gateway):
    """Each SMS supervisor's cost per message grows with its children, so threads are spread
    over ``VRAI_SMS_SUPERVISORS`` of them by a stable hash of the thread's key."""
    from actors.messages import ListActors, new_corr, sms_supervisor_for, sms_supervisors

    names = sms_supervisors(gateway.settings.sms_supervisors)
    assert len(names) == 2
    customers = [f"+1555555{n:04d}" for n in range(8)]
    for customer in customers:
        assert text(gateway, "help", customer=customer)
    owned = {}
    for name in names:
        listing = gateway.system.ask(ListActors(new_corr()), gateway.system.address(name))
        owned[name] = {info.name for info in listing.value}
    keys = {f"{GLOW}:{customer}" for customer in customers}
    assert set().union(*owned.values()) == keys
    assert all(owned[name] for name in names)  # 8 threads, two supervisors: both have some
    for name, held in owned.items():
        assert all(sms_supervisor_for(key, len(names)) == name for key in held)


def test_a_text_after_the_knowledge_actor_restarted_is_routed_to_its_new_address(gateway):
    """The gateway keeps the addresses it read; a restarted actor has a new one, and Thespian
    drops a tell to the old one without a word. Every text after a knowledge actor restart
    then waited for the supervisors' sweep of unhandled texts (``SWEEP_AFTER_S``, 10 s). The
    root's ``actor.restarted`` event now makes the gateway read the directory again."""
    import os
    import signal

    from actors.conversation_supervisor import SWEEP_AFTER_S
    from tests.helpers import wait_until

    assert text(gateway, "HELP")  # the gateway has read the directory
    before = gateway.system.actors()["service:knowledge"]
    os.kill(before.pid, signal.SIGKILL)
    wait_until(
        lambda: (
            (c := gateway.system.actors()["service:knowledge"]).pid not in (None, before.pid)
            and c.state == "running"
        ),
        timeout_s=30,
    )
    for _ in range(2):  # the first text after the restart, and the one after it
        started = time.monotonic()
        replies = text(gateway, "HELP")  # asserts the webhook's 200 and waits for the turn
        assert replies and "Glow Med Spa" in replies[0], replies
        # A swept text is one unhandled for SWEEP_AFTER_S: this one was routed, not swept.
        assert time.monotonic() - started < SWEEP_AFTER_S
