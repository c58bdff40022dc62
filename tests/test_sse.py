"""Dashboard events over SSE: live delivery, Last-Event-ID replay, clinic isolation, heartbeat."""

from __future__ import annotations

import json
import urllib.request

import pytest

from actors.messages import Ok, SaveCustomer, new_corr
from tests.helpers import http

pytestmark = pytest.mark.multiproc


class EventStream:
    """A blocking SSE reader over a real HTTP connection."""

    def __init__(self, url: str, token: str, last_event_id: int | None = None):
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.response = urllib.request.urlopen(
            urllib.request.Request(url + "/api/events", headers=headers), timeout=10
        )

    def next_event(self) -> dict:
        """The next event (comments and heartbeats skipped)."""
        fields: dict = {}
        while True:
            line = self.response.readline().decode()
            if not line:
                raise EOFError("stream closed")
            line = line.rstrip("\n")
            if line == "":
                if "data" in fields:
                    return {
                        "id": int(fields["id"]),
                        "event": fields["event"],
                        **json.loads(fields["data"]),
                    }
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value

    def next_comment(self) -> str:
        while True:
            line = self.response.readline().decode()
            if line.startswith(":"):
                return line[1:].strip()

    def close(self):
        self.response.close()


def save_customer(gateway, clinic: str, phone: str, name: str):
    system = gateway.system
    message = SaveCustomer(new_corr(), gateway.clinics[clinic], phone, name)
    reply = system.ask(message, system.address("crm"))
    assert isinstance(reply, Ok)
    return reply.value


def test_event_is_delivered_live_to_the_clinics_stream(gateway):
    stream = EventStream(gateway.url, gateway.token())
    try:
        assert stream.next_comment().startswith("connected")
        customer = save_customer(gateway, "+15550100001", "+15555550123", "Ana")
        event = stream.next_event()
        assert event["event"] == "customer.created"
        assert event["data"] == {"customer_id": customer["id"]}
    finally:
        stream.close()


def test_reconnect_with_last_event_id_replays_what_was_missed(gateway):
    first = EventStream(gateway.url, gateway.token())
    first.next_comment()
    save_customer(gateway, "+15550100001", "+15555550101", "A")
    seen = first.next_event()
    first.close()
    save_customer(gateway, "+15550100001", "+15555550102", "B")  # while disconnected
    save_customer(gateway, "+15550100001", "+15555550103", "C")

    again = EventStream(gateway.url, gateway.token(), last_event_id=seen["id"])
    try:
        missed = [again.next_event(), again.next_event()]
    finally:
        again.close()
    assert [e["id"] for e in missed] == sorted(e["id"] for e in missed)
    assert all(e["id"] > seen["id"] for e in missed)
    assert [e["event"] for e in missed] == ["customer.created", "customer.created"]


def test_other_clinics_events_are_not_delivered(gateway):
    stream = EventStream(gateway.url, gateway.token("+15550100002"))
    try:
        stream.next_comment()
        save_customer(gateway, "+15550100001", "+15555550111", "Glow customer")
        mine = save_customer(gateway, "+15550100002", "+15555550112", "Align customer")
        event = stream.next_event()
        assert event["data"] == {"customer_id": mine["id"]}
        assert event["clinic_id"] == gateway.clinics["+15550100002"]
    finally:
        stream.close()


def test_idle_stream_sends_heartbeats(gateway):
    stream = EventStream(gateway.url, gateway.token())
    try:
        stream.next_comment()
        assert stream.next_comment() == "heartbeat"
    finally:
        stream.close()


def test_malformed_last_event_id_is_a_400(gateway):
    status, _, body = http(
        "GET",
        gateway.url + "/api/events",
        token=gateway.token(),
        headers={"Last-Event-ID": "abc"},
    )
    assert status == 400 and body["error"]["code"] == "invalid"
