"""Production SMS sending: replies go out through Telnyx's messaging API, with retries."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.simulate import message_received
from gateway.telnyx_signature import sign
from store.models import Message, OptOut
from tests.conftest import make_settings, running_gateway
from tests.fakes.telnyx_messaging_server import FakeTelnyxMessaging
from tests.helpers import http, wait_until

pytestmark = pytest.mark.multiproc

GLOW = "+15550100001"


@pytest.fixture
def telnyx(tmp_path, monkeypatch):
    """The real gateway and actors configured for Telnyx, pointed at a local fake."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    monkeypatch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")
    with FakeTelnyxMessaging() as fake:
        settings = make_settings(
            tmp_path,
            TELNYX_API_KEY="KEY_test",
            TELNYX_PUBLIC_KEY=base64.b64encode(public).decode(),
            TELNYX_API_BASE=fake.url,
        )
        with running_gateway(settings, workers=2) as gateway:
            yield gateway, fake, key


def post(gateway, key, customer: str, body: str):
    raw = json.dumps(message_received(GLOW, customer, body)).encode()
    return http("POST", gateway.url + "/webhooks/telnyx/sms", raw, headers=sign(raw, key))


def test_reply_is_sent_through_the_messaging_api(telnyx):
    gateway, fake, key = telnyx
    assert post(gateway, key, "+15555550123", "HELP")[0] == 200
    (sent,) = fake.wait_for(1)
    assert sent["auth"] == "Bearer KEY_test"
    assert (sent["from"], sent["to"]) == (GLOW, "+15555550123")
    assert "Glow Med Spa" in sent["text"]
    out = wait_until(lambda: Message.get_or_none(Message.status == "sent"))
    assert out.external_id  # kept to match delivery-status webhooks


def test_transient_failures_are_retried_with_backoff(telnyx):
    gateway, fake, key = telnyx
    fake.fail_next(2, status=503)
    post(gateway, key, "+15555550123", "HELP")
    requests = fake.wait_for(3)
    assert len(requests) == 3
    assert wait_until(lambda: Message.get_or_none(Message.status == "sent"))


def test_carrier_blocked_number_is_recorded_as_opted_out_and_not_retried(telnyx):
    gateway, fake, key = telnyx
    fake.blocked.add("+15555550666")
    post(gateway, key, "+15555550666", "HELP")
    failed = wait_until(lambda: Message.get_or_none(Message.status == "failed"))
    assert "blocked" in failed.error
    assert len(fake.requests) == 1
    assert OptOut.get(OptOut.phone == "+15555550666").active


def test_webhook_signed_with_another_key_is_refused(telnyx):
    gateway, fake, _ = telnyx
    stranger = Ed25519PrivateKey.generate()
    assert post(gateway, stranger, "+15555550123", "HELP")[0] == 401
    assert fake.requests == []


def test_a_text_whose_answer_was_lost_is_never_sent_again_and_its_webhook_settles_it(telnyx):
    """Telnyx took the text but the answer never came back: resending could text the customer
    twice, so it is left uncertain until Telnyx's own delivery webhook says what happened."""
    from store.models import SendAttempt
    from store.send_attempts import unclaimed_queued

    gateway, fake, key = telnyx
    fake.drop_next(1)
    post(gateway, key, "+15555550123", "HELP")
    (taken,) = fake.wait_for(1)
    attempt = wait_until(lambda: SendAttempt.get_or_none(SendAttempt.outcome == "uncertain"))
    message = Message.get_by_id(attempt.message_id)
    assert message.status == "queued" and unclaimed_queued(50) == []  # the sweep leaves it
    assert len(fake.requests) == 1

    delivered = {
        "data": {
            "event_type": "message.finalized",
            "id": "evt-lost-answer",
            "payload": {
                "id": "40317ad2-telnyx-side-id",
                "from": {"phone_number": GLOW},
                "to": [{"phone_number": "+15555550123", "status": "delivered"}],
                "text": taken["text"],
            },
        }
    }
    raw = json.dumps(delivered).encode()
    assert http("POST", gateway.url + "/webhooks/telnyx/sms", raw, headers=sign(raw, key))[0] == 200
    settled = Message.get_by_id(message.id)
    assert (settled.status, settled.external_id) == ("delivered", "40317ad2-telnyx-side-id")
    assert SendAttempt.get_by_id(attempt.id).outcome == "reconciled"
    assert len(fake.requests) == 1
