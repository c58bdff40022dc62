"""Patient details never reach a log line."""

from __future__ import annotations

import json
import logging

from store.logs import JsonFormatter, RedactingFilter, redact


def render(msg, *args, **extra) -> dict:
    record = logging.LogRecord("vrai.test", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    RedactingFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_phone_numbers_are_masked_in_messages_and_arguments():
    line = render("text from %s to %s", "+15555550123", "(555) 010-0001")
    assert "5555550123" not in line["msg"] and "010-0001" not in line["msg"]
    assert line["msg"] == "text from +***23 to +***01"


def test_personal_fields_passed_as_extra_are_dropped():
    line = render("inbound sms", text="I have a rash", caller="Jane Doe", request_id="r1")
    assert line["text"] == "[redacted]" and line["caller"] == "[redacted]"
    assert line["request_id"] == "r1"
    assert line["logger"] == "vrai.test"  # the logger's own name is not personal data


def test_plain_numbers_are_left_alone():
    assert redact("took 1234 ms, 3 retries") == "took 1234 ms, 3 retries"
