"""One contract, every SmsSender backend: what the notifier relies on, whichever sends."""

from __future__ import annotations

import base64

import pytest

from actors.sms.senders import SMS_SENDERS, Delivered, NotSent, OutboundText, make_sms_sender
from tests.conftest import make_settings
from tests.fakes.telnyx_messaging_server import FakeTelnyxMessaging

TELNYX_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(params=SMS_SENDERS)
def sender(request, tmp_path):
    """Each backend, the production one pointed at a local server speaking Telnyx's API."""
    if request.param == "outbox":
        yield make_sms_sender(make_settings(tmp_path)), None
        return
    with FakeTelnyxMessaging() as telnyx:
        settings = make_settings(
            tmp_path,
            TELNYX_API_KEY="KEY_TEST",
            TELNYX_PUBLIC_KEY=TELNYX_KEY,
            TELNYX_API_BASE=telnyx.url,
        )
        yield make_sms_sender(settings), telnyx


def texts(*numbers: str) -> list[OutboundText]:
    return [
        OutboundText(n, "+15550100001", number, f"Hello {n}") for n, number in enumerate(numbers, 1)
    ]


def test_the_backend_is_the_one_the_settings_name(sender):
    backend, telnyx = sender
    assert backend.name == ("outbox" if telnyx is None else "telnyx")
    assert backend.new_status == ("outbox" if telnyx is None else "queued")


def test_every_text_gets_one_result_in_order(sender):
    backend, _ = sender
    results = backend.send(texts("+15555550101", "+15555550102", "+15555550103"))
    assert len(results) == 3
    assert all(isinstance(r, Delivered | NotSent) for r in results)


def test_nothing_to_send_sends_nothing(sender):
    backend, telnyx = sender
    assert backend.send([]) == []
    assert telnyx is None or telnyx.requests == []


def test_a_text_either_reaches_the_carrier_or_says_where_it_stays(sender):
    backend, telnyx = sender
    [result] = backend.send(texts("+15555550101"))
    if telnyx is None:  # no carrier: kept in the outbox, never dropped
        assert isinstance(result, NotSent) and result.final_status == "outbox"
    else:
        assert isinstance(result, Delivered) and result.external_id
        [sent] = telnyx.requests
        assert (sent["from"], sent["to"], sent["text"]) == (
            "+15550100001",
            "+15555550101",
            "Hello 1",
        )
        assert sent["auth"] == "Bearer KEY_TEST"


def test_a_number_blocked_after_stop_is_reported_blocked_not_retried(sender):
    backend, telnyx = sender
    if telnyx is None:
        pytest.skip("the outbox reaches no carrier that could block a number")
    telnyx.blocked.add("+15555550102")
    ok, blocked = backend.send(texts("+15555550101", "+15555550102"))
    assert isinstance(ok, Delivered)
    assert isinstance(blocked, NotSent) and blocked.blocked and blocked.final_status == "failed"
    assert [r["to"] for r in telnyx.requests].count("+15555550102") == 1


def test_a_carrier_hiccup_is_retried_with_the_same_text(sender):
    backend, telnyx = sender
    if telnyx is None:
        pytest.skip("the outbox has no carrier to hiccup")
    telnyx.fail_next(1, 503)
    [result] = backend.send(texts("+15555550101"))
    assert isinstance(result, Delivered)
    assert [r["text"] for r in telnyx.requests] == ["Hello 1", "Hello 1"]
