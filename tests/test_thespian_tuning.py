"""Thespian's descriptions of messages (its debug and error logs) carry no message contents."""

from thespian.system.transport import ReceiveEnvelope, TransmitIntent

from actors import thespian_tuning
from actors.messages import sms_received

PHONE, TEXT = "+15555550123", "my name is Jane Doe and my botox is tomorrow"


def turn():
    return sms_received(1, "+15550100001", PHONE, 7, TEXT)


def test_a_message_in_flight_is_described_by_its_type_only():
    thespian_tuning.apply()
    for described in (
        TransmitIntent("target", turn()).identify(),
        str(TransmitIntent("target", turn())),
        ReceiveEnvelope("sender", turn()).identify(),
        str(ReceiveEnvelope("sender", turn())),
    ):
        assert "TextReceived" in described
        assert PHONE not in described and "Jane" not in described
